//! DOM heuristics for pages whose structured data is missing or wrong: what a person
//! reads on the page. One pass over the tree collects the title (`<h1>`), price
//! elements (by class, id, `itemprop` or `data-price*`, else a currency sign next to a
//! number), add-to-cart controls (their wording, and whether they are disabled), stock
//! wording and SKU labels; each with its position in document order, so that the
//! price nearest the title and the add-to-cart control wins. Struck-through and "was"
//! prices are previous prices, never the price; navigation, footers, related-product
//! rails and hidden elements count little or nothing.

use std::collections::HashMap;

use ego_tree::iter::Edge;
use marketlens_core::domain::CurrencyCode;
use marketlens_core::normalize::price_text::{CurrencyFinding, scan_price};
use rust_decimal::Decimal;
use scraper::{Html, Node};

use super::best::{Candidates, FieldName};
use super::{Syntax, clean};

const MAX_TEXTS: usize = 20_000;
const MAX_ITEMS: usize = 2_000;
const MAX_TEXT_CHARS: usize = 120;
/// Price candidates read per page, the strongest first.
const MAX_PRICES_READ: usize = 16;

/// What the pass over the page collected.
#[derive(Debug, Default)]
pub(super) struct Page {
    /// The first `<h1>` outside navigation, as text.
    pub title: Option<String>,
    title_pos: Option<usize>,
    texts: Vec<Text>,
    prices: Vec<PriceEl>,
    controls: Vec<Control>,
    skus: Vec<SkuEl>,
}

#[derive(Debug)]
struct Text {
    pos: usize,
    text: String,
    lower: String,
    noise: bool,
    /// Inside an element whose class speaks of stock or availability.
    stock_hint: bool,
}

#[derive(Debug)]
struct PriceEl {
    pos: usize,
    text: String,
    /// A machine-written amount in a `data-price*` or `content` attribute.
    attr_value: Option<String>,
    /// Class or id says price (not just a currency sign in the text).
    classed: bool,
    old: bool,
    weak_old: bool,
    current: bool,
    noise: bool,
}

#[derive(Debug)]
struct Control {
    pos: usize,
    text: String,
    add_to_cart_class: bool,
    disabled: bool,
    noise: bool,
}

#[derive(Debug)]
struct SkuEl {
    text: String,
    attr_value: Option<String>,
}

/// Per open element: what it and its ancestors say.
#[derive(Clone, Copy, Default)]
struct Ctx {
    skip: bool,
    noise: bool,
    /// Inside `<main>` or `<article>`: a `<header>` there heads the content.
    main: bool,
    struck: bool,
    old: bool,
    stock: bool,
    /// Index of the open price element, control, SKU element or title this closes.
    price: Option<usize>,
    control: Option<usize>,
    sku: Option<usize>,
    title: bool,
}

