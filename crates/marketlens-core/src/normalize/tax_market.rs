//! Which market's tax rules apply to an offer.
//!
//! Without a tax marker in its text, a price follows its shop's market convention
//! (VAT included in Europe, sales tax excluded from US and Canadian shelf prices). The
//! same shelf price must come out the same whichever source read it, and sources know
//! different things about a shop: the catalogue names each shop's country, a scraped
//! page usually names only a currency. So the market is chosen by one rule for every
//! source:
//!
//! 1. the shop's country, when the source states it;
//! 2. else the requested market, when the price is in that market's own currency (a
//!    euro price in a French analysis is taken as a French shelf price);
//! 3. else the country that issues the price's currency, for a national currency (a
//!    price in Canadian dollars is a Canadian shelf price, whatever the analysis'
//!    market);
//! 4. else the requested market.

use crate::domain::{CurrencyCode, Market};

use super::price_text::market_currency;

/// The market whose tax rules apply to a price in `currency`; `stated` is the shop's
/// country as the source gives it, `requested` the analysis' market.
pub fn tax_market(stated: Option<&str>, currency: CurrencyCode, requested: &Market) -> Market {
    if let Some(m) = stated.and_then(|c| Market::parse(c).ok()) {
        return m;
    }
    if market_currency(requested) == Some(currency.as_str()) {
        return requested.clone();
    }
    issuing_country(currency)
        .and_then(|c| Market::parse(c).ok())
        .unwrap_or_else(|| requested.clone())
}

/// The one country whose currency `currency` is, for the national currencies of the
/// reference-rate table; none for currencies shared by several countries (EUR, XOF…).
fn issuing_country(currency: CurrencyCode) -> Option<&'static str> {
    Some(match currency.as_str() {
        "USD" => "US",
        "CAD" => "CA",
        "GBP" => "GB",
        "CHF" => "CH",
        "JPY" => "JP",
        "AUD" => "AU",
        "NZD" => "NZ",
        "SEK" => "SE",
        "NOK" => "NO",
        "DKK" => "DK",
        "ISK" => "IS",
        "PLN" => "PL",
        "CZK" => "CZ",
        "HUF" => "HU",
        "RON" => "RO",
        "BGN" => "BG",
        "TRY" => "TR",
        "BRL" => "BR",
        "MXN" => "MX",
        "CNY" => "CN",
        "HKD" => "HK",
        "IDR" => "ID",
        "ILS" => "IL",
        "INR" => "IN",
        "KRW" => "KR",
        "MYR" => "MY",
        "PHP" => "PH",
        "SGD" => "SG",
        "THB" => "TH",
        "ZAR" => "ZA",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{cc as c, market as m};

    #[test]
    fn a_stated_country_wins() {
        assert_eq!(tax_market(Some("ca"), c("EUR"), &m("FR")), m("CA"));
    }

    #[test]
    fn the_requested_market_applies_to_its_own_currency() {
        assert_eq!(tax_market(None, c("EUR"), &m("FR")), m("FR"));
        assert_eq!(tax_market(None, c("USD"), &m("US")), m("US"));
    }

    #[test]
    fn a_foreign_national_currency_brings_its_country() {
        assert_eq!(tax_market(None, c("CAD"), &m("FR")), m("CA"));
        assert_eq!(tax_market(None, c("GBP"), &m("US")), m("GB"));
        assert_eq!(tax_market(Some("not a code"), c("USD"), &m("FR")), m("US"));
    }

    #[test]
    fn a_shared_currency_keeps_the_requested_market() {
        assert_eq!(tax_market(None, c("EUR"), &m("US")), m("US"));
    }
}
