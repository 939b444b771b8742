//! Stage `normalize`: collected products → comparable products.
//!
//! Every offer's price text is parsed into an exact amount and ISO currency, converted
//! into the target currency with a dated reference rate, and its condition and
//! availability read from shop wording. Then the same product sold by several shops
//! becomes one product with several offers (entity resolution), keeping the evidence
//! of every merge. Nothing is dropped silently: each rejected offer is listed with its
//! reason.

pub mod condition;
pub mod currency;
pub mod gtin;
pub mod match_features;
pub mod pair_features;
pub mod pair_model;
pub mod price_text;
pub mod resolve;
pub mod tax_market;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::config::{AgentConfig, TaxSettings};
use crate::domain::{
    AnalysisParams, CollectedOffer, CollectedProduct, CollectedReview, CurrencyCode, InvalidInput,
    Language, Market, MergeEvidence, Offer, OfferSighting, OfferTax, Product, Rating, Review,
    TaxBasis, TaxBasisFrom, detect_language,
};
use currency::{RateError, RateTable};
use price_text::{PriceParseError, TaxMarker};

/// An offer left out of the analysis, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedOffer {
    pub source: String,
    pub offer_id: String,
    pub price_text: String,
    pub reason: String,
}

/// A reference rate used to convert at least one kept offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateUsed {
    pub from: CurrencyCode,
    pub to: CurrencyCode,
    /// Units of `to` per unit of `from`.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    pub date: chrono::NaiveDate,
    pub offers: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormalizationSummary {
    pub target_currency: CurrencyCode,
    /// Date of the reference rates used for conversion.
    pub rates_date: chrono::NaiveDate,
    /// Every conversion rate applied to a kept offer, by currency.
    #[serde(default)]
    pub rates_used: Vec<RateUsed>,
    /// Tax basis of every converted price (agent config `tax.basis`).
    pub tax_basis: TaxBasis,
    /// Offers shown on the other basis and adjusted with their market's rate.
    #[serde(default)]
    pub offers_tax_adjusted: u32,
    /// Offers shown on the other basis whose market has no configured rate: kept as
    /// shown (their `tax.basis` says so).
    #[serde(default)]
    pub offers_tax_unadjusted: u32,
    pub products_in: u32,
    pub products_out: u32,
    /// Collected products merged into another (same product, other shop or source).
    pub products_merged: u32,
    pub offers_in: u32,
    pub offers_kept: u32,
    /// Offers outside the requested condition or price range.
    pub offers_filtered_out: u32,
    /// Offers that another source had already given (same shop, product, condition
    /// and price): counted once, listed in that offer's `also_from`.
    #[serde(default)]
    pub offers_seen_in_several_sources: u32,
    pub offers_rejected: Vec<RejectedOffer>,
    pub reviews_in: u32,
    pub reviews_kept: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub products: Vec<Product>,
    pub summary: NormalizationSummary,
}

static BUILTIN: LazyLock<AgentConfig> = LazyLock::new(AgentConfig::builtin);

/// [`normalize_with`] under the built-in configuration's matching and tax settings.
pub fn normalize(
    collected: &[CollectedProduct],
    params: &AnalysisParams,
    rates: &RateTable,
) -> Normalized {
    normalize_with(collected, params, rates, &BUILTIN)
}