pub(super) fn read(doc: &Html) -> Page {
    let mut page = Page::default();
    let mut stack: Vec<Ctx> = vec![Ctx::default()];
    let mut pos = 0usize;
    let mut title_buf: Option<String> = None;
    // Open price elements and controls that collect text.
    let mut open_prices: Vec<usize> = Vec::new();
    let mut open_controls: Vec<usize> = Vec::new();
    let mut open_skus: Vec<usize> = Vec::new();
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    pos += 1;
                    let parent = *stack.last().unwrap_or(&Ctx::default());
                    let mut ctx = Ctx {
                        price: None,
                        control: None,
                        sku: None,
                        title: false,
                        ..parent
                    };
                    let tag = el.name();
                    if parent.skip
                        || matches!(
                            tag,
                            "script"
                                | "style"
                                | "noscript"
                                | "template"
                                | "svg"
                                | "head"
                                | "select"
                        )
                        || hidden(el)
                    {
                        ctx.skip = true;
                        stack.push(ctx);
                        continue;
                    }
                    // One string for the substring tests, its words for the exact ones.
                    let joined = attr_tokens(el);
                    let tokens: Vec<&str> = joined.split(' ').filter(|t| !t.is_empty()).collect();
                    let named = !joined.is_empty();
                    if matches!(tag, "main" | "article") {
                        ctx.main = true;
                    }
                    if matches!(tag, "nav" | "footer" | "aside")
                        || (tag == "header" && !ctx.main && !joined.contains("product"))
                        || (named && is_noise(&joined))
                    {
                        ctx.noise = true;
                    }
                    if matches!(tag, "del" | "s" | "strike")
                        || el
                            .attr("style")
                            .is_some_and(|s| s.to_ascii_lowercase().contains("line-through"))
                    {
                        ctx.struck = true;
                    }
                    if named
                        && (joined.contains("stock")
                            || joined.contains("availab")
                            || joined.contains("lieferzeit"))
                    {
                        ctx.stock = true;
                    }
                    if tag == "h1" && page.title.is_none() && title_buf.is_none() && !ctx.noise {
                        ctx.title = true;
                        title_buf = Some(String::new());
                        page.title_pos = Some(pos);
                    }
                    let price_like =
                        named && tokens.iter().any(|t| is_price_token(t)) && !is_not_price(&joined);
                    let old_here =
                        (named && may_be_old(&joined) && tokens.iter().any(|t| is_old_token(t)))
                            || el.attr("data-price-type").is_some_and(|v| {
                                let v = v.to_ascii_lowercase();
                                v.contains("old") || v.contains("regular")
                            });
                    if old_here {
                        ctx.old = true;
                    }
                    if price_like && page.prices.len() < MAX_ITEMS {
                        let attr_value = ["data-price-amount", "data-price", "data-product-price"]
                            .iter()
                            .find_map(|a| el.attr(a))
                            .or_else(|| el.attr("content"))
                            .map(str::trim)
                            .filter(|v| v.parse::<f64>().is_ok())
                            .map(str::to_owned);
                        page.prices.push(PriceEl {
                            pos,
                            text: String::new(),
                            attr_value,
                            classed: true,
                            old: ctx.old || ctx.struck,
                            weak_old: joined.contains("regular"),
                            current: tokens.iter().any(|t| is_current_token(t)),
                            noise: ctx.noise,
                        });
                        ctx.price = Some(page.prices.len() - 1);
                        open_prices.push(page.prices.len() - 1);
                    }
                    let control_tag = matches!(tag, "button" | "input" | "a");
                    if control_tag && page.controls.len() < MAX_ITEMS {
                        let cart_class = is_cart_token(&joined);
                        let input_type = el.attr("type").unwrap_or("").to_ascii_lowercase();
                        if tag != "input" || matches!(input_type.as_str(), "submit" | "button") {
                            // Variable products keep the button disabled until a variant
                            // is chosen: that says nothing about stock.
                            let waits_for_choice = joined.contains("selection-needed");
                            let disabled = !waits_for_choice
                                && (el.attr("disabled").is_some()
                                    || el.attr("aria-disabled") == Some("true")
                                    || tokens
                                        .iter()
                                        .any(|t| *t == "disabled" || *t == "is-disabled"));
                            page.controls.push(Control {
                                pos,
                                text: el.attr("value").unwrap_or("").to_owned(),
                                add_to_cart_class: cart_class
                                    || el.attr("name").is_some_and(is_cart_token),
                                disabled,
                                noise: ctx.noise,
                            });
                            ctx.control = Some(page.controls.len() - 1);
                            open_controls.push(page.controls.len() - 1);
                        }
                    }
                    let sku_like = (named && is_sku_token(&joined))
                        || el.attr("data-sku").is_some()
                        || el.attr("data-product-sku").is_some()
                        || el.attr("data-pid").is_some();
                    if sku_like && !ctx.noise && page.skus.len() < MAX_ITEMS {
                        let attr_value = ["data-sku", "data-product-sku", "data-pid"]
                            .iter()
                            .find_map(|a| el.attr(a))
                            .and_then(|v| clean(v, 64));
                        page.skus.push(SkuEl {
                            text: String::new(),
                            attr_value,
                        });
                        ctx.sku = Some(page.skus.len() - 1);
                        open_skus.push(page.skus.len() - 1);
                    }
                    stack.push(ctx);
                }
                Node::Text(t) => {
                    let ctx = *stack.last().unwrap_or(&Ctx::default());
                    if ctx.skip || page.texts.len() >= MAX_TEXTS || t.trim().is_empty() {
                        continue;
                    }
                    let Some(text) = clean(t, MAX_TEXT_CHARS) else {
                        continue;
                    };
                    if let Some(b) = title_buf.as_mut() {
                        push_text(b, &text, 300);
                    }
                    for &i in &open_prices {
                        push_text(&mut page.prices[i].text, &text, 80);
                    }
                    for &i in &open_controls {
                        push_text(&mut page.controls[i].text, &text, 80);
                    }
                    for &i in &open_skus {
                        push_text(&mut page.skus[i].text, &text, 80);
                    }
                    // A price in text: a candidate of its own (inside a price element
                    // too, whose whole text may hold several prices); in a struck or
                    // "was" context a previous price.
                    if text.len() <= 80
                        && text.bytes().any(|b| b.is_ascii_digit())
                        && text.chars().count() <= 40
                        && has_currency_sign(&text)
                        && page.prices.len() < MAX_ITEMS
                    {
                        page.prices.push(PriceEl {
                            pos,
                            text: text.clone(),
                            attr_value: None,
                            classed: !open_prices.is_empty(),
                            old: ctx.old || ctx.struck,
                            weak_old: false,
                            current: false,
                            noise: ctx.noise,
                        });
                    }
                    page.texts.push(Text {
                        pos,
                        lower: text.to_lowercase(),
                        text,
                        noise: ctx.noise,
                        stock_hint: ctx.stock,
                    });
                }
                _ => {}
            },
            Edge::Close(node) => {
                if !matches!(node.value(), Node::Element(_)) {
                    continue;
                }
                let Some(ctx) = stack.pop() else { continue };
                if ctx.title {
                    page.title = title_buf.take().and_then(|t| clean(&t, 300));
                }
                if let Some(i) = ctx.price {
                    open_prices.retain(|x| *x != i);
                }
                if let Some(i) = ctx.control {
                    open_controls.retain(|x| *x != i);
                }
                if let Some(i) = ctx.sku {
                    open_skus.retain(|x| *x != i);
                }
            }
        }
    }
    page
}

