//! Acceptance: shops in mixed currencies, tax bases and conditions selling the same
//! product under different titles and ids → one product with an offer from each
//! shop, every price in the target currency on one tax basis, with the rates and
//! their date on each offer and in the result.

mod support;

use serde_json::{Value, json};
use support::{TestApp, write_catalog};

const PRODUCTS: &str = concat!(
    // The same headphones, listed by four shops with their own ids and titles.
    r#"{"product_id":"fr-xm5","title":"Casque sans fil Sony WH-1000XM5 noir","brand":"Sony","model":"WH-1000XM5","gtin":"4548736132610","category":"headphones","keywords":["headphones","casque"]}"#,
    "\n",
    r#"{"product_id":"us-778","title":"Sony WH1000XM5 Wireless Noise Canceling Headphones - Black","brand":"SONY","category":"headphones","keywords":["headphones"]}"#,
    "\n",
    r#"{"product_id":"gb-a1","title":"Sony WH-1000XM5 Over-Ear Headphones, Black","brand":"Sony","gtin":"4548736132610","category":"headphones","keywords":["headphones"]}"#,
    "\n",
    r#"{"product_id":"ca-55","title":"SONY WH1000XM5/B Noise Cancelling Headphones","brand":"Sony","category":"headphones","keywords":["headphones"]}"#,
    "\n",
    // Its predecessor: a different product, never merged with it.
    r#"{"product_id":"de-xm4","title":"Sony WH-1000XM4 Kopfhörer schwarz","brand":"Sony","model":"WH-1000XM4","category":"headphones","keywords":["headphones"]}"#,
    "\n",
    // Another product sold by two shops under different titles.
    r#"{"product_id":"fr-qc","title":"Bose QuietComfort Ultra Headphones casque noir","brand":"Bose","model":"QC Ultra","category":"headphones","keywords":["headphones"]}"#,
    "\n",
    r#"{"product_id":"us-qc","title":"Bose QuietComfort Ultra Wireless Headphones Black","brand":"Bose","model":"QC Ultra","category":"headphones","keywords":["headphones"]}"#,
    "\n",
);

const OFFERS: &str = concat!(
    r#"{"offer_id":"o-fr","product_id":"fr-xm5","shop":"Voltaire","country":"FR","price_text":"349,00 € TTC","currency":"EUR","condition":"Neuf","availability":"in_stock"}"#,
    "\n",
    r#"{"offer_id":"o-us","product_id":"us-778","shop":"Brightline","country":"US","price_text":"$399.99","currency":"USD","condition":"Refurbished","availability":"in_stock"}"#,
    "\n",
    r#"{"offer_id":"o-gb","product_id":"gb-a1","shop":"Harbour","country":"GB","price_text":"£299.00","currency":"GBP","condition":"https://schema.org/UsedCondition","availability":"in_stock"}"#,
    "\n",
    r#"{"offer_id":"o-ca","product_id":"ca-55","shop":"Maple","country":"CA","price_text":"C$449.99","currency":"CAD","condition":"new","availability":"in_stock"}"#,
    "\n",
    r#"{"offer_id":"o-de","product_id":"de-xm4","shop":"Rheinwerk","country":"DE","price_text":"210,00 € HT","currency":"EUR","condition":"new","availability":"in_stock"}"#,
    "\n",
    r#"{"offer_id":"o-fr-qc","product_id":"fr-qc","shop":"Voltaire","country":"FR","price_text":"449,00 €","currency":"EUR","condition":"new","availability":"in_stock"}"#,
    "\n",
    r#"{"offer_id":"o-us-qc","product_id":"us-qc","shop":"Brightline","country":"US","price_text":"$429.00","currency":"USD","condition":"new","availability":"in_stock"}"#,
    "\n",
);

fn offer<'a>(product: &'a Value, id: &str) -> &'a Value {
    product["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no offer {id} in {product}"))
}

