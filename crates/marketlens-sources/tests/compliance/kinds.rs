//! How each source kind is set up for the suite: the settings of its `[[sources]]`
//! entry for a working source, and, where the kind can have them, for a shop that
//! stalls and for hostile content.

use std::fmt::Write as _;

use async_trait::async_trait;
use toml::{Table, Value, toml};

use crate::hostile::Content;

/// The notice every working source is configured with.
pub const NOTICE: &str = "Compliance suite: sample data";

/// A source's settings, and what must outlive the source (its catalogue directory).
pub struct Setup {
    pub settings: Table,
    pub _keep: Option<tempfile::TempDir>,
}

impl From<Table> for Setup {
    fn from(settings: Table) -> Self {
        Self {
            settings,
            _keep: None,
        }
    }
}

/// A source kind under test.
#[async_trait]
pub trait Kind: Sync {
    /// The entry's `kind`.
    fn kind(&self) -> &'static str;
    /// A source with products for `rules::MATCHING` (more than three of them).
    async fn working(&self) -> Setup;
    /// The notice the working source shows (its configured [`NOTICE`] unless the data
    /// brings its own).
    fn notice(&self) -> &'static str {
        NOTICE
    }
}

/// A kind that reads a shop over HTTP.
pub trait Live: Kind {
    /// Settings reading the shop at `base` with these `[http]` settings.
    fn at(&self, base: &str, http: Table) -> Table;
}

/// A kind that can be made to read arbitrary content.
#[async_trait]
pub trait ReadsContent: Kind {
    async fn reading(&self, content: &Content) -> Setup;
}

/// `[http]` settings that may reach 127.0.0.1 without pacing.
pub fn local_http() -> Table {
    toml! {
        allow_private_hosts = ["127.0.0.1"]
        min_interval_ms = 0
        per_host_concurrency = 8
    }
}

/// The demo shop (the sample catalogue as a web shop) on a random local port.
pub async fn demo_shop() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(marketlens_sources::demo_shop::serve(
        listener,
        std::future::pending(),
    ));
    base
}

async fn live_working(kind: &impl Live) -> Setup {
    kind.at(&demo_shop().await, local_http()).into()
}

async fn live_reading(kind: &impl Live, content: &Content) -> Setup {
    let mut http = local_http();
    // Hostile answers are not worth asking twice.
    http.insert("max_retries".into(), Value::Integer(0));
    kind.at(&crate::hostile::serve(content.clone()).await, http)
        .into()
}

pub struct CatalogBuiltin;

#[async_trait]
impl Kind for CatalogBuiltin {
    fn kind(&self) -> &'static str {
        "catalog"
    }

    async fn working(&self) -> Setup {
        toml! { path = "builtin:sample" }.into()
    }

    fn notice(&self) -> &'static str {
        // The sample catalogue's own `catalog.toml` notice.
        "Sample data"
    }
}

/// A catalogue the suite writes: `catalog.toml` (with [`NOTICE`]), JSONL products
/// and CSV offers.
pub struct CatalogDirectory;

impl CatalogDirectory {
    fn write(products: &[u8], offers: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("catalog.toml"),
            format!("name = \"compliance\"\nnotice = \"{NOTICE}\"\n"),
        )
        .unwrap();
        std::fs::write(dir.path().join("products.jsonl"), products).unwrap();
        std::fs::write(dir.path().join("offers.csv"), offers).unwrap();
        Setup {
            settings: toml! { path = (dir.path().display().to_string()) },
            _keep: Some(dir),
        }
    }
}

const OFFERS_HEADER: &str = "offer_id,product_id,shop,price_text,currency\n";

#[async_trait]
impl Kind for CatalogDirectory {
    fn kind(&self) -> &'static str {
        "catalog"
    }

    async fn working(&self) -> Setup {
        let (mut products, mut offers) = (String::new(), OFFERS_HEADER.to_owned());
        for (i, model) in ["H1", "H2", "H3", "H4", "H5"].iter().enumerate() {
            let _ = writeln!(
                products,
                r#"{{"product_id":"p{i}","title":"Acme {model} wireless headphones","brand":"Acme","category":"headphones"}}"#
            );
            let _ = writeln!(offers, "o{i},p{i},Acme Shop,\"{}9,99 €\",EUR", i + 1);
        }
        Self::write(products.as_bytes(), &offers)
    }
}

