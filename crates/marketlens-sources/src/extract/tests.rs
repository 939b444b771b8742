use super::*;

fn base() -> Url {
    Url::parse("https://shop.example/p/1").unwrap()
}

fn value(f: &Option<Field>) -> Option<(&str, Syntax)> {
    f.as_ref().map(|f| (f.value.as_str(), f.from))
}

#[test]
fn json_ld_product_with_nested_aggregate_offer_rating_and_reviews() {
    let html = r#"<html><head><script type="application/ld+json">
    {"@context":"https://schema.org","@type":"Product","name":"Acme  Kettle\nK1",
     "brand":{"@type":"Brand","name":"Acme"},"gtin13":"4006381333931","sku":"K1",
     "image":["/img/k1.jpg"],
     "offers":{"@type":"AggregateOffer","lowPrice":"24.90","highPrice":29.9,"priceCurrency":"EUR",
        "offers":[{"@type":"Offer","price":"24.90","availability":"https://schema.org/InStock",
                   "seller":{"@type":"Organization","name":"Shop A"}},
                  {"@type":"Offer","priceSpecification":{"price":29.9,"priceCurrency":"EUR"},
                   "itemCondition":"https://schema.org/UsedCondition"}]},
     "aggregateRating":{"@type":"AggregateRating","ratingValue":"4,5","reviewCount":"12"},
     "review":[{"@type":"Review","author":{"@type":"Person","name":"Ann"},
                "reviewRating":{"ratingValue":4,"bestRating":5},"reviewBody":"Boils fast.",
                "datePublished":"2026-01-02"}]}
    </script></head><body></body></html>"#;
    let x = extract(html, Some(&base()));
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    assert_eq!(x.products.len(), 1);
    let p = &x.products[0];
    assert_eq!(value(&p.name), Some(("Acme Kettle K1", Syntax::JsonLd)));
    assert_eq!(value(&p.brand).unwrap().0, "Acme");
    assert_eq!(value(&p.gtin).unwrap().0, "4006381333931");
    assert_eq!(
        value(&p.image).unwrap().0,
        "https://shop.example/img/k1.jpg"
    );
    assert_eq!(p.offers.len(), 3);
    assert_eq!(p.offers[0].kind, OfferKind::AggregateOffer);
    assert_eq!(p.offers[0].high_price.as_deref(), Some("29.9"));
    assert_eq!(p.offers[1].seller.as_deref(), Some("Shop A"));
    assert_eq!(p.offers[1].currency.as_deref(), Some("EUR"));
    assert_eq!(p.offers[2].price.as_deref(), Some("29.9"));
    assert!(
        p.offers[2]
            .condition
            .as_deref()
            .unwrap()
            .ends_with("UsedCondition")
    );
    let r = p.rating.as_ref().unwrap();
    assert_eq!((r.value, r.count), (Some(4.5), Some(12)));
    assert_eq!(p.reviews[0].author.as_deref(), Some("Ann"));
    assert_eq!(p.reviews[0].rating, Some(4.0));
    assert_eq!(p.reviews[0].body.as_deref(), Some("Boils fast."));
}

#[test]
fn several_products_in_a_graph_with_referenced_offers() {
    let html = r##"<script type="application/ld+json">
    {"@context":"https://schema.org","@graph":[
      {"@type":"WebPage","name":"Kettles"},
      {"@type":["Product","Thing"],"name":"K1","offers":{"@id":"#o1"}},
      {"@type":"Offer","@id":"#o1","price":"10.00","priceCurrency":"GBP"},
      {"@type":"schema:Product","schema:name":"K2","offers":[{"@type":"Offer","price":11}]}
    ]}</script>
    <script type="application/ld+json">[{"@type":"Product","name":"K3"}]</script>"##;
    let x = extract(html, None);
    let names: Vec<&str> = x
        .products
        .iter()
        .map(|p| value(&p.name).unwrap().0)
        .collect();
    assert_eq!(names, ["K1", "K2", "K3"]);
    assert_eq!(x.products[0].offers[0].price.as_deref(), Some("10.00"));
    assert_eq!(x.products[0].offers[0].currency.as_deref(), Some("GBP"));
    assert_eq!(x.products[1].offers[0].price.as_deref(), Some("11"));
}

