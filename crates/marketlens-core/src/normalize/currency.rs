//! Dated currency reference rates (ECB euro foreign exchange reference rates).
//!
//! The ECB publishes, each working day, how many units of ~30 currencies one euro buys,
//! as XML:
//!
//! ```xml
//! <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
//!                  xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
//!   <gesmes:subject>Reference rates</gesmes:subject>
//!   <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
//!   <Cube>
//!     <Cube time='2026-10-30'>
//!       <Cube currency='USD' rate='1.1172'/>
//!       …
//! ```
//!
//! The 90-day and historical files hold several dated `Cube`s; the most recent date is
//! used. Conversion between two non-euro currencies goes through the euro (cross rate).

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use quick_xml::events::{BytesStart, Event};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::{ConvertedPrice, CurrencyCode, Money};

/// The snapshot shipped with the binary: the ECB daily file of 2026-10-30.
const BUNDLED_XML: &str = include_str!("../../data/ecb-eurofxref-2026-10-30.xml");

/// Decimal places kept in a converted amount.
pub const AMOUNT_DP: u32 = 4;
/// Decimal places kept in a reported cross rate.
pub const RATE_DP: u32 = 10;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateError {
    #[error("rate file is not ECB reference-rate XML: {0}")]
    Format(String),
    #[error("no reference rate for {0}")]
    MissingRate(CurrencyCode),
}

/// Rates for one day, quoted as units of currency per 1 EUR.
#[derive(Debug, Clone, PartialEq)]
pub struct RateTable {
    date: NaiveDate,
    per_eur: std::collections::BTreeMap<CurrencyCode, Decimal>,
}