fn amount(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_shops_become_one_product_per_real_product_in_the_target_currency() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_catalog(dir.path(), PRODUCTS, OFFERS, "");
    let t = TestApp::spawn_with_config(1, Some(&config)).await;
    let res = t
        .post(&json!({"query": "headphones", "currency": "EUR", "market": "FR"}))
        .await;
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    let done = t.wait_done(&loc).await;
    assert_eq!(done["status"], "completed", "{done}");
    let r: Value = t.get_json(&format!("{loc}/result")).await;
    let products = r["products"].as_array().unwrap();

    // Three real products: XM5 (4 shops), XM4, QC Ultra (2 shops).
    assert_eq!(products.len(), 3, "{:#}", r["products"]);
    let xm5 = products
        .iter()
        .find(|p| p["offers"].as_array().unwrap().len() == 4)
        .expect("one product holds the four XM5 offers");
    assert_eq!(xm5["id"], "gtin:04548736132610");
    let mut shops = support::field_strs(&xm5["offers"], "seller");
    shops.sort_unstable();
    assert_eq!(shops, ["Brightline", "Harbour", "Maple", "Voltaire"]);
    // Each merge keeps its rule, score and partner.
    let evidence = xm5["merged_from"].as_array().unwrap();
    assert_eq!(evidence.len(), 4);
    assert_eq!(evidence[0]["rule"], "first");
    for e in &evidence[1..] {
        assert!(
            ["gtin", "brand_mpn", "model_number", "title_similarity"]
                .contains(&e["rule"].as_str().unwrap()),
            "{e}"
        );
        assert!(e["score"].as_f64().is_some() && e["matched_with"].is_string());
    }
    let qc = products
        .iter()
        .find(|p| p["brand"] == "Bose")
        .expect("the Bose product");
    assert_eq!(qc["offers"].as_array().unwrap().len(), 2);
    let xm4 = products
        .iter()
        .find(|p| p["model"] == "WH-1000XM4")
        .expect("the XM4 stays its own product");
    assert_eq!(xm4["offers"].as_array().unwrap().len(), 1);

    // Every offer in EUR, with the rate and its date; tax-included basis.
    let rates_date = r["normalization"]["rates_date"].as_str().unwrap();
    for p in products {
        for o in p["offers"].as_array().unwrap() {
            assert_eq!(o["converted"]["money"]["currency"], "EUR", "{o}");
            assert_eq!(o["converted"]["rate_date"], rates_date);
            assert!(amount(&o["converted"]["rate"]) > 0.0);
            assert_eq!(o["tax"]["basis"], "included", "{o}");
        }
    }
    // FR TTC: as shown. US/CA shelf prices: sales tax added, then converted.
    let fr = offer(xm5, "o-fr");
    assert_eq!(amount(&fr["converted"]["money"]["amount"]), 349.0);
    assert_eq!(fr["tax"]["shown_from"], "price_text");
    let us = offer(xm5, "o-us");
    assert_eq!(us["price"]["currency"], "USD");
    assert_eq!(us["tax"]["shown"], "excluded");
    assert_eq!(us["tax"]["rate_applied"], "0.075");
    let usd_rate = amount(&us["converted"]["rate"]);
    let expected = 399.99 * 1.075 * usd_rate;
    assert!((amount(&us["converted"]["money"]["amount"]) - expected).abs() < 0.01);
    assert_eq!(offer(xm5, "o-ca")["tax"]["shown"], "excluded");
    // DE HT: German VAT (19 %) added.
    let de = offer(xm4, "o-de");
    assert_eq!(amount(&de["converted"]["money"]["amount"]), 249.9);
    // Conditions read from each shop's wording.
    assert_eq!(fr["condition"], "new");
    assert_eq!(us["condition"], "refurbished");
    assert_eq!(offer(xm5, "o-gb")["condition"], "used");

    // The result states the basis and every rate used, with its date.
    let n = &r["normalization"];
    assert_eq!(n["tax_basis"], "included");
    assert_eq!(n["offers_tax_adjusted"], 4, "{n}");
    let mut used: Vec<&str> = n["rates_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            assert_eq!(u["date"], rates_date);
            assert_eq!(u["to"], "EUR");
            u["from"].as_str().unwrap()
        })
        .collect();
    used.sort_unstable();
    assert_eq!(used, ["CAD", "EUR", "GBP", "USD"]);
    assert_eq!(n["products_merged"], 4);

    // The report shows the basis and the rates.
    let html = t.get(&format!("{loc}/report")).await.text().await.unwrap();
    assert!(html.contains("Tax basis of prices"));
    assert!(html.contains("USD→EUR"));
    t.stop().await;
}
