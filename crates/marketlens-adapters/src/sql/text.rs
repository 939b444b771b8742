//! Text as both SQL stores write it.
//!
//! PostgreSQL refuses NUL in `text` ("invalid byte sequence") and in `jsonb`
//! ("unsupported Unicode escape sequence"), so a NUL in shop data once failed whole
//! analyses there while SQLite stored them. Both stores now write NUL as U+FFFD, the
//! replacement character, and every other character as it is: the data reads back the
//! same from either backend, and a stored value still shows that something was there.

use std::borrow::Cow;

const REPLACEMENT: char = '\u{fffd}';

/// `text` as stored: NUL replaced (borrowed when it has none).
pub(crate) fn storable_text(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', &REPLACEMENT.to_string()))
    } else {
        Cow::Borrowed(text)
    }
}

/// A JSON document as stored: NUL replaced in every string and key.
pub(crate) fn storable_json(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(owned_storable(s)),
        Value::Array(items) => Value::Array(items.into_iter().map(storable_json).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (owned_storable(k), storable_json(v)))
                .collect(),
        ),
        other => other,
    }
}

fn owned_storable(text: String) -> String {
    match storable_text(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(replaced) => replaced,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_nul_is_replaced() {
        assert_eq!(storable_text("a\0b\u{1b}c"), "a\u{fffd}b\u{1b}c");
        assert!(matches!(storable_text("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn nul_is_replaced_in_nested_strings_and_keys() {
        let doc = json!({ "a\u{0}": [{ "b": "x\u{0}" }, 1, null] });
        assert_eq!(
            storable_json(doc),
            json!({ "a\u{fffd}": [{ "b": "x\u{fffd}" }, 1, null] })
        );
    }
}
