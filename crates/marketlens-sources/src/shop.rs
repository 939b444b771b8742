//! What a shop's catalogue API leaves out of an offer, read the same way by the
//! `shopify` and `woocommerce` sources (and the `schema_org` seller default):
//!
//! - **the seller**: an offer names its seller when the shop says it (a variant option
//!   or product attribute `Seller`, `Sold by`, `Vendor`, `Vendeur`: marketplaces list
//!   each seller's offer that way); otherwise it is the shop itself, by the name the
//!   shop gives itself: the configured `seller`, else its home page's `og:site_name`,
//!   `application-name` or `<title>`, else the source's own name. Never a host name:
//!   it says nothing to a reader, and the same shop read through two sources must be
//!   recognisably one seller.
//! - **the condition**: a variant option or attribute `Condition` / `État`, else a tag
//!   that says used or refurbished (a `new` tag usually means "new arrival"), else the
//!   variant's title; the product title is read later, in stage `normalize`.
//!
//! Both APIs are also read the same way: JSON pages of products, page after page
//! ([`read_listing`], [`fetch_json`]).

use marketlens_core::ErrorType;
use marketlens_core::domain::{CollectedProduct, Condition};
use marketlens_core::normalize::condition::parse_condition;
use marketlens_core::ports::SourceError;
use scraper::{Html, Selector};
use serde_json::Value;
use tokio::sync::OnceCell;
use url::Url;

use crate::extract::clean;
use crate::http::HttpClient;

/// Longest shop name kept, in characters.
const MAX_NAME_CHARS: usize = 120;

/// Option / attribute names that hold the seller of an offer.
const SELLER_NAMES: &[&str] = &["seller", "sold by", "vendor", "vendeur", "marchand"];
/// Option / attribute names that hold the condition of an offer.
const CONDITION_NAMES: &[&str] = &["condition", "état", "etat", "item condition"];

/// Whether an option or attribute called `name` holds the seller.
pub(crate) fn is_seller_field(name: &str) -> bool {
    SELLER_NAMES.contains(&name.trim().to_lowercase().as_str())
}

/// Whether an option or attribute called `name` holds the condition.
pub(crate) fn is_condition_field(name: &str) -> bool {
    CONDITION_NAMES.contains(&name.trim().to_lowercase().as_str())
}

/// The condition wording of an offer: the `field` value (option or attribute), else a
/// tag saying used or refurbished, else `title` (a variant's title) when it says any
/// condition.
pub(crate) fn condition_text<'a>(
    field: Option<&'a str>,
    tags: impl IntoIterator<Item = &'a str>,
    title: Option<&'a str>,
) -> Option<String> {
    let says = |t: &str| parse_condition(Some(t), "");
    field
        .filter(|f| !f.trim().is_empty())
        .or_else(|| {
            tags.into_iter()
                .find(|t| matches!(says(t), Condition::Used | Condition::Refurbished))
        })
        .or_else(|| title.filter(|t| says(t) != Condition::Unknown))
        .map(|t| t.trim().to_owned())
}

/// The name a page gives its site: `og:site_name`, else `application-name`, else (when
/// `title_too`: a home page, whose title is the shop's) the `<title>`.
pub(crate) fn site_name_in_page(html: &str, title_too: bool) -> Option<String> {
    let doc = Html::parse_document(html);
    let meta = |selector: &str| {
        Selector::parse(selector).ok().and_then(|sel| {
            doc.select(&sel)
                .filter_map(|e| e.value().attr("content"))
                .find_map(|c| clean(c, MAX_NAME_CHARS))
        })
    };
    meta("meta[property=\"og:site_name\"]")
        .or_else(|| meta("meta[name=\"application-name\"]"))
        .or_else(|| {
            title_too.then_some(()).and_then(|_| {
                let sel = Selector::parse("title").ok()?;
                let title: String = doc.select(&sel).next()?.text().collect();
                clean(&title, MAX_NAME_CHARS)
            })
        })
}

/// A shop API's JSON answer at `url`; `document` names what was expected there, for
/// the error when the answer is not JSON.
pub(crate) async fn fetch_json(
    client: &HttpClient,
    url: &Url,
    document: &str,
) -> Result<Value, SourceError> {
    let page = client.get(url.as_str()).await?;
    serde_json::from_str(&page.text).map_err(|e| {
        SourceError::new(
            ErrorType::SourceFailed,
            format!("{url}: not {document}: {e}"),
        )
    })
}

