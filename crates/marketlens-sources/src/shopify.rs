//! `shopify`: a Shopify store's public catalogue endpoint `/products.json`, read page
//! by page through the shared [`crate::http`] layer. Each product's variants become its
//! offers (a variant is a buyable size/colour/pack with its own price and stock).
//! The endpoint states no currency, so the store's currency is configured.

use async_trait::async_trait;
use marketlens_core::ErrorType;
use marketlens_core::domain::{CollectedOffer, CollectedProduct, CurrencyCode, Market};
use marketlens_core::ports::{Source, SourceBatch, SourceError, SourceQuery};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::BuildError;
use crate::catalog::tokens;
use crate::http::{HttpClient, HttpConfig};
use crate::schema_org::matches_query;
use crate::settings::{check_range, http_url};

/// Settings of a `shopify` source (`[sources.settings]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    /// The store's root URL, e.g. `https://store.example` (required).
    pub base_url: String,
    /// The store's currency, ISO 4217 (required: `/products.json` does not say);
    /// checked when the configuration is read.
    pub currency: CurrencyCode,
    /// Seller recorded on offers. Default: the store's host name.
    #[serde(default)]
    pub seller: Option<String>,
    /// Store country (ISO 3166-1 alpha-2), checked when the configuration is read,
    /// recorded on offers. Default none.
    #[serde(default)]
    pub country: Option<Market>,
    /// Pages of `/products.json` read per query. Default 5.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Products per page (`limit`, Shopify allows up to 250). Default 50.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Keep only products whose title, vendor, type or tags hold every query word.
    /// Default true (the endpoint has no search).
    #[serde(default = "yes")]
    pub filter_by_query: bool,
    /// A notice shown with this source's data in every report, e.g. "Demo shop: sample
    /// data". Default none.
    #[serde(default)]
    pub notice: Option<String>,
    /// HTTP settings (timeouts, retries, politeness, robots.txt, allow-list).
    #[serde(default)]
    pub http: HttpConfig,
}

fn default_max_pages() -> u32 {
    5
}
fn default_page_size() -> u32 {
    50
}
fn yes() -> bool {
    true
}

pub struct ShopifySource {
    name: String,
    config: ShopifyConfig,
    base: Url,
    client: HttpClient,
}

impl ShopifySource {
    pub fn build(name: &str, config: ShopifyConfig) -> Result<Self, BuildError> {
        let base = http_url("base_url", &config.base_url)?;
        check_range("max_pages", config.max_pages, 1..=50)?;
        check_range("page_size", config.page_size, 1..=250)?;
        let client = HttpClient::new(config.http.clone())?;
        Ok(Self {
            name: name.to_owned(),
            config,
            base,
            client,
        })
    }

    fn product(&self, p: &Value, seller: &str) -> Option<(CollectedProduct, String)> {
        let s = |v: &Value| match v {
            Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let id = s(p.get("id")?)?;
        let title = s(p.get("title")?)?;
        let handle = p.get("handle").and_then(s).unwrap_or_else(|| id.clone());
        let url = self.base.join(&format!("/products/{handle}")).ok()?;
        let tags = match p.get("tags") {
            Some(Value::Array(a)) => a.iter().filter_map(s).collect::<Vec<_>>().join(" "),
            Some(v) => s(v).unwrap_or_default().replace(',', " "),
            None => String::new(),
        };
        let product_type = p.get("product_type").and_then(s);
        let mut gtin = None;
        let mut offers = Vec::new();
        for v in p
            .get("variants")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .take(crate::extract::MAX_OFFERS)
        {
            let (Some(vid), Some(price)) = (v.get("id").and_then(s), v.get("price").and_then(s))
            else {
                continue;
            };
            if gtin.is_none() {
                gtin = v.get("barcode").and_then(s);
            }
            let mut offer_url = url.clone();
            offer_url.query_pairs_mut().append_pair("variant", &vid);
            offers.push(CollectedOffer {
                offer_id: vid,
                seller: seller.to_owned(),
                price_text: price,
                currency_hint: Some(self.config.currency.to_string()),
                country: self.config.country.as_ref().map(|m| m.as_str().to_owned()),
                condition_text: None,
                availability_text: v
                    .get("available")
                    .and_then(Value::as_bool)
                    .map(|a| if a { "InStock" } else { "OutOfStock" }.to_owned()),
                url: Some(offer_url.to_string()),
            });
        }
        Some((
            CollectedProduct {
                source: self.name.clone(),
                source_product_id: id,
                title,
                brand: p.get("vendor").and_then(s),
                model: None,
                category: product_type,
                gtin,
                mpn: None,
                url: Some(url.to_string()),
                offers,
                reviews: Vec::new(),
            },
            tags,
        ))
    }
}

#[async_trait]
impl Source for ShopifySource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &str {
        "shopify"
    }

    async fn search(&self, query: &SourceQuery) -> Result<SourceBatch, SourceError> {
        let wanted = tokens(query.query.normalized());
        let max = query.params.max_products as usize;
        let seller = self
            .config
            .seller
            .clone()
            .unwrap_or_else(|| self.base.host_str().unwrap_or("shop").to_owned());
        let mut products = Vec::new();
        for page in 1..=self.config.max_pages {
            let mut url = self.base.join("/products.json").map_err(|e| {
                SourceError::new(ErrorType::InvalidConfig, format!("base_url: {e}"))
            })?;
            url.query_pairs_mut()
                .append_pair("limit", &self.config.page_size.to_string())
                .append_pair("page", &page.to_string());
            let fetched = self.client.get(url.as_str()).await?;
            let doc: Value = serde_json::from_str(&fetched.text).map_err(|e| {
                SourceError::new(
                    ErrorType::SourceFailed,
                    format!("{url}: not a products.json document: {e}"),
                )
            })?;
            let items = doc
                .get("products")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    SourceError::new(ErrorType::SourceFailed, format!("{url}: no products array"))
                })?;
            for item in items.iter().take(self.config.page_size as usize) {
                let Some((p, tags)) = self.product(item, &seller) else {
                    continue;
                };
                if (!self.config.filter_by_query || matches_query(&wanted, &p, &tags))
                    && products.len() < max
                {
                    products.push(p);
                }
            }
            if items.len() < self.config.page_size as usize || products.len() >= max {
                break;
            }
        }
        Ok(SourceBatch {
            products,
            notice: self.config.notice.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
