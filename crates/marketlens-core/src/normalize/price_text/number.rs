//! Numbers as shops write them: digit groups and the separators between them, read
//! before deciding which separator is the decimal one (see the separator rules in
//! [`super`]).

use rust_decimal::Decimal;

pub(super) fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

pub(super) fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2212}'
    )
}

pub(super) fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' | '`' | '\u{2032}'
    )
}

/// A number as written: digit groups and the separators between them, before
/// deciding which separator is the decimal one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawNumber {
    pub(super) groups: Vec<String>,
    /// `seps[i]` is between `groups[i]` and `groups[i + 1]`: `.`, `,`, or `g` for a
    /// space or apostrophe (always grouping).
    pub(super) seps: Vec<char>,
    /// The last separator is certainly decimal (`12. 99`, `12€99`).
    pub(super) decimal_known: bool,
    /// `12,-`: every group is integer, cents are zero.
    pub(super) dash_cents: bool,
    /// Started with a separator: `.75`, `$..75`.
    pub(super) leading_sep: bool,
}

impl RawNumber {
    /// The value, or `None` when the separators cannot be read as a number.
    /// `three_dp`: the currency has three minor units, so `1.234` is decimal.
    pub(super) fn interpret(&self, three_dp: bool) -> Option<Decimal> {
        let n = self.groups.len();
        if n == 0 {
            return None;
        }
        if self.leading_sep && self.seps.is_empty() && !self.dash_cents {
            return decimal_from("0", &self.groups[0]);
        }
        let (int_len, frac): (usize, &str) = if self.dash_cents {
            (n, "")
        } else if self.decimal_known {
            (n - 1, self.groups[n - 1].as_str())
        } else {
            let dots = self.seps.iter().filter(|s| **s == '.').count();
            let commas = self.seps.iter().filter(|s| **s == ',').count();
            match self.seps.last() {
                None => (n, ""),
                Some(_) if dots + commas == 0 => (n, ""),
                Some('g') => return None, // "1.234 567"
                Some(&last) => {
                    let last_count = self.seps.iter().filter(|s| **s == last).count();
                    let frac = self.groups[n - 1].as_str();
                    if dots > 0 && commas > 0 {
                        if last_count != 1 {
                            return None;
                        }
                        (n - 1, frac)
                    } else if last_count >= 2 {
                        (n, "")
                    } else {
                        let int_groups = &self.groups[..n - 1];
                        let decimal = frac.len() != 3
                            || three_dp
                            || int_groups.iter().all(|g| g.bytes().all(|b| b == b'0'))
                            || self.seps.contains(&'g')
                            || int_groups[0].len() > 3;
                        if decimal { (n - 1, frac) } else { (n, "") }
                    }
                }
            }
        };
        let int_groups = &self.groups[..int_len];
        let int_seps = &self.seps[..int_len.saturating_sub(1)];
        if !valid_grouping(int_groups, int_seps) {
            return None;
        }
        decimal_from(&int_groups.concat(), frac)
    }

    /// Whether every separator is a thousands separator (no decimal part).
    pub(super) fn is_integer_like(&self) -> bool {
        !self.leading_sep
            && !self.decimal_known
            && !self.dash_cents
            && (self.seps.is_empty()
                || (valid_grouping(&self.groups, &self.seps)
                    && self.groups[1..].iter().all(|g| g.len() == 3)))
    }
}

/// 1–3 leading digits then groups of three, all with the same separator; or Indian
/// lakh grouping with commas (`1,23,45,678`). A single group is always fine.
fn valid_grouping(groups: &[String], seps: &[char]) -> bool {
    let Some(first) = groups.first() else {
        return false;
    };
    if seps.is_empty() {
        return !first.is_empty();
    }
    if seps.iter().any(|s| *s != seps[0]) {
        return false;
    }
    let rest = &groups[1..];
    if (1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3) {
        return true;
    }
    seps[0] == ','
        && rest.len() >= 2
        && (1..=2).contains(&first.len())
        && rest[..rest.len() - 1].iter().all(|g| g.len() == 2)
        && rest[rest.len() - 1].len() == 3
}

pub(super) fn max_amount() -> Decimal {
    Decimal::from(1_000_000_000_000_000_i64)
}

fn decimal_from(int: &str, frac: &str) -> Option<Decimal> {
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if int.len() + frac.len() > 28 {
        return None;
    }
    let s = if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    };
    let d = Decimal::from_str_exact(&s).ok()?;
    (d < max_amount()).then_some(d)
}

pub(super) fn count_digits(chars: &[char], from: usize) -> usize {
    chars
        .get(from..)
        .map_or(0, |s| s.iter().take_while(|c| is_digit(**c)).count())
}

fn read_digits(chars: &[char], i: &mut usize) -> String {
    let n = count_digits(chars, *i);
    let s: String = chars[*i..*i + n].iter().collect();
    *i += n;
    s
}

/// Reads a number starting at `start` (a digit, or `.`/`,` before a digit).
pub(super) fn scan_number(chars: &[char], start: usize) -> (RawNumber, usize) {
    let mut i = start;
    let mut leading_sep = false;
    while matches!(chars.get(i), Some('.' | ',')) {
        leading_sep = true;
        i += 1;
    }
    let mut raw = RawNumber {
        groups: vec![read_digits(chars, &mut i)],
        seps: Vec::new(),
        decimal_known: false,
        dash_cents: false,
        leading_sep,
    };
    let at = |j: usize| chars.get(j).copied();
    while let Some(c) = at(i) {
        let next = at(i + 1);
        match c {
            '.' | ',' => {
                if next.is_some_and(is_digit) {
                    raw.seps.push(c);
                    i += 1;
                    raw.groups.push(read_digits(chars, &mut i));
                    continue;
                }
                // "12. 99", "1.837, 32": one space, then one or two final digits.
                if next == Some(' ') {
                    let d = count_digits(chars, i + 2);
                    if (1..=2).contains(&d) && !matches!(at(i + 2 + d), Some('.' | ',')) {
                        raw.seps.push(c);
                        i += 2;
                        raw.groups.push(read_digits(chars, &mut i));
                        raw.decimal_known = true;
                        break;
                    }
                }
                // "12,-", "1'299.–", "105. –": no cents.
                let mut j = i + 1;
                if at(j) == Some(' ') {
                    j += 1;
                }
                if at(j).is_some_and(is_dash) {
                    while at(j).is_some_and(is_dash) {
                        j += 1;
                    }
                    raw.dash_cents = true;
                    i = j;
                }
                break;
            }
            c if is_apostrophe(c)
                && next.is_some_and(is_digit)
                && raw.seps.iter().all(|s| *s == 'g') =>
            {
                raw.seps.push('g');
                i += 1;
                raw.groups.push(read_digits(chars, &mut i));
            }
            ' ' => {
                // A space groups thousands only in a regular grouping: 1–3 digits,
                // then exactly three digits not followed by another digit.
                let regular = raw.seps.iter().all(|s| *s == 'g')
                    && raw.groups[0].len() <= 3
                    && raw.groups[1..].iter().all(|g| g.len() == 3);
                if regular && count_digits(chars, i + 1) == 3 {
                    raw.seps.push('g');
                    i += 1;
                    raw.groups.push(read_digits(chars, &mut i));
                    continue;
                }
                break;
            }
            // Swedish "199:-".
            ':' if next.is_some_and(is_dash) => {
                i += 1;
                while at(i).is_some_and(is_dash) {
                    i += 1;
                }
                raw.dash_cents = true;
                break;
            }
            _ => break,
        }
    }
    (raw, i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::dec as d;

    #[test]
    fn grouping_validation() {
        let raw = |text: &str| scan_number(&text.chars().collect::<Vec<_>>(), 0).0;
        assert_eq!(raw("1.234.567").interpret(false), Some(d("1234567")));
        assert_eq!(raw("1.23.456").interpret(false), None);
        assert_eq!(raw("1,23,456").interpret(false), Some(d("123456")));
        assert_eq!(raw("1234.567.890").interpret(false), None);
        assert_eq!(raw("1.234,567.89").interpret(false), None);
        assert_eq!(raw("1 234 567").interpret(false), Some(d("1234567")));
        // A space before four digits does not group.
        let (r, end) = scan_number(&"12 3456".chars().collect::<Vec<_>>(), 0);
        assert_eq!((r.interpret(false), end), (Some(d("12")), 2));
    }
}
