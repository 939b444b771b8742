//! The price-text rules of [`super`], case by case, and a round trip through every
//! locale style.

use super::number::max_amount;
use super::*;
use crate::testing::{cc, dec as d, market as mk};

/// Parses with no hint and no market; panics with the text on error.
fn p(text: &str) -> ParsedPrice {
    parse_price(text, None, None).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn amount_cur(text: &str) -> (Decimal, String) {
    let r = p(text);
    (r.amount, r.currency.to_string())
}

fn check(cases: &[(&str, &str, &str)]) {
    for (text, amount, cur) in cases {
        let (a, c) = amount_cur(text);
        assert_eq!(a, d(amount), "amount of {text:?}");
        assert_eq!(c, *cur, "currency of {text:?}");
    }
}

#[test]
fn continental_separators() {
    check(&[
        ("1.299,00 €", "1299", "EUR"),
        ("1.299,00 EUR", "1299", "EUR"),
        ("€ 2.109,00", "2109", "EUR"),
        ("9.990,00 €", "9990", "EUR"),
        ("1.234.567,89 €", "1234567.89", "EUR"),
        ("12,99 €", "12.99", "EUR"),
        ("1,5 €", "1.5", "EUR"),
        ("0,29 €", "0.29", "EUR"),
    ]);
}

#[test]
fn english_separators() {
    check(&[
        ("$1,299.00", "1299", "USD"),
        ("1,299.00 USD", "1299", "USD"),
        ("$1,234,567.89", "1234567.89", "USD"),
        ("$12.99", "12.99", "USD"),
        ("£0.99", "0.99", "GBP"),
        ("$5,246.58", "5246.58", "USD"),
    ]);
}

#[test]
fn space_separators_including_no_break_spaces() {
    check(&[
        ("1 299,00 €", "1299", "EUR"),
        ("1\u{a0}299,00\u{a0}€", "1299", "EUR"),
        ("1\u{202f}299,00\u{202f}€", "1299", "EUR"),
        ("1\u{2009}299,00 €", "1299", "EUR"),
        ("12 345 678,90 €", "12345678.90", "EUR"),
        ("5 000 ₽", "5000", "RUB"),
        ("$1\u{a0}298,00", "1298", "USD"),
    ]);
}

#[test]
fn swiss_apostrophes_and_dash_cents() {
    check(&[
        ("CHF 1'299.–", "1299", "CHF"),
        ("1'299.– CHF", "1299", "CHF"),
        ("CHF 1'049,95", "1049.95", "CHF"),
        ("CHF 1’299.50", "1299.50", "CHF"),
        ("12,- €", "12", "EUR"),
        ("12,-- €", "12", "EUR"),
        ("1.899,- €", "1899", "EUR"),
        ("105. – €", "105", "EUR"),
        ("50,- Kč", "50", "CZK"),
    ]);
}

#[test]
fn euro_sign_as_decimal_separator() {
    check(&[
        ("12€99", "12.99", "EUR"),
        ("35€ 99", "35.99", "EUR"),
        ("€12", "12", "EUR"),
        ("12€", "12", "EUR"),
        ("1250€600", "1250.600", "EUR"),
    ]);
    // Three digits after a space are another number, not cents.
    assert_eq!(p("1250€ 600").amount, d("1250"));
}

#[test]
fn three_digits_after_a_single_separator_are_thousands() {
    check(&[
        ("1,299 $", "1299", "USD"),
        ("$699,000", "699000", "USD"),
        ("1.299 €", "1299", "EUR"),
        ("€1.299", "1299", "EUR"),
        ("73,460 €", "73460", "EUR"),
        ("Rp 31.500", "31500", "IDR"),
        ("1.727 Ft", "1727", "HUF"),
    ]);
}

#[test]
fn three_digits_are_decimals_where_thousands_are_impossible() {
    check(&[
        ("0,750 €", "0.750", "EUR"),
        ("1234.567 €", "1234.567", "EUR"),
        ("1 234,567 €", "1234.567", "EUR"),
    ]);
}

#[test]
fn three_minor_unit_currencies_read_three_decimals() {
    check(&[
        ("423.923 KD", "423.923", "KWD"),
        ("1.500 BHD", "1.500", "BHD"),
        ("12.345 OMR", "12.345", "OMR"),
        ("123,456.789 OMR", "123456.789", "OMR"),
    ]);
    // The hint decides too.
    let r = parse_price("1.500", Some(cc("KWD")), None).unwrap();
    assert_eq!(r.amount, d("1.5"));
    let r = parse_price("1.500", Some(CurrencyCode::EUR), None).unwrap();
    assert_eq!(r.amount, d("1500"));
}

#[test]
fn other_decimal_lengths_are_decimals() {
    check(&[
        ("1,29 €", "1.29", "EUR"),
        ("34.992001 GBP", "34.992001", "GBP"),
        ("฿ 3.3900", "3.39", "THB"),
        ("$1.5", "1.5", "USD"),
    ]);
}

#[test]
fn indian_grouping() {
    check(&[
        ("₹1,23,456.00", "123456", "INR"),
        ("Rs. 1,23,45,678", "12345678", "INR"),
    ]);
}

#[test]
fn spaced_and_leading_decimals() {
    check(&[
        ("$119. 95", "119.95", "USD"),
        ("1.837, 32 €", "1837.32", "EUR"),
        ("118, 99 TL", "118.99", "TRY"),
        (".75 €", "0.75", "EUR"),
        ("$.75", "0.75", "USD"),
        ("$..75", "0.75", "USD"),
        ("₤1700.", "1700", "GBP"),
        ("€ 610,", "610", "EUR"),
    ]);
}

#[test]
fn symbols_and_codes_before_or_after() {
    check(&[
        ("€12", "12", "EUR"),
        ("12 €", "12", "EUR"),
        ("EUR 12", "12", "EUR"),
        ("12 EUR", "12", "EUR"),
        ("EUR12", "12", "EUR"),
        ("12eur", "12", "EUR"),
        ("749,00 euro", "749", "EUR"),
        ("$12", "12", "USD"),
        ("US$12.99", "12.99", "USD"),
        ("US$:12.99", "12.99", "USD"),
        ("12 USD", "12", "USD"),
        ("C$5.95", "5.95", "CAD"),
        ("CA$1.23", "1.23", "CAD"),
        ("12,99 $ CA", "12.99", "CAD"),
        ("CAD 12", "12", "CAD"),
        ("A$190.00", "190", "AUD"),
        ("AU$ 1,175", "1175", "AUD"),
        ("NZ$12", "12", "NZD"),
        ("S$12", "12", "SGD"),
        ("HK$12", "12", "HKD"),
        ("NT$ 1,160", "1160", "TWD"),
        ("MX$3,179.00", "3179", "MXN"),
        ("£11.95", "11.95", "GBP"),
        ("11.95 GBP", "11.95", "GBP"),
        ("¥1,200", "1200", "JPY"),
        ("3,500円", "3500", "JPY"),
        ("12,000원", "12000", "KRW"),
        ("₩12,000", "12000", "KRW"),
        ("22000.00元/台", "22000", "CNY"),
        ("CHF 19.90", "19.90", "CHF"),
        ("199.90 Fr.", "199.90", "CHF"),
        ("45,00 zł", "45", "PLN"),
        ("530,42 Zł", "530.42", "PLN"),
        ("140,00 pln", "140", "PLN"),
        ("9 800 Kč", "9800", "CZK"),
        ("R$ 1.500,00", "1500", "BRL"),
        ("₹ 4649", "4649", "INR"),
        ("Rs1,599.00", "1599", "INR"),
        ("₽ 100", "100", "RUB"),
        ("171900 руб.", "171900", "RUB"),
        ("1128240 рублей", "1128240", "RUB"),
        ("3 100р.", "3100", "RUB"),
        ("6 300 Р", "6300", "RUB"),
        ("2 285,81 грн.", "2285.81", "UAH"),
        ("₺100", "100", "TRY"),
        ("69,50 TL", "69.50", "TRY"),
        ("₪98", "98", "ILS"),
        ("RM50", "50", "MYR"),
        ("12.500 ₫", "12500", "VND"),
        ("200.000 đ", "200000", "VND"),
        ("184,35 lei", "184.35", "RON"),
        ("27.00 лв.", "27", "BGN"),
        ("3,990 Ft", "3990", "HUF"),
        ("AED 26.30", "26.30", "AED"),
        ("1 ر.س", "1", "SAR"),
        ("45 E£", "45", "EGP"),
    ]);
}

#[test]
fn explicit_code_wins_over_ambiguous_symbol() {
    check(&[
        ("$1,190.00 AUD", "1190", "AUD"),
        ("NZD $100.70", "100.70", "NZD"),
        ("SGD$4.90", "4.90", "SGD"),
        ("SGD4.90 $", "4.90", "SGD"),
        ("$ SGD4.90", "4.90", "SGD"),
        ("CAD$1.23", "1.23", "CAD"),
        ("£94.50 GBP", "94.50", "GBP"),
        ("$80.00 U.S.", "80", "USD"),
    ]);
}

#[test]
fn ambiguous_symbols_use_hint_then_market_then_usual_meaning() {
    let cad = Some(CurrencyCode::CAD);
    // Hint first.
    assert_eq!(
        parse_price("$12", cad, Some(&mk("US"))).unwrap().currency,
        CurrencyCode::CAD
    );
    // Then market.
    for (market, code) in [
        ("US", "USD"),
        ("CA", "CAD"),
        ("AU", "AUD"),
        ("NZ", "NZD"),
        ("MX", "MXN"),
        ("SG", "SGD"),
    ] {
        let r = parse_price("$12", None, Some(&mk(market))).unwrap();
        assert_eq!(r.currency, cc(code), "$ in {market}");
    }
    for (market, code) in [("SE", "SEK"), ("NO", "NOK"), ("DK", "DKK"), ("IS", "ISK")] {
        let r = parse_price("199 kr", None, Some(&mk(market))).unwrap();
        assert_eq!(r.currency, cc(code), "kr in {market}");
    }
    for (market, code) in [("JP", "JPY"), ("CN", "CNY")] {
        let r = parse_price("¥1,200", None, Some(&mk(market))).unwrap();
        assert_eq!(r.currency, cc(code), "¥ in {market}");
    }
    assert_eq!(
        parse_price("¥1,200", Some(cc("CNY")), Some(&mk("JP")))
            .unwrap()
            .currency,
        cc("CNY")
    );
    assert_eq!(
        parse_price("Rs 1,200", None, Some(&mk("PK")))
            .unwrap()
            .currency,
        cc("PKR")
    );
    assert_eq!(
        parse_price("£12", None, Some(&mk("EG"))).unwrap().currency,
        cc("EGP")
    );
    // A market whose currency the symbol cannot mean: usual meaning.
    assert_eq!(
        parse_price("$12", None, Some(&mk("FR"))).unwrap().currency,
        CurrencyCode::USD
    );
    assert_eq!(
        parse_price("$12", None, None).unwrap().currency,
        CurrencyCode::USD
    );
    assert_eq!(parse_price("¥12", None, None).unwrap().currency, cc("JPY"));
    // A hint the symbol cannot mean is ignored for the symbol.
    assert_eq!(
        parse_price("$12", Some(CurrencyCode::EUR), Some(&mk("CA")))
            .unwrap()
            .currency,
        CurrencyCode::CAD
    );
}

#[test]
fn kr_without_context_is_ambiguous() {
    for text in ["150 kr", "Pris från 172 kr", "1.198,- Kr"] {
        assert_eq!(
            parse_price(text, None, None),
            Err(PriceParseError::Ambiguous(text.to_owned())),
            "{text:?}"
        );
        assert_eq!(
            parse_price(text, Some(CurrencyCode::EUR), Some(&mk("FR"))),
            Err(PriceParseError::Ambiguous(text.to_owned())),
            "{text:?}"
        );
    }
    let r = parse_price("1.198,- Kr", Some(cc("NOK")), None).unwrap();
    assert_eq!((r.amount, r.currency), (d("1198"), cc("NOK")));
}

#[test]
fn explicit_currency_in_text_beats_contradicting_hint() {
    for (text, hint, expected) in [
        ("£54.17", "USD", "GBP"),
        ("3,20 €", "USD", "EUR"),
        ("12 CHF", "EUR", "CHF"),
        ("US$ 12", "CAD", "USD"),
        ("45 zł", "EUR", "PLN"),
    ] {
        let r = parse_price(text, Some(cc(hint)), Some(&mk("FR"))).unwrap();
        assert_eq!(r.currency, cc(expected), "{text:?} with hint {hint}");
    }
}

#[test]
fn no_currency_uses_hint_else_errors() {
    let r = parse_price("690,00", Some(CurrencyCode::EUR), None).unwrap();
    assert_eq!((r.amount, r.currency), (d("690"), CurrencyCode::EUR));
    // The market does not supply a currency for bare numbers.
    assert_eq!(
        parse_price("690,00", None, Some(&mk("FR"))),
        Err(PriceParseError::NoCurrency("690,00".into()))
    );
    assert_eq!(
        parse_price("12.99", None, None),
        Err(PriceParseError::NoCurrency("12.99".into()))
    );
}

#[test]
fn unsupported_currencies_are_not_replaced_by_the_hint() {
    for text in ["DEM 170 000", "1 kn", "94,000 تومان", "0.5 BTC", "1 ₿"] {
        assert_eq!(
            parse_price(text, Some(CurrencyCode::EUR), None),
            Err(PriceParseError::Ambiguous(text.to_owned())),
            "{text:?}"
        );
    }
    let s = scan_price("PTE 120 000 000", None, None);
    assert_eq!(s.amount, Some(d("120000000")));
    assert_eq!(s.currency, CurrencyFinding::Unsupported("PTE".into()));
}

#[test]
fn tax_markers() {
    for (text, tax) in [
        ("4,35 € TTC", Some(TaxMarker::Included)),
        ("790,00 € HT", Some(TaxMarker::Excluded)),
        ("184,20 €HT", Some(TaxMarker::Excluded)),
        ("€6.56 + VAT", Some(TaxMarker::Excluded)),
        ("£25.00 (tax incl.)", Some(TaxMarker::Included)),
        ("£25.00 incl. VAT", Some(TaxMarker::Included)),
        ("£25.00 excl. VAT", Some(TaxMarker::Excluded)),
        ("19,99 € inkl. MwSt.", Some(TaxMarker::Included)),
        ("19,99 € zzgl. MwSt.", Some(TaxMarker::Excluded)),
        ("166,81 € iva inclusa", Some(TaxMarker::Included)),
        ("0,29 € + iva", Some(TaxMarker::Excluded)),
        ("31,07 € (bez DPH)", Some(TaxMarker::Excluded)),
        ("148.50 AUD Inc GST", Some(TaxMarker::Included)),
        (
            "559.99 € inkl. MwSt. zzgl. Versand",
            Some(TaxMarker::Included),
        ),
        ("12,99 €", None),
        ("12,99 € Hôtel", None),
    ] {
        assert_eq!(p(text).tax, tax, "{text:?}");
    }
    // The marker after the amount belongs to it.
    let text = "EUR29.66 (inc VAT 20%) EUR24.71 (exc VAT 20%)";
    let r = p(text);
    assert_eq!((r.amount, r.tax), (d("29.66"), Some(TaxMarker::Included)));
}

#[test]
fn lower_bounds_and_ranges() {
    for (text, amount) in [
        ("from 99 €", "99"),
        ("From $109.90", "109.90"),
        ("à partir de 99 €", "99"),
        ("A partir de 11,70 €", "11.70"),
        ("a partire da 7,32 € *", "7.32"),
        ("ab 2.99 €", "2.99"),
        ("Ab 19,99 EUR", "19.99"),
        ("dès 49 €", "49"),
        ("Vanaf € 49.95", "49.95"),
        ("99 - 149 €", "99"),
        ("99–149 €", "99"),
        ("99 € - 149 €", "99"),
        ("841,00 zł – 995,00 zł", "841"),
        ("$29.99 - $74.99", "29.99"),
        ("From 26 to 50 €", "26"),
        ("Estimate Price: $45,000 - $70,000", "45000"),
    ] {
        let r = p(text);
        assert_eq!(r.amount, d(amount), "{text:?}");
        assert!(r.is_lower_bound, "{text:?} is a lower bound");
    }
    for text in ["99 €", "$29.99", "Was: $124.95 Now: $99.00", "149 - 99 €"] {
        assert!(!p(text).is_lower_bound, "{text:?} is not a lower bound");
    }
}

#[test]
fn free_is_zero() {
    for text in [
        "free",
        "Free!",
        "FREE",
        "Gratuit",
        "gratuite",
        "kostenlos",
        "Gratis",
    ] {
        let r = parse_price(text, Some(CurrencyCode::EUR), None).unwrap();
        assert_eq!(r.amount, Decimal::ZERO, "{text:?}");
    }
    assert_eq!(
        parse_price("Free!", None, None),
        Err(PriceParseError::NoCurrency("Free!".into()))
    );
    // A number wins over the word.
    assert_eq!(p("Free shipping, 19,99 €").amount, d("19.99"));
}

#[test]
fn no_amount() {
    for text in [
        "call for price",
        "Prix sur demande",
        "",
        "   ",
        "€",
        "$",
        "N/A",
        "40% OFF",
        "15.08.2017",
        "1.2.3.4",
        "--",
        "Sold out",
    ] {
        assert_eq!(
            parse_price(text, Some(CurrencyCode::EUR), None),
            Err(PriceParseError::NoAmount(text.to_owned())),
            "{text:?}"
        );
    }
}

#[test]
fn negative_amounts_are_rejected() {
    for text in ["-5,00 €", "−12 €", "-$5.00", "(-5 €)", "€ -12"] {
        assert_eq!(
            parse_price(text, None, None),
            Err(PriceParseError::NoAmount(text.to_owned())),
            "{text:?}"
        );
    }
    // A dash followed by a space is punctuation, and ranges are not signs.
    assert_eq!(p("- $44.99").amount, d("44.99"));
    assert_eq!(p("10-20 €").amount, d("10"));
}

#[test]
fn picks_the_price_among_other_numbers() {
    check(&[
        ("AED 8000 (USD 2179)", "8000", "AED"),
        ("Was: $124.95 Now: $0.00", "124.95", "USD"),
        ("2 x 12,99 €", "12.99", "EUR"),
        ("3 Ausgaben für nur 14,85 EUR", "14.85", "EUR"),
        ("Pack of 3 for 10 €", "10", "EUR"),
        ("205,68 € 205.68", "205.68", "EUR"),
        ("€ 10.00 € 8.00 – € 10.00", "10", "EUR"),
        ("6,000.00 руб. 5,500.00 руб.", "6000", "RUB"),
        ("$426.20/EA", "426.20", "USD"),
        ("Price: $15.95/mo", "15.95", "USD"),
        ("129,00 € (-15%)", "129", "EUR"),
        ("Cena: 55,72 zł brutto", "55.72", "PLN"),
        ("Běžná cena 75 990,00 Kč", "75990", "CZK"),
        ("Цена: 19 000 руб.", "19000", "RUB"),
    ]);
    let r = parse_price("MX924 IX 850", Some(CurrencyCode::EUR), None).unwrap();
    assert_eq!(r.amount, d("850"));
    // Quantities are not prices.
    let eur = Some(CurrencyCode::EUR);
    assert_eq!(
        parse_price("2 kg 12,99", eur, None).unwrap().amount,
        d("12.99")
    );
    assert_eq!(
        parse_price("500 ml - 4,99", eur, None).unwrap().amount,
        d("4.99")
    );
    assert!(matches!(
        parse_price("16.00 ft", eur, None),
        Err(PriceParseError::NoAmount(_))
    ));
}

#[test]
fn keeps_exact_decimals() {
    let r = parse_price("1.11000000000000009770", Some(CurrencyCode::EUR), None).unwrap();
    assert_eq!(r.amount.to_string(), "1.11000000000000009770");
    assert_eq!(p("1.299,00 €").amount.to_string(), "1299.00");
}

#[test]
fn never_panics_on_odd_input() {
    let long_digits = "9".repeat(5000);
    let long_mixed = "1.2,3 ".repeat(1000);
    let many_symbols = "€$£¥₹".repeat(500);
    let odd: Vec<String> = [
        "",
        " ",
        "€",
        "$$$",
        "€€ $$ ££",
        "kr kr",
        "99999999999999999999999999999999999999 €",
        "0.00000000000000000000000000000000001 €",
        "1e10 €",
        "NaN €",
        "∞ €",
        "😀",
        "12😀34 €",
        "€😀12",
        "1.2.3.4",
        "--",
        "-",
        "-.-",
        ".,.,",
        ",5",
        "5,",
        "'1'",
        "1''2",
        "1 2 3 4 5",
        "١٢٣٫٤٥ ر.س",
        "１２３４円",
        "\u{0}\u{1}\u{7f}",
        "12\u{301} €",
        "\u{202e}12 €",
        "Р",
        "р.",
        "$.",
        "$..",
        ".$",
        "€ 12 € 13 – € 14 - 15",
        "12 - - 13",
        "- - -",
        "1:-",
        ":-",
        "12€",
        "€12€34€56",
        "0",
        "00000000000000000000000000000000000000000",
        "%",
        "12%",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([long_digits, long_mixed, many_symbols])
    .collect();
    for text in &odd {
        for hint in [None, Some(CurrencyCode::EUR), Some(cc("KWD"))] {
            for market in [None, Some(mk("US")), Some(mk("SE"))] {
                let r = parse_price(text, hint, market.as_ref());
                if let Ok(p) = r {
                    assert!(!p.amount.is_sign_negative(), "{text:?}");
                    assert!(p.amount < max_amount(), "{text:?}");
                }
            }
        }
    }
    // Huge numbers are not prices.
    assert!(matches!(
        parse_price(&format!("{} €", "9".repeat(40)), None, None),
        Err(PriceParseError::NoAmount(_))
    ));
    assert!(matches!(
        parse_price("1000000000000000 €", None, None),
        Err(PriceParseError::NoAmount(_))
    ));
    assert_eq!(p("999999999999999 €").amount, d("999999999999999"));
}

#[test]
fn arabic_and_full_width_digits() {
    check(&[
        ("١٢٣٫٤٥ ر.س", "123.45", "SAR"),
        ("１２３４円", "1234", "JPY"),
    ]);
}

#[test]
fn letter_markers_need_word_boundaries() {
    // "Europe" is not "euro", "Ftp" is not "Ft", "Rspec" is not "Rs".
    for text in ["Europe 12", "Ftp 12", "Rspec 12", "12 Krabby"] {
        assert!(
            matches!(
                parse_price(text, None, None),
                Err(PriceParseError::NoCurrency(_))
            ),
            "{text:?}"
        );
    }
    // Lower-case codes only next to an amount; risky words never in lower case.
    assert!(matches!(
        parse_price("eur shipping then 12", None, None),
        Err(PriceParseError::NoCurrency(_))
    ));
    assert!(matches!(
        parse_price("12 all inclusive", None, None),
        Err(PriceParseError::NoCurrency(_))
    ));
    // Without any number, a lower-case code is not a currency either.
    assert_eq!(
        scan_price("Pure & IP BP Ph. Eur. USP", None, None).currency,
        CurrencyFinding::None
    );
    assert_eq!(
        scan_price("EUR", None, None).currency,
        CurrencyFinding::Found(CurrencyCode::EUR)
    );
}

// ---- Round trip: format in each locale style, then parse. ----

#[derive(Clone, Copy, Debug)]
enum Style {
    En,
    Fr,
    De,
    Ch,
    Gb,
    CaFr,
    Nl,
    Pl,
    Se,
    Ie,
}

/// Formats `amount` (two decimals) the way shops of each locale do.
fn format(amount: Decimal, style: Style) -> String {
    let s = format!("{:.2}", amount.round_dp(2));
    let (int, frac) = s.split_once('.').unwrap();
    let (group, dec, before, after) = match style {
        Style::En => (",", ".", "$", ""),
        Style::Fr => ("\u{202f}", ",", "", "\u{a0}€"),
        Style::De => (".", ",", "", " €"),
        Style::Ch => ("'", ".", "CHF ", ""),
        Style::Gb => (",", ".", "£", ""),
        Style::CaFr => ("\u{a0}", ",", "", "\u{a0}$"),
        Style::Nl => (".", ",", "€ ", ""),
        Style::Pl => (" ", ",", "", " zł"),
        Style::Se => (" ", ",", "", " kr"),
        Style::Ie => (",", ".", "€", ""),
    };
    let digits: Vec<char> = int.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push_str(group);
        }
        grouped.push(*c);
    }
    format!("{before}{grouped}{dec}{frac}{after}")
}

