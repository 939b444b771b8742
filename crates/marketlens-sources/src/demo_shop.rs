//! The demo shop: the sample catalogue served as a small web shop, so the live sources
//! (`schema_org`, `shopify`) can be tried end to end without internet. Every page says
//! it is sample data.
//!
//! - `/search?q=…&page=…`: result pages (12 per page) with `rel="next"` pagination,
//!   matched like the `catalog` source (titles, brands, models, keywords).
//! - `/product/{id}`: product pages. Two thirds carry JSON-LD (Product, Offers with
//!   sellers, AggregateRating, Reviews); one in six microdata only; one in six
//!   OpenGraph product tags only (one price, no reviews) — so every syntax of the
//!   extractor is exercised.
//! - `/products.json?limit=…&page=…`: a Shopify-style catalogue, variants = the EUR
//!   offers (the demo shop's currency), as a marketplace lists them: options `Seller`
//!   and `Condition`.
//! - `/wp-json/wc/store/v1/products?search=…` and `…/products/reviews?product_id=…`:
//!   a WooCommerce Store API look-alike (price = the lowest EUR offer, in cents; its
//!   seller and condition as product attributes).
//!
//! Every page names the shop (`og:site_name`), as the sources read a shop's name.
//! - `/robots.txt`: allows everything but `/admin`.
//!
//! Latency, jitter, failures and slow answers can be injected per request, seeded
//! ([`faults`]), to reproduce a slow internet offline.

pub mod faults;

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use marketlens_core::ErrorType;
use marketlens_core::domain::{CollectedProduct, CurrencyCode};
use marketlens_core::normalize::price_text::parse_price;
use marketlens_core::report::html::escape_html as esc;
use serde::Deserialize;
use serde_json::json;

use crate::catalog::{BUILTIN_SAMPLE, CatalogConfig, CatalogError, CatalogSource};
use faults::{FaultPlan, Faults};

/// The name the demo shop gives itself on every page (`og:site_name`).
pub const SHOP_NAME: &str = "marketlens demo shop";
/// Results per search page.
pub const PAGE_SIZE: usize = 12;
/// Reviews shown on a product page.
const REVIEWS_SHOWN: usize = 20;

/// How a product page is marked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    JsonLd,
    Microdata,
    OpenGraph,
}

/// The markup of the product at `index` in the catalogue.
pub fn markup_of(index: usize) -> Markup {
    match index % 6 {
        4 => Markup::Microdata,
        5 => Markup::OpenGraph,
        _ => Markup::JsonLd,
    }
}

/// Why the demo shop cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum DemoShopError {
    /// The compiled-in sample catalogue does not load (a broken build).
    #[error("sample catalogue: {0}")]
    Catalog(#[from] CatalogError),
    #[error("serving: {0}")]
    Serve(#[from] std::io::Error),
}

impl DemoShopError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            DemoShopError::Catalog(_) => ErrorType::Internal,
            DemoShopError::Serve(_) => ErrorType::Unavailable,
        }
    }
}

struct Shop {
    catalog: CatalogSource,
    notice: String,
}

fn sample_catalog() -> Result<CatalogSource, CatalogError> {
    CatalogSource::build(
        "demo-shop",
        &CatalogConfig {
            path: BUILTIN_SAMPLE.into(),
        },
    )
}

/// The demo shop's routes over the built-in sample catalogue, with `faults` injected
/// into every answer but `/robots.txt`.
pub fn router_with(faults: Faults) -> Result<Router, DemoShopError> {
    let router = router()?;
    if !faults.is_active() {
        return Ok(router);
    }
    let plan = Arc::new(FaultPlan::new(faults));
    Ok(router.layer(axum::middleware::from_fn_with_state(plan, faults::inject)))
}

/// The demo shop's routes over the built-in sample catalogue.
pub fn router() -> Result<Router, DemoShopError> {
    let catalog = sample_catalog()?;
    let notice = catalog
        .notice()
        .unwrap_or("Sample data: not real market data.")
        .to_owned();
    let shop = Arc::new(Shop { catalog, notice });
    Ok(Router::new()
        .route("/", get(home))
        .route("/robots.txt", get(robots))
        .route("/search", get(search))
        .route("/product/{id}", get(product))
        .route("/products.json", get(products_json))
        .route("/wp-json/wc/store/v1/products", get(woo_products))
        .route("/wp-json/wc/store/v1/products/reviews", get(woo_reviews))
        .with_state(shop))
}

