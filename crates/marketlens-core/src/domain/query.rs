use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{Condition, CurrencyCode, InvalidInput, Language};
use crate::ErrorType;

/// Longest accepted query, in characters, before normalisation.
pub const MAX_QUERY_CHARS: usize = 200;
/// Largest `max_products` a request may ask for.
pub const MAX_PRODUCTS_LIMIT: u32 = 500;

/// A product query as typed by the user, with its normalised form.
///
/// Normalisation (used for matching and for the fingerprint): Unicode compatibility
/// form, lower case, diacritics folded (`café` = `cafe`), punctuation other than the
/// characters found in model numbers (`- . + / & ' #`) turned into spaces, runs of
/// whitespace collapsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryText {
    raw: String,
    normalized: String,
}

impl QueryText {
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let raw: String = input.trim().chars().filter(|c| !c.is_control()).collect();
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(InvalidInput::new(
                ErrorType::QueryTooLong,
                "query",
                format!("query is longer than {MAX_QUERY_CHARS} characters"),
            ));
        }
        let normalized = normalize_query(&raw);
        if normalized.is_empty() {
            return Err(InvalidInput::new(
                ErrorType::EmptyQuery,
                "query",
                "query is empty: type what product you are looking for",
            ));
        }
        Ok(Self { raw, normalized })
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// Whitespace-separated tokens of the normalised query.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.normalized.split(' ')
    }
}

/// Lower-cases, folds diacritics and strips punctuation; see [`QueryText`].
pub fn normalize_query(s: &str) -> String {
    let folded: String = s
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| {
            if c.is_alphanumeric() || "-.+/&'#".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    folded
        .split_whitespace()
        .map(|t| t.trim_matches(|c: char| "-.+/&'".contains(c)))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A market (country) as an ISO 3166-1 alpha-2 code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Market(String);

impl Market {
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let t = s.trim();
        if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) {
            Ok(Market(t.to_ascii_uppercase()))
        } else {
            Err(InvalidInput::parameter(
                "market",
                format!("{s:?} is not a two-letter country code such as FR or US"),
            ))
        }
    }
}

super::macros::checked_conversions!(Market: String = parse);

/// A source name as used in the agent config: `[a-z0-9_-]`, 1 to 40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SourceName(String);

impl SourceName {
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let t = s.trim();
        let ok = (1..=40).contains(&t.len())
            && t.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok {
            Ok(SourceName(t.to_owned()))
        } else {
            Err(InvalidInput::new(
                ErrorType::UnknownSource,
                "sources",
                format!("{s:?} is not a valid source name"),
            ))
        }
    }
}

super::macros::checked_conversions!(SourceName: String = parse);

impl std::fmt::Display for SourceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An analysis request as it arrives (HTTP body or CLI flags), before validation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisRequest {
    /// The product query, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub query: String,
    /// Target currency (ISO 4217) for all statistics.
    #[serde(default)]
    pub currency: Option<String>,
    /// Market as a two-letter country code; selects tax rules and resolves `$`.
    #[serde(default)]
    pub market: Option<String>,
    /// Products to analyse, 1 to 500 (default from the agent configuration).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 500)]
    pub max_products: Option<u32>,
    /// Sources to query; empty or absent means every enabled source.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
    /// `new`, `used`, `refurbished` or `any`.
    #[serde(default)]
    pub condition: Option<String>,
    /// Price range in the target currency, inclusive: a JSON number (`500`, `99.5`)
    /// or a decimal string (`"99.50"`).
    #[serde(default, deserialize_with = "price_amount::deserialize")]
    #[schema(schema_with = price_amount::schema)]
    pub min_price: Option<Decimal>,
    #[serde(default, deserialize_with = "price_amount::deserialize")]
    #[schema(schema_with = price_amount::schema)]
    pub max_price: Option<Decimal>,
    /// Only reviews written in this language are analysed (`en`, `fr`); absent = all.
    #[serde(default)]
    pub language: Option<String>,
    /// Who asks (until API keys carry it): places the user in experiments. Not part of
    /// the question, so not of its fingerprint.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// Prices in a request body: callers write JSON numbers as often as strings, and
/// both mean the same amount. A number is read through its shortest decimal form
/// (`99.99`, never `99.9899999…`), so no binary rounding reaches the filter.
mod price_amount {
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use serde::de::{self, Deserializer, Visitor};

