//! Credentials kept out of messages and logs.
//!
//! Backend URLs carry passwords (`postgres://app:pw@db/…`, `redis://:pw@cache:6379`)
//! and sometimes tokens in their query (`?password=…`). Any message that names a
//! backend shows its URL through [`redact_url`]; text that may quote a URL it did not
//! build (an error from a client library, a message about to be printed) goes through
//! [`redact_secrets`].

use std::borrow::Cow;

const MASK: &str = "***";

/// A backend URL with its password and secret query values replaced, for messages
/// and logs. Text that does not parse as a URL is not repeated at all.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(_) => redact_secrets(url).into_owned(),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

/// `text` with the credentials of every URL in it masked: the password of a
/// `scheme://user:password@host`, and the value of a query parameter whose name says
/// it is secret (`password`, `token`, `secret`, `key`, …). Borrowed when there is none.
pub fn redact_secrets(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let scheme_end = from + found;
        let url_end = text[scheme_end..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .map_or(text.len(), |n| scheme_end + n);
        let url = &text[scheme_end..url_end];
        if let Some(masked) = mask_url(url) {
            out.push_str(&text[copied..scheme_end]);
            out.push_str(&masked);
            copied = url_end;
        }
        from = url_end.max(scheme_end + 3);
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// `url` (from its `://`) with its credentials masked; `None` when it has none.
fn mask_url(url: &str) -> Option<String> {
    let rest = &url[3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut masked = String::from("://");
    let mut changed = false;
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    masked.push_str(&userinfo[..=colon]);
                    masked.push_str(MASK);
                    changed = true;
                }
                None => masked.push_str(userinfo),
            }
            masked.push_str(&authority[at..]);
        }
        None => masked.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.find('?') {
        Some(q) => {
            masked.push_str(&tail[..=q]);
            let (query, fragment) = match tail[q + 1..].find('#') {
                Some(h) => tail[q + 1..].split_at(h),
                None => (&tail[q + 1..], ""),
            };
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, value)) if is_secret_name(name) && !value.is_empty() => {
                        changed = true;
                        format!("{name}={MASK}")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            masked.push_str(&pairs.join("&"));
            masked.push_str(fragment);
        }
        None => masked.push_str(tail),
    }
    changed.then_some(masked)
}

fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "pass",
        "secret",
        "token",
        "key",
        "auth",
        "credential",
        "signature",
    ]
    .iter()
    .any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/marketlens"),
            "postgres://app:***@db:5432/marketlens"
        );
        assert_eq!(
            redact_url("redis://:s3cret@cache.internal:6379/0"),
            "redis://:***@cache.internal:6379/0"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert!(!redact_url("not a url with s3cret").contains("s3cret"));
    }

    #[test]
    fn secret_query_values_are_masked() {
        assert_eq!(
            redact_url("postgres://db/x?sslmode=require&password=s3cret#f"),
            "postgres://db/x?sslmode=require&password=***#f"
        );
        assert_eq!(
            redact_secrets("s3://bucket/r?X-Amz-Signature=abc&x=1"),
            "s3://bucket/r?X-Amz-Signature=***&x=1"
        );
    }

    #[test]
    fn every_url_in_a_message_is_masked_and_the_rest_kept() {
        let message = "queue at redis://u:p4ss@h:1/0 failed; retry \"rediss://:tok@h2\" later";
        assert_eq!(
            redact_secrets(message),
            "queue at redis://u:***@h:1/0 failed; retry \"rediss://:***@h2\" later"
        );
        assert!(matches!(
            redact_secrets("nothing secret at http://h/x"),
            Cow::Borrowed(_)
        ));
        // A password holding `@` is masked whole.
        assert_eq!(redact_secrets("redis://:a@b@h:6379"), "redis://:***@h:6379");
    }
}
