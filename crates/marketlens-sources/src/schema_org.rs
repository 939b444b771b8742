//! `schema_org`: a generic shop scraper. It reads a shop's search-result pages (from a
//! URL template) and/or listing pages, discovers product page links on them, fetches
//! the product pages through the shared [`crate::http`] layer and extracts products
//! with [`crate::extract`] (JSON-LD, then microdata, then OpenGraph).
//!
//! What a shop returns is filtered by the query words (as the `catalog` source does),
//! so a loose shop search or a category listing never brings unrelated products into
//! an analysis.

use std::collections::HashSet;

use futures::StreamExt;
use marketlens_core::ErrorType;
use marketlens_core::domain::{CollectedOffer, CollectedProduct, CollectedReview, Market};
use marketlens_core::ports::{SourceBatch, SourceError, SourceQuery};
use scraper::Selector;
use serde::Deserialize;
use url::Url;

use crate::catalog::tokens;
use crate::extract::{ExtractedOffer, ExtractedProduct, OfferKind, extract};
use crate::http::{FetchError, HttpClient, HttpConfig, TapeMode};
use crate::settings::{SettingError, check_range, http_url};
use crate::shop::site_name_in_page;
use crate::{BuildError, LiveSource};

/// Settings of a `schema_org` source (`[sources.settings]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchemaOrgConfig {
    /// Search-result URL with `{query}` (replaced URL-encoded) and optionally `{page}`
    /// (1, 2, …), e.g. `https://shop.example/search?q={query}&page={page}`.
    pub search_url: Option<String>,
    /// Listing pages (categories, new arrivals, …) to discover product links on.
    pub listing_urls: Vec<String>,
    /// Result/listing pages read per query for each template or listing URL (`{page}`
    /// increments, else `rel="next"` links are followed). Default 3.
    pub max_pages: u32,
    /// Product pages fetched per query. Default 20.
    pub max_product_pages: u32,
    /// CSS selector of candidate product links on result pages. Default `a[href]`.
    pub product_link_selector: String,
    /// A link is a product page when its path contains one of these (same host only);
    /// empty: every same-host link the selector matches. Default `["/product", "/p/"]`.
    pub product_path_contains: Vec<String>,
    /// Keep only products from `listing_urls` whose name, brand, category or
    /// description holds every word of the query (a listing is not about the query).
    /// Default true.
    pub filter_by_query: bool,
    /// Apply the same filter to products found through `search_url`. Default false:
    /// the shop's own search knows its synonyms and translations.
    pub filter_search_results: bool,
    /// Seller recorded on offers that name none. Default: the site name the product
    /// page gives (`og:site_name`, `application-name`), else the source's name.
    pub seller: Option<String>,
    /// Shop country (ISO 3166-1 alpha-2), checked when the configuration is read,
    /// recorded on offers. Default none.
    pub country: Option<Market>,
    /// Product pages fetched at once (the HTTP layer's per-host limits still apply).
    /// Default 4.
    pub fetch_concurrency: u32,
    /// A notice shown with this source's data in every report, e.g. "Demo shop: sample
    /// data". Default none.
    pub notice: Option<String>,
    /// HTTP settings (timeouts, retries, politeness, robots.txt, allow-list).
    pub http: HttpConfig,
}

impl Default for SchemaOrgConfig {
    fn default() -> Self {
        Self {
            search_url: None,
            listing_urls: Vec::new(),
            max_pages: 3,
            max_product_pages: 20,
            product_link_selector: "a[href]".into(),
            product_path_contains: vec!["/product".into(), "/p/".into()],
            filter_by_query: true,
            filter_search_results: false,
            seller: None,
            country: None,
            fetch_concurrency: 4,
            notice: None,
            http: HttpConfig::default(),
        }
    }
}

pub struct SchemaOrgSource {
    name: String,
    config: SchemaOrgConfig,
    client: HttpClient,
}

impl LiveSource for SchemaOrgSource {
    type Config = SchemaOrgConfig;

