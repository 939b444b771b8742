//! The pieces the sections' view models are made of: a label with its formatted value,
//! a link to a product's row, a banner. Like the rest of the view model they hold only
//! strings and numbers; text from the data stays raw and is escaped by the template.

use std::collections::HashMap;

use crate::domain::Product;

/// A label and an already formatted value.
pub struct Kv {
    pub label: String,
    pub value: String,
}

pub fn kv(label: impl Into<String>, value: impl Into<String>) -> Kv {
    Kv {
        label: label.into(),
        value: value.into(),
    }
}

/// A reference to a product: a link to its row when it is in the report.
pub struct ProductRef {
    pub id: String,
    /// Fragment target (`p-…`) when the product is listed in the report.
    pub anchor: Option<String>,
    pub title: Option<String>,
}

pub struct Banner {
    /// CSS modifier: `notice`, `stale`, `fallback`, `failed`, `quality`.
    pub class: &'static str,
    pub heading: String,
    pub text: String,
}

/// Product ids → anchors and titles, for links from other sections.
pub struct ProductIndex<'a> {
    by_id: HashMap<&'a str, &'a Product>,
}

impl<'a> ProductIndex<'a> {
    pub fn new(products: &'a [Product]) -> Self {
        Self {
            by_id: products.iter().map(|p| (p.id.as_str(), p)).collect(),
        }
    }

    pub fn reference(&self, id: &str) -> ProductRef {
        let p = self.by_id.get(id);
        ProductRef {
            id: id.to_owned(),
            anchor: p.map(|_| product_anchor(id)),
            title: p.map(|p| p.title.clone()),
        }
    }
}

/// Fragment id of a product row: `p-` then the product id with every byte outside
/// `[A-Za-z0-9_-]` written as `.XX` (hex), so anchors are unique and URL-safe.
pub fn product_anchor(id: &str) -> String {
    let mut out = String::from("p-");
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out.push_str(&format!(".{b:02X}"));
        }
    }
    out
}
