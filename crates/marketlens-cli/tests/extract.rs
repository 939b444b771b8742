//! `marketlens extract FILE` prints what the extractor finds, with each field's syntax.

mod support;

use support::{marketlens, stdout_of, temp_file};

#[test]
fn extract_prints_products_with_provenance_as_json() {
    let (_dir, page) = temp_file(
        "page.html",
        r#"<html><head><meta property="og:type" content="product">
        <meta property="product:gtin" content="4006381333931">
        <script type="application/ld+json">{"@type":"Product","name":"Kettle K1",
          "offers":{"@type":"Offer","price":"24.90","priceCurrency":"EUR"},
          "review":{"@type":"Review","reviewBody":"Boils fast","reviewRating":{"ratingValue":4}}}
        </script></head><body><img src="x.jpg"></body></html>"#,
    );
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
    let (_dir, page) = temp_file(
        "page.html",
        r#"<html><head><script type="application/ld+json">{"@type":"Product","name":"Lamp L2"}
        </script></head><body><table>stray text<div>In stock</div><tr><td>Lamp</td></tr>
        </table><table><p>Free delivery</p></table></body></html>"#,
    );
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

#[test]
fn extract_prints_the_best_fields_with_method_and_confidence() {
    let (_dir, page) = temp_file(
        "page.html",
        r#"<html><body><h1>Gusseisenpfanne 28 cm</h1><p class="preis">49,90 €</p>
        <p>Art.-Nr.: 100234</p><p class="lieferstatus">Ausverkauft</p>
        <button disabled>In den Warenkorb</button></body></html>"#,
    );
    let out = stdout_of(
        &marketlens()
            .args(["extract", page.to_str().unwrap(), "--all"])
            .output()
            .unwrap(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["best"]["price"]["value"], "49.9");
    assert_eq!(v["best"]["price"]["from"], "dom");
    assert!(v["best"]["price"]["confidence"].as_f64().unwrap() > 0.0);
    assert_eq!(v["best"]["sku"]["value"], "100234");
    assert_eq!(v["best"]["availability"]["value"], "OutOfStock");
    assert_eq!(v["products"][0]["offers"][0]["from"], "dom");
    assert!(!v["candidates"].as_array().unwrap().is_empty());
}

#[test]
fn eval_extract_scores_the_corpus_by_method() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/extract-corpus");
    let out = marketlens()
        .args(["eval", "extract", "--corpus", corpus.to_str().unwrap()])
        .env("MARKETLENS_DATASETS", "/nonexistent/datasets")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout_of(&out);
    for wanted in [
        "corpus methods=all price_f1=",
        "corpus methods=structured price_f1=",
        "corpus methods=only:dom price_f1=",
        "corpus field=sku precision=",
        "corpus won field=price method=",
        "skipped: dataset",
    ] {
        assert!(text.contains(wanted), "{wanted} missing:\n{text}");
    }
    let missing = marketlens()
        .args(["eval", "extract", "--corpus", "/nonexistent/corpus"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}
