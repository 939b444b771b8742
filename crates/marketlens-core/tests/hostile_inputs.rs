//! Property suite: the parsers that read outside input never panic, whatever they
//! are given, and answer in bounded time.
//!
//! - price text (`parse_price`, `scan_price`): arbitrary Unicode and strings built
//!   from the characters prices are made of (digits, separators, currency symbols and
//!   codes, tax words, signs, spaces of every kind);
//! - the agent configuration (`AgentConfig::from_toml_str`): arbitrary text, and the
//!   built-in configuration with lines dropped, duplicated or with a value replaced;
//! - the analysis request (`AnalysisRequest` from JSON, then `parse`): arbitrary JSON
//!   values for each field.
//!
//! "Bounded time" is a hang guard, not a speed target (those are in `eval … --bench`):
//! a case that takes more than a few seconds even in a debug build means a parser
//! went quadratic or worse on some input.

#[path = "support/hostile.rs"]
mod hostile;

use hostile::{json_scalar, within_guard};
use marketlens_core::config::{AgentConfig, DEFAULT_AGENT_TOML};
use marketlens_core::domain::{AnalysisRequest, CurrencyCode, Market, RequestDefaults};
use marketlens_core::normalize::price_text::{parse_price, scan_price};
use proptest::prelude::*;

/// The pieces price text is made of, to build strings that reach deep into the
/// parser rather than failing at the first character.
const PRICE_PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "5",
    "9",
    "12",
    "199",
    "1000",
    "00",
    ".",
    ",",
    "'",
    " ",
    "\u{a0}",
    "\u{202f}",
    "\u{2009}",
    "-",
    "+",
    "–",
    "€",
    "$",
    "£",
    "¥",
    "₹",
    "zł",
    "kr",
    "Fr.",
    "CHF",
    "EUR",
    "USD",
    "GBP",
    "JPY",
    "SEK",
    "PLN",
    "US$",
    "C$",
    "A$",
    "R$",
    "HK$",
    "TTC",
    "HT",
    "incl. VAT",
    "excl. VAT",
    "inkl. MwSt.",
    "from",
    "à partir de",
    "ab",
    "/mo",
    "x",
    "(",
    ")",
    "1.234,56",
    "1,234.56",
    "1 234,56",
    "12,-",
    ".-",
    "k",
    "M",
    "\u{200b}",
    "\u{feff}",
    "\u{202e}",
    "٣",
    "٫",
    "１",
    "２",
    "０",
    "e",
    "E",
    "∞",
    "NaN",
];

fn price_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PRICE_PIECES), 0..40)
        .prop_map(|pieces| pieces.concat())
}

fn markets() -> impl Strategy<Value = Option<Market>> {
    prop::sample::select(vec![
        "FR", "US", "GB", "DE", "CA", "CH", "SE", "JP", "IN", "BR",
    ])
    .prop_map(|m| Market::parse(m).ok())
}

fn hints() -> impl Strategy<Value = Option<CurrencyCode>> {
    prop::option::of(prop::sample::select(vec![
        CurrencyCode::EUR,
        CurrencyCode::USD,
        CurrencyCode::GBP,
    ]))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn price_parsing_never_panics_on_any_text(text in any::<String>(), market in markets(), hint in hints()) {
        within_guard("scan_price", &text, || scan_price(&text, hint, market.as_ref()));
        within_guard("parse_price", &text, || { let _ = parse_price(&text, hint, market.as_ref()); });
    }

    #[test]
    fn price_parsing_never_panics_on_price_like_text(text in price_like(), market in markets(), hint in hints()) {
        within_guard("scan_price", &text, || scan_price(&text, hint, market.as_ref()));
        if let Ok(price) = parse_price(&text, hint, market.as_ref()) {
            // What it accepts is a real amount: never negative.
            prop_assert!(!price.amount.is_sign_negative(), "{text:?} -> {price:?}");
        }
    }

    #[test]
    fn the_config_parser_never_panics_on_any_text(text in any::<String>()) {
        within_guard("from_toml_str", &text, || { let _ = AgentConfig::from_toml_str(&text); });
    }

    #[test]
    fn the_config_parser_never_panics_on_a_mutated_builtin_config(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<String>()), 1..6)
    ) {
        let mut lines: Vec<String> = DEFAULT_AGENT_TOML.lines().map(str::to_owned).collect();
        for (at, kind, text) in edits {
            let i = at.index(lines.len());
            match kind {
                0 => { lines.remove(i); }
                1 => { let copy = lines[i].clone(); lines.insert(i, copy); }
                2 => {
                    // Keep the key, replace the value: reaches the validation rules.
                    if let Some((key, _)) = lines[i].split_once('=') {
                        lines[i] = format!("{key}= {text}");
                    }
                }
                _ => lines[i] = text,
            }
            if lines.is_empty() { break; }
        }
        let text = lines.join("\n");
        within_guard("from_toml_str", &text, || { let _ = AgentConfig::from_toml_str(&text); });
    }

    #[test]
    fn the_request_parser_never_panics(
        query in prop_oneof![any::<String>(), Just("wireless headphones".to_owned())],
        fields in prop::collection::vec((prop::sample::select(vec![
            "currency", "market", "max_products", "sources", "condition", "min_price",
            "max_price", "language", "user_id", "unknown",
        ]), json_value()), 0..6)
    ) {
        let mut body = serde_json::Map::new();
        body.insert("query".into(), serde_json::Value::String(query));
        for (key, value) in fields {
            body.insert(key.to_owned(), value);
        }
        let body = serde_json::Value::Object(body).to_string();
        within_guard("AnalysisRequest", &body, || {
            if let Ok(request) = serde_json::from_str::<AnalysisRequest>(&body) {
                let known = vec!["catalog".to_owned(), "shop".to_owned()];
                let _ = request.parse(&RequestDefaults::default(), &known, &[]);
                let _ = request.user_id();
            }
        });
    }
}

proptest! {
    // Long inputs: fewer cases, each one larger.
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn long_price_like_text_stays_in_bounded_time(piece in prop::sample::select(PRICE_PIECES), times in 1usize..20_000) {
        let text = piece.repeat(times);
        within_guard("parse_price", &text, || { let _ = parse_price(&text, None, None); });
    }
}

/// JSON values of every kind, with the strings and numbers requests are made of.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    json_scalar(&[
        "EUR",
        "usd",
        "FR",
        "us",
        "new",
        "used",
        "refurbished",
        "any",
        "en",
        "fr",
        "-1",
        "1e400",
        "99.999",
        "0",
        "",
        " ",
        "catalog",
        "NaN",
        "1,5",
    ])
    .prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}
