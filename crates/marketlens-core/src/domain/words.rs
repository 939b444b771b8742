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

/// Where a word lies in its text; its folded form is written to the buffer given to
/// [`read_words`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    /// An all-capitals word of at least two letters (`GREAT`).
    pub caps: bool,
}

/// Reads the words that start at byte `start` of `text`, which must be an alphanumeric
/// character: one word, or several when `split_elisions` splits French elisions off.
/// Each word's folded form is built in `norm` (cleared first) and handed to `emit`
/// with its span; returns the byte index after the last character read. ASCII letters
/// and digits, most of any review, take a byte-wise path.
pub(crate) fn read_words(
    text: &str,
    start: usize,
    split_elisions: bool,
    norm: &mut String,
    emit: &mut impl FnMut(Span, &str),
) -> usize {
    let bytes = text.as_bytes();
    let mut start = start;
    let mut end = start;
    let mut letters = 0usize;
    let mut uppers = 0usize;
    norm.clear();
    let mut j = start;
    while j < bytes.len() {
        let b = bytes[j];
        if b.is_ascii_alphanumeric() {
            if b.is_ascii_alphabetic() {
                letters += 1;
                uppers += usize::from(b.is_ascii_uppercase());
            }
            norm.push(char::from(b.to_ascii_lowercase()));
            j += 1;
            end = j;
            continue;
        }
        let ch = if b.is_ascii() {
            char::from(b)
        } else {
            text[j..].chars().next().unwrap_or_default()
        };
        let len = ch.len_utf8();
        if ch.is_alphanumeric() {
            if ch.is_alphabetic() {
                letters += 1;
                uppers += usize::from(ch.is_uppercase());
            }
            push_folded(ch, norm);
            j += len;
            end = j;
            continue;
        }
        let after = text[j + len..].chars().next();
        if is_apostrophe(ch) && after.is_some_and(char::is_alphabetic) {
            if split_elisions && ELISIONS.contains(&norm.as_str()) {
                norm.push('\'');
                emit(
                    Span {
                        start,
                        end: j + len,
                        caps: false,
                    },
                    norm,
                );
                norm.clear();
                start = j + len;
                end = start;
                letters = 0;
                uppers = 0;
            } else {
                norm.push('\'');
            }
            j += len;
            continue;
        }
        if (ch == '.' || ch == ',')
            && norm.as_bytes().last().is_some_and(u8::is_ascii_digit)
            && after.is_some_and(|a| a.is_ascii_digit())
        {
            norm.push(ch);
            j += len;
            continue;
        }
        break;
    }
    emit(
        Span {
            start,
            end,
            caps: letters >= 2 && uppers == letters,
        },
        norm,
    );
    j
}

/// Every word of `text`, French elisions split off; what lies between words is skipped.
pub(crate) fn words(text: &str, mut emit: impl FnMut(Word)) {
    let mut norm = String::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        i = if c.is_alphanumeric() {
            read_words(text, i, true, &mut norm, &mut |span, n| {
                emit(Word {
                    norm: n.to_owned(),
                    start: span.start,
                    end: span.end,
                    caps: span.caps,
                })
            })
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
    fn accented_capitals_and_decimals_read_like_ascii_ones() {
        let (found, next) = read_at("ÉTÉ 4,5/5", 0, true);
        assert_eq!(
            (found[0].norm.as_str(), found[0].caps, next),
            ("ete", true, 5)
        );
        let (found, next) = read_at("4,5/5", 0, true);
        assert_eq!((found[0].norm.as_str(), next), ("4,5", 3));
        let (found, _) = read_at("Ça’s", 0, false);
        assert_eq!(found[0].norm, "ca's");
        assert!(!found[0].caps);
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

    /// The words `read_words` emits from `start`, and where it stopped.
    fn read_at(text: &str, start: usize, split: bool) -> (Vec<Word>, usize) {
        let mut found = Vec::new();
        let mut buf = String::new();
        let next = read_words(text, start, split, &mut buf, &mut |span, n| {
            found.push(Word {
                norm: n.to_owned(),
                start: span.start,
                end: span.end,
                caps: span.caps,
            })
        });
        (found, next)
    }

    #[test]
    fn read_words_reports_ranges_caps_and_where_it_stopped() {
        let text = "GREAT qu'il";
        let (found, next) = read_at(text, 0, true);
        assert_eq!(next, 5);
        assert_eq!((found[0].start, found[0].end, found[0].caps), (0, 5, true));
        let (found, next) = read_at(text, 6, true);
        assert_eq!(next, text.len());
        let split: Vec<_> = found
            .iter()
            .map(|w| (w.norm.as_str(), w.start, w.end))
            .collect();
        assert_eq!(split, [("qu'", 6, 9), ("il", 9, 11)]);
        let (found, _) = read_at(text, 6, false);
        assert_eq!(found[0].norm, "qu'il");
    }
}
