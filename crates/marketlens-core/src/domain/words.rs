//! Words of review text in the form marketlens compares them: lower case and folded
//! (accents removed, `œ` → `oe`, typographic apostrophes made plain), so that
//! `décevant`, `DECEVANT` and `decevant` are one word. Language detection
//! ([`super::detect_language`]) counts these words, and the sentiment tokenizer
//! (`analysis::sentiment`) builds its tokens from them.
//!
//! A word is a run of letters and digits with inner apostrophes (`don't`) and decimal
//! separators between digits (`4,5`). French elisions (`l'`, `d'`, `qu'`, …) can be
//! split off as words of their own (`l'écran` → `l'`, `ecran`).

/// One word of a text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    /// Folded lower-case form.
    pub norm: String,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    /// An all-capitals word of at least two letters (`GREAT`).
    pub caps: bool,
}

/// Elided French words whose apostrophe starts a new word (`l'écran` → `l'`, `ecran`).
const ELISIONS: &[&str] = &[
    "l", "d", "n", "j", "qu", "c", "s", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
];

pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}'
    )
}

/// Lower-cases and folds one character into `out` (accents removed, `œ` → `oe`).
fn push_folded(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    if is_apostrophe(c) {
        out.push('\'');
        return;
    }
    for l in c.to_lowercase() {
        let folded = match l {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'œ' => {
                out.push_str("oe");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            other => other,
        };
        out.push(folded);
    }
}

/// Reads the words that start at byte `start` of `text`, which must be an alphanumeric
/// character: one word, or several when `split_elisions` splits French elisions off.
/// Each goes to `emit`; returns the byte index after the last character read.
pub(crate) fn read_words(
    text: &str,
    start: usize,
    split_elisions: bool,
    emit: &mut impl FnMut(Word),
) -> usize {
    let mut chars = text[start..]
        .char_indices()
        .map(|(j, c)| (start + j, c))
        .peekable();
    let mut start = start;
    let mut end = start;
    let mut letters = 0usize;
    let mut uppers = 0usize;
    let mut norm = String::new();
    while let Some(&(j, ch)) = chars.peek() {
        if ch.is_alphanumeric() {
            if ch.is_alphabetic() {
                letters += 1;
                if ch.is_uppercase() {
                    uppers += 1;
                }
            }
            push_folded(ch, &mut norm);
            end = j + ch.len_utf8();
            chars.next();
            continue;
        }
        let after = text[j + ch.len_utf8()..].chars().next();
        if is_apostrophe(ch) && after.is_some_and(char::is_alphabetic) {
            if split_elisions && ELISIONS.contains(&norm.as_str()) {
                norm.push('\'');
                emit(Word {
                    norm: std::mem::take(&mut norm),
                    start,
                    end: j + ch.len_utf8(),
                    caps: false,
                });
                chars.next();
                start = j + ch.len_utf8();
                end = start;
                letters = 0;
                uppers = 0;
                continue;
            }
            norm.push('\'');
            chars.next();
            continue;
        }
        if (ch == '.' || ch == ',')
            && norm.chars().next_back().is_some_and(|p| p.is_ascii_digit())
            && after.is_some_and(|a| a.is_ascii_digit())
        {
            norm.push(ch);
            chars.next();
            continue;
        }
        break;
    }
    emit(Word {
        norm,
        start,
        end,
        caps: letters >= 2 && uppers == letters,
    });
    chars.peek().map_or(text.len(), |&(j, _)| j)
}

/// Every word of `text`, French elisions split off; what lies between words is skipped.
pub(crate) fn words(text: &str, mut emit: impl FnMut(Word)) {
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        i = if c.is_alphanumeric() {
            read_words(text, i, true, &mut emit)
        } else {
            i + c.len_utf8()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        words(text, |w| out.push(w.norm));
        out
    }

    #[test]
    fn words_are_folded_and_elisions_split() {
        assert_eq!(
            norms("L’écran DÉÇOIT, qualité-prix: 4,5/5 don't"),
            [
                "l'", "ecran", "decoit", "qualite", "prix", "4,5", "5", "don't"
            ]
        );
        assert_eq!(norms("Œuvre… ça"), ["oeuvre", "ca"]);
        assert_eq!(norms(""), Vec::<String>::new());
    }

    #[test]
    fn read_words_reports_ranges_caps_and_where_it_stopped() {
        let text = "GREAT qu'il";
        let mut found = Vec::new();
        let next = read_words(text, 0, true, &mut |w| found.push(w));
        assert_eq!(next, 5);
        assert_eq!((found[0].start, found[0].end, found[0].caps), (0, 5, true));
        found.clear();
        let next = read_words(text, 6, true, &mut |w| found.push(w));
        assert_eq!(next, text.len());
        let split: Vec<_> = found
            .iter()
            .map(|w| (w.norm.as_str(), w.start, w.end))
            .collect();
        assert_eq!(split, [("qu'", 6, 9), ("il", 9, 11)]);
        found.clear();
        read_words(text, 6, false, &mut |w| found.push(w));
        assert_eq!(found[0].norm, "qu'il");
    }
}
