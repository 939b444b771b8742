//! `marketlens extract FILE` prints what the extractor finds, with each field's syntax.

mod support;

use support::{marketlens, stdout_of};

#[test]
fn extract_prints_products_with_provenance_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(
        &page,
        r#"<html><head><meta property="og:type" content="product">
        <meta property="product:gtin" content="4006381333931">
        <script type="application/ld+json">{"@type":"Product","name":"Kettle K1",
          "offers":{"@type":"Offer","price":"24.90","priceCurrency":"EUR"},
          "review":{"@type":"Review","reviewBody":"Boils fast","reviewRating":{"ratingValue":4}}}
        </script></head><body><img src="x.jpg"></body></html>"#,
    )
    .unwrap();
    let out = stdout_of(
        &marketlens()
            .args([
                "extract",
                page.to_str().unwrap(),
                "--base-url",
                "https://shop.example/p/1",
            ])
            .output()
            .unwrap(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let p = &v["products"][0];
    assert_eq!(p["name"]["value"], "Kettle K1");
    assert_eq!(p["name"]["from"], "json-ld");
    assert_eq!(p["gtin"]["from"], "opengraph");
    assert_eq!(p["offers"][0]["price"], "24.90");
    assert_eq!(p["reviews"][0]["body"], "Boils fast");
    assert_eq!(v["found"]["json-ld"], 1);

    let missing = marketlens()
        .args(["extract", "/nonexistent/page.html"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn html_the_parser_repairs_logs_no_parser_warnings() {
    // Text and a block directly inside <table>: the HTML parser moves them out of the
    // table ("foster parenting") and warned about it once per occurrence.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(
        &page,
        r#"<html><head><script type="application/ld+json">{"@type":"Product","name":"Lamp L2"}
        </script></head><body><table>stray text<div>In stock</div><tr><td>Lamp</td></tr>
        </table><table><p>Free delivery</p></table></body></html>"#,
    )
    .unwrap();
    let out = marketlens()
        .args(["extract", page.to_str().unwrap()])
        .env("MARKETLENS_LOG_FORMAT", "text")
        .env_remove("MARKETLENS_LOG")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["products"][0]["name"]["value"], "Lamp L2");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("foster parenting"), "{stderr}");
}