#[test]
fn round_trip_in_every_locale_style() {
    let mut amounts: Vec<Decimal> = [
        "0",
        "0.01",
        "0.5",
        "1",
        "9.99",
        "12.3",
        "99.99",
        "100",
        "999.99",
        "1000",
        "1234.56",
        "12345.67",
        "99999.99",
        "100000",
        "123456.78",
        "1000000",
        "9876543.21",
        "123456789.01",
    ]
    .iter()
    .map(|s| d(s))
    .collect();
    // A deterministic spread of amounts (linear congruential generator).
    let mut x: u64 = 42;
    for _ in 0..200 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let cents = (x >> 33) % 10_000_000_000;
        amounts.push(Decimal::new(cents as i64, 2));
    }
    for amount in amounts {
        // (style, expected currency, shop's declared currency for ambiguous
        // symbols)
        for (style, code, hint) in [
            (Style::En, "USD", None),
            (Style::Fr, "EUR", None),
            (Style::De, "EUR", None),
            (Style::Ch, "CHF", None),
            (Style::Gb, "GBP", None),
            (Style::CaFr, "CAD", Some(cc("CAD"))),
            (Style::Nl, "EUR", None),
            (Style::Pl, "PLN", None),
            (Style::Se, "SEK", Some(cc("SEK"))),
            (Style::Ie, "EUR", None),
        ] {
            let text = format(amount, style);
            let r = parse_price(&text, hint, None)
                .unwrap_or_else(|e| panic!("{text:?} ({style:?}): {e}"));
            assert_eq!(r.amount, amount, "{text:?} ({style:?})");
            assert_eq!(r.currency, cc(code), "{text:?} ({style:?})");
        }
    }
}
