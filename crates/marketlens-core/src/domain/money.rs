use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::InvalidInput;

/// Active ISO 4217 currency codes (funds and precious metals left out).
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

/// An ISO 4217 currency code, always three upper-case letters from the active list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CurrencyCode([u8; 3]);

impl CurrencyCode {
    pub const EUR: CurrencyCode = CurrencyCode(*b"EUR");
    pub const USD: CurrencyCode = CurrencyCode(*b"USD");
    pub const GBP: CurrencyCode = CurrencyCode(*b"GBP");
    pub const CAD: CurrencyCode = CurrencyCode(*b"CAD");

    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let upper = s.trim().to_ascii_uppercase();
        if ISO_4217.binary_search(&upper.as_str()).is_ok() {
            let b = upper.as_bytes();
            Ok(CurrencyCode([b[0], b[1], b[2]]))
        } else {
            Err(InvalidInput::parameter(
                "currency",
                format!("{s:?} is not an ISO 4217 currency code"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point in everyday prices.
    pub fn minor_units(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "XAF" | "XOF" | "XPF" | "PYG" | "UGX"
            | "RWF" | "KMF" | "GNF" | "DJF" | "BIF" | "VUV" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "IQD" | "LYD" | "TND" => 3,
            _ => 2,
        }
    }
}

impl std::fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CurrencyCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CurrencyCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CurrencyCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An exact decimal amount in a currency. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: CurrencyCode,
}

impl Money {
    pub fn new(amount: Decimal, currency: CurrencyCode) -> Self {
        Self { amount, currency }
    }

    /// Rounded to the currency's minor units, for display.
    pub fn display(&self) -> String {
        let rounded = self.amount.round_dp(self.currency.minor_units());
        format!(
            "{rounded:.prec$} {}",
            self.currency,
            prec = self.currency.minor_units() as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn iso_list_is_sorted_for_binary_search() {
        assert!(ISO_4217.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn parses_known_codes_case_insensitively() {
        assert_eq!(CurrencyCode::parse("eur").unwrap(), CurrencyCode::EUR);
        assert_eq!(CurrencyCode::parse(" CAD ").unwrap().as_str(), "CAD");
    }

    #[test]
    fn rejects_unknown_codes() {
        for bad in ["", "EU", "EURO", "XYZ", "€", "ÉUR"] {
            assert!(CurrencyCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn money_round_trips_through_json_as_exact_string() {
        let m = Money::new(Decimal::from_str("1299.99").unwrap(), CurrencyCode::USD);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"1299.99","currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert_eq!(m.display(), "1299.99 USD");
    }
}