/// A shop's product listing, read page by page: `page(n)` fetches the items of page
/// `n` (1, 2, …, at most `max_pages`), `keep` makes a product of an item or passes it
/// over. Reading stops at a page shorter than `page_size` (the last one) or once
/// `max` products are kept; of a longer page, the first `page_size` items count.
pub(crate) async fn read_listing<Page>(
    max_pages: u32,
    page_size: u32,
    max: usize,
    mut page: impl FnMut(u32) -> Page,
    mut keep: impl FnMut(&Value) -> Option<CollectedProduct>,
) -> Result<Vec<CollectedProduct>, SourceError>
where
    Page: Future<Output = Result<Vec<Value>, SourceError>>,
{
    let page_size = page_size as usize;
    let mut products = Vec::new();
    for n in 1..=max_pages {
        let items = page(n).await?;
        for item in items.iter().take(page_size) {
            if products.len() < max
                && let Some(p) = keep(item)
            {
                products.push(p);
            }
        }
        if items.len() < page_size || products.len() >= max {
            break;
        }
    }
    Ok(products)
}

/// A shop's own name, found once per source: the configured one, else its home
/// page's, else the source's name.
pub(crate) struct ShopName {
    configured: Option<String>,
    home: Url,
    source: String,
    found: OnceCell<String>,
}

impl ShopName {
    pub(crate) fn new(configured: Option<String>, home: Url, source: &str) -> Self {
        Self {
            configured: configured.and_then(|c| clean(&c, MAX_NAME_CHARS)),
            home,
            source: source.to_owned(),
            found: OnceCell::new(),
        }
    }

    /// The name; the home page is read the first time only (a failed read falls back
    /// to the source's name for this search and is tried again on the next).
    pub(crate) async fn get(&self, client: &HttpClient) -> String {
        if let Some(name) = &self.configured {
            return name.clone();
        }
        if let Some(name) = self.found.get() {
            return name.clone();
        }
        match client.get(self.home.as_str()).await {
            Ok(page) => {
                let name =
                    site_name_in_page(&page.text, true).unwrap_or_else(|| self.source.clone());
                self.found.get_or_init(|| async { name }).await.clone()
            }
            Err(e) => {
                tracing::warn!(source = %self.source, error = %e, "shop home page unreadable: seller named after the source");
                self.source.clone()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_name_comes_from_metadata_then_the_home_page_title() {
        let page = "<html><head><title>Home · Maple Audio</title>\
                    <meta property=\"og:site_name\" content=\" Maple  Audio \"></head></html>";
        assert_eq!(
            site_name_in_page(page, true).as_deref(),
            Some("Maple Audio")
        );
        let page = "<html><head><title>Maple Audio</title>\
                    <meta name=\"application-name\" content=\"Maple\"></head></html>";
        assert_eq!(site_name_in_page(page, true).as_deref(), Some("Maple"));
        let page = "<html><head><title>Maple Audio</title></head></html>";
        assert_eq!(
            site_name_in_page(page, true).as_deref(),
            Some("Maple Audio")
        );
        // A product page's title is the product's, not the shop's.
        assert_eq!(site_name_in_page(page, false), None);
        assert_eq!(site_name_in_page("<p>no head</p>", true), None);
    }

    #[test]
    fn the_condition_comes_from_the_field_then_tags_then_the_variant_title() {
        assert_eq!(
            condition_text(Some("Reconditionné"), ["used"], None).as_deref(),
            Some("Reconditionné")
        );
        assert_eq!(
            condition_text(None, ["new", "Refurbished", "sale"], Some("Black")).as_deref(),
            Some("Refurbished")
        );
        assert_eq!(
            condition_text(None, ["new"], Some("Used / Black")).as_deref(),
            Some("Used / Black")
        );
        assert_eq!(condition_text(Some(" "), ["sale"], Some("Black")), None);
    }

    #[tokio::test]
    async fn the_shop_name_is_the_configured_one_else_the_home_page_s_else_the_source_s() {
        let base = crate::test_support::start_demo_shop().await;
        let home = Url::parse(&base).unwrap();
        let client = HttpClient::new(crate::test_support::local_http()).unwrap();
        let name = ShopName::new(None, home.clone(), "demo");
        assert_eq!(name.get(&client).await, crate::demo_shop::SHOP_NAME);
        let name = ShopName::new(Some(" Maple Audio ".into()), home, "demo");
        assert_eq!(name.get(&client).await, "Maple Audio");
        // Nothing listens there: the source's name, never the host.
        let closed = Url::parse("http://127.0.0.1:9/").unwrap();
        assert_eq!(
            ShopName::new(None, closed, "demo").get(&client).await,
            "demo"
        );
    }

    #[test]
    fn seller_and_condition_fields_are_recognised_by_name() {
        assert!(is_seller_field(" Sold by") && is_seller_field("Vendeur"));
        assert!(is_condition_field("État") && is_condition_field("CONDITION"));
        assert!(!is_seller_field("Colour") && !is_condition_field("Size"));
    }
}