fn push_text(buf: &mut String, text: &str, max: usize) {
    if buf.len() >= max {
        return;
    }
    if !buf.is_empty() {
        buf.push(' ');
    }
    buf.push_str(text);
}

fn hidden(el: &scraper::node::Element) -> bool {
    // Not `aria-hidden`: that hides from screen readers what sighted people see.
    if el.attr("hidden").is_some() {
        return true;
    }
    if let Some(style) = el.attr("style") {
        let s: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if s.contains("display:none") || s.contains("visibility:hidden") {
            return true;
        }
    }
    el.attr("class").is_some_and(|c| {
        c.split_whitespace()
            .any(|t| matches!(t, "hidden" | "d-none" | "is-hidden" | "hide" | "u-hidden"))
    })
}

/// Class, id, `itemprop` and `data-*` names of an element, lower-case, space-separated.
fn attr_tokens(el: &scraper::node::Element) -> String {
    let mut out = String::new();
    for (name, value) in el.attrs() {
        match name {
            "class" | "id" | "itemprop" => {
                for t in value.split_whitespace().take(20) {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(t);
                }
            }
            n if n.starts_with("data-") => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(n);
            }
            _ => {}
        }
    }
    out.make_ascii_lowercase();
    out
}

fn is_noise(t: &str) -> bool {
    [
        "related",
        "recommend",
        "upsell",
        "up-sell",
        "crosssell",
        "cross-sell",
        "recently",
        "also-",
        "similar",
        "minicart",
        "mini-cart",
        "cart-drawer",
        "cartdrawer",
        "newsletter",
        "cookie",
        "megamenu",
        "mega-menu",
        "site-header",
        "site-footer",
        "accessor",
    ]
    .iter()
    .any(|w| t.contains(w))
}

fn is_price_token(t: &str) -> bool {
    t.contains("price")
        || t.contains("prix")
        || t.contains("preis")
        || t == "money"
        || t == "amount"
}