#[test]
fn malformed_json_ld_and_html_never_panic() {
    let html = "<html><script type=\"application/ld+json\">{\"@type\":\"Product\",\"name\":\"Line\nbreak\"}</script>\
        <script type='application/ld+json'><!-- {\"@type\":\"Product\",\"name\":\"Commented\"} --></script>\
        <script type='application/ld+json'>{\"@type\": \"Product\", \"name\": </script>\
        <div itemscope itemtype=http://schema.org/Product><span itemprop=name>Micro<b>data</span>\
        <table><tr><td itemprop=offers itemscope itemtype=http://schema.org/Offer><meta itemprop=price content=5>";
    let x = extract(html, None);
    assert_eq!(x.warnings.len(), 1, "{:?}", x.warnings);
    let names: Vec<&str> = x
        .products
        .iter()
        .map(|p| value(&p.name).unwrap().0)
        .collect();
    assert_eq!(names, ["Line break", "Commented", "Microdata"]);
    assert_eq!(x.products[2].offers[0].price.as_deref(), Some("5"));
    for junk in [
        "",
        "<<<>>>",
        "<script type=application/ld+json>[[[[[[[[[[[[</script>",
        "<script type=application/ld+json>{\"@graph\":[{\"@id\":\"a\",\"offers\":{\"@id\":\"a\"},\"@type\":\"Product\"}]}</script>",
        "<div itemscope itemref=a id=a><span itemprop=x itemscope itemref=a></span></div>",
        "<script type=application/ld+json>{\"@graph\":[{\"@id\":\"a\",\"@type\":\"Product\",\"name\":{\"@id\":\"a\"},\"brand\":[{\"@id\":\"a\"}]}]}</script>",
        "\u{0}\u{feff}<meta property=og:type content=product>",
    ] {
        let _ = extract(junk, Some(&base()));
    }
    let deep = format!(
        "<script type=application/ld+json>{}1{}</script>",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(extract(&deep, None).products.is_empty());
}

#[test]
fn microdata_and_opengraph_fill_fields_json_ld_lacks() {
    let html = r#"<html><head>
      <meta property="og:type" content="product">
      <meta property="og:title" content="Anvil | ACME Store">
      <meta property="product:price:amount" content="119.99">
      <meta property="product:price:currency" content="USD">
      <meta property="product:gtin" content="0012345678905">
      <script type="application/ld+json">{"@type":"Product","name":"Executive Anvil","offers":{"@type":"Offer","price":"119.99","priceCurrency":"USD"}}</script>
      </head><body>
      <div itemscope itemtype="http://schema.org/Product">
        <span itemprop="name">Executive Anvil</span><span itemprop="brand">ACME</span>
        <span itemprop="mpn">925872</span>
      </div></body></html>"#;
    let x = extract(html, None);
    assert_eq!(x.products.len(), 1);
    let p = &x.products[0];
    assert_eq!(value(&p.name), Some(("Executive Anvil", Syntax::JsonLd)));
    assert_eq!(value(&p.brand), Some(("ACME", Syntax::Microdata)));
    assert_eq!(value(&p.mpn), Some(("925872", Syntax::Microdata)));
    assert_eq!(value(&p.gtin), Some(("0012345678905", Syntax::Opengraph)));
    assert_eq!(p.offers.len(), 1);
    assert_eq!(p.offers[0].from, Syntax::JsonLd);
    // Same single offer at the same price: OpenGraph completes nothing it lacks here,
    // but would fill availability/condition if JSON-LD had left them out.
    assert_eq!(p.offers[0].currency.as_deref(), Some("USD"));
    assert_eq!(x.by_syntax.opengraph.len(), 1);
    assert_eq!(x.by_syntax.microdata.len(), 1);
}

#[test]
fn opengraph_only_page_is_one_product() {
    let html = r#"<meta property="og:type" content="og:product"><meta property="og:title" content="Blu-ray">
      <meta property="product:price:amount" content="17.99"><meta property="product:price:currency" content="USD">
      <meta property="product:availability" content="in stock"><meta property="product:condition" content="new">"#;
    let x = extract(html, None);
    let p = &x.products[0];
    assert_eq!(p.from, Syntax::Opengraph);
    let o = &p.offers[0];
    assert_eq!(
        (
            o.price.as_deref(),
            o.currency.as_deref(),
            o.availability.as_deref(),
            o.condition.as_deref()
        ),
        (Some("17.99"), Some("USD"), Some("in stock"), Some("new"))
    );
    assert!(
        extract(
            "<meta property=og:type content=website><meta property=og:title content=x>",
            None
        )
        .products
        .is_empty()
    );
}

#[test]
fn microdata_itemref_and_link_values() {
    let html = r#"<div itemscope itemtype="http://schema.org/Product" itemref="extra">
        <span itemprop="name">Anvil</span>
        <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
          <meta itemprop="priceCurrency" content="USD">$<span itemprop="price">119.99 </span>
          <link itemprop="availability" href="  http://schema.org/InStock"/>
        </div></div>
        <p id="extra"><span itemprop="mpn">925872</span></p>"#;
    let x = extract(html, None);
    let p = &x.products[0];
    assert_eq!(value(&p.mpn).unwrap().0, "925872");
    assert_eq!(p.offers[0].price.as_deref(), Some("119.99"));
    assert_eq!(
        p.offers[0].availability.as_deref(),
        Some("http://schema.org/InStock")
    );
}

#[test]
fn mutated_pages_never_panic() {
    // Real-shaped pages cut and corrupted at random places (seeded: reproducible).
    let pages = crate::demo_shop::product_pages().unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    for i in 0..300 {
        let page = pages[i % pages.len()].as_bytes();
        let mut bytes = page[..rng.usize(0..=page.len())].to_vec();
        for _ in 0..rng.usize(0..20) {
            if bytes.is_empty() {
                break;
            }
            let at = rng.usize(0..bytes.len());
            bytes[at] = *b"<>\"'{}[],:@#/\\ \n"
                .get(rng.usize(0..16))
                .unwrap_or(&b'x');
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = extract(&text, Some(&base()));
    }
}

fn best(html: &str, field: FieldName) -> Option<(String, Syntax)> {
    extract(html, None)
        .best
        .get(field)
        .map(|s| (s.value.clone(), s.from))
}

/// Checks the best value `html` gives each field; a failure names the field.
#[track_caller]
fn assert_best(html: &str, expected: &[(FieldName, &str)]) {
    let best = extract(html, None).best;
    for (field, value) in expected {
        assert_eq!(
            best.get(*field).map(|s| s.value.as_str()),
            Some(*value),
            "{field:?}"
        );
    }
}

#[test]
fn struck_price_is_the_previous_price_and_the_one_near_the_title_wins() {
    let html = r#"<html><body>
    <header><div class="minicart"><span class="price">$0.00</span></div></header>
    <main><h1>Trail Shoe</h1>
    <p class="price"><del><span class="amount">$120.00</span></del> <ins><span class="amount">$95.00</span></ins></p>
    <button class="single_add_to_cart_button">Add to cart</button>
    <section class="related products"><span class="price">$20.00</span></section></main>
    <footer>Free shipping over $50</footer></body></html>"#;
    assert_eq!(
        best(html, FieldName::Price),
        Some(("95".into(), Syntax::Dom))
    );
    assert_best(
        html,
        &[
            (FieldName::PreviousPrice, "120"),
            (FieldName::Availability, "InStock"),
        ],
    );
    // The page had no structured data: the fallbacks give it its product.
    let x = extract(html, None);
    assert_eq!(x.products.len(), 1);
    assert_eq!(x.products[0].offers[0].price.as_deref(), Some("95"));
    assert_eq!(x.products[0].offers[0].from, Syntax::Dom);
}

#[test]
fn stock_wording_and_disabled_buttons_in_three_languages() {
    for (text, disabled, expected) in [
        ("Rupture de stock", "", "OutOfStock"),
        ("En stock", "", "InStock"),
        ("Ausverkauft", " disabled", "OutOfStock"),
        ("Auf Lager", "", "InStock"),
        ("Sold out", " disabled", "OutOfStock"),
        ("Précommande", "", "PreOrder"),
    ] {
        let html = format!(
            r#"<h1>Lampe</h1><span class="price">19,99 €</span>
            <p class="stock">{text}</p><button class="add-to-cart"{disabled}>Panier</button>"#
        );
        assert_eq!(
            best(&html, FieldName::Availability).map(|b| b.0),
            Some(expected.to_owned()),
            "{text}"
        );
    }
    // A disabled add-to-cart button alone says out of stock.
    let html = r#"<h1>X</h1><span class="price">£5.00</span><button class="btn add-to-cart" disabled>Add to basket</button>"#;
    assert_best(html, &[(FieldName::Availability, "OutOfStock")]);
}

#[test]
fn sku_labels_in_text_and_definition_lists() {
    for (html, sku) in [
        (r#"<h1>A</h1><p>SKU: AB-123</p>"#, "AB-123"),
        (r#"<h1>A</h1><p>Item # 44-221</p>"#, "44-221"),
        (r#"<h1>A</h1><div>Réf. : SAC-30</div>"#, "SAC-30"),
        (
            r#"<h1>A</h1><dl><dt>Art.-Nr.</dt><dd>100234</dd></dl>"#,
            "100234",
        ),
        (
            r#"<h1>A</h1><table><tr><th>Artikelnummer</th><td>KW-9</td></tr></table>"#,
            "KW-9",
        ),
        (
            r#"<h1>A</h1><span class="product-sku">XY-77</span>"#,
            "XY-77",
        ),
    ] {
        assert_eq!(
            best(html, FieldName::Sku).map(|b| b.0),
            Some(sku.into()),
            "{html}"
        );
    }
    // "Model" is a part number: a SKU only when nothing better is there.
    let html = r#"<h1>A</h1><p>Model: WH-1000XM5</p><p>SKU: 55501</p>"#;
    assert_best(
        html,
        &[(FieldName::Sku, "55501"), (FieldName::Mpn, "WH-1000XM5")],
    );
}

#[test]
fn embedded_state_json_next_data_shopify_cents_and_data_attributes() {
    let next = r#"<h1>Desk</h1><script id="__NEXT_DATA__" type="application/json">
      {"props":{"pageProps":{"product":{"name":"Desk","sku":"D-1","price":{"amount":"549.00","currencyCode":"USD"},"availableForSale":false}}}}</script>"#;
    assert_eq!(
        best(next, FieldName::Price),
        Some(("549".into(), Syntax::ScriptState))
    );
    assert_best(
        next,
        &[
            (FieldName::Currency, "USD"),
            (FieldName::Availability, "OutOfStock"),
        ],
    );
    // Liquid's `| json` writes integer cents.
    let shopify = r#"<h1>Hoodie</h1><script type="application/json" data-product-json>
      {"title":"Hoodie","handle":"hoodie","variants":[{"sku":"H-S","price":6800,"compare_at_price":8500,"available":true}]}</script>"#;
    assert_best(
        shopify,
        &[
            (FieldName::Price, "68"),
            (FieldName::PreviousPrice, "85"),
            (FieldName::Sku, "H-S"),
        ],
    );
    let state = r#"<h1>Mower</h1><script>window.__INITIAL_STATE__ = JSON.parse("{\"p\":{\"productName\":\"Mower\",\"articleNumber\":\"M-36\",\"price\":{\"value\":349.0,\"currencyIso\":\"EUR\"}}}");</script>"#;
    assert_best(
        state,
        &[(FieldName::Price, "349"), (FieldName::Sku, "M-36")],
    );
    let attr = r#"<h1>Pullover</h1><form data-product_variations='[{"display_price":89,"is_in_stock":true,"sku":"P-M"}]'></form>"#;
    assert_best(attr, &[(FieldName::Price, "89")]);
    // Broken state never panics and proposes nothing.
    for bad in [
        "<script>window.__INITIAL_STATE__ = {\"a\":</script>",
        "<script>window.__NUXT__=(function(a){return {}}(1))</script>",
        "<script>var meta = JSON.parse(\"\\\"\")</script>",
    ] {
        assert!(best(bad, FieldName::Price).is_none(), "{bad}");
    }
}

#[test]
fn meta_tags_outside_opengraph_and_itemprop_outside_itemscope() {
    let twitter = r#"<head><meta name="twitter:label1" content="Price"><meta name="twitter:data1" content="$24.00">
      <meta name="twitter:label2" content="Availability"><meta name="twitter:data2" content="In stock"></head>"#;
    assert_eq!(
        best(twitter, FieldName::Price),
        Some(("24".into(), Syntax::MetaTags))
    );
    assert_best(twitter, &[(FieldName::Availability, "InStock")]);
    let orphan = r#"<h1 itemprop="name">Coussin</h1><span itemprop="price" content="19.92">19,92 €</span>
      <meta itemprop="priceCurrency" content="EUR"><span itemprop="sku">demo_16</span>"#;
    assert_best(orphan, &[(FieldName::Price, "19.92")]);
    assert_eq!(
        best(orphan, FieldName::Sku),
        Some(("demo_16".into(), Syntax::MetaTags))
    );
}

#[test]
fn schema_org_defects_comma_decimal_text_availability_offer_sku_entities() {
    let html = r#"<script type="application/ld+json">{"@type":"Organization","name":"Shop"}</script>
    <script type="application/ld+json">{"@type":"Product","name":"Ben &amp; Jerry&#8217;s",
      "offers":[{"@type":"Offer","sku":"BJ-1","price":"49,95","priceCurrency":"EUR","availability":"InStock"}]}</script>"#;
    assert_best(html, &[(FieldName::Name, "Ben & Jerry\u{2019}s")]);
    assert_eq!(
        best(html, FieldName::Price),
        Some(("49.95".into(), Syntax::JsonLd))
    );
    assert_best(
        html,
        &[
            (FieldName::Sku, "BJ-1"),
            (FieldName::Availability, "InStock"),
        ],
    );
    // Only a GTIN: it stands in for the SKU, trusted less.
    let gtin = r#"<script type="application/ld+json">{"@type":"Product","name":"K","gtin13":"4006381333931",
      "offers":{"@type":"AggregateOffer","lowPrice":"10","highPrice":"12","priceCurrency":"EUR"}}</script>"#;
    let x = extract(gtin, None);
    let sku = x.best.sku.as_ref().unwrap();
    assert_eq!(sku.value, "4006381333931");
    assert!(sku.confidence < Syntax::JsonLd.base_confidence());
    assert_eq!(x.best.price.as_ref().unwrap().value, "10");
}

#[test]
fn every_field_says_its_method_and_confidence_and_agreement_counts() {
    let html = r#"<head><meta property="og:type" content="product"><meta property="product:price:amount" content="30.00">
      <meta property="product:price:currency" content="EUR"></head>
      <body><h1>Vase</h1><span class="price">30,00 €</span><span class="price-old">45,00 €</span>
      <button class="add-to-cart">Ajouter au panier</button></body>"#;
    let x = extract(html, None);
    let price = x.best.price.as_ref().unwrap();
    assert_eq!(price.value, "30");
    // OpenGraph and the page text agree: more than either alone.
    let og = x
        .candidates
        .iter()
        .filter(|c| c.field == FieldName::Price)
        .map(|c| c.confidence)
        .fold(0.0f64, f64::max);
    assert!(price.confidence > og, "{} vs {og}", price.confidence);
    for c in &x.candidates {
        assert!((0.0..1.0).contains(&c.confidence), "{c:?}");
    }
    assert_eq!(x.best.previous_price.as_ref().unwrap().value, "45");
    let main = &x.products[0];
    assert_eq!(
        main.offers[0].availability.as_deref(),
        Some("https://schema.org/InStock")
    );
    assert!(main.name.as_ref().is_some_and(|n| n.confidence > 0.0));
}

#[test]
fn decode_entities_leaves_unknown_and_broken_references() {
    assert_eq!(
        decode_entities("a &amp; b &#39;c&#x27; &euro;"),
        "a & b 'c' €"
    );
    assert_eq!(
        decode_entities("AT&T &bogus; &#xZZ; & &"),
        "AT&T &bogus; &#xZZ; & &"
    );
    assert_eq!(decode_entities("&#1114112;"), "&#1114112;");
}

#[test]
fn main_product_takes_the_winning_values_it_lacked_or_got_wrong() {
    // A zero placeholder price in JSON-LD loses to the page's price, and the main
    // product's lone offer says so, with the method that found it.
    let html = r#"<script type="application/ld+json">{"@type":"Product","name":"Scarf","offers":{"@type":"Offer","price":"0","priceCurrency":"USD"}}</script>
      <h1>Scarf</h1><div class="prices"><span class="sales"><span class="value" content="145.00">$145.00</span></span></div>
      <div class="availability">In Stock</div><button class="add-to-cart">Add to Cart</button><p>SKU: TB-1</p>"#;
    let x = extract(html, None);
    let main = &x.products[0];
    assert_eq!(main.offers[0].price.as_deref(), Some("145"));
    assert_eq!(main.offers[0].from, Syntax::Dom);
    assert_eq!(
        main.offers[0].availability.as_deref(),
        Some("https://schema.org/InStock")
    );
    assert_eq!(value(&main.sku), Some(("TB-1", Syntax::Dom)));
    // The product the title names comes first.
    let html = r#"<script type="application/ld+json">[{"@type":"Product","name":"Related Cap","offers":{"price":"9"}},
      {"@type":"Product","name":"Wool Jumper","offers":{"price":"59"}}]</script><h1>Wool Jumper</h1>"#;
    let x = extract(html, None);
    assert_eq!(value(&x.products[0].name).unwrap().0, "Wool Jumper");
    assert_eq!(x.best.price.as_ref().unwrap().value, "59");
}