    fn build(
        name: &str,
        config: SchemaOrgConfig,
        tape: Option<TapeMode>,
    ) -> Result<Self, BuildError> {
        if config.search_url.is_none() && config.listing_urls.is_empty() {
            return Err(SettingError::Missing("search_url and/or listing_urls").into());
        }
        if let Some(t) = &config.search_url {
            if !t.contains("{query}") {
                return Err(SettingError::invalid("search_url", "must contain {query}").into());
            }
            http_url(
                "search_url",
                &t.replace("{query}", "q").replace("{page}", "1"),
            )?;
        }
        for u in &config.listing_urls {
            http_url("listing_urls", u)?;
        }
        check_range("max_pages", config.max_pages, 1..=50)?;
        check_range("max_product_pages", config.max_product_pages, 1..=500)?;
        check_range("fetch_concurrency", config.fetch_concurrency, 1..=32)?;
        Selector::parse(&config.product_link_selector)
            .map_err(|e| SettingError::invalid("product_link_selector", e.to_string()))?;
        let client = HttpClient::with_tape(config.http.clone(), tape)?;
        Ok(Self {
            name: name.to_owned(),
            config,
            client,
        })
    }
}

impl SchemaOrgSource {
    /// Result pages to start from for `query`: (URL, paged by `{page}`, is a search).
    fn start_urls(&self, query: &str) -> Vec<(String, bool, bool)> {
        let mut out = Vec::new();
        if let Some(t) = &self.config.search_url {
            let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
            out.push((t.replace("{query}", &encoded), t.contains("{page}"), true));
        }
        out.extend(
            self.config
                .listing_urls
                .iter()
                .map(|u| (u.clone(), false, false)),
        );
        out
    }

    /// Product page URLs found on result pages, in page order, deduplicated, each with
    /// whether its products must pass the query filter.
    async fn discover(&self, query: &str) -> Result<Vec<(Url, bool)>, FetchError> {
        let limit = self.config.max_product_pages as usize;
        let mut found: Vec<(Url, bool)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut first_error = None;
        let mut any_page = false;
        for (template, paged, is_search) in self.start_urls(query) {
            let filter =
                self.config.filter_by_query && (!is_search || self.config.filter_search_results);
            let mut next = Some(template.replace("{page}", "1"));
            for page in 1..=self.config.max_pages {
                let Some(url) = next.take() else { break };
                let fetched = match self.client.get(&url).await {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!(source = %self.name, error = %e, "result page failed");
                        first_error.get_or_insert(e);
                        break;
                    }
                };
                any_page = true;
                let (links, rel_next) = product_links(&fetched.text, &fetched.url, &self.config);
                let before = found.len();
                for l in links {
                    if found.len() >= limit {
                        break;
                    }
                    if seen.insert(l.to_string()) {
                        found.push((l, filter));
                    }
                }
                // A page with nothing new ends the walk (past the last result page many
                // shops repeat the last one or show "no results").
                if found.len() >= limit || found.len() == before {
                    break;
                }
                next = if paged {
                    Some(template.replace("{page}", &(page + 1).to_string()))
                } else {
                    rel_next
                };
            }
        }
        match (any_page, first_error) {
            (false, Some(e)) => Err(e),
            _ => Ok(found),
        }
    }
}

/// Candidate product links of a result page, and its `rel="next"` link.
fn product_links(html: &str, page: &Url, config: &SchemaOrgConfig) -> (Vec<Url>, Option<String>) {
    let doc = crate::html_depth::parse_document(html);
    let mut links = Vec::new();
    let wanted = |u: &Url| {
        same_origin(u, page)
            && u.path() != page.path()
            && (config.product_path_contains.is_empty()
                || config
                    .product_path_contains
                    .iter()
                    .any(|p| u.path().contains(p.as_str())))
    };
    if let Ok(sel) = Selector::parse(&config.product_link_selector) {
        for a in doc.select(&sel).take(5_000) {
            if let Some(href) = a.value().attr("href")
                && let Ok(mut u) = page.join(href.trim())
            {
                u.set_fragment(None);
                if wanted(&u) {
                    links.push(u);
                }
            }
        }
    }
    // Shops that mark their result list up as a JSON-LD ItemList name the product
    // URLs there too.
    if let Ok(sel) = Selector::parse("script[type=\"application/ld+json\"]") {
        for script in doc.select(&sel).take(50) {
            let text: String = script.text().collect();
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            for u in item_list_urls(&v) {
                if let Ok(mut u) = page.join(&u) {
                    u.set_fragment(None);
                    if same_origin(&u, page) {
                        links.push(u);
                    }
                }
            }
        }
    }
    let next = Selector::parse("a[rel~=next], link[rel~=next]")
        .ok()
        .and_then(|sel| {
            doc.select(&sel)
                .find_map(|e| e.value().attr("href"))
                .and_then(|h| page.join(h.trim()).ok())
        })
        .filter(|u| same_origin(u, page))
        .map(|u| u.to_string());
    (links, next)
}

