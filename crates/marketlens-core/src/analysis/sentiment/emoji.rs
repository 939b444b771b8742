//! Emoji and emoticons: which ones the tokenizer recognises, and the valence each
//! carries (the same in both languages).

/// Emoticons recognised in text, longest first, with the key they map to.
const EMOTICONS: &[(&str, &str)] = &[
    (":'-(", ":'("),
    (":'(", ":'("),
    ("^_^", "^_^"),
    (":-))", ":))"),
    (":-((", ":(("),
    (":-)", ":)"),
    (":-(", ":("),
    (":-D", ":d"),
    (":-P", ":p"),
    (":-p", ":p"),
    (";-)", ";)"),
    (":-/", ":/"),
    ("</3", "</3"),
    (":))", ":))"),
    (":((", ":(("),
    (":)", ":)"),
    (":(", ":("),
    (":D", ":d"),
    (":P", ":p"),
    (":p", ":p"),
    (";)", ";)"),
    (":/", ":/"),
    (":|", ":|"),
    (":S", ":s"),
    ("=)", ":)"),
    ("=(", ":("),
    ("<3", "<3"),
    ("^^", "^^"),
];

/// Variation selectors, joiners and skin tones that decorate emoji.
pub(crate) fn is_emoji_modifier(c: char) -> bool {
    matches!(
        c,
        '\u{FE0E}' | '\u{FE0F}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}'
    )
}

/// The emoticon starting at byte `i` of `text`, as (key, length in bytes). One that
/// ends in a letter (`:D`) must not be glued to a word before it, and none may run
/// into a letter, digit or `/` after it (`:/` in a URL).
pub(crate) fn emoticon_at(text: &str, i: usize) -> Option<(&'static str, usize)> {
    let rest = &text[i..];
    let first = rest.as_bytes()[0];
    if !matches!(first, b':' | b';' | b'=' | b'<' | b'^') {
        return None;
    }
    let prev = text[..i].chars().next_back();
    for (pat, key) in EMOTICONS {
        if !rest.starts_with(pat) {
            continue;
        }
        let next = rest[pat.len()..].chars().next();
        let next_ok = match next {
            None => true,
            Some(n) => !n.is_alphanumeric() && n != '/',
        };
        let ends_in_letter = pat.chars().next_back().is_some_and(char::is_alphabetic);
        let prev_ok = !ends_in_letter || prev.is_none_or(|p| !p.is_alphanumeric());
        if next_ok && prev_ok {
            return Some((key, pat.len()));
        }
    }
    None
}

/// Emoji valences (shared by both languages).
pub(crate) fn emoji_valence(c: char) -> Option<f32> {
    Some(match c {
        '😍' | '🥰' | '🤩' => 3.0,
        '😘' => 2.3,
        '😊' | '😀' | '😁' => 2.3,
        '😃' | '😄' => 2.4,
        '☺' => 2.0,
        '🙂' => 1.4,
        '😆' => 2.0,
        '😂' | '🤣' => 1.4,
        '😉' => 1.5,
        '😎' => 1.8,
        '👍' | '👌' | '💯' => 2.0,
        '👏' | '🙌' | '🎉' => 2.2,
        '🔥' => 1.5,
        '⭐' => 1.3,
        '🌟' => 1.6,
        '❤' | '♥' | '💖' => 2.7,
        '💕' | '💙' | '💚' | '💛' | '🧡' | '💜' => 2.5,
        '✅' => 1.2,
        '😡' => -3.0,
        '😠' => -2.7,
        '🤬' => -3.4,
        '😤' => -2.0,
        '👎' => -2.2,
        '😞' | '😩' | '😫' => -2.0,
        '😔' => -1.8,
        '😢' => -2.2,
        '😭' => -2.3,
        '😒' => -1.6,
        '🙁' => -1.6,
        '☹' => -2.0,
        '😕' => -1.2,
        '😟' => -1.5,
        '😣' => -1.8,
        '😖' => -1.9,
        '🤮' => -3.0,
        '🤢' => -2.5,
        '💩' => -2.5,
        '💔' => -2.6,
        '❌' => -1.2,
        '😐' => -0.4,
        '😑' => -0.6,
        '🙄' => -1.4,
        '😬' => -0.9,
        _ => return None,
    })
}

/// Emoticon valences, keyed as the tokenizer emits them.
pub(crate) fn emoticon_valence(key: &str) -> Option<f32> {
    Some(match key {
        ":)" | ":d" => 2.0,
        ":))" => 2.3,
        ";)" => 1.6,
        ":p" => 1.0,
        "^^" => 1.5,
        "^_^" => 1.8,
        "<3" => 2.6,
        ":(" => -2.0,
        ":((" => -2.3,
        ":'(" => -2.4,
        ":/" => -1.2,
        ":|" => -0.6,
        ":s" => -1.1,
        "</3" => -2.6,
        _ => return None,
    })
}