/// Normalises the products of every source, in the order given (the most relevant
/// first), keeping at most `params.max_products` products after merging. Matching
/// blocks are bounded by `config.matching` (pairs are decided by the built-in pair
/// model), tax rules come from `config.tax`.
pub fn normalize_with(
    collected: &[CollectedProduct],
    params: &AnalysisParams,
    rates: &RateTable,
    config: &AgentConfig,
) -> Normalized {
    let mut summary = NormalizationSummary {
        target_currency: params.currency,
        rates_date: rates.date(),
        rates_used: Vec::new(),
        tax_basis: config.tax.basis,
        offers_tax_adjusted: 0,
        offers_tax_unadjusted: 0,
        products_in: collected.len() as u32,
        products_out: 0,
        products_merged: 0,
        offers_in: 0,
        offers_kept: 0,
        offers_filtered_out: 0,
        offers_seen_in_several_sources: 0,
        offers_rejected: Vec::new(),
        reviews_in: 0,
        reviews_kept: 0,
    };
    // Collected products that keep at least one offer, with their offers and reviews.
    let mut kept: Vec<(&CollectedProduct, Vec<Offer>, Vec<Review>)> = Vec::new();
    for cp in collected {
        let mut offers = Vec::new();
        for co in &cp.offers {
            summary.offers_in += 1;
            match normalize_offer(cp, co, params, rates, &config.tax) {
                Ok(offer) if passes_filters(&offer, params) => offers.push(offer),
                Ok(_) => summary.offers_filtered_out += 1,
                Err(rejection) => summary.offers_rejected.push(RejectedOffer {
                    source: cp.source.clone(),
                    offer_id: co.offer_id.clone(),
                    price_text: co.price_text.clone(),
                    reason: rejection.to_string(),
                }),
            }
        }
        summary.reviews_in += cp.reviews.len() as u32;
        let reviews: Vec<Review> = cp
            .reviews
            .iter()
            .filter_map(|r| normalize_review(cp, r))
            .filter(|r| params.language.is_none_or(|l| l == r.language))
            .collect();
        if offers.is_empty() {
            // A product nobody sells (under these filters) is not part of this market.
            continue;
        }
        kept.push((cp, offers, reviews));
    }

    let records: Vec<resolve::Record> = kept
        .iter()
        .map(|(cp, offers, _)| resolve::Record {
            title: cp.title.clone(),
            description: None,
            brand: clean(cp.brand.as_deref()),
            model: clean(cp.model.as_deref()),
            mpn: clean(cp.mpn.as_deref()),
            category: clean(cp.category.as_deref()),
            gtin: cp.gtin.as_deref().and_then(gtin::normalize_gtin),
            price: offers
                .iter()
                .map(|o| o.converted.money.amount)
                .min()
                .and_then(|d| d.to_string().parse::<f64>().ok()),
        })
        .collect();
    let clusters = resolve::Resolver::new(&records, &config.matching).resolve();
    let label = |i: usize| format!("{}:{}", kept[i].0.source, kept[i].0.source_product_id);

    let mut products: Vec<Product> = Vec::new();
    for cluster in clusters.iter().take(params.max_products as usize) {
        let first = cluster.members[0].index;
        let cp = kept[first].0;
        let gtin = cluster
            .members
            .iter()
            .find_map(|m| records[m.index].gtin.clone());
        let mut product = Product {
            id: match &gtin {
                Some(g) => format!("gtin:{g}"),
                None => label(first),
            },
            title: cp.title.trim().to_owned(),
            brand: clean(cp.brand.as_deref()),
            model: clean(cp.model.as_deref()),
            category: clean(cp.category.as_deref()),
            gtin,
            mpn: clean(cp.mpn.as_deref()),
            merged_from: Vec::new(),
            offers: Vec::new(),
            reviews: Vec::new(),
        };
        for m in &cluster.members {
            let (cp, offers, reviews) = &kept[m.index];
            merge_fields(&mut product, cp);
            product.merged_from.push(MergeEvidence {
                source: cp.source.clone(),
                source_product_id: cp.source_product_id.clone(),
                rule: m.joined.map_or("first", |j| j.rule.as_str()).to_owned(),
                score: m.joined.map(|j| j.score),
                matched_with: m.joined.map(|j| label(j.with)),
            });
            for o in offers {
                if product
                    .offers
                    .iter()
                    .any(|x| x.source == o.source && x.id == o.id)
                {
                    continue;
                }
                match product.offers.iter_mut().find(|x| seen_elsewhere(x, o)) {
                    Some(kept) => {
                        kept.also_from.push(OfferSighting {
                            source: o.source.clone(),
                            id: o.id.clone(),
                            url: o.url.clone(),
                        });
                        summary.offers_seen_in_several_sources += 1;
                    }
                    None => product.offers.push(o.clone()),
                }
            }
            for r in reviews {
                if !product
                    .reviews
                    .iter()
                    .any(|x| x.source == r.source && x.id == r.id)
                {
                    product.reviews.push(r.clone());
                }
            }
        }
        summary.products_merged += cluster.members.len() as u32 - 1;
        products.push(product);
    }

    let mut rates_used: BTreeMap<CurrencyCode, RateUsed> = BTreeMap::new();
    for o in products.iter().flat_map(|p| &p.offers) {
        match o.tax.rate_applied {
            Some(_) => summary.offers_tax_adjusted += 1,
            None if o.tax.basis != config.tax.basis => summary.offers_tax_unadjusted += 1,
            None => {}
        }
        rates_used
            .entry(o.price.currency)
            .or_insert_with(|| RateUsed {
                from: o.price.currency,
                to: o.converted.money.currency,
                rate: o.converted.rate,
                date: o.converted.rate_date,
                offers: 0,
            })
            .offers += 1;
    }
    summary.rates_used = rates_used.into_values().collect();
    summary.products_out = products.len() as u32;
    summary.offers_kept = products.iter().map(|p| p.offers.len() as u32).sum();
    summary.reviews_kept = products.iter().map(|p| p.reviews.len() as u32).sum();
    Normalized { products, summary }
}

