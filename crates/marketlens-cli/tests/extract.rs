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
