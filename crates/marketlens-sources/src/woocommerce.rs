//! `woocommerce`: a WooCommerce shop's public Store API
//! (`/wp-json/wc/store/v1/products?search=…`), read page by page through the shared
//! [`crate::http`] layer, and optionally each product's reviews
//! (`/wp-json/wc/store/v1/products/reviews?product_id=…`). The API gives prices in
//! minor units with their currency, so nothing about the currency is guessed.

use marketlens_core::ErrorType;
use marketlens_core::domain::{CollectedOffer, CollectedProduct, CollectedReview, Market};
use marketlens_core::ports::{SourceBatch, SourceError, SourceQuery};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::catalog::tokens;
use crate::extract::clean;
use crate::http::{HttpClient, HttpConfig, TapeMode};
use crate::schema_org::matches_query;
use crate::settings::{SettingError, check_range, http_url};
use crate::shop::{
    ShopName, condition_text, fetch_json, is_condition_field, is_seller_field, read_listing,
};
use crate::{BuildError, LiveSource};

const API: &str = "/wp-json/wc/store/v1/";

/// Settings of a `woocommerce` source (`[sources.settings]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WooCommerceConfig {
    /// The shop's root URL, e.g. `https://shop.example` (required).
    pub base_url: String,
    /// Seller recorded on offers whose product attributes name none. Default: the name
    /// on the shop's home page (`og:site_name`, `application-name`, `<title>`), else the
    /// source's name.
    #[serde(default)]
    pub seller: Option<String>,
    /// Shop country (ISO 3166-1 alpha-2), checked when the configuration is read,
    /// recorded on offers. Default none.
    #[serde(default)]
    pub country: Option<Market>,
    /// Result pages read per query. Default 3.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Products per page (`per_page`, the API allows up to 100). Default 25.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Reviews fetched per product (one extra request each); 0 turns reviews off.
    /// Default 20.
    #[serde(default = "default_reviews")]
    pub reviews_per_product: u32,
    /// Keep only products whose name, brand or category holds every query word (the
    /// API's search also matches descriptions loosely). Default false.
    #[serde(default)]
    pub filter_by_query: bool,
    /// A notice shown with this source's data in every report. Default none.
    #[serde(default)]
    pub notice: Option<String>,
    /// HTTP settings (timeouts, retries, politeness, robots.txt, allow-list).
    #[serde(default)]
    pub http: HttpConfig,
}

fn default_max_pages() -> u32 {
    3
}
fn default_page_size() -> u32 {
    25
}
fn default_reviews() -> u32 {
    20
}

pub struct WooCommerceSource {
    name: String,
    config: WooCommerceConfig,
    api: Url,
    client: HttpClient,
    shop_name: ShopName,
}

impl LiveSource for WooCommerceSource {
    type Config = WooCommerceConfig;

    fn build(
        name: &str,
        config: WooCommerceConfig,
        tape: Option<TapeMode>,
    ) -> Result<Self, BuildError> {
        let base = http_url("base_url", &config.base_url)?;
        check_range("max_pages", config.max_pages, 1..=20)?;
        check_range("page_size", config.page_size, 1..=100)?;
        check_range("reviews_per_product", config.reviews_per_product, 0..=100)?;
        let api = base
            .join(API)
            .map_err(|e| SettingError::invalid("base_url", e.to_string()))?;
        let client = HttpClient::with_tape(config.http.clone(), tape)?;
        let shop_name = ShopName::new(config.seller.clone(), base, name);
        Ok(Self {
            name: name.to_owned(),
            config,
            api,
            client,
            shop_name,
        })
    }
}

impl WooCommerceSource {
    /// The API's JSON answer at `path` with the `query` parameters, and its URL.
    async fn api_json(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<(Url, Value), SourceError> {
        let mut url = self
            .api
            .join(path)
            .map_err(|e| SourceError::new(ErrorType::InvalidConfig, e.to_string()))?;
        url.query_pairs_mut().extend_pairs(query);
        let doc = fetch_json(&self.client, &url, "JSON").await?;
        Ok((url, doc))
    }

    fn product(&self, p: &Value, seller: &str) -> Option<CollectedProduct> {
        let id = match p.get("id")? {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return None,
        };
        let title = text(p.get("name"))?;
        let url = text(p.get("permalink"));
        let prices = p.get("prices");
        let price = prices
            .and_then(|pr| text(pr.get("price")))
            .and_then(|minor| {
                let unit = prices
                    .and_then(|pr| pr.get("currency_minor_unit"))
                    .and_then(Value::as_u64)
                    .unwrap_or(2);
                from_minor_units(&minor, unit)
            });
        let currency = prices.and_then(|pr| text(pr.get("currency_code")));
        let in_stock = p.get("is_in_stock").and_then(Value::as_bool);
        let names = |key: &str| {
            p.get(key)
                .and_then(Value::as_array)
                .and_then(|a| a.iter().find_map(|c| text(c.get("name"))))
        };
        // Product attributes (`[{name, terms: [{name}]}]`): the first term of the
        // first attribute that `is` recognises by its name.
        let attribute = |is: fn(&str) -> bool| {
            p.get("attributes")
                .and_then(Value::as_array)?
                .iter()
                .filter(|a| text(a.get("name")).is_some_and(|n| is(&n)))
                .find_map(|a| {
                    a.get("terms")
                        .and_then(Value::as_array)?
                        .iter()
                        .find_map(|t| text(t.get("name")))
                })
        };
        let tags: Vec<String> = p
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| text(t.get("name")))
            .collect();
        let offers = price
            .map(|price_text| CollectedOffer {
                offer_id: id.clone(),
                seller: attribute(is_seller_field).unwrap_or_else(|| seller.to_owned()),
                price_text,
                currency_hint: currency,
                country: self.config.country.as_ref().map(|m| m.as_str().to_owned()),
                condition_text: condition_text(
                    attribute(is_condition_field).as_deref(),
                    tags.iter().map(String::as_str),
                    None,
                ),
                availability_text: in_stock
                    .map(|s| if s { "InStock" } else { "OutOfStock" }.to_owned()),
                url: url.clone(),
            })
            .into_iter()
            .collect();
        Some(CollectedProduct {
            source: self.name.clone(),
            source_product_id: id,
            title,
            brand: names("brands"),
            model: None,
            category: names("categories"),
            gtin: None,
            mpn: None,
            url,
            offers,
            reviews: Vec::new(),
        })
    }