async fn robots() -> &'static str {
    "User-agent: *\nDisallow: /admin\n"
}

fn page(title: &str, head: &str, body: &str, notice: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · {SHOP_NAME}</title>\
         <meta property=\"og:site_name\" content=\"{SHOP_NAME}\">{head}</head>\
         <body><header><a href=\"/\">marketlens demo shop</a><form action=\"/search\"><input name=\"q\"><button>Search</button></form>\
         <p class=\"notice\">{}</p></header><main>{body}</main></body></html>",
        esc(title),
        esc(notice)
    ))
}

async fn home(State(shop): State<Arc<Shop>>) -> Html<String> {
    let mut body = String::from("<h1>Demo shop</h1><ul>");
    let mut categories: Vec<&str> = shop
        .catalog
        .products()
        .filter_map(|p| p.category.as_deref())
        .collect();
    categories.sort_unstable();
    categories.dedup();
    for c in categories {
        let q = c.replace('-', " ");
        let _ = write!(
            body,
            "<li><a href=\"/search?q={}\">{}</a></li>",
            esc(&url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()),
            esc(&q)
        );
    }
    body.push_str("</ul>");
    page("Home", "", &body, &shop.notice)
}

#[derive(Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<usize>,
}

async fn search(State(shop): State<Arc<Shop>>, Query(params): Query<SearchParams>) -> Html<String> {
    let page_no = params.page.unwrap_or(1).clamp(1, 1_000);
    let hits = shop.catalog.find(&params.q, usize::MAX);
    let pages = hits.len().div_ceil(PAGE_SIZE).max(1);
    let mut body = format!(
        "<h1>Results for “{}”</h1><p>{} products</p><ul class=\"results\">",
        esc(&params.q),
        hits.len()
    );
    for p in hits.iter().skip((page_no - 1) * PAGE_SIZE).take(PAGE_SIZE) {
        let _ = write!(
            body,
            "<li><a class=\"product\" href=\"/product/{}\">{}</a></li>",
            esc(&p.source_product_id),
            esc(&p.title)
        );
    }
    body.push_str("</ul><nav>");
    let q: String = url::form_urlencoded::byte_serialize(params.q.as_bytes()).collect();
    let mut head = String::new();
    if page_no > 1 {
        let _ = write!(
            body,
            "<a rel=\"prev\" href=\"/search?q={q}&amp;page={}\">Previous</a> ",
            page_no - 1
        );
    }
    if page_no < pages {
        let _ = write!(
            body,
            "<a rel=\"next\" href=\"/search?q={q}&amp;page={}\">Next</a>",
            page_no + 1
        );
        let _ = write!(
            head,
            "<link rel=\"next\" href=\"/search?q={q}&amp;page={}\">",
            page_no + 1
        );
    }
    body.push_str("</nav>");
    page(&format!("Search {}", params.q), &head, &body, &shop.notice)
}

/// An offer's price as a plain decimal and its currency, when the text parses.
fn plain_price(text: &str, hint: Option<&str>) -> Option<(String, String)> {
    let hint = hint.and_then(|h| CurrencyCode::parse(h).ok());
    let parsed = parse_price(text, hint, None).ok()?;
    Some((parsed.amount.to_string(), parsed.currency.to_string()))
}

async fn product(State(shop): State<Arc<Shop>>, Path(id): Path<String>) -> Response {
    let Some((index, p)) = shop
        .catalog
        .products()
        .enumerate()
        .find(|(_, p)| p.source_product_id == id)
    else {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", "", "<h1>Not found</h1>", &shop.notice),
        )
            .into_response();
    };
    render_product(index, p, &shop.notice).into_response()
}

fn render_product(index: usize, p: &CollectedProduct, notice: &str) -> Html<String> {
    let url = format!("/product/{}", p.source_product_id);
    let (head, body) = match markup_of(index) {
        Markup::JsonLd => json_ld_page(p, &url),
        Markup::Microdata => microdata_page(p),
        Markup::OpenGraph => opengraph_page(p, &url),
    };
    page(&p.title, &head, &body, notice)
}

