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
pub mod price_text;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::analysis::sentiment::detect_language;
use crate::domain::{
    AnalysisParams, CollectedOffer, CollectedProduct, CollectedReview, CurrencyCode, Language,
    Market, MergeEvidence, Offer, Product, Rating, Review,
};
use currency::RateTable;

/// An offer left out of the analysis, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedOffer {
    pub source: String,
    pub offer_id: String,
    pub price_text: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormalizationSummary {
    pub target_currency: CurrencyCode,
    /// Date of the reference rates used for conversion.
    pub rates_date: chrono::NaiveDate,
    pub products_in: u32,
    pub products_out: u32,
    /// Collected products merged into another (same product, other shop or source).
    pub products_merged: u32,
    pub offers_in: u32,
    pub offers_kept: u32,
    /// Offers outside the requested condition or price range.
    pub offers_filtered_out: u32,
    pub offers_rejected: Vec<RejectedOffer>,
    pub reviews_in: u32,
    pub reviews_kept: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub products: Vec<Product>,
    pub summary: NormalizationSummary,
}

/// Normalises the products of every source, in the order given (the most relevant
/// first), keeping at most `params.max_products` products.
pub fn normalize(
    collected: &[CollectedProduct],
    params: &AnalysisParams,
    rates: &RateTable,
) -> Normalized {
    let mut summary = NormalizationSummary {
        target_currency: params.currency,
        rates_date: rates.date(),
        products_in: collected.len() as u32,
        products_out: 0,
        products_merged: 0,
        offers_in: 0,
        offers_kept: 0,
        offers_filtered_out: 0,
        offers_rejected: Vec::new(),
        reviews_in: 0,
        reviews_kept: 0,
    };
    let mut products: Vec<Product> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();

    for cp in collected {
        let mut offers = Vec::new();
        for co in &cp.offers {
            summary.offers_in += 1;
            match normalize_offer(cp, co, params, rates) {
                Ok(offer) if passes_filters(&offer, params) => offers.push(offer),
                Ok(_) => summary.offers_filtered_out += 1,
                Err(reason) => summary.offers_rejected.push(RejectedOffer {
                    source: cp.source.clone(),
                    offer_id: co.offer_id.clone(),
                    price_text: co.price_text.clone(),
                    reason,
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
        let (key, rule) = resolution_key(cp);
        let evidence = |rule: &str| MergeEvidence {
            source: cp.source.clone(),
            source_product_id: cp.source_product_id.clone(),
            rule: rule.to_owned(),
        };
        match key.as_ref().and_then(|k| by_key.get(k)) {
            Some(&idx) => {
                let p = &mut products[idx];
                summary.products_merged += 1;
                p.merged_from.push(evidence(rule));
                merge_fields(p, cp);
                for o in offers {
                    if !p
                        .offers
                        .iter()
                        .any(|x| x.source == o.source && x.id == o.id)
                    {
                        p.offers.push(o);
                    }
                }
                for r in reviews {
                    if !p
                        .reviews
                        .iter()
                        .any(|x| x.source == r.source && x.id == r.id)
                    {
                        p.reviews.push(r);
                    }
                }
            }
            None => {
                if products.len() >= params.max_products as usize {
                    continue;
                }
                let gtin = cp.gtin.as_deref().and_then(gtin::normalize_gtin);
                let id = match &gtin {
                    Some(g) => format!("gtin:{g}"),
                    None => format!("{}:{}", cp.source, cp.source_product_id),
                };
                if let Some(k) = key {
                    by_key.insert(k, products.len());
                }
                products.push(Product {
                    id,
                    title: cp.title.trim().to_owned(),
                    brand: clean(cp.brand.as_deref()),
                    model: clean(cp.model.as_deref()),
                    category: clean(cp.category.as_deref()),
                    gtin,
                    mpn: clean(cp.mpn.as_deref()),
                    merged_from: vec![evidence("first")],
                    offers,
                    reviews,
                });
            }
        }
    }
    summary.products_out = products.len() as u32;
    summary.offers_kept = products.iter().map(|p| p.offers.len() as u32).sum();
    summary.reviews_kept = products.iter().map(|p| p.reviews.len() as u32).sum();
    Normalized { products, summary }
}

fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Identity used to merge products: a valid GTIN first, else brand + model number.
fn resolution_key(cp: &CollectedProduct) -> (Option<String>, &'static str) {
    if let Some(g) = cp.gtin.as_deref().and_then(gtin::normalize_gtin) {
        return (Some(format!("gtin:{g}")), "gtin_exact");
    }
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    match (cp.brand.as_deref(), cp.model.as_deref()) {
        (Some(b), Some(m)) if !squash(b).is_empty() && squash(m).len() >= 3 => (
            Some(format!("bm:{}|{}", squash(b), squash(m))),
            "brand_model_exact",
        ),
        _ => (None, "none"),
    }
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

fn normalize_offer(
    cp: &CollectedProduct,
    co: &CollectedOffer,
    params: &AnalysisParams,
    rates: &RateTable,
) -> Result<Offer, String> {
    let hint = match co.currency_hint.as_deref().filter(|h| !h.trim().is_empty()) {
        Some(h) => Some(CurrencyCode::parse(h).map_err(|e| e.message)?),
        None => None,
    };
    let market = co
        .country
        .as_deref()
        .and_then(|c| Market::parse(c).ok())
        .unwrap_or_else(|| params.market.clone());
    let parsed =
        price_text::parse_price(&co.price_text, hint, Some(&market)).map_err(|e| e.to_string())?;
    if parsed.amount.is_zero() {
        return Err("price is zero or free".into());
    }
    let price = crate::domain::Money::new(parsed.amount, parsed.currency);
    let converted = rates
        .convert(price, params.currency)
        .map_err(|e| e.to_string())?;
    Ok(Offer {
        id: co.offer_id.clone(),
        source: cp.source.clone(),
        seller: co.seller.trim().to_owned(),
        price,
        price_text: co.price_text.clone(),
        converted,
        condition: condition::parse_condition(co.condition_text.as_deref(), &cp.title),
        availability: condition::parse_availability(co.availability_text.as_deref()),
        url: co.url.clone(),
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
    use rust_decimal::Decimal;

    fn params(req: AnalysisRequest) -> AnalysisParams {
        req.parse(&RequestDefaults::default(), &["a".into(), "b".into()])
            .unwrap()
            .1
    }

    fn req() -> AnalysisRequest {
        AnalysisRequest {
            query: "x".into(),
            ..Default::default()
        }
    }

    fn offer(id: &str, seller: &str, price: &str, currency: Option<&str>) -> CollectedOffer {
        CollectedOffer {
            offer_id: id.into(),
            seller: seller.into(),
            price_text: price.into(),
            currency_hint: currency.map(Into::into),
            country: None,
            condition_text: None,
            availability_text: None,
            url: None,
        }
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
            vec![offer("o1", "S1", "€10.00", None)],
        );
        let b = product(
            "b",
            "9",
            Some("0036000291452"),
            vec![offer("o2", "S2", "$12.00", Some("USD"))],
        );
        let c = product("a", "2", None, vec![offer("o3", "S1", "20,00 €", None)]);
        let n = normalize(&[a, b, c], &params(req()), &RateTable::bundled());
        assert_eq!(n.products.len(), 2);
        let merged = &n.products[0];
        assert_eq!(merged.id, "gtin:00036000291452");
        assert_eq!(merged.offers.len(), 2);
        assert_eq!(merged.reviews.len(), 2);
        assert_eq!(merged.merged_from.len(), 2);
        assert_eq!(merged.merged_from[1].rule, "gtin_exact");
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
        let mut a = product("a", "1", None, vec![offer("o1", "S1", "10 €", None)]);
        let mut b = product("b", "2", None, vec![offer("o2", "S2", "11 €", None)]);
        a.model = Some("WH-1000XM5".into());
        b.model = Some("wh1000xm5".into());
        b.brand = Some("ACME".into());
        let n = normalize(&[a, b], &params(req()), &RateTable::bundled());
        assert_eq!(n.products.len(), 1);
        assert_eq!(n.products[0].merged_from[1].rule, "brand_model_exact");
    }

    #[test]
    fn rejects_unparseable_prices_with_a_reason_and_drops_offerless_products() {
        let a = product(
            "a",
            "1",
            None,
            vec![
                offer("ok", "S", "10 €", None),
                offer("bad", "S", "call us", None),
            ],
        );
        let b = product("a", "2", None, vec![offer("bad2", "S", "", None)]);
        let n = normalize(&[a, b], &params(req()), &RateTable::bundled());
        assert_eq!(n.products.len(), 1);
        assert_eq!(n.summary.offers_in, 3);
        assert_eq!(n.summary.offers_kept, 1);
        let ids: Vec<&str> = n
            .summary
            .offers_rejected
            .iter()
            .map(|r| r.offer_id.as_str())
            .collect();
        assert_eq!(ids, ["bad", "bad2"]);
        assert!(
            n.summary
                .offers_rejected
                .iter()
                .all(|r| !r.reason.is_empty())
        );
    }

    #[test]
    fn applies_condition_price_and_language_filters() {
        let mut used = offer("u", "S", "50 €", None);
        used.condition_text = Some("Occasion - très bon état".into());
        let mut a = product("a", "1", None, vec![offer("n", "S", "100 €", None), used]);
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

    #[test]
    fn keeps_at_most_max_products() {
        let ps: Vec<CollectedProduct> = (0..5)
            .map(|i| {
                product(
                    "a",
                    &i.to_string(),
                    None,
                    vec![offer(&format!("o{i}"), "S", "5 €", None)],
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