    async fn reviews(&self, product_id: &str) -> Result<Vec<CollectedReview>, SourceError> {
        let per_page = self.config.reviews_per_product.to_string();
        let (_, doc) = self
            .api_json(
                "products/reviews",
                &[("product_id", product_id), ("per_page", &per_page)],
            )
            .await?;
        Ok(doc
            .as_array()
            .into_iter()
            .flatten()
            .take(self.config.reviews_per_product as usize)
            .filter_map(|r| {
                // Review text is HTML (`<p>…</p>`): keep its text only.
                let html = text(r.get("review"))?;
                let body = clean(
                    &crate::html_depth::parse_fragment(&html)
                        .root_element()
                        .text()
                        .collect::<String>(),
                    8_000,
                )?;
                Some(CollectedReview {
                    review_id: format!(
                        "{product_id}#review-{}",
                        text(r.get("id")).unwrap_or_default()
                    ),
                    seller: None,
                    author: text(r.get("reviewer")),
                    rating: r
                        .get("rating")
                        .and_then(Value::as_f64)
                        .filter(|v| (0.0..=5.0).contains(v)),
                    title: None,
                    text: body,
                    language: None,
                    date: text(r.get("date_created"))
                        .and_then(|d| d.get(..10).map(str::to_owned))
                        .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                })
            })
            .collect())
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => clean(s, 2_000),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `"1899"` with 2 minor units → `"18.99"`; `None` unless all digits.
fn from_minor_units(minor: &str, unit: u64) -> Option<String> {
    let unit = usize::try_from(unit).ok().filter(|u| *u <= 6)?;
    if minor.is_empty() || minor.len() > 30 || !minor.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if unit == 0 {
        return Some(minor.to_owned());
    }
    let padded = format!("{minor:0>width$}", width = unit + 1);
    let (int, frac) = padded.split_at(padded.len() - unit);
    Some(format!("{int}.{frac}"))
}

impl_source!(WooCommerceSource, kind = "woocommerce");

impl WooCommerceSource {
    async fn search_products(&self, query: &SourceQuery) -> Result<SourceBatch, SourceError> {
        let text_q = query.query.normalized();
        let wanted = tokens(text_q);
        let seller = self.shop_name.get(&self.client).await;
        let mut products = read_listing(
            self.config.max_pages,
            self.config.page_size,
            query.params.max_products as usize,
            |page| self.page(text_q, page),
            |item| {
                let p = self.product(item, &seller)?;
                (!self.config.filter_by_query || matches_query(&wanted, &p, "")).then_some(p)
            },
        )
        .await?;
        if self.config.reviews_per_product > 0 {
            for p in &mut products {
                // A product without its reviews is still worth comparing on price.
                match self.reviews(&p.source_product_id).await {
                    Ok(r) => p.reviews = r,
                    Err(e) => tracing::warn!(source = %self.name, error = %e, "reviews failed"),
                }
            }
        }
        Ok(SourceBatch {
            products,
            notice: self.config.notice.clone(),
            fetched_at: None,
        })
    }

    /// The products of one page of the API's search for `text_q`, as the shop wrote
    /// them.
    async fn page(&self, text_q: &str, page: u32) -> Result<Vec<Value>, SourceError> {
        let (per_page, page) = (self.config.page_size.to_string(), page.to_string());
        let query = [("search", text_q), ("per_page", &per_page), ("page", &page)];
        let (url, doc) = self.api_json("products", &query).await?;
        match doc {
            Value::Array(items) => Ok(items),
            _ => Err(SourceError::new(
                ErrorType::SourceFailed,
                format!("{url}: not a product list"),
            )),
        }
    }
}

#[cfg(test)]
mod tests;