/// Whether `candidate` is `kept` read through another source: the same shop (seller
/// names equal but for case and spacing), condition and shown price. Within one
/// source two such offers are two offers (a shop's variants), and a kept offer stands
/// for at most one offer of each other source.
fn seen_elsewhere(kept: &Offer, candidate: &Offer) -> bool {
    let shop = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    kept.source != candidate.source
        && !kept.also_from.iter().any(|a| a.source == candidate.source)
        && kept.condition == candidate.condition
        && kept.price == candidate.price
        && shop(&kept.seller) == shop(&candidate.seller)
}

fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn merge_fields(p: &mut Product, cp: &CollectedProduct) {
    if p.brand.is_none() {
        p.brand = clean(cp.brand.as_deref());
    }
    if p.model.is_none() {
        p.model = clean(cp.model.as_deref());
    }
    if p.category.is_none() {
        p.category = clean(cp.category.as_deref());
    }
    if p.mpn.is_none() {
        p.mpn = clean(cp.mpn.as_deref());
    }
}

/// Puts `amount`, shown on basis `shown` in `market`, on the configured basis.
/// Returns the amount, its basis and the rate applied (none when already on the
/// basis, or when the market has no configured rate: then it stays as shown).
pub fn apply_tax_basis(
    amount: Decimal,
    shown: TaxBasis,
    market: &Market,
    tax: &TaxSettings,
) -> (Decimal, TaxBasis, Option<Decimal>) {
    if shown == tax.basis {
        return (amount, shown, None);
    }
    let Some(rate) = tax.rate(market) else {
        return (amount, shown, None);
    };
    let factor = Decimal::ONE + rate;
    let adjusted = match shown {
        TaxBasis::Excluded => amount.checked_mul(factor),
        TaxBasis::Included => amount.checked_div(factor),
    };
    match adjusted {
        Some(a) => (
            a.round_dp_with_strategy(currency::AMOUNT_DP, RoundingStrategy::MidpointAwayFromZero),
            tax.basis,
            Some(rate),
        ),
        None => (amount, shown, None),
    }
}