fn is_not_price(t: &str) -> bool {
    [
        "unit",
        "base",
        "shipping",
        "install",
        "label",
        "slider",
        "filter",
        "range",
        "tax-info",
        "per-",
        "grundpreis",
        "saving",
        "discount",
        "badge",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// A cheap test before [`is_old_token`]: whether any of its words can be there.
fn may_be_old(joined: &str) -> bool {
    [
        "old", "was", "compar", "strike", "cross", "before", "orig", "rrp", "uvp", "msrp",
        "retail", "del", "ancien", "barre", "list", "through", "sale", "pseudo", "regular",
    ]
    .iter()
    .any(|w| joined.contains(w))
}

fn is_old_token(t: &str) -> bool {
    // State modifiers ("with-list-price", "has-discount") describe the element
    // holding the current price.
    if t.starts_with("with-") || t.starts_with("has-") || t.starts_with("is-") {
        return false;
    }
    if t == "regular-price" || t == "regularprice" {
        return true;
    }
    let parts: Vec<&str> = t
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    parts.iter().any(|p| {
        matches!(
            *p,
            "old"
                | "was"
                | "compare"
                | "strike"
                | "crossed"
                | "before"
                | "original"
                | "rrp"
                | "uvp"
                | "msrp"
                | "retail"
                | "del"
                | "ancien"
                | "barre"
                | "oldprice"
                | "wasprice"
                | "listprice"
                | "compareatprice"
                | "strikethrough"
                | "streichpreis"
                | "pseudoprice"
        ) || p.starts_with("oldprice")
            || p.starts_with("compare")
            || p.starts_with("strike")
    }) || t.contains("list-price")
        || t.contains("line-through")
        || t.contains("linethrough")
        || t.contains("non-sale")
        || t.contains("nonsale")
        || t.contains("pseudo-price")
}

fn is_current_token(t: &str) -> bool {
    [
        "sale", "sales", "special", "final", "current", "now", "promo", "actual", "offer", "main",
    ]
    .iter()
    .any(|w| {
        t.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|p| p == *w || p.starts_with(w) && p.ends_with("price"))
    })
}

fn is_cart_token(t: &str) -> bool {
    let t = t.to_ascii_lowercase();
    let t = t.as_str();
    [
        "add-to-cart",
        "addtocart",
        "add_to_cart",
        "add-to-basket",
        "addtobasket",
        "btn-cart",
        "tocart",
        "buy-button",
        "buybutton",
        "product-form__submit",
        "add-to-bag",
        "buy-btn",
        "btn-buy",
    ]
    .iter()
    .any(|w| t.contains(w))
}

fn is_sku_token(t: &str) -> bool {
    t.contains("sku")
        || [
            "product-reference",
            "product-id",
            "ordernumber",
            "productnumber",
            "product-number",
            "article-number",
            "articlenumber",
            "item-number",
            "itemnumber",
            "product-code",
            "productcode",
        ]
        .iter()
        .any(|w| t.contains(w))
}

fn has_currency_sign(t: &str) -> bool {
    t.contains(['€', '$', '£', '¥', '₹', '₽', '₩'])
        || t.split(|c: char| !c.is_alphabetic()).any(|w| {
            matches!(
                w,
                "EUR"
                    | "USD"
                    | "GBP"
                    | "CHF"
                    | "CAD"
                    | "AUD"
                    | "SEK"
                    | "NOK"
                    | "DKK"
                    | "PLN"
                    | "CZK"
                    | "JPY"
                    | "kr"
                    | "zł"
                    | "Kč"
                    | "Fr"
            )
        })
}

/// Runs of digits a text holds as separate numbers ("19,99 €" one, "€19 €25" two).
fn number_groups(t: &str) -> usize {
    let mut groups = 0;
    let mut in_num = false;
    let mut last_sep = false;
    // The decimal part was reached ("249€99"): the number ends at the next mark.
    let mut decimals = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            if !in_num {
                groups += 1;
                in_num = true;
                decimals = false;
            }
            last_sep = false;
        } else if in_num
            && !decimals
            && !last_sep
            && matches!(c, '.' | ',' | '\'' | ' ' | '\u{a0}' | '\u{202f}' | '€')
        {
            // "249€99": the euro sign as the decimal mark.
            decimals = c == '€';
            last_sep = true;
        } else {
            in_num = false;
            last_sep = false;
        }
    }
    groups
}

