//! Microdata (HTML Living Standard §5.2): top-level `itemscope` elements become JSON
//! objects (`@type` from `itemtype`, one key per `itemprop`, nested items as objects,
//! `itemref` followed), which the schema.org reader then reads like JSON-LD.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value};
use url::Url;

use super::{ExtractedProduct, MAX_FIELD_CHARS, Syntax, absolute, clean, schema};

/// Parsed once: selector parsing costs more than a small page's search.
static ITEMSCOPE: LazyLock<Option<Selector>> =
    LazyLock::new(|| Selector::parse("[itemscope]").ok());
static WITH_ID: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("[id]").ok());

const MAX_DEPTH: usize = 16;
const MAX_PROPS: usize = 20_000;
const MAX_ITEMS: usize = 500;

pub(super) fn extract(doc: &Html, base: Option<&Url>) -> Vec<ExtractedProduct> {
    let Some(scoped) = ITEMSCOPE.as_ref() else {
        return Vec::new();
    };
    let mut ctx = Ctx {
        doc,
        base,
        by_id: None,
        props: 0,
    };
    let roots: Vec<Value> = doc
        .select(scoped)
        .filter(|e| e.value().attr("itemprop").is_none())
        .take(MAX_ITEMS)
        .map(|e| ctx.item(e, 0, &mut HashSet::new()))
        .collect();
    schema::products(&roots, Syntax::Microdata, base)
}

struct Ctx<'a> {
    doc: &'a Html,
    base: Option<&'a Url>,
    /// Elements by `id`, built on the first `itemref`.
    by_id: Option<HashMap<String, ElementRef<'a>>>,
    props: usize,
}

impl<'a> Ctx<'a> {
    fn item(&mut self, el: ElementRef<'a>, depth: usize, seen: &mut HashSet<NodeId>) -> Value {
        let mut obj = Map::new();
        let types: Vec<Value> = el
            .value()
            .attr("itemtype")
            .unwrap_or("")
            .split_whitespace()
            .map(|t| Value::String(t.rsplit(['/', '#']).next().unwrap_or(t).to_owned()))
            .collect();
        if !types.is_empty() {
            obj.insert("@type".into(), Value::Array(types));
        }
        if let Some(id) = el.value().attr("itemid") {
            obj.insert("@id".into(), Value::String(id.to_owned()));
        }
        if depth >= MAX_DEPTH || !seen.insert(el.id()) {
            return Value::Object(obj);
        }
        let mut roots: Vec<ElementRef<'a>> = el.children().filter_map(ElementRef::wrap).collect();
        if let Some(refs) = el.value().attr("itemref") {
            let by_id = self.by_id.get_or_insert_with(|| index_ids(self.doc));
            roots.extend(
                refs.split_whitespace()
                    .filter_map(|r| by_id.get(r).copied()),
            );
        }
        // Depth-first over the item's subtree, stopping at nested items.
        let mut stack: Vec<ElementRef<'a>> = roots.into_iter().rev().collect();
        while let Some(node) = stack.pop() {
            if self.props >= MAX_PROPS {
                break;
            }
            let scope = node.value().attr("itemscope").is_some();
            if let Some(names) = node.value().attr("itemprop") {
                self.props += 1;
                let value = if scope {
                    self.item(node, depth + 1, seen)
                } else {
                    // An empty property contributes nothing (Null is skipped below).
                    self.value(node).map_or(Value::Null, Value::String)
                };
                if !value.is_null() {
                    for name in names.split_whitespace() {
                        add(&mut obj, name, value.clone());
                    }
                }
            }
            if !scope {
                let children: Vec<ElementRef<'a>> =
                    node.children().filter_map(ElementRef::wrap).collect();
                stack.extend(children.into_iter().rev());
            }
        }
        Value::Object(obj)
    }

    /// A property's value by element (HTML spec), with `content` honoured anywhere as
    /// real pages do.
    fn value(&self, el: ElementRef<'a>) -> Option<String> {
        let e = el.value();
        let url_attr = |a: &str| e.attr(a).and_then(|v| absolute(v, self.base));
        match e.name() {
            "meta" => e.attr("content").and_then(|v| clean(v, MAX_FIELD_CHARS)),
            "audio" | "embed" | "iframe" | "img" | "source" | "track" | "video" => url_attr("src"),
            "a" | "area" | "link" => url_attr("href"),
            "object" => url_attr("data"),
            "data" | "meter" => e.attr("value").and_then(|v| clean(v, MAX_FIELD_CHARS)),
            "time" => e
                .attr("datetime")
                .and_then(|v| clean(v, MAX_FIELD_CHARS))
                .or_else(|| clean(&el.text().collect::<String>(), MAX_FIELD_CHARS)),
            _ => e
                .attr("content")
                .and_then(|v| clean(v, MAX_FIELD_CHARS))
                .or_else(|| clean(&el.text().collect::<String>(), 4 * MAX_FIELD_CHARS)),
        }
    }
}

fn add(obj: &mut Map<String, Value>, name: &str, value: Value) {
    match obj.get_mut(name) {
        None => {
            obj.insert(name.to_owned(), value);
        }
        Some(Value::Array(a)) => a.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

fn index_ids(doc: &Html) -> HashMap<String, ElementRef<'_>> {
    let Some(sel) = WITH_ID.as_ref() else {
        return HashMap::new();
    };
    let mut map = HashMap::new();
    for e in doc.select(sel).take(100_000) {
        if let Some(id) = e.value().attr("id") {
            map.entry(id.to_owned()).or_insert(e);
        }
    }
    map
}