/// Why an offer is left out; its text is the [`RejectedOffer::reason`].
#[derive(Debug, thiserror::Error)]
enum OfferRejection {
    /// The currency the shop declares is not an ISO 4217 code.
    #[error("{}", .0.message)]
    CurrencyHint(InvalidInput),
    #[error(transparent)]
    Price(#[from] PriceParseError),
    #[error("price is zero or free")]
    Free,
    #[error(transparent)]
    Conversion(#[from] RateError),
}

fn normalize_offer(
    cp: &CollectedProduct,
    co: &CollectedOffer,
    params: &AnalysisParams,
    rates: &RateTable,
    tax: &TaxSettings,
) -> Result<Offer, OfferRejection> {
    let hint = match co.currency_hint.as_deref().filter(|h| !h.trim().is_empty()) {
        Some(h) => Some(CurrencyCode::parse(h).map_err(OfferRejection::CurrencyHint)?),
        None => None,
    };
    // `$`, `kr`, `¥` are read in the shop's stated country, else the requested market.
    let reading_market = co
        .country
        .as_deref()
        .and_then(|c| Market::parse(c).ok())
        .unwrap_or_else(|| params.market.clone());
    let parsed = price_text::parse_price(&co.price_text, hint, Some(&reading_market))?;
    if parsed.amount.is_zero() {
        return Err(OfferRejection::Free);
    }
    let market = tax_market::tax_market(co.country.as_deref(), parsed.currency, &params.market);
    let price = crate::domain::Money::new(parsed.amount, parsed.currency);
    // The shop's own marker wins; without one, the market's convention.
    let (shown, shown_from) = match parsed.tax {
        Some(TaxMarker::Included) => (TaxBasis::Included, TaxBasisFrom::PriceText),
        Some(TaxMarker::Excluded) => (TaxBasis::Excluded, TaxBasisFrom::PriceText),
        None if tax.shelf_excludes(&market) => (TaxBasis::Excluded, TaxBasisFrom::MarketConvention),
        None => (TaxBasis::Included, TaxBasisFrom::MarketConvention),
    };
    let (amount, basis, rate_applied) = apply_tax_basis(parsed.amount, shown, &market, tax);
    let converted = rates.convert(
        crate::domain::Money::new(amount, parsed.currency),
        params.currency,
    )?;
    Ok(Offer {
        id: co.offer_id.clone(),
        source: cp.source.clone(),
        seller: co.seller.trim().to_owned(),
        price,
        price_text: co.price_text.clone(),
        converted,
        tax: OfferTax {
            shown,
            shown_from,
            basis,
            market: market.as_str().to_owned(),
            rate_applied,
        },
        condition: condition::parse_condition(co.condition_text.as_deref(), &cp.title),
        availability: condition::parse_availability(co.availability_text.as_deref()),
        url: co.url.clone(),
        also_from: Vec::new(),
    })
}

fn passes_filters(offer: &Offer, params: &AnalysisParams) -> bool {
    let amount = offer.converted.money.amount;
    params.condition.is_none_or(|c| c == offer.condition)
        && params.min_price.is_none_or(|lo| amount >= lo)
        && params.max_price.is_none_or(|hi| amount <= hi)
}

fn normalize_review(cp: &CollectedProduct, r: &CollectedReview) -> Option<Review> {
    let text = r.text.trim();
    if text.is_empty() {
        return None;
    }
    let language = r
        .language
        .as_deref()
        .and_then(|l| Language::parse(l).ok())
        .or_else(|| detect_language(text))?;
    Some(Review {
        id: r.review_id.clone(),
        source: cp.source.clone(),
        seller: r.seller.clone(),
        author: r.author.clone(),
        rating: r.rating.and_then(|s| Rating::parse(s).ok()),
        title: r.title.clone(),
        text: text.to_owned(),
        language,
        date: r.date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RequestDefaults;
    use crate::domain::{AnalysisRequest, Condition};
    use crate::domain::{TaxBasis, TaxBasisFrom};
    use crate::testing::offer;
    use rust_decimal::Decimal;

    fn params(req: AnalysisRequest) -> AnalysisParams {
        req.parse(&RequestDefaults::default(), &["a".into(), "b".into()], &[])
            .unwrap()
            .1
    }

    fn req() -> AnalysisRequest {
        AnalysisRequest {
            query: "x".into(),
            ..Default::default()
        }
    }

    /// An offer whose shop declares its currency.
    fn offer_in(id: &str, seller: &str, price: &str, currency: &str) -> CollectedOffer {
        CollectedOffer {
            currency_hint: Some(currency.into()),
            ..offer(id, seller, price)
        }
    }

    /// One word of each item of a summary list (its id, its currency), in order.
    fn listed<'a, T>(items: &'a [T], word: impl Fn(&'a T) -> &'a str) -> Vec<&'a str> {
        items.iter().map(word).collect()
    }

    fn product(
        source: &str,
        id: &str,
        gtin: Option<&str>,
        offers: Vec<CollectedOffer>,
    ) -> CollectedProduct {
        CollectedProduct {
            source: source.into(),
            source_product_id: id.into(),
            title: format!("Product {id}"),
            brand: Some("Acme".into()),
            model: Some(format!("M-{id}")),
            category: None,
            gtin: gtin.map(Into::into),
            mpn: None,
            url: None,
            offers,
            reviews: vec![CollectedReview {
                review_id: format!("r-{id}"),
                seller: None,
                author: None,
                rating: Some(4.0),
                title: None,
                text: "Really good sound, I love it".into(),
                language: Some("en".into()),
                date: None,
            }],
        }
    }

    #[test]
    fn merges_the_same_gtin_across_sources_keeping_evidence() {
        // UPC-A and its EAN-13 form are the same product.
        let a = product(
            "a",
            "1",
            Some("036000291452"),
            vec![offer("o1", "S1", "€10.00")],
        );
        let b = product(
            "b",
            "9",
            Some("0036000291452"),
            vec![offer_in("o2", "S2", "$12.00", "USD")],
        );
        let c = product("a", "2", None, vec![offer("o3", "S1", "20,00 €")]);
        let n = normalize(&[a, b, c], &params(req()), &RateTable::bundled());
        assert_eq!(n.products.len(), 2);
        let merged = &n.products[0];
        assert_eq!(merged.id, "gtin:00036000291452");
        assert_eq!(merged.offers.len(), 2);
        assert_eq!(merged.reviews.len(), 2);
        assert_eq!(merged.merged_from.len(), 2);
        assert_eq!(merged.merged_from[1].rule, "gtin");
        assert_eq!(merged.merged_from[1].matched_with.as_deref(), Some("a:1"));
        assert_eq!(n.summary.products_merged, 1);
        assert_eq!(n.products[1].id, "a:2");
        // The USD offer is converted into EUR with the dated rate.
        let usd = &merged.offers[1];
        assert_eq!(usd.price.currency.as_str(), "USD");
        assert_eq!(usd.converted.money.currency.as_str(), "EUR");
        assert!(usd.converted.money.amount < Decimal::from(12));
        assert_eq!(usd.converted.rate_date, RateTable::bundled().date());
    }

    #[test]
    fn merges_brand_and_model_when_no_gtin() {
        let mut a = product("a", "1", None, vec![offer("o1", "S1", "10 €")]);
        let mut b = product("b", "2", None, vec![offer("o2", "S2", "11 €")]);
        a.model = Some("WH-1000XM5".into());
        b.model = Some("wh1000xm5".into());
        b.brand = Some("ACME".into());
        let n = normalize(&[a, b], &params(req()), &RateTable::bundled());
        assert_eq!(n.products.len(), 1);
        assert_eq!(n.products[0].merged_from[1].rule, "model_number");
        assert!(n.products[0].merged_from[1].score.is_some());
    }

    #[test]
    fn rejects_unparseable_prices_with_a_reason_and_drops_offerless_products() {
        let a = product(
            "a",
            "1",
            None,
            vec![offer("ok", "S", "10 €"), offer("bad", "S", "call us")],
        );
        let b = product("a", "2", None, vec![offer("bad2", "S", "")]);
        let n = normalize(&[a, b], &params(req()), &RateTable::bundled());
        assert_eq!(n.products.len(), 1);
        assert_eq!(n.summary.offers_in, 3);
        assert_eq!(n.summary.offers_kept, 1);
        let rejected = listed(&n.summary.offers_rejected, |r| r.offer_id.as_str());
        assert_eq!(rejected, ["bad", "bad2"]);
        assert!(
            n.summary
                .offers_rejected
                .iter()
                .all(|r| !r.reason.is_empty())
        );
    }

    #[test]
    fn applies_condition_price_and_language_filters() {
        let mut used = offer("u", "S", "50 €");
        used.condition_text = Some("Occasion - très bon état".into());
        let mut a = product("a", "1", None, vec![offer("n", "S", "100 €"), used]);
        a.reviews.push(CollectedReview {
            review_id: "fr".into(),
            seller: None,
            author: None,
            rating: Some(2.0),
            title: None,
            text: "Vraiment décevant, le son est nul".into(),
            language: None,
            date: None,
        });
        let p = params(AnalysisRequest {
            condition: Some("used".into()),
            language: Some("fr".into()),
            ..req()
        });
        let n = normalize(std::slice::from_ref(&a), &p, &RateTable::bundled());
        assert_eq!(n.products[0].offers.len(), 1);
        assert_eq!(n.products[0].offers[0].condition, Condition::Used);
        assert_eq!(n.summary.offers_filtered_out, 1);
        // The French review was recognised without a language field; the English one
        // was filtered out.
        assert_eq!(n.products[0].reviews.len(), 1);
        assert_eq!(n.products[0].reviews[0].language, Language::Fr);

        let p = params(AnalysisRequest {
            max_price: Some(Decimal::from(60)),
            ..req()
        });
        let n = normalize(&[a], &p, &RateTable::bundled());
        assert_eq!(n.products[0].offers.len(), 1);
        assert_eq!(n.products[0].offers[0].id, "u");
    }

    /// An offer of a shop in `country` that declares its currency.
    fn offer_at(id: &str, price: &str, currency: &str, country: &str) -> CollectedOffer {
        CollectedOffer {
            country: Some(country.into()),
            ..offer_in(id, "S", price, currency)
        }
    }

    fn tax_config(basis: &str) -> AgentConfig {
        let text = crate::config::DEFAULT_AGENT_TOML
            .replace("basis = \"included\"", &format!("basis = \"{basis}\""));
        AgentConfig::from_toml_str(&text).unwrap()
    }

    #[test]
    fn prices_are_put_on_the_configured_tax_basis() {
        let offers = vec![
            offer_at("ttc", "120,00 € TTC", "EUR", "FR"),
            offer_at("ht", "100,00 € HT", "EUR", "FR"),
            offer_at("fr", "120,00 €", "EUR", "FR"),
            offer_at("us", "$100.00", "USD", "US"),
            offer_at("us-vat", "$107.50 incl. tax", "USD", "US"),
            offer_at("jp", "¥10000 税抜 excl. tax", "JPY", "JP"),
        ];
        let a = product("a", "1", None, offers);
        let p = params(AnalysisRequest {
            currency: Some("EUR".into()),
            ..req()
        });
        let n = normalize_with(
            std::slice::from_ref(&a),
            &p,
            &RateTable::bundled(),
            &tax_config("included"),
        );
        let by_id = |id: &str| {
            n.products[0]
                .offers
                .iter()
                .find(|o| o.id == id)
                .unwrap()
                .clone()
        };
        // Marked TTC, or FR without a marker (VAT-included convention): as shown.
        for id in ["ttc", "fr"] {
            let o = by_id(id);
            assert_eq!(o.converted.money.amount, Decimal::new(120, 0), "{id}");
            assert_eq!(o.tax.rate_applied, None);
            assert_eq!(o.tax.basis, TaxBasis::Included);
        }
        assert_eq!(by_id("fr").tax.shown_from, TaxBasisFrom::MarketConvention);
        // HT: FR VAT (20 %) added; the shown price is kept as written.
        let ht = by_id("ht");
        assert_eq!(ht.converted.money.amount, Decimal::new(120, 0));
        assert_eq!(ht.price.amount, Decimal::new(100, 0));
        assert_eq!(ht.tax.shown, TaxBasis::Excluded);
        assert_eq!(ht.tax.shown_from, TaxBasisFrom::PriceText);
        assert_eq!(ht.tax.rate_applied, Some(Decimal::new(2, 1)));
        // US shelf price: excludes sales tax by convention, the US rate is added
        // before conversion; a US price marked tax-included is not.
        let us = by_id("us");
        assert_eq!(us.tax.shown, TaxBasis::Excluded);
        assert_eq!(us.tax.shown_from, TaxBasisFrom::MarketConvention);
        assert_eq!(us.tax.rate_applied, Some(Decimal::new(75, 3)));
        let us_vat = by_id("us-vat");
        assert_eq!(us_vat.tax.rate_applied, None);
        assert_eq!(us.converted.money.amount, us_vat.converted.money.amount);
        // No configured rate for JP: kept as shown, and said so.
        let jp = by_id("jp");
        assert_eq!(jp.tax.basis, TaxBasis::Excluded);
        assert_eq!(jp.tax.rate_applied, None);
        assert_eq!(n.summary.tax_basis, TaxBasis::Included);
        assert_eq!(n.summary.offers_tax_adjusted, 2);
        assert_eq!(n.summary.offers_tax_unadjusted, 1);
        // Every currency converted is listed with its rate and date.
        let converted = listed(&n.summary.rates_used, |r| r.from.as_str());
        assert_eq!(converted, ["EUR", "JPY", "USD"]);
        assert!(
            n.summary
                .rates_used
                .iter()
                .all(|r| r.date == RateTable::bundled().date() && r.to.as_str() == "EUR")
        );

        // The other basis: VAT-included prices lose their market's VAT.
        let n = normalize_with(&[a], &p, &RateTable::bundled(), &tax_config("excluded"));
        let ttc = n.products[0].offers.iter().find(|o| o.id == "ttc").unwrap();
        assert_eq!(ttc.converted.money.amount, Decimal::new(100, 0));
        assert_eq!(ttc.tax.basis, TaxBasis::Excluded);
        assert_eq!(n.summary.tax_basis, TaxBasis::Excluded);
    }

    #[test]
    fn one_shelf_price_is_taxed_alike_whatever_the_source_knows_about_the_shop() {
        // The catalogue names the shop's country; a scraped page only its currency.
        let catalogue = CollectedOffer {
            country: Some("CA".into()),
            ..offer_in("catalogue", "Maple", "C$1,319.99", "CAD")
        };
        let page = offer_in("page", "Maple", "1319.99", "CAD");
        let a = product("a", "1", None, vec![catalogue, page]);
        let n = normalize(
            std::slice::from_ref(&a),
            &params(req()),
            &RateTable::bundled(),
        );
        let offers = &n.products[0].offers;
        assert_eq!(offers.len(), 2);
        for o in offers {
            assert_eq!(o.tax.market, "CA", "{}", o.id);
            assert_eq!(o.tax.shown, TaxBasis::Excluded, "{}", o.id);
            assert_eq!(o.tax.rate_applied, Some(Decimal::new(13, 2)), "{}", o.id);
        }
        assert_eq!(offers[0].converted.money, offers[1].converted.money);
    }

    #[test]
    fn one_shop_offer_seen_through_two_sources_counts_once_with_both_provenances() {
        let gtin = Some("036000291452");
        let used = |o: CollectedOffer, text: &str| CollectedOffer {
            condition_text: Some(text.into()),
            ..o
        };
        let page = product(
            "shop",
            "1",
            gtin,
            vec![
                offer("page-1", "ReNew Market", "299,00 €"),
                used(offer("page-2", "ReNew Market", "249,00 €"), "used"),
                offer("page-3", "Other Shop", "299,00 €"),
            ],
        );
        let api = product(
            "shop-api",
            "9",
            gtin,
            vec![
                offer_in("api-1", "RENEW MARKET", "299.00", "EUR"),
                used(offer_in("api-2", "renew  market", "249.00", "EUR"), "Used"),
                // Same shop and price but a second listing of this source: its own offer.
                offer_in("api-3", "ReNew Market", "299.00", "EUR"),
            ],
        );
        let n = normalize(&[page, api], &params(req()), &RateTable::bundled());
        assert_eq!(n.products.len(), 1);
        let offers = &n.products[0].offers;
        let ids: Vec<&str> = offers.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["page-1", "page-2", "page-3", "api-3"]);
        assert_eq!(
            offers[0].also_from,
            [OfferSighting {
                source: "shop-api".into(),
                id: "api-1".into(),
                url: None,
            }]
        );
        assert_eq!(offers[1].also_from[0].id, "api-2");
        assert!(offers[2].also_from.is_empty() && offers[3].also_from.is_empty());
        assert_eq!(n.summary.offers_in, 6);
        assert_eq!(n.summary.offers_kept, 4);
        assert_eq!(n.summary.offers_seen_in_several_sources, 2);
    }

    #[test]
    fn resolution_merges_across_shops_and_keeps_evidence() {
        let mut a = product("shop-a", "1", None, vec![offer("o1", "A", "10 €")]);
        a.title = "Sony WH-1000XM5 Wireless Headphones Black".into();
        a.model = None;
        a.brand = Some("Sony".into());
        let mut b = product("shop-b", "x", None, vec![offer("o2", "B", "11 €")]);
        b.title = "Casque sans fil Sony WH1000XM5 noir".into();
        b.model = None;
        b.brand = Some("SONY".into());
        let mut c = product("shop-c", "y", None, vec![offer("o3", "C", "12 €")]);
        c.title = "Sony WH-1000XM4 Wireless Headphones Black".into();
        c.model = None;
        c.brand = Some("Sony".into());
        let n = normalize(&[a, b, c], &params(req()), &RateTable::bundled());
        assert_eq!(n.products.len(), 2);
        let p = &n.products[0];
        assert_eq!(p.offers.len(), 2);
        assert_eq!(p.merged_from[0].rule, "first");
        let e = &p.merged_from[1];
        assert_eq!(e.source, "shop-b");
        assert_eq!(e.rule, "model_number");
        assert_eq!(e.matched_with.as_deref(), Some("shop-a:1"));
        assert!(e.score.is_some_and(|s| s > 0.0));
        assert_eq!(n.summary.products_merged, 1);
    }

    #[test]
    fn keeps_at_most_max_products() {
        let ps: Vec<CollectedProduct> = (0..5)
            .map(|i| {
                product(
                    "a",
                    &i.to_string(),
                    None,
                    vec![offer(&format!("o{i}"), "S", "5 €")],
                )
            })
            .collect();
        let p = params(AnalysisRequest {
            max_products: Some(3),
            ..req()
        });
        let n = normalize(&ps, &p, &RateTable::bundled());
        assert_eq!(n.products.len(), 3);
        assert_eq!(n.summary.products_out, 3);
    }
}