#[async_trait]
impl ReadsContent for CatalogDirectory {
    /// The content as the products file.
    async fn reading(&self, content: &Content) -> Setup {
        Self::write(&content.body, OFFERS_HEADER)
    }
}

/// `schema_org`: the shop's search pages, and its home page as a listing page.
pub struct SchemaOrg;

impl Live for SchemaOrg {
    fn at(&self, base: &str, http: Table) -> Table {
        let mut t = toml! {
            max_product_pages = 8
            notice = NOTICE
        };
        t.insert(
            "search_url".into(),
            format!("{base}/search?q={{query}}&page={{page}}").into(),
        );
        t.insert(
            "listing_urls".into(),
            Value::Array(vec![format!("{base}/").into()]),
        );
        t.insert("http".into(), http.into());
        t
    }
}

/// `shopify`: the shop's `/products.json`.
pub struct Shopify;

impl Live for Shopify {
    fn at(&self, base: &str, http: Table) -> Table {
        let mut t = toml! {
            currency = "EUR"
            max_pages = 2
            page_size = 50
            notice = NOTICE
        };
        t.insert("base_url".into(), base.into());
        t.insert("http".into(), http.into());
        t
    }
}

/// `woocommerce`: the shop's Store API, reviews included.
pub struct WooCommerce;

impl Live for WooCommerce {
    fn at(&self, base: &str, http: Table) -> Table {
        let mut t = toml! {
            max_pages = 2
            page_size = 10
            reviews_per_product = 2
            notice = NOTICE
        };
        t.insert("base_url".into(), base.into());
        t.insert("http".into(), http.into());
        t
    }
}

/// The live kinds' [`Kind`] and [`ReadsContent`]: the demo shop, and a local server
/// answering with the content.
macro_rules! live_kind {
    ($($kind:ident: $name:literal),+) => {$(
        #[async_trait]
        impl Kind for $kind {
            fn kind(&self) -> &'static str {
                $name
            }

            async fn working(&self) -> Setup {
                live_working(self).await
            }
        }

        #[async_trait]
        impl ReadsContent for $kind {
            async fn reading(&self, content: &Content) -> Setup {
                live_reading(self, content).await
            }
        }
    )+};
}

live_kind!(SchemaOrg: "schema_org", Shopify: "shopify", WooCommerce: "woocommerce");

/// A `replay` source of the catalogue's frozen answer: what the built-in sample
/// answered for `rules::MATCHING`, recorded into a directory as `golden record`
/// does. Its catalogue records answer any other query too (with nothing, or the
/// recorded products that match).
pub struct ReplayCatalog;

#[async_trait]
impl Kind for ReplayCatalog {
    fn kind(&self) -> &'static str {
        "replay"
    }

    async fn working(&self) -> Setup {
        use marketlens_core::config::{RequestDefaults, SourceEntry};
        use marketlens_core::domain::AnalysisRequest;
        use marketlens_core::ports::SourceQuery;

        let (source, recorder) = marketlens_sources::replay::build_recording(&SourceEntry {
            name: "catalog".into(),
            kind: "catalog".into(),
            enabled: true,
            timeout_secs: None,
            fallback: None,
            settings: toml! { path = "builtin:sample" },
        })
        .unwrap();
        let (query, params) = AnalysisRequest {
            query: crate::rules::MATCHING.into(),
            ..Default::default()
        }
        .parse(&RequestDefaults::default(), &[], &[])
        .unwrap();
        let batch = source.search(&SourceQuery { query, params }).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        recorder.write(dir.path(), &batch.products).unwrap();
        Setup {
            settings: toml! { path = (dir.path().display().to_string()) },
            _keep: Some(dir),
        }
    }

    fn notice(&self) -> &'static str {
        // The sample catalogue's notice, frozen with its records.
        "Sample data"
    }
}
