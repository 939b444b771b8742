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
