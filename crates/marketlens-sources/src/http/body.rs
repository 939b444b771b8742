//! Turning response bytes into text: the charset from the `Content-Type` header, else a
//! byte-order mark, else a `<meta>` declaration near the top, else UTF-8 when the bytes
//! are valid UTF-8, else windows-1252 (what browsers assume for legacy Western pages).

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// Decodes `bytes`; returns the text and the encoding's name.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> (String, &'static str) {
    let encoding = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .or_else(|| Encoding::for_bom(bytes).map(|(e, _)| e))
        .or_else(|| meta_charset(bytes))
        .unwrap_or_else(|| {
            if std::str::from_utf8(bytes).is_ok() {
                UTF_8
            } else {
                WINDOWS_1252
            }
        });
    // decode() strips a BOM and replaces malformed sequences: never fails.
    let (text, used, _) = encoding.decode(bytes);
    (text.into_owned(), used.name())
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_owned())
    })
}

/// `<meta charset="…">` or `<meta http-equiv="content-type" content="…charset=…">`
/// within the first 1024 bytes (the HTML sniffing window).
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let needle = b"charset=";
    let at = lower.windows(needle.len()).position(|w| w == needle)?;
    let rest = &lower[at + needle.len()..];
    let rest = rest
        .iter()
        .position(|b| !matches!(b, b'"' | b'\'' | b' '))
        .map(|i| &rest[i..])?;
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')))
        .unwrap_or(rest.len());
    let enc = Encoding::for_label(&rest[..end])?;
    // A page that declares UTF-16 in ASCII-compatible bytes is really UTF-8 (HTML spec).
    Some(
        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            UTF_8
        } else {
            enc
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_then_meta_then_utf8_then_1252() {
        let latin1 = b"caf\xe9";
        assert_eq!(
            decode(latin1, Some("text/html; charset=ISO-8859-1")).0,
            "café"
        );
        let meta = b"<html><head><meta charset=\"windows-1252\"></head>caf\xe9";
        assert!(decode(meta, Some("text/html")).0.ends_with("café"));
        let equiv =
            b"<meta http-equiv='Content-Type' content='text/html; charset=iso-8859-15'>\xa4";
        assert!(decode(equiv, None).0.ends_with('€'));
        assert_eq!(decode("café".as_bytes(), None).0, "café");
        assert_eq!(decode(latin1, None).0, "café");
        assert_eq!(decode(b"\xef\xbb\xbfok", None).0, "ok");
        assert_eq!(decode(b"x", Some("text/html; charset=bogus")).1, "UTF-8");
    }
}