    /// Its schema: what [`deserialize`] accepts, a number or a decimal string (or
    /// nothing).
    pub(super) fn schema() -> utoipa::openapi::schema::Schema {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
        let one_of = OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .minimum(Some(0))
                    .examples([serde_json::json!(500)])
                    .build(),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("A decimal number, e.g. `99.50`"))
                    .examples([serde_json::json!("899.99")])
                    .build(),
            )
            .item(ObjectBuilder::new().schema_type(Type::Null).build())
            .description(Some(
                "Inclusive bound in the target currency, not negative: a JSON number or a decimal string",
            ))
            .build();
        Schema::OneOf(one_of)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        deserializer.deserialize_option(OptionalAmount)
    }

    struct OptionalAmount;

    impl<'de> Visitor<'de> for OptionalAmount {
        type Value = Option<Decimal>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a price as a number (500, 99.5) or a decimal string (\"99.50\")")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Amount).map(Some)
        }
    }

    struct Amount;

    impl Amount {
        fn parse<E: de::Error>(text: &str) -> Result<Decimal, E> {
            let t = text.trim();
            Decimal::from_str(t)
                .or_else(|_| Decimal::from_scientific(t))
                .map_err(|_| E::custom(format!("{text:?} is not a price such as 99.50")))
        }
    }

    impl Visitor<'_> for Amount {
        type Value = Decimal;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a price as a number (500, 99.5) or a decimal string (\"99.50\")")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            if !v.is_finite() {
                return Err(E::custom("a price must be a finite number"));
            }
            // `Display` of an f64 is its shortest round-trip decimal form.
            Self::parse(&v.to_string())
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            Self::parse(v)
        }
    }
}

/// Validated analysis parameters in canonical form (sources sorted, amounts normalised),
/// so that equal requests serialise to equal bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnalysisParams {
    /// ISO 4217 code.
    #[schema(value_type = String, pattern = "^[A-Z]{3}$")]
    pub currency: CurrencyCode,
    /// Two-letter country code.
    #[schema(value_type = String, pattern = "^[A-Z]{2}$")]
    pub market: Market,
    pub max_products: u32,
    #[schema(value_type = Vec<String>)]
    pub sources: Vec<SourceName>,
    pub condition: Option<Condition>,
    /// A decimal amount written as a string (`"900.00"`).
    #[schema(value_type = Option<String>)]
    pub min_price: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub max_price: Option<Decimal>,
    pub language: Option<Language>,
}

/// Parameters used when a request leaves them out (the agent configuration's
/// `[defaults]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDefaults {
    pub currency: CurrencyCode,
    pub market: Market,
    pub max_products: u32,
}

impl Default for RequestDefaults {
    fn default() -> Self {
        Self {
            currency: CurrencyCode::EUR,
            market: Market::parse("FR").expect("valid literal"),
            max_products: 50,
        }
    }
}

impl AnalysisRequest {
    /// The request's user: absent or blank is no user; otherwise checked as every
    /// user id is ([`super::UserId::parse`]).
    pub fn user_id(&self) -> Result<Option<super::UserId>, InvalidInput> {
        match self.user_id.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(user) => super::UserId::parse(user).map(Some),
            None => Ok(None),
        }
    }

    /// Parses the request. `known_sources` are the sources enabled in the agent config;
    /// naming any other source is an `unknown_source` error. `known_markets` are the
    /// markets the agent config has tax rules for; naming any other market is an
    /// `invalid_parameter` error listing them (its prices could not be put on one tax
    /// basis). The default market is always accepted.
    pub fn parse(
        &self,
        defaults: &RequestDefaults,
        known_sources: &[String],
        known_markets: &[Market],
    ) -> Result<(QueryText, AnalysisParams), InvalidInput> {
        let query = QueryText::parse(&self.query)?;
        let currency = match &self.currency {
            Some(c) => CurrencyCode::parse(c)?,
            None => defaults.currency,
        };
        let market = match &self.market {
            Some(m) => {
                let market = Market::parse(m)?;
                if market != defaults.market && !known_markets.contains(&market) {
                    let known: Vec<&str> = known_markets.iter().map(Market::as_str).collect();
                    return Err(InvalidInput::parameter(
                        "market",
                        format!(
                            "unknown market {:?}; known markets: {} (a market needs its tax \
                             rate under [tax.rates_percent] in the agent configuration)",
                            market.as_str(),
                            known.join(", ")
                        ),
                    ));
                }
                market
            }
            None => defaults.market.clone(),
        };
        let max_products = self.max_products.unwrap_or(defaults.max_products);
        if !(1..=MAX_PRODUCTS_LIMIT).contains(&max_products) {
            return Err(InvalidInput::parameter(
                "max_products",
                format!("max_products must be between 1 and {MAX_PRODUCTS_LIMIT}"),
            ));
        }
        let mut sources = Vec::new();
        for s in self.sources.iter().flatten() {
            let name = SourceName::parse(s)?;
            if !known_sources.iter().any(|k| k == name.as_str()) {
                return Err(InvalidInput::new(
                    ErrorType::UnknownSource,
                    "sources",
                    format!(
                        "unknown source {s:?}; enabled sources: {}",
                        known_sources.join(", ")
                    ),
                ));
            }
            sources.push(name);
        }
        sources.sort();
        sources.dedup();
        let condition = match self.condition.as_deref().map(str::trim) {
            None | Some("") | Some("any") => None,
            Some(c) => Some(Condition::parse_filter(c)?),
        };
        let min_price = self.min_price.map(|d| d.normalize());
        let max_price = self.max_price.map(|d| d.normalize());
        for (field, v) in [("min_price", min_price), ("max_price", max_price)] {
            if v.is_some_and(|v| v.is_sign_negative()) {
                return Err(InvalidInput::parameter(field, "prices cannot be negative"));
            }
        }
        if let (Some(lo), Some(hi)) = (min_price, max_price)
            && lo > hi
        {
            return Err(InvalidInput::parameter(
                "min_price",
                format!("min_price ({lo}) is greater than max_price ({hi})"),
            ));
        }
        let language = self.language.as_deref().map(Language::parse).transpose()?;
        Ok((
            query,
            AnalysisParams {
                currency,
                market,
                max_products,
                sources,
                condition,
                min_price,
                max_price,
                language,
            },
        ))
    }
}