/// Every product page of the demo shop, rendered without a server (the extraction
/// benchmark's offline corpus).
pub fn product_pages() -> Result<Vec<String>, DemoShopError> {
    let catalog = sample_catalog()?;
    let notice = catalog.notice().unwrap_or_default().to_owned();
    Ok(catalog
        .products()
        .enumerate()
        .map(|(i, p)| render_product(i, p, &notice).0)
        .collect())
}

fn rating_stats(p: &CollectedProduct) -> Option<(f64, usize)> {
    let stars: Vec<f64> = p.reviews.iter().filter_map(|r| r.rating).collect();
    (!stars.is_empty()).then(|| {
        let mean = stars.iter().sum::<f64>() / stars.len() as f64;
        ((mean * 10.0).round() / 10.0, stars.len())
    })
}

fn json_ld_page(p: &CollectedProduct, url: &str) -> (String, String) {
    let offers: Vec<_> = p
        .offers
        .iter()
        .map(|o| {
            let (price, currency) = plain_price(&o.price_text, o.currency_hint.as_deref())
                .unwrap_or_else(|| {
                    (
                        o.price_text.clone(),
                        o.currency_hint.clone().unwrap_or_default(),
                    )
                });
            json!({
                "@type": "Offer",
                "price": price,
                "priceCurrency": currency,
                "availability": o.availability_text,
                "itemCondition": o.condition_text,
                "seller": {"@type": "Organization", "name": o.seller},
                "url": o.url,
            })
        })
        .collect();
    let reviews: Vec<_> = p
        .reviews
        .iter()
        .take(REVIEWS_SHOWN)
        .map(|r| {
            json!({
                "@type": "Review",
                "author": {"@type": "Person", "name": r.author},
                "reviewRating": r.rating.map(|v| json!({"@type": "Rating", "ratingValue": v, "bestRating": 5})),
                "name": r.title,
                "reviewBody": r.text,
                "datePublished": r.date.map(|d| d.to_string()),
                "inLanguage": r.language,
            })
        })
        .collect();
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": p.title,
        "brand": p.brand.as_ref().map(|b| json!({"@type": "Brand", "name": b})),
        "sku": p.source_product_id,
        "mpn": p.mpn,
        "gtin13": p.gtin,
        "category": p.category,
        "url": url,
        "offers": offers,
        "review": reviews,
    });
    if let Some((mean, count)) = rating_stats(p) {
        doc["aggregateRating"] =
            json!({"@type": "AggregateRating", "ratingValue": mean, "reviewCount": count});
    }
    // `</` inside a script would end it early: JSON allows `<\/` for the same text.
    let script = doc.to_string().replace("</", "<\\/");
    let head = format!("<script type=\"application/ld+json\">{script}</script>");
    let mut body = format!("<h1>{}</h1><table class=\"offers\">", esc(&p.title));
    for o in &p.offers {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&o.seller),
            esc(&o.price_text)
        );
    }
    body.push_str("</table>");
    reviews_html(&mut body, p, false);
    (head, body)
}

fn microdata_page(p: &CollectedProduct) -> (String, String) {
    let opt = |prop: &str, v: &Option<String>| {
        v.as_ref()
            .map(|v| format!("<meta itemprop=\"{prop}\" content=\"{}\">", esc(v)))
            .unwrap_or_default()
    };
    let mut body = format!(
        "<div itemscope itemtype=\"https://schema.org/Product\"><h1 itemprop=\"name\">{}</h1>{}{}{}{}<meta itemprop=\"sku\" content=\"{}\"><table>",
        esc(&p.title),
        opt("brand", &p.brand),
        opt("mpn", &p.mpn),
        opt("gtin13", &p.gtin),
        opt("category", &p.category),
        esc(&p.source_product_id)
    );
    for o in &p.offers {
        let (price, currency) = plain_price(&o.price_text, o.currency_hint.as_deref())
            .unwrap_or_else(|| {
                (
                    o.price_text.clone(),
                    o.currency_hint.clone().unwrap_or_default(),
                )
            });
        let _ = write!(
            body,
            "<tr itemprop=\"offers\" itemscope itemtype=\"https://schema.org/Offer\">\
             <td itemprop=\"seller\" itemscope itemtype=\"https://schema.org/Organization\"><span itemprop=\"name\">{}</span></td>\
             <td><span itemprop=\"price\" content=\"{}\">{}</span><meta itemprop=\"priceCurrency\" content=\"{}\"></td>{}{}</tr>",
            esc(&o.seller),
            esc(&price),
            esc(&o.price_text),
            esc(&currency),
            opt("availability", &o.availability_text),
            opt("itemCondition", &o.condition_text),
        );
    }
    body.push_str("</table>");
    if let Some((mean, count)) = rating_stats(p) {
        let _ = write!(
            body,
            "<div itemprop=\"aggregateRating\" itemscope itemtype=\"https://schema.org/AggregateRating\">\
             <span itemprop=\"ratingValue\">{mean}</span>/5 from <span itemprop=\"reviewCount\">{count}</span> reviews</div>"
        );
    }
    reviews_html(&mut body, p, true);
    body.push_str("</div>");
    (String::new(), body)
}

