//! `shopify`: a Shopify store's public catalogue endpoint `/products.json`, read page
//! by page through the shared [`crate::http`] layer. Each product's variants become its
//! offers (a variant is a buyable size/colour/pack with its own price and stock).
//! The endpoint states no currency, so the store's currency is configured. Sellers
//! and conditions are read as [`crate::shop`] says (variant options, tags, titles; the
//! store's own name, never its host).

use marketlens_core::ErrorType;
use marketlens_core::domain::{CollectedOffer, CollectedProduct, CurrencyCode, Market};
use marketlens_core::ports::{SourceBatch, SourceError, SourceQuery};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::catalog::tokens;
use crate::http::{HttpClient, HttpConfig, TapeMode};
use crate::schema_org::matches_query;
use crate::settings::{check_range, http_url};
use crate::shop::{
    ShopName, condition_text, fetch_json, is_condition_field, is_seller_field, read_listing,
};
use crate::{BuildError, LiveSource};

/// Settings of a `shopify` source (`[sources.settings]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    /// The store's root URL, e.g. `https://store.example` (required).
    pub base_url: String,
    /// The store's currency, ISO 4217 (required: `/products.json` does not say);
    /// checked when the configuration is read.
    pub currency: CurrencyCode,
    /// Seller recorded on offers whose variant names none. Default: the name on the
    /// store's home page (`og:site_name`, `application-name`, `<title>`), else the
    /// source's name.
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
    shop_name: ShopName,
}

impl LiveSource for ShopifySource {
    type Config = ShopifyConfig;

    fn build(
        name: &str,
        config: ShopifyConfig,
        tape: Option<TapeMode>,
    ) -> Result<Self, BuildError> {
        let base = http_url("base_url", &config.base_url)?;
        check_range("max_pages", config.max_pages, 1..=50)?;
        check_range("page_size", config.page_size, 1..=250)?;
        let client = HttpClient::with_tape(config.http.clone(), tape)?;
        let shop_name = ShopName::new(config.seller.clone(), base.clone(), name);
        Ok(Self {
            name: name.to_owned(),
            config,
            base,
            client,
            shop_name,
        })
    }
}

impl ShopifySource {
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
        let tag_list: Vec<String> = match p.get("tags") {
            Some(Value::Array(a)) => a.iter().filter_map(s).collect(),
            Some(v) => s(v)
                .unwrap_or_default()
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            None => Vec::new(),
        };
        let tags = tag_list.join(" ");
        // Which variant option (`option1`…`option3`) holds the seller, which the
        // condition: the product's `options` name them in position order.
        let option_names: Vec<String> = p
            .get("options")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .take(3)
            .map(|o| o.get("name").and_then(s).unwrap_or_default())
            .collect();
        let option_key = |is: fn(&str) -> bool| {
            option_names
                .iter()
                .position(|n| is(n))
                .map(|i| format!("option{}", i + 1))
        };
        let (seller_option, condition_option) =
            (option_key(is_seller_field), option_key(is_condition_field));
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
            let option = |key: &Option<String>| key.as_deref().and_then(|k| v.get(k)).and_then(s);
            let variant_title = v.get("title").and_then(s);
            offers.push(CollectedOffer {
                offer_id: vid,
                seller: option(&seller_option).unwrap_or_else(|| seller.to_owned()),
                price_text: price,
                currency_hint: Some(self.config.currency.to_string()),
                country: self.config.country.as_ref().map(|m| m.as_str().to_owned()),
                condition_text: condition_text(
                    option(&condition_option).as_deref(),
                    tag_list.iter().map(String::as_str),
                    variant_title.as_deref(),
                ),
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

impl_source!(ShopifySource, kind = "shopify");

impl ShopifySource {
    async fn search_products(&self, query: &SourceQuery) -> Result<SourceBatch, SourceError> {
        let wanted = tokens(query.query.normalized());
        let seller = self.shop_name.get(&self.client).await;
        let products = read_listing(
            self.config.max_pages,
            self.config.page_size,
            query.params.max_products as usize,
            |page| self.page(page),
            |item| {
                let (p, tags) = self.product(item, &seller)?;
                (!self.config.filter_by_query || matches_query(&wanted, &p, &tags)).then_some(p)
            },
        )
        .await?;
        Ok(SourceBatch {
            products,
            notice: self.config.notice.clone(),
            fetched_at: None,
        })
    }

    /// The products of one page of `/products.json`, as the store wrote them.
    async fn page(&self, page: u32) -> Result<Vec<Value>, SourceError> {
        let mut url = self
            .base
            .join("/products.json")
            .map_err(|e| SourceError::new(ErrorType::InvalidConfig, format!("base_url: {e}")))?;
        url.query_pairs_mut()
            .append_pair("limit", &self.config.page_size.to_string())
            .append_pair("page", &page.to_string());
        let mut doc = fetch_json(&self.client, &url, "a products.json document").await?;
        match doc.get_mut("products").map(Value::take) {
            Some(Value::Array(items)) => Ok(items),
            _ => Err(SourceError::new(
                ErrorType::SourceFailed,
                format!("{url}: no products array"),
            )),
        }
    }
}

#[cfg(test)]
mod tests;
