//! HTML parsed with its nesting bounded.
//!
//! html5ever, the parser under `scraper`, checks the stack of open elements on many
//! start tags, so a page of 50,000 nested `<div>`s takes time quadratic in its depth
//! (minutes) — a hostile or broken shop page would hold a worker that long. Before
//! parsing, markup nested deeper than [`MAX_DEPTH`] loses the tags past that depth
//! (their text and everything after them is kept), which no real product page
//! reaches, so parsing stays linear.
//!
//! The depth is counted from the tags as written: a start tag opens a level unless
//! it is void (`<br>`, `<img>`…), self-closed, or of an element whose end tag is
//! optional and implied by its next sibling (`<p>`, `<li>`, `<td>`…, which therefore
//! never nest by repetition); an end tag closes one. Comments, `<!…>` and `<?…>` are
//! skipped, and the content of raw-text elements (`<script>`, `<style>`, `<textarea>`,
//! `<title>`) is copied untouched, so JSON-LD is never cut.

use std::borrow::Cow;

use scraper::Html;

/// Deepest nesting kept.
pub const MAX_DEPTH: usize = 256;

/// A whole page, parsed with its nesting bounded.
pub fn parse_document(html: &str) -> Html {
    Html::parse_document(&bounded(html).0)
}

/// A fragment (review HTML…), parsed with its nesting bounded.
pub fn parse_fragment(html: &str) -> Html {
    Html::parse_fragment(&bounded(html).0)
}

const VOID: [&str; 15] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen",
];
const IMPLIED_END: [&str; 15] = [
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "rb",
    "rt", "rp",
];
const RAW_TEXT: [&str; 4] = ["script", "style", "textarea", "title"];

/// `html` with the tags nested deeper than [`MAX_DEPTH`] removed (borrowed when there
/// are none), and how many tags were removed.
pub fn bounded(html: &str) -> (Cow<'_, str>, usize) {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    // Where the text not yet copied to `out` starts.
    let mut copied = 0;
    let mut depth = 0usize;
    // Start tags removed whose end tags are still to be removed.
    let mut excess = 0usize;
    let mut removed = 0usize;
    let mut i = 0;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
        let start = i + offset;
        let rest = &html[start..];
        let Some(tag) = Tag::read(rest) else {
            i = start + 1;
            continue;
        };
        let end = start + tag.len;
        let mut drop_it = false;
        match tag.kind {
            TagKind::Skip => {}
            TagKind::Start {
                ref name,
                self_closed,
            } => {
                if RAW_TEXT.contains(&name.as_str()) {
                    // Copy up to its end tag untouched.
                    i = raw_text_end(html, end, name);
                    continue;
                }
                let opens = !self_closed
                    && !VOID.contains(&name.as_str())
                    && !IMPLIED_END.contains(&name.as_str());
                if opens {
                    if depth >= MAX_DEPTH {
                        excess += 1;
                        drop_it = true;
                    } else {
                        depth += 1;
                    }
                }
            }
            TagKind::End { ref name } => {
                let closes =
                    !VOID.contains(&name.as_str()) && !IMPLIED_END.contains(&name.as_str());
                if closes {
                    if excess > 0 {
                        excess -= 1;
                        drop_it = true;
                    } else {
                        depth = depth.saturating_sub(1);
                    }
                }
            }
        }
        if drop_it {
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
            buf.push_str(&html[copied..start]);
            copied = end;
            removed += 1;
        }
        i = end;
    }
    match out {
        None => (Cow::Borrowed(html), 0),
        Some(mut buf) => {
            buf.push_str(&html[copied..]);
            (Cow::Owned(buf), removed)
        }
    }
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

enum TagKind {
    Start {
        name: String,
        self_closed: bool,
    },
    End {
        name: String,
    },
    /// A comment, `<!DOCTYPE…>`, `<![CDATA[…]]>` or `<?…>`.
    Skip,
}

struct Tag {
    kind: TagKind,
    /// Bytes from its `<` to just past its `>`.
    len: usize,
}

impl Tag {
    /// The tag at the start of `s` (which starts with `<`); `None` when the `<` starts
    /// no tag (text such as `a < b`) or the tag never ends.
    fn read(s: &str) -> Option<Tag> {
        let b = s.as_bytes();
        if let Some(comment) = s.strip_prefix("<!--") {
            let len = comment.find("-->").map_or(s.len(), |n| n + 7);
            return Some(Tag {
                kind: TagKind::Skip,
                len,
            });
        }
        if matches!(b.get(1), Some(b'!' | b'?')) {
            let len = s.find('>').map_or(s.len(), |n| n + 1);
            return Some(Tag {
                kind: TagKind::Skip,
                len,
            });
        }
        let (closing, name_start) = if b.get(1) == Some(&b'/') {
            (true, 2)
        } else {
            (false, 1)
        };
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let name_len = s[name_start..]
            .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            .unwrap_or(s.len() - name_start);
        let name = s[name_start..name_start + name_len].to_ascii_lowercase();
        let len = tag_end(s, name_start + name_len)?;
        let kind = if closing {
            TagKind::End { name }
        } else {
            TagKind::Start {
                self_closed: s[..len - 1].ends_with('/'),
                name,
            }
        };
        Some(Tag { kind, len })
    }
}

/// Just past the `>` ending a tag whose attributes start at `from` (quoted attribute
/// values may hold `>`).
fn tag_end(s: &str, from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, &c) in s.as_bytes().iter().enumerate().skip(from) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Where the raw text of `name` that starts at `from` ends: at its end tag (or the end
/// of the document).
fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut at = from;
    while let Some(n) = html[at..].find("</") {
        let name_at = at + n + 2;
        if bytes
            .get(name_at..name_at + name.len())
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(name.as_bytes()))
        {
            return at + n;
        }
        at = name_at;
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn ordinary_pages_are_left_alone() {
        let page = "<!DOCTYPE html><html><head><title>a <b></title>\
            <script type=\"application/ld+json\">{\"name\":\"<div><div>\"}</script></head>\
            <body><p>one<p>two<ul><li>x<li>y</ul><img src=\"a>b\"><br/><!-- <div> --></body></html>";
        assert!(matches!(bounded(page), (Cow::Borrowed(_), 0)));
    }

    #[test]
    fn tags_past_the_depth_limit_are_removed_and_their_text_kept() {
        let depth = MAX_DEPTH + 10;
        let page = format!(
            "{}deep text{}<p>after</p>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let (kept, removed) = bounded(&page);
        assert_eq!(removed, 20);
        assert_eq!(kept.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(kept.matches("</div>").count(), MAX_DEPTH);
        assert!(kept.contains("deep text") && kept.ends_with("<p>after</p>"));
    }

    #[test]
    fn fifty_thousand_nested_elements_parse_in_bounded_time() {
        let depth = 50_000;
        let page = format!(
            "<html><body>{}<span>Deep Kettle</span>{}</body></html>",
            "<div><b>".repeat(depth),
            "</b></div>".repeat(depth)
        );
        let started = Instant::now();
        let doc = parse_document(&page);
        let elapsed = started.elapsed();
        let text: String = doc.root_element().text().collect();
        assert!(text.contains("Deep Kettle"));
        assert!(elapsed < Duration::from_secs(5), "parsing took {elapsed:?}");
    }

    #[test]
    fn unclosed_and_broken_tags_never_panic() {
        for page in [
            "<",
            "<div",
            "<div a=\"x",
            "</",
            "<!--",
            "<script>",
            "a < b <3 <<>>",
            "<é>",
        ] {
            let _ = bounded(page);
            let _ = parse_fragment(page);
        }
    }
}