fn reviews_html(body: &mut String, p: &CollectedProduct, microdata: bool) {
    body.push_str("<section class=\"reviews\">");
    for r in p.reviews.iter().take(REVIEWS_SHOWN) {
        let (scope, rating_scope, body_prop, author_prop, date_prop) = if microdata {
            (
                " itemprop=\"review\" itemscope itemtype=\"https://schema.org/Review\"",
                " itemprop=\"reviewRating\" itemscope itemtype=\"https://schema.org/Rating\"",
                " itemprop=\"reviewBody\"",
                " itemprop=\"author\"",
                " itemprop=\"datePublished\"",
            )
        } else {
            ("", "", "", "", "")
        };
        let _ = write!(
            body,
            "<article{scope}><b{author_prop}>{}</b> <time{date_prop} datetime=\"{}\">{}</time>\
             <span{rating_scope}><span{}>{}</span>/5</span><p{body_prop}>{}</p></article>",
            esc(r.author.as_deref().unwrap_or("anonymous")),
            r.date.map(|d| d.to_string()).unwrap_or_default(),
            r.date.map(|d| d.to_string()).unwrap_or_default(),
            if microdata {
                " itemprop=\"ratingValue\""
            } else {
                ""
            },
            r.rating.map(|v| v.to_string()).unwrap_or_default(),
            esc(&r.text)
        );
    }
    body.push_str("</section>");
}

fn opengraph_page(p: &CollectedProduct, url: &str) -> (String, String) {
    let mut head = String::new();
    let mut meta = |k: &str, v: &str| {
        let _ = write!(head, "<meta property=\"{k}\" content=\"{}\">", esc(v));
    };
    meta("og:type", "product");
    meta("og:title", &p.title);
    meta("og:url", url);
    if let Some(b) = &p.brand {
        meta("product:brand", b);
    }
    if let Some(g) = &p.gtin {
        meta("product:gtin", g);
    }
    meta("product:retailer_item_id", &p.source_product_id);
    // OpenGraph holds one price: the first offer that parses.
    if let Some((o, (price, currency))) = p
        .offers
        .iter()
        .find_map(|o| plain_price(&o.price_text, o.currency_hint.as_deref()).map(|x| (o, x)))
    {
        meta("product:price:amount", &price);
        meta("product:price:currency", &currency);
        if let Some(a) = &o.availability_text {
            meta("product:availability", a);
        }
        if let Some(c) = &o.condition_text {
            meta("product:condition", c);
        }
    }
    (head, format!("<h1>{}</h1>", esc(&p.title)))
}

#[derive(Deserialize)]
struct ListParams {
    limit: Option<usize>,
    page: Option<usize>,
}

