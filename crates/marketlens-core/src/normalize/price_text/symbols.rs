//! Currency markers: symbols and words (`€`, `US$`, `zł`, `руб.`, `euros`), ISO codes
//! written in the text, and how a marker becomes a currency with the shop's hint and
//! the market (see [`super`] for the rules).

use crate::domain::{CurrencyCode, Market};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurrencyFinding {
    /// From the text (ambiguous symbols resolved), or the hint when the text has none.
    Found(CurrencyCode),
    /// A symbol such as `kr` that neither the hint nor the market resolves.
    Ambiguous(String),
    /// A currency ISO 4217 does not list (any more): `DEM`, `kn`, `₿`, `تومان`.
    Unsupported(String),
    /// No currency in the text and no hint.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cur {
    One(&'static str),
    /// An ISO code written in the text.
    Iso(CurrencyCode),
    /// Candidates, usual meaning.
    Amb(&'static [&'static str], Option<&'static str>),
    Unsupported,
}

impl Cur {
    pub(super) fn is_explicit(self) -> bool {
        !matches!(self, Cur::Amb(..))
    }
}

/// Case-insensitive match.
pub(super) const CI: u8 = 1;
/// Counts only next to an amount.
pub(super) const ADJ: u8 = 2;
/// No word boundary needed (CJK text has no spaces).
pub(super) const NOB: u8 = 4;

pub(super) struct Sym {
    pub(super) text: &'static str,
    pub(super) cur: Cur,
    pub(super) flags: u8,
}

const fn s(text: &'static str, cur: Cur, flags: u8) -> Sym {
    Sym { text, cur, flags }
}

const DOLLARS: &[&str] = &[
    "USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "ARS", "CLP", "COP", "UYU", "BSD",
    "BBD", "BZD", "BMD", "BND", "FJD", "GYD", "JMD", "KYD", "LRD", "NAD", "SBD", "SRD", "TTD",
    "XCD", "CUP", "DOP",
];
const POUNDS: &[&str] = &[
    "GBP", "EGP", "GIP", "FKP", "SHP", "SYP", "LBP", "SSP", "SDG",
];
const YEN: &[&str] = &["JPY", "CNY"];
const KRONA: &[&str] = &["SEK", "NOK", "DKK", "ISK"];
const RUPEES: &[&str] = &["INR", "PKR", "LKR", "NPR", "MUR", "SCR"];
const RUBLES: &[&str] = &["RUB", "BYN"];
const LEI: &[&str] = &["RON", "MDL"];
const BR: &[&str] = &["BYN", "ETB"];
const BS: &[&str] = &["VES", "BOB"];
const FLORINS: &[&str] = &["ANG", "AWG", "XCG"];
const CFA: &[&str] = &["XOF", "XAF"];
const DIRHAMS: &[&str] = &["AED", "MAD"];
const RIYALS: &[&str] = &["SAR", "QAR", "OMR", "YER", "IRR"];
const JUNAYH: &[&str] = &["EGP", "SDG", "SSP"];
const C_DOLLAR: &[&str] = &["CAD", "NIO"];
const FRANCS: &[&str] = &[
    "CHF", "XOF", "XAF", "XPF", "BIF", "CDF", "DJF", "GNF", "KMF", "RWF",
];
const PESOS: &[&str] = &["MXN", "ARS", "CLP", "COP", "UYU", "PHP", "DOP", "CUP"];
const DINARS: &[&str] = &[
    "KWD", "BHD", "JOD", "IQD", "LYD", "TND", "DZD", "RSD", "MKD",
];
const RAND: &[&str] = &["ZAR"];

use Cur::{Amb, One, Unsupported};

/// Currency symbols and words. ISO codes are recognised separately.
const SYMBOLS: &[Sym] = &[
    // Euro, dollars, pounds, yen.
    s("€", One("EUR"), 0),
    s("euro", One("EUR"), CI | ADJ),
    s("euros", One("EUR"), CI | ADJ),
    s("$", Amb(DOLLARS, Some("USD")), 0),
    s("dollar", Amb(DOLLARS, Some("USD")), CI | ADJ),
    s("dollars", Amb(DOLLARS, Some("USD")), CI | ADJ),
    s("US$", One("USD"), 0),
    s("US $", One("USD"), 0),
    s("U.S.$", One("USD"), 0),
    s("U.S.", One("USD"), ADJ),
    s("$US", One("USD"), 0),
    s("$ US", One("USD"), 0),
    s("C$", Amb(C_DOLLAR, Some("CAD")), 0),
    s("CA$", One("CAD"), 0),
    s("CAN$", One("CAD"), 0),
    s("Can$", One("CAD"), 0),
    s("$CA", One("CAD"), 0),
    s("$ CA", One("CAD"), 0),
    s("$CAN", One("CAD"), 0),
    s("$ CAN", One("CAD"), 0),
    s("A$", One("AUD"), 0),
    s("AU$", One("AUD"), 0),
    s("AU $", One("AUD"), 0),
    s("$AU", One("AUD"), 0),
    s("$ AU", One("AUD"), 0),
    s("NZ$", One("NZD"), 0),
    s("$NZ", One("NZD"), 0),
    s("$ NZ", One("NZD"), 0),
    s("S$", One("SGD"), 0),
    s("SG$", One("SGD"), 0),
    s("HK$", One("HKD"), 0),
    s("NT$", One("TWD"), 0),
    s("NT", One("TWD"), ADJ),
    s("MX$", One("MXN"), 0),
    s("Mex$", One("MXN"), 0),
    s("Col$", One("COP"), 0),
    s("R$", One("BRL"), 0),
    s("RD$", One("DOP"), 0),
    s("J$", One("JMD"), 0),
    s("BZ$", One("BZD"), 0),
    s("TT$", One("TTD"), 0),
    s("T$", One("TOP"), 0),
    s("G$", One("GYD"), 0),
    s("GY$", One("GYD"), 0),
    s("MOP$", One("MOP"), 0),
    s("N$", One("NAD"), 0),
    s("EC$", One("XCD"), 0),
    s("FJ$", One("FJD"), 0),
    s("SI$", One("SBD"), 0),
    s("WS$", One("WST"), 0),
    s("Bds$", One("BBD"), 0),
    s("CI$", One("KYD"), 0),
    s("L$", One("LRD"), 0),
    s("B$", One("BND"), 0),
    s("BD$", One("BMD"), 0),
    s("$U", One("UYU"), 0),
    s("$b", One("BOB"), 0),
    s("CUC$", Unsupported, 0),
    s("Z$", Unsupported, 0),
    s("£", Amb(POUNDS, Some("GBP")), 0),
    s("₤", Amb(POUNDS, Some("GBP")), 0),
    s("E£", One("EGP"), 0),
    s("pound", Amb(POUNDS, Some("GBP")), CI | ADJ),
    s("pounds", Amb(POUNDS, Some("GBP")), CI | ADJ),
    s("stg", One("GBP"), CI | ADJ),
    s("sterling", One("GBP"), CI | ADJ),
    s("¥", Amb(YEN, Some("JPY")), 0),
    s("円", One("JPY"), NOB),
    s("yen", One("JPY"), CI | ADJ),
    s("元", One("CNY"), NOB),
    s("圆", One("CNY"), NOB),
    s("人民币", One("CNY"), NOB),
    s("RMB", One("CNY"), 0),
    s("yuan", One("CNY"), CI | ADJ),
    s("원", One("KRW"), NOB),
    s("₩", One("KRW"), 0),
    // Europe.
    s("CHF", One("CHF"), 0),
    s("Fr.", One("CHF"), CI | ADJ),
    s("SFr", One("CHF"), CI | ADJ),
    s("kr", Amb(KRONA, None), CI | ADJ),
    s("krona", Amb(KRONA, None), CI | ADJ),
    s("kronor", Amb(KRONA, None), CI | ADJ),
    s("krone", Amb(KRONA, None), CI | ADJ),
    s("kroner", Amb(KRONA, None), CI | ADJ),
    s("zł", One("PLN"), CI),
    s("zl", One("PLN"), CI | ADJ),
    s("złoty", One("PLN"), CI),
    s("zloty", One("PLN"), CI | ADJ),
    s("złotych", One("PLN"), CI),
    s("Kč", One("CZK"), CI),
    s("Kc", One("CZK"), ADJ),
    s("koruna", One("CZK"), CI | ADJ),
    s("korun", One("CZK"), CI | ADJ),
    s("Ft", One("HUF"), ADJ),
    s("forint", One("HUF"), CI | ADJ),
    s("lei", Amb(LEI, Some("RON")), CI | ADJ),
    s("leu", Amb(LEI, Some("RON")), CI | ADJ),
    s("лв", One("BGN"), CI),
    s("ден", One("MKD"), CI),
    s("дин", One("RSD"), CI),
    s("din", One("RSD"), CI | ADJ),
    s("dinara", One("RSD"), CI | ADJ),
    s("KM", One("BAM"), ADJ),
    s("км", One("BAM"), CI | ADJ),
    s("Lek", One("ALL"), CI | ADJ),
    s("Lekë", One("ALL"), CI | ADJ),
    s("kn", Unsupported, ADJ),
    s("₽", One("RUB"), 0),
    s("руб", Amb(RUBLES, Some("RUB")), CI),
    s("рублей", Amb(RUBLES, Some("RUB")), CI),
    s("рубля", Amb(RUBLES, Some("RUB")), CI),
    s("рубль", Amb(RUBLES, Some("RUB")), CI),
    s("рубли", Amb(RUBLES, Some("RUB")), CI),
    s("р", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("Rbl", One("RUB"), ADJ),
    s("ruble", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("rubles", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("rouble", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("roubles", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("Br", Amb(BR, Some("BYN")), ADJ),
    s("₴", One("UAH"), 0),
    s("грн", One("UAH"), CI),
    s("hrn", One("UAH"), CI | ADJ),
    s("hryvnia", One("UAH"), CI | ADJ),
    s("hryvnias", One("UAH"), CI | ADJ),
    s("₺", One("TRY"), 0),
    s("TL", One("TRY"), ADJ),
    s("YTL", One("TRY"), ADJ),
    s("₾", One("GEL"), 0),
    s("lari", One("GEL"), CI | ADJ),
    s("ლარი", One("GEL"), 0),
    s("ლ", One("GEL"), ADJ),
    s("֏", One("AMD"), 0),
    s("₼", One("AZN"), 0),
    s("₸", One("KZT"), 0),
    s("тг", One("KZT"), CI),
    // Middle East, Asia, Africa, Americas.
    s("₪", One("ILS"), 0),
    s("ש\"ח", One("ILS"), 0),
    s("ש״ח", One("ILS"), 0),
    s("ש'ח", One("ILS"), 0),
    s("ש”ח", One("ILS"), 0),
    s("ש.ח", One("ILS"), 0),
    s("nis", One("ILS"), CI | ADJ),
    s("shekel", One("ILS"), CI | ADJ),
    s("shekels", One("ILS"), CI | ADJ),
    s("ش.ج", One("ILS"), 0),
    s("₹", One("INR"), 0),
    s("र", One("INR"), ADJ),
    s("Rs", Amb(RUPEES, Some("INR")), ADJ),
    s("rupee", Amb(RUPEES, Some("INR")), CI | ADJ),
    s("rupees", Amb(RUPEES, Some("INR")), CI | ADJ),
    s("රු", One("LKR"), 0),
    s("৳", One("BDT"), 0),
    s("Nu", One("BTN"), ADJ),
    s("Rf", One("MVR"), ADJ),
    s("؋", One("AFN"), 0),
    s("₫", One("VND"), 0),
    s("đ", One("VND"), ADJ),
    s("VNĐ", One("VND"), 0),
    s("฿", One("THB"), 0),
    s("บาท", One("THB"), 0),
    s("baht", One("THB"), CI | ADJ),
    s("₱", One("PHP"), 0),
    s("RM", One("MYR"), ADJ),
    s("ringgit", One("MYR"), CI | ADJ),
    s("Rp", One("IDR"), ADJ),
    s("rupiah", One("IDR"), CI | ADJ),
    s("₭", One("LAK"), 0),
    s("៛", One("KHR"), 0),
    s("₮", One("MNT"), 0),
    s("Ks", One("MMK"), ADJ),
    s("so'm", One("UZS"), CI | ADJ),
    s("soʻm", One("UZS"), CI | ADJ),
    s("сўм", One("UZS"), CI),
    s("د.إ", One("AED"), 0),
    s("درهم", Amb(DIRHAMS, Some("AED")), 0),
    s("Dh", Amb(DIRHAMS, Some("AED")), ADJ),
    s("Dhs", Amb(DIRHAMS, Some("AED")), ADJ),
    s("DH", Amb(DIRHAMS, Some("AED")), ADJ),
    s("د.م", One("MAD"), 0),
    s("ر.س", One("SAR"), 0),
    s("ريال", Amb(RIYALS, None), 0),
    s("ریال", One("IRR"), 0),
    s("ر.ق", One("QAR"), 0),
    s("ر.ع", One("OMR"), 0),
    s("ر.ي", One("YER"), 0),
    s("د.ك", One("KWD"), 0),
    s("دينار كويتي", One("KWD"), 0),
    s("KD", One("KWD"), ADJ),
    s("د.ب", One("BHD"), 0),
    s(".د.ب", One("BHD"), 0),
    s("BD", One("BHD"), ADJ),
    s("د.ت", One("TND"), 0),
    s("DT", One("TND"), ADJ),
    s("د.ل", One("LYD"), 0),
    s("ل.د", One("LYD"), 0),
    s("LD", One("LYD"), ADJ),
    s("د.ج", One("DZD"), 0),
    s("دج", One("DZD"), 0),
    s("د.ع", One("IQD"), 0),
    s("ع.د", One("IQD"), 0),
    s("د.أ", One("JOD"), 0),
    s("د.ا", One("JOD"), 0),
    s("دينار أردني", One("JOD"), 0),
    s("JD", One("JOD"), ADJ),
    s("دينار", Amb(DINARS, None), 0),
    s("dinar", Amb(DINARS, None), CI | ADJ),
    s("dinars", Amb(DINARS, None), CI | ADJ),
    s("ج.م", One("EGP"), 0),
    s("جنيه", Amb(JUNAYH, Some("EGP")), 0),
    s("ج.س", One("SDG"), 0),
    s("ل.ل", One("LBP"), 0),
    s("ل.س", One("SYP"), 0),
    s("تومان", Unsupported, 0),
    s("toman", Unsupported, CI | ADJ),
    s("tomans", Unsupported, CI | ADJ),
    s("₦", One("NGN"), 0),
    s("₵", One("GHS"), 0),
    s("GH₵", One("GHS"), 0),
    s("R", Amb(RAND, Some("ZAR")), ADJ),
    s("KSh", One("KES"), ADJ),
    s("KShs", One("KES"), ADJ),
    s("Ksh", One("KES"), ADJ),
    s("USh", One("UGX"), ADJ),
    s("TSh", One("TZS"), ADJ),
    s("FRw", One("RWF"), ADJ),
    s("Frw", One("RWF"), ADJ),
    s("RF", One("RWF"), ADJ),
    s("R₣", One("RWF"), 0),
    s("FBu", One("BIF"), CI | ADJ),
    s("Fdj", One("DJF"), ADJ),
    s("FG", One("GNF"), ADJ),
    s("CFA", Amb(CFA, None), ADJ),
    s("FCFA", Amb(CFA, None), ADJ),
    s("franc", Amb(FRANCS, None), CI | ADJ),
    s("francs", Amb(FRANCS, None), CI | ADJ),
    s("MK", One("MWK"), ADJ),
    s("ZK", One("ZMW"), ADJ),
    s("MT", One("MZN"), ADJ),
    s("Ar", One("MGA"), ADJ),
    s("UM", One("MRU"), ADJ),
    s("Db", One("STN"), ADJ),
    s("Kz", One("AOA"), ADJ),
    s("Esc", One("CVE"), ADJ),
    s("Nfk", One("ERN"), ADJ),
    s("ናቕፋ", One("ERN"), 0),
    s("نافكا", One("ERN"), 0),
    s("ብር", One("ETB"), 0),
    s("VT", One("VUV"), ADJ),
    s("Vt", One("VUV"), ADJ),
    s("₡", One("CRC"), 0),
    s("₲", One("PYG"), 0),
    s("Bs", Amb(BS, Some("VES")), ADJ),
    s("S/.", One("PEN"), 0),
    s("S/", One("PEN"), 0),
    s("B/.", One("PAB"), 0),
    s("ƒ", Amb(FLORINS, Some("ANG")), 0),
    s("peso", Amb(PESOS, None), CI | ADJ),
    s("pesos", Amb(PESOS, None), CI | ADJ),
    s("₿", Unsupported, 0),
    s("Ƀ", Unsupported, 0),
    s("₶", Unsupported, 0),
];

/// Upper-case ISO codes that are also English words: they count only next to an amount.
const RISKY_CODES: &[&str] = &[
    "ALL", "TOP", "CUP", "PEN", "TRY", "MAD", "SOS", "GEL", "BOB", "BAM", "MOP", "NAD", "LAK",
    "DOP", "ANG", "PAB", "AMD", "ERN", "BND", "CVE", "LSL", "MRU", "AOA", "SAR", "KES", "MUR",
];

/// Codes of withdrawn currencies and crypto-currencies: recognised (next to an amount)
/// so that a hint cannot replace them, but not convertible.
const UNSUPPORTED_CODES: &[&str] = &[
    "ATS", "BEF", "BTC", "BYR", "CUC", "CYP", "DEM", "EEK", "ESP", "ETH", "FIM", "FRF", "GRD",
    "HRK", "IEP", "ITL", "LTL", "LUF", "LVL", "MRO", "MTL", "NLG", "PTE", "ROL", "SIT", "SKK",
    "SLL", "STD", "TRL", "VEF", "XBT", "ZWL",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mark {
    pub(super) cur: Cur,
    pub(super) text: String,
    pub(super) adjacent_only: bool,
    /// Counts only next to an amount even in a text without numbers: lower-case ISO
    /// codes (`Ph. Eur.` is not a currency).
    pub(super) needs_number: bool,
}

fn eq_ci(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Longest currency symbol at `i`, with the characters it covers (a `.` right after a
/// marker ending in a letter is part of it: `руб.`, `Rs.`).
pub(super) fn match_symbol(chars: &[char], i: usize) -> Option<(&'static Sym, usize)> {
    let prev_alpha = i > 0 && chars[i - 1].is_alphabetic();
    let mut best: Option<(&'static Sym, usize)> = None;
    'syms: for sym in SYMBOLS {
        let ci = sym.flags & CI != 0;
        let nob = sym.flags & NOB != 0;
        let mut n = 0;
        let mut first_alpha = false;
        let mut last_alpha = false;
        for pc in sym.text.chars() {
            let Some(&tc) = chars.get(i + n) else {
                continue 'syms;
            };
            if !(tc == pc || (ci && eq_ci(tc, pc))) {
                continue 'syms;
            }
            if n == 0 {
                first_alpha = pc.is_alphabetic();
            }
            last_alpha = pc.is_alphabetic();
            n += 1;
        }
        if !nob && first_alpha && prev_alpha {
            continue;
        }
        let end = i + n;
        if !nob && last_alpha && chars.get(end).is_some_and(|c| c.is_alphabetic()) {
            continue;
        }
        let len = if last_alpha && chars.get(end) == Some(&'.') {
            n + 1
        } else {
            n
        };
        if best.is_none_or(|(_, l)| len > l) {
            best = Some((sym, len));
        }
    }
    best
}

/// A three-letter word as an ISO code: upper case anywhere (risky codes next to an
/// amount only); lower case or capitalised (`eur`, `Pln`) next to an amount only.
pub(super) fn iso_mark(word: &str) -> Option<Mark> {
    if word.chars().count() != 3 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let upper = word.to_ascii_uppercase();
    let all_upper = word == upper;
    let mut cs = word.chars();
    let capitalised_or_lower =
        cs.next().is_some_and(|c| c.is_ascii_alphabetic()) && cs.all(|c| c.is_ascii_lowercase());
    if !all_upper && !capitalised_or_lower {
        return None; // "GBp" (pence), "eUR"
    }
    let risky = RISKY_CODES.contains(&upper.as_str());
    if let Some(code) = UNSUPPORTED_CODES.iter().find(|c| **c == upper) {
        return all_upper.then(|| Mark {
            cur: Unsupported,
            text: (*code).to_owned(),
            adjacent_only: true,
            needs_number: false,
        });
    }
    let code = CurrencyCode::parse(&upper).ok()?;
    if !all_upper && risky {
        return None;
    }
    Some(Mark {
        cur: Cur::Iso(code),
        text: word.to_owned(),
        adjacent_only: !all_upper || risky,
        needs_number: !all_upper,
    })
}

/// The usual currency of a market, to resolve ambiguous symbols (and to tell whether a
/// price is in its market's own currency, `normalize::tax_market`).
pub(crate) fn market_currency(market: &Market) -> Option<&'static str> {
    Some(match market.as_str() {
        "US" | "EC" | "SV" | "PR" | "TL" | "VG" | "MH" | "FM" | "PW" | "GU" | "VI" | "AS"
        | "TC" | "BQ" => "USD",
        "CA" => "CAD",
        "AU" | "KI" | "NR" | "TV" => "AUD",
        "NZ" | "CK" | "NU" => "NZD",
        "SG" => "SGD",
        "HK" => "HKD",
        "TW" => "TWD",
        "MX" => "MXN",
        "AR" => "ARS",
        "CL" => "CLP",
        "CO" => "COP",
        "UY" => "UYU",
        "BR" => "BRL",
        "JM" => "JMD",
        "TT" => "TTD",
        "BS" => "BSD",
        "BB" => "BBD",
        "BZ" => "BZD",
        "BM" => "BMD",
        "BN" => "BND",
        "FJ" => "FJD",
        "GY" => "GYD",
        "KY" => "KYD",
        "LR" => "LRD",
        "NA" => "NAD",
        "SB" => "SBD",
        "SR" => "SRD",
        "AG" | "DM" | "GD" | "KN" | "LC" | "VC" | "AI" | "MS" => "XCD",
        "DO" => "DOP",
        "CU" => "CUP",
        "NI" => "NIO",
        "BO" => "BOB",
        "VE" => "VES",
        "PE" => "PEN",
        "PH" => "PHP",
        "GB" | "IM" | "JE" | "GG" => "GBP",
        "GI" => "GIP",
        "FK" => "FKP",
        "SH" => "SHP",
        "EG" => "EGP",
        "LB" => "LBP",
        "SY" => "SYP",
        "SD" => "SDG",
        "SS" => "SSP",
        "JP" => "JPY",
        "CN" => "CNY",
        "KR" => "KRW",
        "SE" => "SEK",
        "NO" | "SJ" => "NOK",
        "DK" | "FO" | "GL" => "DKK",
        "IS" => "ISK",
        "IN" => "INR",
        "PK" => "PKR",
        "LK" => "LKR",
        "NP" => "NPR",
        "MU" => "MUR",
        "SC" => "SCR",
        "RU" => "RUB",
        "BY" => "BYN",
        "ET" => "ETB",
        "RO" => "RON",
        "MD" => "MDL",
        "AE" => "AED",
        "MA" => "MAD",
        "SA" => "SAR",
        "QA" => "QAR",
        "OM" => "OMR",
        "YE" => "YER",
        "IR" => "IRR",
        "KW" => "KWD",
        "BH" => "BHD",
        "JO" => "JOD",
        "IQ" => "IQD",
        "LY" => "LYD",
        "TN" => "TND",
        "DZ" => "DZD",
        "RS" => "RSD",
        "MK" => "MKD",
        "ZA" => "ZAR",
        "CH" | "LI" => "CHF",
        "AW" => "AWG",
        "CW" | "SX" => "XCG",
        "BJ" | "BF" | "CI" | "GW" | "ML" | "NE" | "SN" | "TG" => "XOF",
        "CM" | "CF" | "TD" | "CG" | "GQ" | "GA" => "XAF",
        "PF" | "NC" | "WF" => "XPF",
        "BI" => "BIF",
        "CD" => "CDF",
        "DJ" => "DJF",
        "GN" => "GNF",
        "KM" => "KMF",
        "RW" => "RWF",
        "AT" | "BE" | "BG" | "HR" | "CY" | "EE" | "FI" | "FR" | "DE" | "GR" | "IE" | "IT"
        | "LV" | "LT" | "LU" | "MT" | "NL" | "PT" | "SK" | "SI" | "ES" | "MC" | "SM" | "VA"
        | "AD" | "ME" | "XK" | "GF" | "GP" | "MQ" | "RE" | "YT" | "PM" | "BL" | "MF" => "EUR",
        _ => return None,
    })
}

pub(super) fn resolve(
    mark: &Mark,
    hint: Option<CurrencyCode>,
    market: Option<&Market>,
) -> CurrencyFinding {
    let found = |code: &str| match CurrencyCode::parse(code) {
        Ok(c) => CurrencyFinding::Found(c),
        Err(_) => CurrencyFinding::Unsupported(mark.text.clone()),
    };
    match mark.cur {
        One(code) => found(code),
        Cur::Iso(code) => CurrencyFinding::Found(code),
        Unsupported => CurrencyFinding::Unsupported(mark.text.clone()),
        Amb(candidates, usual) => {
            if let Some(h) = hint.filter(|h| candidates.contains(&h.as_str())) {
                return CurrencyFinding::Found(h);
            }
            if let Some(m) = market
                .and_then(market_currency)
                .filter(|m| candidates.contains(m))
            {
                return found(m);
            }
            match usual {
                Some(code) => found(code),
                None => CurrencyFinding::Ambiguous(mark.text.clone()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_code_is_an_iso_code() {
        for code in DOLLARS
            .iter()
            .chain(POUNDS)
            .chain(YEN)
            .chain(KRONA)
            .chain(RUPEES)
            .chain(RUBLES)
            .chain(LEI)
            .chain(BR)
            .chain(BS)
            .chain(FLORINS)
            .chain(CFA)
            .chain(DIRHAMS)
            .chain(RIYALS)
            .chain(JUNAYH)
            .chain(C_DOLLAR)
            .chain(FRANCS)
            .chain(PESOS)
            .chain(DINARS)
            .chain(RAND)
        {
            assert!(CurrencyCode::parse(code).is_ok(), "{code}");
        }
        for sym in SYMBOLS {
            if let One(code) | Amb(_, Some(code)) = sym.cur {
                assert!(CurrencyCode::parse(code).is_ok(), "{} → {code}", sym.text);
            }
        }
        for code in UNSUPPORTED_CODES {
            assert!(CurrencyCode::parse(code).is_err(), "{code} is supported");
        }
    }
}