/// Closeness to the title and the add-to-cart control, by element count (0–0.3).
fn closeness(page: &Page, pos: usize, carts: &[usize]) -> f64 {
    let near = |d: usize| 1.0 / (1.0 + d as f64 / 25.0);
    let mut s = 0.0;
    if let Some(t) = page.title_pos {
        // Prices come after the title far more often than before it.
        let d = if pos >= t { pos - t } else { 3 * (t - pos) };
        s += 0.15 * near(d);
    }
    if let Some(d) = carts.iter().map(|c| c.abs_diff(pos)).min() {
        s += 0.15 * near(d);
    }
    s
}

const ADD_TO_CART: &[&str] = &[
    "add to cart",
    "add to bag",
    "add to basket",
    "add to trolley",
    "buy now",
    "buy it now",
    "ajouter au panier",
    "acheter maintenant",
    "in den warenkorb",
    "in den einkaufswagen",
    "jetzt kaufen",
    "warenkorb legen",
    "añadir al carrito",
    "aggiungi al carrello",
];
const OUT_OF_STOCK: &[&str] = &[
    "out of stock",
    "sold out",
    "currently unavailable",
    "unavailable",
    "no longer available",
    "not available",
    "not in stock",
    "rupture de stock",
    "en rupture",
    "épuisé",
    "epuise",
    "indisponible",
    "non disponible",
    "plus disponible",
    "ausverkauft",
    "nicht auf lager",
    "nicht vorrätig",
    "nicht verfügbar",
    "nicht lieferbar",
    "derzeit nicht",
    "vergriffen",
    "notify me",
    "email me when",
    "m'avertir",
    "me prévenir",
    "benachrichtigen",
    "agotado",
    "esaurito",
];
const PRE_ORDER: &[&str] = &[
    "pre-order",
    "preorder",
    "pre order",
    "précommande",
    "précommander",
    "vorbestellen",
    "vorbestellung",
    "vorbestellbar",
];
const IN_STOCK: &[&str] = &[
    "in stock",
    "en stock",
    "auf lager",
    "sofort lieferbar",
    "lieferbar",
    "sofort verfügbar",
    "available now",
    "disponible immédiatement",
    "ready to ship",
    "left in stock",
    "vorrätig",
    "nur noch",
    "il ne reste",
    "only a few left",
];

