//! Hostile input: query text that looks like syntax, and content no honest shop
//! serves — too big, malformed, nested without end, not UTF-8, full of control
//! characters, of the wrong JSON types. A source may refuse it (with a `source_failed`
//! error, or a catalogue with an `invalid_config` one), find nothing in it or find
//! products in it, but it must never panic or hang.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use marketlens_core::domain::MAX_QUERY_CHARS;

/// Query text each source must treat as data: URL syntax, template placeholders,
/// markup, SQL, path traversal, invisible and look-alike characters, control
/// characters (dropped by the query parser) and the longest query accepted.
pub fn queries() -> Vec<String> {
    let mut q: Vec<String> = [
        "headphones&page=9999&limit=0#frag",
        "x/../../robots.txt?admin=1",
        "{query}{page} %s %n",
        "<script>alert(1)</script>",
        "'; DROP TABLE products; --",
        "%00%ff%2e%2e %25",
        "\u{202e}evil\u{200b} 😀 𝕳𝖊𝖆𝖉𝖕𝖍𝖔𝖓𝖊𝖘",
        "head\u{0}phones\u{1b}[2J\u{7f}",
        "#&+",
    ]
    .map(str::to_owned)
    .into();
    // The longest query accepted.
    q.push(
        "headphones "
            .repeat(20)
            .chars()
            .take(MAX_QUERY_CHARS)
            .collect(),
    );
    q
}