/// Hash of the normalised query and the canonical parameters: two requests with the
/// same fingerprint ask the same question, so they may share a job and a result.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Version prefix: bump when the canonical form changes so old fingerprints never
    /// collide with new ones.
    const DOMAIN: &'static str = "marketlens/fingerprint/v1";

    pub fn compute(query: &QueryText, params: &AnalysisParams) -> Self {
        let canonical = serde_json::json!({
            "query": query.normalized(),
            "params": params,
        });
        // serde_json's map is ordered by key (no preserve_order feature), so this is
        // canonical.
        let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
        let mut hasher = blake3::Hasher::new_derive_key(Self::DOMAIN);
        hasher.update(&bytes);
        Fingerprint(hasher.finalize().to_hex()[..32].to_owned())
    }

    pub fn from_stored(s: String) -> Self {
        Fingerprint(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> RequestDefaults {
        RequestDefaults::default()
    }

    fn known() -> Vec<String> {
        vec!["catalog".into(), "shopify".into()]
    }

    fn markets() -> Vec<Market> {
        ["DE", "FR", "US"]
            .into_iter()
            .map(|m| Market::parse(m).unwrap())
            .collect()
    }

    #[test]
    fn prices_are_read_from_json_numbers_and_strings() {
        let read = |body: &str| serde_json::from_str::<AnalysisRequest>(body);
        let r = read(r#"{"query": "x", "min_price": 500, "max_price": 1299.99}"#).unwrap();
        assert_eq!(r.min_price, Some(Decimal::from(500)));
        assert_eq!(r.max_price, Some(Decimal::new(129_999, 2)));
        let r = read(r#"{"query": "x", "min_price": "99.50", "max_price": null}"#).unwrap();
        assert_eq!(r.min_price, Some(Decimal::new(9_950, 2)));
        assert_eq!(r.max_price, None);
        let r = read(r#"{"query": "x"}"#).unwrap();
        assert_eq!((r.min_price, r.max_price), (None, None));
        for bad in [
            r#"{"query": "x", "min_price": "cheap"}"#,
            r#"{"query": "x", "min_price": true}"#,
            r#"{"query": "x", "max_price": [1]}"#,
            r#"{"query": "x", "max_price": 1e300}"#,
        ] {
            let err = read(bad).unwrap_err().to_string();
            assert!(err.contains("price"), "{bad}: {err}");
        }
    }

    #[test]
    fn an_inverted_price_range_names_both_bounds() {
        let r = AnalysisRequest {
            min_price: Some(Decimal::from(500)),
            max_price: Some(Decimal::from(100)),
            ..req("x")
        };
        let err = r.parse(&defaults(), &known(), &markets()).unwrap_err();
        assert_eq!(err.error_type, ErrorType::InvalidParameter);
        assert_eq!(
            err.message,
            "min_price (500) is greater than max_price (100)"
        );
    }

    #[test]
    fn refuses_unknown_markets_listing_the_known_ones() {
        for code in ["XX", "zz", "JP"] {
            let r = AnalysisRequest {
                market: Some(code.into()),
                ..req("x")
            };
            let err = r.parse(&defaults(), &known(), &markets()).unwrap_err();
            assert_eq!(err.error_type, ErrorType::InvalidParameter, "{code}");
            assert_eq!(err.field, "market");
            assert!(err.message.contains("DE, FR, US"), "{}", err.message);
            assert!(
                err.message.contains(&code.to_ascii_uppercase()),
                "{}",
                err.message
            );
        }
        // Known markets, in any case, and the default market are accepted.
        for code in ["us", "DE", "FR"] {
            let r = AnalysisRequest {
                market: Some(code.into()),
                ..req("x")
            };
            let (_, p) = r.parse(&defaults(), &known(), &markets()).unwrap();
            assert_eq!(p.market.as_str(), code.to_ascii_uppercase());
        }
        let r = AnalysisRequest {
            market: Some("FR".into()),
            ..req("x")
        };
        assert!(r.parse(&defaults(), &known(), &[]).is_ok());
    }

    fn req(q: &str) -> AnalysisRequest {
        AnalysisRequest {
            query: q.into(),
            ..Default::default()
        }
    }

    #[test]
    fn normalises_case_accents_punctuation_and_spaces() {
        let q = QueryText::parse("  Machine à  Café, EXPRESSO!! ").unwrap();
        assert_eq!(q.normalized(), "machine a cafe expresso");
        assert_eq!(q.raw(), "Machine à  Café, EXPRESSO!!");
        let q = QueryText::parse("Sony WH-1000XM5 (black)").unwrap();
        assert_eq!(q.normalized(), "sony wh-1000xm5 black");
    }

    #[test]
    fn rejects_empty_and_punctuation_only_queries() {
        for q in ["", "   ", "\n\t", "?!…", "<>"] {
            let err = QueryText::parse(q).unwrap_err();
            assert_eq!(err.error_type, ErrorType::EmptyQuery, "{q:?}");
        }
    }

    #[test]
    fn rejects_overlong_queries() {
        let q = "a".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(
            QueryText::parse(&q).unwrap_err().error_type,
            ErrorType::QueryTooLong
        );
        assert!(QueryText::parse(&"é".repeat(MAX_QUERY_CHARS)).is_ok());
    }

    #[test]
    fn fills_defaults_and_canonicalises_sources() {
        let mut r = req("headphones");
        r.sources = Some(vec!["shopify".into(), "catalog".into(), "shopify".into()]);
        let (_, p) = r.parse(&defaults(), &known(), &markets()).unwrap();
        assert_eq!(p.currency, CurrencyCode::EUR);
        assert_eq!(p.market.as_str(), "FR");
        assert_eq!(
            p.sources.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            ["catalog", "shopify"]
        );
    }

    #[test]
    fn rejects_each_bad_parameter_with_its_error_type() {
        let cases: Vec<(AnalysisRequest, ErrorType)> = vec![
            (
                AnalysisRequest {
                    sources: Some(vec!["ebay".into()]),
                    ..req("x")
                },
                ErrorType::UnknownSource,
            ),
            (
                AnalysisRequest {
                    currency: Some("EURO".into()),
                    ..req("x")
                },
                ErrorType::InvalidParameter,
            ),
            (
                AnalysisRequest {
                    market: Some("France".into()),
                    ..req("x")
                },
                ErrorType::InvalidParameter,
            ),
            (
                AnalysisRequest {
                    max_products: Some(0),
                    ..req("x")
                },
                ErrorType::InvalidParameter,
            ),
            (
                AnalysisRequest {
                    max_products: Some(MAX_PRODUCTS_LIMIT + 1),
                    ..req("x")
                },
                ErrorType::InvalidParameter,
            ),
            (
                AnalysisRequest {
                    condition: Some("broken".into()),
                    ..req("x")
                },
                ErrorType::InvalidParameter,
            ),
            (
                AnalysisRequest {
                    min_price: Some(Decimal::from(10)),
                    max_price: Some(Decimal::from(5)),
                    ..req("x")
                },
                ErrorType::InvalidParameter,
            ),
            (
                AnalysisRequest {
                    min_price: Some(Decimal::from(-1)),
                    ..req("x")
                },
                ErrorType::InvalidParameter,
            ),
            (
                AnalysisRequest {
                    language: Some("de".into()),
                    ..req("x")
                },
                ErrorType::InvalidParameter,
            ),
        ];
        for (r, expected) in cases {
            let err = r.parse(&defaults(), &known(), &markets()).unwrap_err();
            assert_eq!(err.error_type, expected, "{r:?}");
        }
    }

    #[test]
    fn fingerprint_ignores_spelling_noise_but_not_parameters() {
        let fp = |r: AnalysisRequest| {
            let (q, p) = r.parse(&defaults(), &known(), &markets()).unwrap();
            Fingerprint::compute(&q, &p)
        };
        let a = fp(req("Wireless Headphones"));
        assert_eq!(a, fp(req("  wireless   headphones! ")));
        assert_eq!(a.as_str().len(), 32);
        let mut r = req("wireless headphones");
        r.currency = Some("USD".into());
        assert_ne!(a, fp(r));
        let mut r = req("wireless headphones");
        r.min_price = Some(Decimal::new(1000, 1)); // 100.0 == 100
        let mut r2 = req("wireless headphones");
        r2.min_price = Some(Decimal::from(100));
        assert_eq!(fp(r), fp(r2));
    }
}
