//! Text from data, made safe to print on a terminal.
//!
//! Product names, brands, shop notices and error messages come from shop pages and
//! feeds; a brand holding `\x1b]0;…\x07` would change the terminal's title, and other
//! escapes can move the cursor, rewrite earlier lines or forge a `report:` line that a
//! script reads. Everything the CLI prints from data goes through [`Shown`] (text) or
//! [`json_text`] (JSON), which write such characters as visible escapes instead.
//! Errors go through [`shown`], which also masks the credentials of any URL they quote.

use std::borrow::Cow;
use std::fmt;

use marketlens_adapters::secrets::redact_secrets;

/// Whether `c` must not reach a terminal as itself: every control character (C0, DEL,
/// C1 — the line breaks and tabs of data included, since the CLI's own lines are the
/// only ones it prints) and the bidirectional overrides and isolates, which reorder
/// what is shown.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from data, displayed with every unsafe character written as `\u{…}`.
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(is_unsafe) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(f, "{}", c.escape_unicode())?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// Anything displayable (an error, a location), shown as [`Shown`] shows text, with
/// the credentials of any URL it quotes masked (an error may quote a backend URL).
pub fn shown(value: &impl fmt::Display) -> String {
    Shown(&redact_secrets(&value.to_string())).to_string()
}

/// Serialised JSON made safe to print: serde_json already escapes C0 controls; DEL,
/// the C1 controls and the bidirectional characters, which it leaves raw, become
/// `\uXXXX` escapes too. The document parses to the same value.
pub fn json_text(json: &str) -> Cow<'_, str> {
    if !json.contains(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // Outside strings JSON has only the whitespace serde_json writes itself.
        if is_unsafe(c) && !matches!(c, '\n' | ' ' | '\t' | '\r') {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_shown_not_sent() {
        let brand = "Acme\u{1b}]0;owned\u{7}\u{9b}2J\r\nreport: /etc/passwd\u{202e}";
        let shown = Shown(brand).to_string();
        assert_eq!(
            shown,
            "Acme\\u{1b}]0;owned\\u{7}\\u{9b}2J\\u{d}\\u{a}report: /etc/passwd\\u{202e}"
        );
        assert!(!shown.chars().any(is_unsafe));
    }

    #[test]
    fn a_shown_error_masks_passwords() {
        let e = "redis queue at redis://:s3cret@cache:6379/0: refused";
        assert_eq!(
            shown(&e),
            "redis queue at redis://:***@cache:6379/0: refused"
        );
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        let text = "Casque Sony WH-1000XM5 — 349,00 € 😀";
        assert_eq!(Shown(text).to_string(), text);
        assert!(matches!(json_text("{\"a\":1}"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_keeps_its_value_and_loses_raw_controls() {
        let value = serde_json::json!({ "brand": "a\u{1b}[2J\u{9b}\u{7f}\u{202e}b" });
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let safe = json_text(&pretty);
        assert!(!safe.chars().any(|c| is_unsafe(c) && c != '\n'), "{safe}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&safe).unwrap(),
            value
        );
    }
}