/// Whether `u` is on the result page's own shop: same host *and* port, so a page can
/// never point the scraper at another service of its host (`127.0.0.1:6379` from a
/// shop on `127.0.0.1:8080`), whatever the SSRF allow-list lets through.
fn same_origin(u: &Url, page: &Url) -> bool {
    u.host_str() == page.host_str() && u.port_or_known_default() == page.port_or_known_default()
}

/// `itemListElement[].url` (or `.item.url`, or `.item` as a URL) of JSON-LD ItemLists,
/// found at the top level, in arrays or in `@graph`.
fn item_list_urls(v: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let mut out = Vec::new();
    let mut stack = vec![(v, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > 8 || out.len() >= 1_000 {
            break;
        }
        match node {
            Value::Array(a) => stack.extend(a.iter().map(|x| (x, depth + 1))),
            Value::Object(m) => {
                if let Some(g) = m.get("@graph") {
                    stack.push((g, depth + 1));
                }
                let elements = m.get("itemListElement").and_then(Value::as_array);
                for e in elements.into_iter().flatten() {
                    let url = e
                        .get("url")
                        .and_then(Value::as_str)
                        .or_else(|| {
                            e.get("item")
                                .and_then(|i| i.get("url"))
                                .and_then(Value::as_str)
                        })
                        .or_else(|| e.get("item").and_then(Value::as_str));
                    if let Some(u) = url {
                        out.push(u.trim().to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Turns one extracted product into the collected shape; `None` without a name.
pub fn to_collected(
    source: &str,
    p: &ExtractedProduct,
    page: &Url,
    default_seller: &str,
    country: Option<&str>,
) -> Option<CollectedProduct> {
    let title = p.name.as_ref()?.value.clone();
    let text = |f: &Option<crate::extract::Field>| f.as_ref().map(|f| f.value.clone());
    let url = text(&p.url).unwrap_or_else(|| page.to_string());
    let priced: Vec<_> = p
        .offers
        .iter()
        .filter(|o| o.kind == OfferKind::Offer && o.price.is_some())
        .collect();
    // Offer `o` at `price`: the fields every offer reads the same way.
    let offer = |o: &ExtractedOffer, offer_id: String, price: &Option<String>, url: String| {
        CollectedOffer {
            offer_id,
            seller: o
                .seller
                .clone()
                .unwrap_or_else(|| default_seller.to_owned()),
            price_text: price.clone().unwrap_or_default(),
            currency_hint: o.currency.clone(),
            country: country.map(str::to_owned),
            condition_text: o.condition.clone(),
            availability_text: o.availability.clone(),
            url: Some(url),
        }
    };
    let mut offers: Vec<CollectedOffer> = priced
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let id = o.sku.clone().unwrap_or_else(|| i.to_string());
            let offer_url = o.url.clone().unwrap_or_else(|| url.clone());
            offer(o, format!("{url}#offer-{id}"), &o.price, offer_url)
        })
        .collect();
    // Only an AggregateOffer: its lowest price is the price a buyer can have.
    if offers.is_empty()
        && let Some(agg) = p
            .offers
            .iter()
            .find(|o| o.kind == OfferKind::AggregateOffer && o.low_price.is_some())
    {
        offers.push(offer(
            agg,
            format!("{url}#offer-low"),
            &agg.low_price,
            url.clone(),
        ));
    }
    let reviews = p
        .reviews
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let text = r.body.clone()?;
            let best = r.best_rating.filter(|b| *b > 0.0).unwrap_or(5.0);
            let rating = r
                .rating
                .map(|v| v * 5.0 / best)
                .filter(|v| (0.0..=5.0).contains(v));
            Some(CollectedReview {
                review_id: format!("{url}#review-{i}"),
                seller: None,
                author: r.author.clone(),
                rating,
                title: r.title.clone(),
                text,
                language: None,
                date: r
                    .date
                    .as_deref()
                    .and_then(|d| d.get(..10))
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            })
        })
        .collect();
    Some(CollectedProduct {
        source: source.to_owned(),
        source_product_id: text(&p.sku)
            .or_else(|| text(&p.gtin))
            .unwrap_or_else(|| url.clone()),
        title,
        brand: text(&p.brand),
        model: None,
        category: text(&p.category),
        gtin: text(&p.gtin),
        mpn: text(&p.mpn),
        url: Some(url),
        offers,
        reviews,
    })
}

/// Whether every query word is in the product's name, brand, category or description.
pub(crate) fn matches_query(wanted: &[String], p: &CollectedProduct, extra: &str) -> bool {
    let mut hay = String::new();
    for part in [
        Some(&p.title),
        p.brand.as_ref(),
        p.category.as_ref(),
        p.mpn.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        hay.push_str(part);
        hay.push(' ');
    }
    hay.push_str(extra);
    let have = tokens(&hay.replace('-', " "));
    wanted.iter().all(|w| have.contains(w))
}

impl_source!(SchemaOrgSource, kind = "schema_org");

impl SchemaOrgSource {
    async fn search_products(&self, query: &SourceQuery) -> Result<SourceBatch, SourceError> {
        let text = query.query.normalized();
        let urls = self.discover(text).await?;
        let wanted = tokens(text);
        let max = query.params.max_products as usize;
        let pages = futures::stream::iter(urls.into_iter().map(|(u, filter)| {
            let client = self.client.clone();
            async move { (client.get(u.as_str()).await, u, filter) }
        }))
        .buffered(self.config.fetch_concurrency as usize);
        futures::pin_mut!(pages);
        let (mut products, mut failed, mut fetched) = (Vec::new(), 0usize, 0usize);
        let mut first_error = None;
        let mut seen_ids = HashSet::new();
        while let Some((result, url, filter)) = pages.next().await {
            let page = match result {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(source = %self.name, url = %url, error = %e, "product page failed");
                    failed += 1;
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            fetched += 1;
            let extracted = extract(&page.text, Some(&page.url)).products;
            // The page is parsed again for its site name only when an offer names no
            // seller.
            let unnamed = extracted
                .iter()
                .any(|p| p.offers.iter().any(|o| o.seller.is_none()));
            let seller = self
                .config
                .seller
                .clone()
                .or_else(|| {
                    unnamed
                        .then(|| site_name_in_page(&page.text, false))
                        .flatten()
                })
                .unwrap_or_else(|| self.name.clone());
            for p in extracted {
                let description = p
                    .description
                    .as_ref()
                    .map(|d| d.value.clone())
                    .unwrap_or_default();
                let Some(c) = to_collected(
                    &self.name,
                    &p,
                    &page.url,
                    &seller,
                    self.config.country.as_ref().map(Market::as_str),
                ) else {
                    continue;
                };
                if filter && !matches_query(&wanted, &c, &description) {
                    continue;
                }
                if products.len() < max && seen_ids.insert(c.source_product_id.clone()) {
                    products.push(c);
                }
            }
        }
        if fetched == 0
            && let Some(e) = first_error
        {
            return Err(e.into());
        }
        let partial = (failed > 0).then(|| {
            format!(
                "{failed} of {} product pages could not be fetched",
                failed + fetched
            )
        });
        if products.is_empty()
            && let Some(partial) = partial
        {
            return Err(SourceError::new(ErrorType::SourceFailed, partial));
        }
        let notice = match (self.config.notice.clone(), partial) {
            (Some(n), Some(p)) => Some(format!("{n} ({p})")),
            (n, p) => n.or(p),
        };
        Ok(SourceBatch {
            products,
            notice,
            fetched_at: None,
        })
    }
}

#[cfg(test)]
mod tests;