/// Shopify-style `/products.json` (public storefront shape), EUR offers as variants.
async fn products_json(
    State(shop): State<Arc<Shop>>,
    Query(params): Query<ListParams>,
) -> Response {
    let limit = params.limit.unwrap_or(30).clamp(1, 250);
    let page_no = params.page.unwrap_or(1).clamp(1, 10_000);
    let products: Vec<_> = shop
        .catalog
        .products()
        .enumerate()
        .skip((page_no - 1) * limit)
        .take(limit)
        .map(|(i, p)| {
            let variants: Vec<_> = p
                .offers
                .iter()
                .enumerate()
                .filter_map(|(j, o)| {
                    let (price, currency) = plain_price(&o.price_text, o.currency_hint.as_deref())?;
                    (currency == "EUR").then(|| {
                        let condition = o.condition_text.as_deref().unwrap_or("");
                        json!({
                            "id": (i as u64 + 1) * 1_000 + j as u64,
                            "title": format!("{} / {condition}", o.seller),
                            "option1": o.seller,
                            "option2": condition,
                            "sku": o.offer_id,
                            "price": price,
                            "available": !o.availability_text.as_deref().unwrap_or("").to_ascii_lowercase().contains("out"),
                            "barcode": p.gtin,
                        })
                    })
                })
                .collect();
            json!({
                "id": i as u64 + 1,
                "title": p.title,
                "handle": p.source_product_id,
                "vendor": p.brand,
                "product_type": p.category,
                "tags": [],
                // A marketplace: each variant is one seller's offer, in its condition.
                "options": [{"name": "Seller", "position": 1}, {"name": "Condition", "position": 2}],
                "variants": variants,
            })
        })
        .collect();
    (
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "products": products }).to_string(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct WooParams {
    #[serde(default)]
    search: String,
    per_page: Option<usize>,
    page: Option<usize>,
}

/// WooCommerce Store API look-alike: products matching `search`, priced in cents.
async fn woo_products(State(shop): State<Arc<Shop>>, Query(params): Query<WooParams>) -> Response {
    let per_page = params.per_page.unwrap_or(10).clamp(1, 100);
    let page_no = params.page.unwrap_or(1).clamp(1, 10_000);
    let hits = shop.catalog.find(&params.search, usize::MAX);
    let items: Vec<_> = hits
        .iter()
        .skip((page_no - 1) * per_page)
        .take(per_page)
        .filter_map(|p| {
            // The lowest EUR offer, with its seller and condition as product attributes.
            let (cents, offer) = p
                .offers
                .iter()
                .filter_map(|o| Some((plain_price(&o.price_text, o.currency_hint.as_deref())?, o)))
                .filter(|((_, c), _)| c == "EUR")
                .filter_map(|((a, _), o)| Some(((a.parse::<f64>().ok()? * 100.0).round() as u64, o)))
                .min_by_key(|(cents, _)| *cents)?;
            let mut attributes = vec![json!({"name": "Seller", "terms": [{"name": offer.seller}]})];
            if let Some(c) = &offer.condition_text {
                attributes.push(json!({"name": "Condition", "terms": [{"name": c}]}));
            }
            let index = shop.catalog.products().position(|q| q.source_product_id == p.source_product_id)?;
            let stars: Vec<f64> = p.reviews.iter().filter_map(|r| r.rating).collect();
            Some(json!({
                "id": index + 1,
                "name": p.title,
                "permalink": format!("/product/{}", p.source_product_id),
                "sku": p.source_product_id,
                "prices": {"price": cents.to_string(), "currency_code": "EUR", "currency_minor_unit": 2},
                "average_rating": format!("{:.2}", if stars.is_empty() { 0.0 } else { stars.iter().sum::<f64>() / stars.len() as f64 }),
                "review_count": stars.len(),
                "is_in_stock": true,
                "categories": p.category.as_ref().map(|c| vec![json!({"name": c})]).unwrap_or_default(),
                "brands": p.brand.as_ref().map(|b| vec![json!({"name": b})]).unwrap_or_default(),
                "attributes": attributes,
            }))
        })
        .collect();
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::Value::Array(items).to_string(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct WooReviewParams {
    product_id: usize,
    per_page: Option<usize>,
}

async fn woo_reviews(
    State(shop): State<Arc<Shop>>,
    Query(params): Query<WooReviewParams>,
) -> Response {
    let Some(p) = params
        .product_id
        .checked_sub(1)
        .and_then(|i| shop.catalog.products().nth(i))
    else {
        return (StatusCode::NOT_FOUND, "[]").into_response();
    };
    let items: Vec<_> = p
        .reviews
        .iter()
        .take(params.per_page.unwrap_or(10).clamp(1, 100))
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": i + 1,
                "date_created": r.date.map(|d| format!("{d}T12:00:00")),
                "reviewer": r.author,
                "review": format!("<p>{}</p>", esc(&r.text)),
                "rating": r.rating,
            })
        })
        .collect();
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::Value::Array(items).to_string(),
    )
        .into_response()
}

/// Serves the demo shop on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DemoShopError> {
    serve_with(listener, Faults::default(), shutdown).await
}

/// [`serve`] with `faults` injected.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    faults: Faults,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DemoShopError> {
    let app = router_with(faults)?;
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