fn says(text: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| {
        text.match_indices(p).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + p.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

pub(super) fn candidates(page: &Page, c: &mut Candidates, thorough: bool) {
    let from = Syntax::Dom;
    if let Some(t) = &page.title {
        c.add(FieldName::Name, t, from, 0.5);
    }
    let carts: Vec<usize> = page
        .controls
        .iter()
        .filter(|k| !k.noise && (k.add_to_cart_class || says(&k.text.to_lowercase(), ADD_TO_CART)))
        .map(|k| k.pos)
        .collect();
    // With the price settled, only previous prices are looked for.
    let only_previous = !thorough && c.settled(FieldName::Price);
    prices(page, &carts, c, only_previous);
    availability(page, &carts, c);
    if thorough || !c.settled(FieldName::Sku) {
        skus(page, c);
    }
}

fn prices(page: &Page, carts: &[usize], c: &mut Candidates, only_previous: bool) {
    // A price text is read once per page: an element's text and its text node are
    // often the same, and a page repeats its prices.
    let mut read: HashMap<&str, (Option<Decimal>, Option<CurrencyCode>)> = HashMap::new();
    let mut ranked: Vec<(&PriceEl, f64)> = Vec::new();
    for p in &page.prices {
        let text = p.text.as_str();
        let from_attr = p.attr_value.is_some();
        if !from_attr && (!text.chars().any(|c| c.is_ascii_digit()) || number_groups(text) != 1) {
            continue;
        }
        let mut conf = if p.classed { 0.35 } else { 0.2 };
        if from_attr || has_currency_sign(text) {
            conf += 0.1;
        }
        if p.current {
            conf += 0.1;
        }
        conf += closeness(page, p.pos, carts);
        if p.noise {
            conf *= 0.25;
        }
        // Too weak to win anything (a price in a footer or a related rail).
        if conf >= 0.1 {
            ranked.push((p, conf));
        }
    }
    // Only the strongest are read: a page of many prices (offers, tiers, rails) has
    // its price among the few nearest the title and the add-to-cart control.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(MAX_PRICES_READ);
    ranked.sort_by_key(|(p, _)| p.pos);
    for (p, mut conf) in ranked {
        let text = p.text.as_str();
        let lower = text.to_lowercase();
        if [
            "/mo", "month", "mois", "monat", "%", "save", "économ", "spare", " x ", "ab ",
        ]
        .iter()
        .any(|w| lower.contains(w))
        {
            continue;
        }
        let old_words = [
            "was",
            "statt",
            "au lieu de",
            "uvp",
            "rrp",
            "list price",
            "prix barré",
            "avant",
            "vorher",
            "msrp",
            "regular price",
            "prix de référence",
            "ancien prix",
            "prix initial",
            "ursprünglicher preis",
            "originally",
        ];
        let old_label = says(&lower, &old_words)
            || label_before(page, p.pos).is_some_and(|l| says(l, &old_words));
        if only_previous && !(p.old || old_label) {
            continue;
        }
        // One reading of the text gives both the amount and the currency.
        let (amount, currency) = match p.attr_value.as_deref() {
            Some(v) => (v.parse::<Decimal>().ok(), None),
            None => *read.entry(text).or_insert_with(|| {
                let scan = scan_price(text, None, None);
                let cur = match scan.currency {
                    CurrencyFinding::Found(c) => Some(c),
                    _ => None,
                };
                (scan.amount, cur)
            }),
        };
        let Some(amount) = amount else { continue };
        if p.old || old_label {
            c.add_amount(FieldName::PreviousPrice, amount, Syntax::Dom, conf);
            continue;
        }
        // "regular" is the compare-at price on sale and the price otherwise.
        if p.weak_old {
            conf -= 0.1;
        }
        if let Some(cur) = currency {
            c.add(FieldName::Currency, cur.as_str(), Syntax::Dom, conf * 0.8);
        }
        if amount.is_zero() {
            conf *= 0.3;
        }
        c.add_amount(FieldName::Price, amount, Syntax::Dom, conf.min(0.75));
    }
}

/// The text just before `pos` when it is a label ("Was:"), not a number.
fn label_before(page: &Page, pos: usize) -> Option<&str> {
    let i = page.texts.partition_point(|t| t.pos < pos);
    // The nearest text only: a price just before is not a label.
    page.texts[..i]
        .last()
        .filter(|t| !t.text.chars().any(|c| c.is_ascii_digit()) && pos - t.pos <= 3)
        .map(|t| t.lower.as_str())
}

fn availability(page: &Page, carts: &[usize], c: &mut Candidates) {
    let from = Syntax::Dom;
    let mut out_of_stock_words = false;
    for t in &page.texts {
        if t.text.chars().count() > 80 {
            continue;
        }
        let lower = t.lower.as_str();
        // Every stock phrase holds one of these; most texts hold none.
        if ![
            "stock",
            "sold",
            "avail",
            "rupture",
            "puis",
            "dispon",
            "lager",
            "verfüg",
            "liefer",
            "vergriff",
            "notify",
            "email me",
            "averti",
            "préven",
            "benachricht",
            "agotado",
            "esaurito",
            "order",
            "command",
            "vorbestell",
            "ship",
            "reste",
            "nur noch",
            "vorrät",
            "ausverkauft",
            "derzeit nicht",
            "left",
        ]
        .iter()
        .any(|w| lower.contains(w))
        {
            continue;
        }
        let value = if says(lower, PRE_ORDER) {
            "PreOrder"
        } else if says(lower, OUT_OF_STOCK) {
            "OutOfStock"
        } else if says(lower, IN_STOCK) {
            "InStock"
        } else {
            continue;
        };
        if value == "OutOfStock" && !t.noise {
            out_of_stock_words = true;
        }
        let mut conf = 0.4 + closeness(page, t.pos, carts) * 0.6;
        if t.stock_hint {
            conf += 0.15;
        }
        if t.noise {
            conf *= 0.25;
        }
        c.add(FieldName::Availability, value, from, conf);
    }
    for k in page.controls.iter().filter(|k| !k.noise) {
        let lower = k.text.to_lowercase();
        let cart = k.add_to_cart_class || says(&lower, ADD_TO_CART);
        if !cart {
            continue;
        }
        if k.disabled {
            // Out-of-stock wording and a disabled add-to-cart control together: a
            // shop does not render both for an item it sells, whatever its
            // structured data (often cached) says.
            let conf = if out_of_stock_words { 0.92 } else { 0.55 };
            c.add(FieldName::Availability, "OutOfStock", from, conf);
        } else if !says(&lower, OUT_OF_STOCK) && !says(&lower, PRE_ORDER) {
            c.add(FieldName::Availability, "InStock", from, 0.45);
        }
    }
}

/// Labels of identifiers, longest first so "référence" is not read as "réf" + "érence".
const SKU_LABELS: &[(&str, FieldName)] = &[
    ("manufacturer part number", FieldName::Mpn),
    ("catalogue number", FieldName::Sku),
    ("catalog number", FieldName::Sku),
    ("cat. no.", FieldName::Sku),
    ("cat no.", FieldName::Sku),
    ("numéro de l'objet", FieldName::Sku),
    ("numéro d'article", FieldName::Sku),
    ("item model number", FieldName::Mpn),
    ("herstellerartikelnummer", FieldName::Mpn),
    ("référence fabricant", FieldName::Mpn),
    ("artikelnummer", FieldName::Sku),
    ("article number", FieldName::Sku),
    ("produktnummer", FieldName::Sku),
    ("bestellnummer", FieldName::Sku),
    ("herstellernummer", FieldName::Mpn),
    ("hersteller-nr.", FieldName::Mpn),
    ("product number", FieldName::Sku),
    ("product code", FieldName::Sku),
    ("code produit", FieldName::Sku),
    ("code article", FieldName::Sku),
    ("model number", FieldName::Mpn),
    ("part number", FieldName::Mpn),
    ("item number", FieldName::Sku),
    ("artikel-nr.", FieldName::Sku),
    ("référence", FieldName::Sku),
    ("reference", FieldName::Sku),
    ("item code", FieldName::Sku),
    ("style no.", FieldName::Sku),
    ("artikelnr.", FieldName::Sku),
    ("item no.", FieldName::Sku),
    ("model no.", FieldName::Mpn),
    ("art.-nr.", FieldName::Sku),
    ("art. nr.", FieldName::Sku),
    ("art.nr.", FieldName::Sku),
    ("art-nr.", FieldName::Sku),
    ("part no.", FieldName::Mpn),
    ("model #", FieldName::Mpn),
    ("item #", FieldName::Sku),
    ("item#", FieldName::Sku),
    ("modèle", FieldName::Mpn),
    ("modell", FieldName::Mpn),
    ("model", FieldName::Mpn),
    ("réf.", FieldName::Sku),
    ("ref.", FieldName::Sku),
    ("réf", FieldName::Sku),
    ("sku", FieldName::Sku),
    ("ugs", FieldName::Sku),
    ("asin", FieldName::Sku),
    ("mpn", FieldName::Mpn),
    ("ean", FieldName::Gtin),
    ("upc", FieldName::Gtin),
    ("gtin", FieldName::Gtin),
];

/// The label a short text starts with, and what follows it.
fn split_label(text: &str) -> Option<(FieldName, &str)> {
    // Every label starts with one of these letters; most texts do not.
    let first = text.chars().next()?.to_ascii_lowercase();
    if !matches!(
        first,
        'a' | 'b' | 'c' | 'e' | 'g' | 'h' | 'i' | 'm' | 'n' | 'p' | 'r' | 's' | 'u'
    ) {
        return None;
    }
    let lower = text.to_lowercase();
    for (label, field) in SKU_LABELS {
        if lower.starts_with(label) && lower.len() == text.len() {
            let Some(rest) = text.get(label.len()..) else {
                continue;
            };
            if rest.chars().next().is_some_and(char::is_alphabetic) {
                continue;
            }
            let rest = rest.trim_start_matches(|c: char| {
                c.is_whitespace() || matches!(c, ':' | '#' | '.' | '-' | '–' | '：')
            });
            return Some((*field, rest));
        }
    }
    None
}

/// An identifier-looking first word: letters, digits and `-_./`, with a digit or
/// four or more capitals.
fn code_token(text: &str) -> Option<&str> {
    let w = text
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | ',' | ';' | '(' | ')'))
        .find(|w| !w.is_empty())?;
    let w = w.trim_end_matches(['.', ':']);
    let ok_chars = w
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    let digit = w.chars().any(|c| c.is_ascii_digit());
    let caps = w.chars().filter(char::is_ascii_uppercase).count() >= 4;
    (ok_chars && (2..=40).contains(&w.len()) && (digit || caps)).then_some(w)
}