/// One hostile body and the `Content-Type` it is served with.
#[derive(Debug, Clone)]
pub struct Content {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

fn content(name: &'static str, content_type: &'static str, body: impl Into<Vec<u8>>) -> Content {
    Content {
        name,
        content_type,
        body: body.into(),
    }
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";

/// A page marked up as one product whose JSON-LD is `json_ld`.
fn product_page(json_ld: &str) -> String {
    format!(
        "<html><head><script type=\"application/ld+json\">{json_ld}</script></head>\
         <body><h1>headphones</h1></body></html>"
    )
}

/// Every hostile body. Each is served to every live kind wherever it expects data
/// (result and product pages, `products.json`, the Store API) and written as the
/// products file of a catalogue, so each parser meets each of them.
pub fn contents() -> Vec<Content> {
    const DEPTH: usize = 100_000;
    let deep_json = format!(
        "{{\"products\":[{{\"id\":1,\"title\":\"headphones\",\"variants\":{}{}}}]}}",
        "[".repeat(DEPTH),
        "]".repeat(DEPTH)
    );
    let control = "\u{0}\u{1}\u{1b}[31m\u{7f}\u{202e}\u{feff}";
    vec![
        // Over the default 5 MiB body cap.
        content("huge_body", HTML, "<p>headphones</p>".repeat(400_000)),
        // Under the cap, but thousands of products and links on one page.
        content("many_products", HTML, {
            let one = product_page(
                r#"{"@type":"Product","name":"Acme headphones","offers":{"price":"1","priceCurrency":"EUR"}}"#,
            );
            let links: String = (0..5_000)
                .map(|i| format!("<a href=\"/product/{i}\">p</a>"))
                .collect();
            one.repeat(2_000) + &links
        }),
        content(
            "malformed_json_ld",
            HTML,
            product_page(r#"{"@type":"Product","name": "headphones", "offers": {"price": </script><div itemscope"#)
                + &product_page(r#"[{"@graph":[{"@type":["Product",{"x":1}],"name":{"@value":[1,2]},"offers":"free","review":[null,7,{"reviewRating":"five"}]}]}]"#)
                + "<div itemscope itemtype=\"http://schema.org/Product\" itemref=\"a a a\"><span itemprop=\"name\">headphones<b>",
        ),
        content("deeply_nested_json", JSON, deep_json.clone()),
        content(
            "deeply_nested_json_ld",
            HTML,
            product_page(&deep_json.replace("\"products\"", "\"@type\":\"Product\",\"offers\"")),
        ),
        // A thousand levels. The HTML parser (html5ever) has no depth cap and its time
        // grows with the square of the depth: a page a hundred times deeper takes
        // minutes. Bounding that takes a depth guard before parsing; this suite
        // checks what the sources do with a deep page, not how long parsing takes.
        content(
            "deeply_nested_html",
            HTML,
            "<div itemscope itemtype=\"http://schema.org/Product\">".repeat(1_000)
                + "<span itemprop=\"name\">headphones</span>",
        ),
        content("invalid_utf8", HTML, {
            let mut b = product_page(r#"{"@type":"Product","name":"headphones ","offers":{"price":"9","priceCurrency":"EUR"}}"#)
                .into_bytes();
            let at = b.windows(11).position(|w| w == b"headphones ").unwrap_or(0) + 10;
            b.splice(at..at, [0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]);
            b.extend_from_slice(b"{\"products\":[{\"id\":1,\"title\":\"\xff\xfeheadphones\"}]}");
            b
        }),
        content(
            "control_characters",
            JSON,
            serde_json::json!({
                "products": [{"id": 1, "title": format!("{control}headphones{control}"), "vendor": control,
                    "variants": [{"id": 2, "price": format!("{control}9.99")}]}],
                "@type": "Product", "name": format!("headphones{control}"),
            })
            .to_string(),
        ),
        content("control_characters_in_markup", HTML, {
            let product = serde_json::json!({
                "@type": "Product", "name": format!("{control}headphones"), "sku": control,
                "offers": {"price": format!("{control}1{control}"), "priceCurrency": control},
            });
            // Escaped as JSON allows, then raw as careless shops write them.
            product_page(&product.to_string())
                + &product_page(&format!(r#"{{"@type":"Product","name":"{control}headphones"}}"#))
                + &format!("<h1 itemprop=\"name\">{control}</h1>")
        }),
        content(
            "wrong_json_types",
            JSON,
            r#"{"products":[{"id":{"a":1},"title":[1],"variants":"x"},{"id":-0,"title":"headphones","tags":{"a":1},"variants":[{"id":[],"price":{"x":1}},null,7,{"id":1,"price":true,"available":"yes"}]},null,5,"s"],"x":-0}"#,
        ),
        content(
            "wrong_json_types_in_a_list",
            JSON,
            r#"[{"id":null,"name":"headphones"},{"id":1,"name":"headphones","prices":{"price":"-5","currency_minor_unit":99999999999999,"currency_code":7}},{"id":"2","name":{"x":[]},"prices":"free","categories":"x","brands":[null]},{"id":3,"name":"headphones","prices":{"price":"99999999999999999999999999999999999999","currency_minor_unit":2}}]"#,
        ),
        content(
            "extreme_numbers",
            JSON,
            r#"{"products":[{"id":1e999,"title":"headphones","variants":[{"id":18446744073709551616,"price":1e308}]}]}"#,
        ),
        // Records a catalogue accepts, with hostile text in them.
        content("hostile_records", "text/plain", {
            let long = "headphones ".repeat(10_000);
            let keywords = vec!["headphones"; 10_000].join("|");
            [
                serde_json::json!({"product_id": "p1", "title": format!("{control}headphones"), "brand": control, "keywords": keywords}),
                serde_json::json!({"product_id": control, "title": long, "category": "\u{202e}headphones", "keywords": ["", " ", control]}),
                serde_json::json!({"product_id": "p3", "title": "💥headphones💥", "gtin": "0".repeat(5_000), "mpn": "%s%n{query}"}),
            ]
            .map(|v| v.to_string() + "\n")
            .concat()
        }),
        content("empty_body", HTML, ""),
        content("binary", "application/octet-stream", {
            let mut b = vec![0x1f, 0x8b, 0x08, 0x00, 0x00];
            b.extend((0..=255u8).cycle().take(64 * 1024));
            b
        }),
    ]
}

/// A shop answering every request with `content`, except its robots.txt (allowing
/// everything, so the content is read) and `/search`, a result page linking two
/// product pages (so a scraper reaches the content as product pages too).
pub async fn serve(content: Content) -> String {
    let app = Router::new()
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .route(
            "/search",
            get(|| async {
                Html("<a href=\"/product/1\">headphones</a><a href=\"/product/2\">headphones</a>")
            }),
        )
        .fallback(|State(c): State<Arc<Content>>| async move {
            ([(header::CONTENT_TYPE, c.content_type)], c.body.clone()).into_response()
        })
        .with_state(Arc::new(content));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}