fn round(x: Decimal, dp: u32) -> Decimal {
    x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

fn format_err(msg: impl Into<String>) -> RateError {
    RateError::Format(msg.into())
}

/// Value of attribute `name` (local name, any quote style, entities unescaped).
fn attr(e: &BytesStart<'_>, name: &[u8]) -> Result<Option<String>, RateError> {
    for a in e.attributes() {
        let a = a.map_err(|err| format_err(format!("bad attribute: {err}")))?;
        if a.key.local_name().as_ref() == name {
            let v = a
                .unescape_value()
                .map_err(|err| format_err(format!("bad attribute value: {err}")))?;
            return Ok(Some(v.trim().to_owned()));
        }
    }
    Ok(None)
}

impl RateTable {
    /// Parses ECB reference-rate XML (daily, 90-day or historical file). Requires the
    /// `gesmes:Envelope` root and at least one `Cube time='…'` holding at least one
    /// `Cube currency='…' rate='…'`. Rates for codes that are no longer ISO 4217
    /// currencies (old files list e.g. CYP, ROL) are skipped.
    pub fn from_ecb_xml(xml: &str) -> Result<Self, RateError> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut depth = 0usize;
        let mut root_seen = false;
        // Dated cube being read: its date and the depth of its element.
        let mut current: Option<(NaiveDate, usize)> = None;
        let mut days: BTreeMap<NaiveDate, BTreeMap<CurrencyCode, Decimal>> = BTreeMap::new();

        loop {
            let event = reader
                .read_event()
                .map_err(|e| format_err(format!("malformed XML: {e}")))?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let is_empty = matches!(event, Event::Empty(_));
                    let local = e.local_name();
                    if depth == 0 {
                        if local.as_ref() != b"Envelope" {
                            return Err(format_err(format!(
                                "root element is <{}>, expected <gesmes:Envelope>",
                                String::from_utf8_lossy(e.name().as_ref())
                            )));
                        }
                        root_seen = true;
                    } else if local.as_ref() == b"Cube" {
                        if let Some(time) = attr(e, b"time")? {
                            if current.is_some() {
                                return Err(format_err("nested dated Cube elements"));
                            }
                            let date = NaiveDate::parse_from_str(&time, "%Y-%m-%d")
                                .map_err(|_| format_err(format!("bad date {time:?}")))?;
                            if days.contains_key(&date) {
                                return Err(format_err(format!("date {date} listed twice")));
                            }
                            days.insert(date, BTreeMap::new());
                            if !is_empty {
                                current = Some((date, depth));
                            }
                        } else if let Some(code) = attr(e, b"currency")? {
                            let Some((date, _)) = current else {
                                return Err(format_err(format!(
                                    "rate for {code} outside a dated Cube"
                                )));
                            };
                            let rate_text = attr(e, b"rate")?
                                .ok_or_else(|| format_err(format!("no rate for {code}")))?;
                            let rate = Decimal::from_str(&rate_text).map_err(|_| {
                                format_err(format!("bad rate {rate_text:?} for {code}"))
                            })?;
                            if rate <= Decimal::ZERO {
                                return Err(format_err(format!("non-positive rate for {code}")));
                            }
                            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                                return Err(format_err(format!("bad currency code {code:?}")));
                            }
                            // Withdrawn currencies of old files are not ISO codes any more.
                            if let Ok(cc) = CurrencyCode::parse(&code) {
                                let day = days.entry(date).or_default();
                                if day.insert(cc, rate).is_some() {
                                    return Err(format_err(format!(
                                        "{code} listed twice on {date}"
                                    )));
                                }
                            }
                        }
                    }
                    if !is_empty {
                        depth += 1;
                    }
                }
                Event::End(_) => {
                    depth = depth.saturating_sub(1);
                    if current.is_some_and(|(_, d)| d == depth) {
                        current = None;
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !root_seen {
            return Err(format_err("no <gesmes:Envelope> root element"));
        }
        let (date, mut per_eur) = days
            .into_iter()
            .rev()
            .find(|(_, rates)| !rates.is_empty())
            .ok_or_else(|| format_err("no dated Cube with currency rates"))?;
        per_eur.insert(CurrencyCode::EUR, Decimal::ONE);
        Ok(Self { date, per_eur })
    }

    /// The ECB rates of 2026-10-30 shipped with the binary.
    pub fn bundled() -> Self {
        // The file is part of the source tree and checked by a unit test.
        Self::from_ecb_xml(BUNDLED_XML).expect("bundled ECB rate file is valid")
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn currencies(&self) -> impl Iterator<Item = CurrencyCode> + '_ {
        self.per_eur.keys().copied()
    }

    /// Units of currency per 1 EUR (1 for EUR).
    pub fn per_eur(&self, currency: CurrencyCode) -> Option<Decimal> {
        self.per_eur.get(&currency).copied()
    }

    /// Converts through the euro: rate = `per_eur(to) / per_eur(from)`. The amount is
    /// computed from the unrounded rate (`amount × per_eur(to) / per_eur(from)`) and
    /// rounded to 4 decimal places; the reported rate is rounded to 10 decimal places
    /// (both half away from zero). Converting to the same currency returns the money
    /// unchanged with rate 1, whether or not the table knows the currency.
    pub fn convert(&self, money: Money, to: CurrencyCode) -> Result<ConvertedPrice, RateError> {
        if money.currency == to {
            return Ok(ConvertedPrice {
                money,
                rate: Decimal::ONE,
                rate_date: self.date,
            });
        }
        let from_rate = self
            .per_eur(money.currency)
            .ok_or(RateError::MissingRate(money.currency))?;
        let to_rate = self.per_eur(to).ok_or(RateError::MissingRate(to))?;
        let rate = to_rate
            .checked_div(from_rate)
            .ok_or_else(|| format_err("cross rate out of range"))?;
        // Multiply before dividing to keep every digit of the amount; fall back to the
        // other order for amounts so large that the product overflows.
        let amount = money
            .amount
            .checked_mul(to_rate)
            .and_then(|x| x.checked_div(from_rate))
            .or_else(|| money.amount.checked_mul(rate))
            .ok_or_else(|| {
                format_err(format!(
                    "amount {} {} is too large to convert",
                    money.amount, money.currency
                ))
            })?;
        Ok(ConvertedPrice {
            money: Money::new(round(amount, AMOUNT_DP), to),
            rate: round(rate, RATE_DP),
            rate_date: self.date,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{cc, dec as d};

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender>
		<gesmes:name>European Central Bank</gesmes:name>
	</gesmes:Sender>
	<Cube>
		<Cube time='2024-03-15'>
			<Cube currency='USD' rate='1.0892'/>
			<Cube currency="JPY" rate="161.96"/>
			<Cube currency='GBP' rate='0.85493'/>
		</Cube>
	</Cube>
</gesmes:Envelope>"#;

    /// Like the ECB 90-day file: several days, most recent first.
    const MULTI_DAY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
<Cube>
<Cube time="2024-03-14"><Cube currency="USD" rate="1.0925"/><Cube currency="CYP" rate="0.5"/></Cube>
<Cube time="2024-03-15"><Cube currency="USD" rate="1.0892"/><Cube currency="CHF" rate="0.9626"/></Cube>
<Cube time="2024-03-13"><Cube currency="USD" rate="1.0939"/></Cube>
</Cube>
</gesmes:Envelope>"#;

    /// Reads `xml`, checks the table's day and the rates given (units per euro), and
    /// returns the table.
    fn read_rates(xml: &str, day: &str, rates: &[(&str, &str)]) -> RateTable {
        let t = RateTable::from_ecb_xml(xml).unwrap();
        assert_eq!(t.date().to_string(), day);
        for (code, rate) in rates {
            assert_eq!(t.per_eur(cc(code)), Some(d(rate)), "{code}");
        }
        t
    }

    #[test]
    fn parses_daily_sample_with_both_quote_styles() {
        let t = read_rates(
            SAMPLE,
            "2024-03-15",
            &[
                ("USD", "1.0892"),
                ("JPY", "161.96"),
                ("GBP", "0.85493"),
                ("EUR", "1"),
            ],
        );
        let codes: Vec<String> = t.currencies().map(|c| c.to_string()).collect();
        assert_eq!(codes, ["EUR", "GBP", "JPY", "USD"]);
    }

    #[test]
    fn takes_the_most_recent_day_and_skips_withdrawn_codes() {
        let t = read_rates(
            MULTI_DAY,
            "2024-03-15",
            &[("USD", "1.0892"), ("CHF", "0.9626")],
        );
        assert_eq!(t.currencies().count(), 3);
    }

    #[test]
    fn rejects_non_ecb_xml_and_garbage() {
        for bad in [
            "",
            "not xml at all",
            "{\"USD\": 1.1}",
            "<rates><rate currency='USD' value='1.1'/></rates>",
            // ECB envelope without any rate.
            "<gesmes:Envelope xmlns:gesmes='x'><gesmes:subject>Reference rates</gesmes:subject></gesmes:Envelope>",
            // Dated cube without rates.
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube time='2024-03-15'></Cube></Cube></gesmes:Envelope>",
            // Rate outside a dated cube.
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube currency='USD' rate='1.1'/></Cube></gesmes:Envelope>",
            // Bad date, bad rates, missing rate, bad code.
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube time='15/03/2024'><Cube currency='USD' rate='1.1'/></Cube></Cube></gesmes:Envelope>",
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube time='2024-03-15'><Cube currency='USD' rate='one'/></Cube></Cube></gesmes:Envelope>",
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube time='2024-03-15'><Cube currency='USD' rate='-1.1'/></Cube></Cube></gesmes:Envelope>",
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube time='2024-03-15'><Cube currency='USD' rate='0'/></Cube></Cube></gesmes:Envelope>",
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube time='2024-03-15'><Cube currency='USD'/></Cube></Cube></gesmes:Envelope>",
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube time='2024-03-15'><Cube currency='usd' rate='1.1'/></Cube></Cube></gesmes:Envelope>",
            // Same currency twice on a day.
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube time='2024-03-15'><Cube currency='USD' rate='1.1'/><Cube currency='USD' rate='1.2'/></Cube></Cube></gesmes:Envelope>",
            // Truncated document.
            "<gesmes:Envelope xmlns:gesmes='x'><Cube><Cube time='2024-03-15'><Cube currency='USD' rate='1.1'",
        ] {
            let r = RateTable::from_ecb_xml(bad);
            assert!(matches!(r, Err(RateError::Format(_))), "{bad:?} gave {r:?}");
        }
    }

    #[test]
    fn cross_rate_goes_through_the_euro() {
        let t = RateTable::from_ecb_xml(SAMPLE).unwrap();
        let usd = Money::new(d("100"), CurrencyCode::USD);
        let c = t.convert(usd, CurrencyCode::GBP).unwrap();
        let expected_rate = d("0.85493") / d("1.0892");
        assert_eq!(c.rate, round(expected_rate, RATE_DP));
        assert_eq!(c.rate, d("0.7849155343"));
        assert_eq!(c.money.currency, CurrencyCode::GBP);
        // 100 × 0.85493 / 1.0892 = 78.49155343…
        assert_eq!(c.money.amount, d("78.4916"));
        assert_eq!(c.rate_date, t.date());
    }

    #[test]
    fn converts_from_and_to_the_euro() {
        let t = RateTable::from_ecb_xml(SAMPLE).unwrap();
        let c = t
            .convert(Money::new(d("10"), CurrencyCode::EUR), CurrencyCode::USD)
            .unwrap();
        assert_eq!(c.rate, d("1.0892"));
        assert_eq!(c.money.amount, d("10.892"));
        let c = t
            .convert(
                Money::new(d("1089.2"), CurrencyCode::USD),
                CurrencyCode::EUR,
            )
            .unwrap();
        assert_eq!(c.money.amount, d("1000"));
        assert_eq!(c.rate, round(Decimal::ONE / d("1.0892"), RATE_DP));
    }

    #[test]
    fn amount_is_rounded_to_four_places_from_the_unrounded_rate() {
        let t = RateTable::from_ecb_xml(SAMPLE).unwrap();
        let c = t
            .convert(Money::new(d("1"), cc("JPY")), CurrencyCode::USD)
            .unwrap();
        // 1.0892 / 161.96 = 0.006725117312917…
        assert_eq!(c.money.amount, d("0.0067"));
        assert_eq!(c.rate, d("0.0067251173"));
        let c = t
            .convert(Money::new(d("123456789"), cc("JPY")), CurrencyCode::USD)
            .unwrap();
        // 123456789 × 1.0892 / 161.96 = 830261.38910101…
        assert_eq!(c.money.amount, d("830261.3891"));
    }

    #[test]
    fn same_currency_has_rate_one_even_without_a_rate() {
        let t = RateTable::from_ecb_xml(SAMPLE).unwrap();
        let m = Money::new(d("34.992001"), cc("XOF"));
        let c = t.convert(m, cc("XOF")).unwrap();
        assert_eq!(c.money, m);
        assert_eq!(c.rate, Decimal::ONE);
    }

    #[test]
    fn unknown_currency_is_a_missing_rate() {
        let t = RateTable::from_ecb_xml(SAMPLE).unwrap();
        let m = Money::new(d("10"), cc("XOF"));
        assert_eq!(
            t.convert(m, CurrencyCode::USD),
            Err(RateError::MissingRate(cc("XOF")))
        );
        let m = Money::new(d("10"), CurrencyCode::USD);
        assert_eq!(
            t.convert(m, CurrencyCode::CAD),
            Err(RateError::MissingRate(CurrencyCode::CAD))
        );
    }

    #[test]
    fn huge_amounts_do_not_panic() {
        let t = RateTable::from_ecb_xml(SAMPLE).unwrap();
        let m = Money::new(Decimal::MAX, CurrencyCode::EUR);
        assert!(matches!(t.convert(m, cc("JPY")), Err(RateError::Format(_))));
        // Dividing first still works when only the product overflows.
        let c = t.convert(m, CurrencyCode::GBP).unwrap();
        assert!(c.money.amount < Decimal::MAX);
    }

    #[test]
    fn bundled_table_is_the_ecb_file_of_2026_10_30() {
        let t = RateTable::bundled();
        assert_eq!(t.date(), NaiveDate::from_ymd_opt(2026, 10, 30).unwrap());
        for (code, rate) in [
            ("USD", "1.1172"),
            ("GBP", "0.8338"),
            ("CAD", "1.5606"),
            ("CHF", "0.9194"),
            ("JPY", "175.68"),
            ("EUR", "1"),
        ] {
            assert_eq!(t.per_eur(cc(code)), Some(d(rate)), "{code}");
        }
        // 29 ECB currencies (no BGN since Bulgaria joined the euro) plus EUR.
        assert_eq!(t.currencies().count(), 30);
        assert_eq!(t.per_eur(cc("BGN")), None);
        assert!(BUNDLED_XML.contains("<gesmes:subject>Reference rates</gesmes:subject>"));
        assert!(BUNDLED_XML.contains("<gesmes:name>European Central Bank</gesmes:name>"));
    }

    #[test]
    fn bundled_cross_rate_usd_to_gbp() {
        let t = RateTable::bundled();
        let c = t
            .convert(Money::new(d("1000"), CurrencyCode::USD), CurrencyCode::GBP)
            .unwrap();
        assert_eq!(c.rate, round(d("0.8338") / d("1.1172"), RATE_DP));
        // 1000 × 0.8338 / 1.1172 = 746.33011099…
        assert_eq!(c.money.amount, d("746.3301"));
        assert_eq!(c.rate_date, NaiveDate::from_ymd_opt(2026, 10, 30).unwrap());
    }
}