fn skus(page: &Page, c: &mut Candidates) {
    let from = Syntax::Dom;
    // SKU values by label, then by element class: found both ways, trusted more.
    let mut labelled: Vec<&str> = Vec::new();
    for (i, t) in page.texts.iter().enumerate() {
        if t.noise || t.text.chars().count() > 80 {
            continue;
        }
        let Some((field, rest)) = split_label(&t.text) else {
            continue;
        };
        // "SKU: 24-MB01", or "SKU" then the value in the next element.
        let next = || {
            page.texts[i + 1..]
                .iter()
                .take(2)
                .find(|n| n.text.chars().any(char::is_alphanumeric))
                .and_then(|n| code_token(&n.text))
        };
        // "Numéro de l'objet eBay :" then the number: the rest is not a code.
        let value = code_token(rest).or_else(next);
        let Some(v) = value else { continue };
        match field {
            FieldName::Sku => labelled.push(v),
            FieldName::Mpn => {
                c.add(FieldName::Mpn, v, from, 0.55);
                c.add(FieldName::Sku, v, from, 0.3);
            }
            _ => {
                c.add(FieldName::Gtin, v, from, 0.55);
                c.add(FieldName::Sku, v, from, 0.2);
            }
        }
    }
    for s in &page.skus {
        let value = match &s.attr_value {
            Some(v) => code_token(v),
            None => match split_label(&s.text) {
                Some((_, rest)) if !rest.is_empty() => code_token(rest),
                Some(_) => None,
                None => code_token(&s.text),
            },
        };
        if let Some(v) = value {
            let both = labelled.iter().any(|l| l.eq_ignore_ascii_case(v));
            c.add(FieldName::Sku, v, from, if both { 0.7 } else { 0.55 });
        }
    }
    for v in labelled {
        c.add(FieldName::Sku, v, from, 0.6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_groups_read_thousands_marks_and_euro_cents_as_one_number() {
        for (text, n) in [
            ("19,99 €", 1),
            ("1 299,00 €", 1),
            ("CHF 1'299.–", 1),
            ("249€99", 1),
            ("329€99 249€99", 2),
            ("Was $25.00 Now $19.99", 2),
            ("€19 €25", 2),
            ("no price", 0),
        ] {
            assert_eq!(number_groups(text), n, "{text}");
        }
    }

    #[test]
    fn labels_split_off_their_value_and_codes_need_a_digit_or_capitals() {
        assert_eq!(split_label("SKU: AB-1"), Some((FieldName::Sku, "AB-1")));
        assert_eq!(
            split_label("Référence : X-9"),
            Some((FieldName::Sku, "X-9"))
        );
        assert_eq!(split_label("Skulptur"), None);
        assert_eq!(code_token("24-MB01 | EAN"), Some("24-MB01"));
        assert_eq!(code_token("ABCD"), Some("ABCD"));
        assert_eq!(code_token("eBay"), None);
        assert_eq!(code_token("iPhone"), None);
    }
}
