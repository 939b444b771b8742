//! Which number of the text is the price, and which currency marker belongs to it
//! (step 3 of [`super`]): quantities, percentages and impossible groupings are left
//! out, ranges and lower bounds are recognised, a number with a marker next to it wins.

use rust_decimal::Decimal;

use super::number::RawNumber;
use super::symbols::Mark;
use super::tokens::{Kind, Tok};

#[derive(Debug, Clone)]
pub(super) struct NumInfo {
    pub(super) tok: usize,
    pub(super) raw: RawNumber,
    /// Value with the default reading (not three-decimal).
    pub(super) value: Option<Decimal>,
    /// A candidate price: readable, not a percentage, not a quantity.
    pub(super) candidate: bool,
    pub(super) negative: bool,
    /// Glued to a word: `MX924`, `12x`.
    pub(super) glued: bool,
}

pub(super) fn number_infos(toks: &[Tok]) -> Vec<NumInfo> {
    let mut out = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        let Kind::Num(raw) = &t.kind else { continue };
        let value = raw.interpret(false).or_else(|| raw.interpret(true));
        let percent = matches!(toks.get(k + 1).map(|t| &t.kind), Some(Kind::Percent));
        let measure = matches!(
            toks.get(k + 1).map(|t| &t.kind),
            Some(Kind::Word(w)) if UNITS.contains(&w.as_str())
        );
        let glued_left = k > 0 && !t.space_before && matches!(toks[k - 1].kind, Kind::Word(_));
        let glued_right = toks
            .get(k + 1)
            .is_some_and(|n| !n.space_before && matches!(n.kind, Kind::Word(_)));
        out.push(NumInfo {
            tok: k,
            raw: raw.clone(),
            value,
            candidate: value.is_some() && !percent && !measure,
            negative: is_negative(toks, k),
            glued: glued_left || glued_right,
        });
    }
    out
}

/// Units of measure: a number followed by one is a quantity, not a price (`16.00 ft`,
/// `2 Litre`). Single letters are left out (`1 L` may be a currency).
const UNITS: &[&str] = &[
    "ft", "feet", "foot", "inch", "inches", "cm", "mm", "km", "kg", "mg", "ml", "cl", "dl",
    "litre", "litres", "liter", "liters", "lb", "lbs", "oz", "gb", "tb", "mb", "mah", "kw", "kwh",
    "hz", "mhz", "ghz", "px", "sqft", "m2", "pcs", "pieces", "piece", "stk", "stuck", "units",
    "pack", "x",
];

/// A minus sign glued to the number (or to a symbol glued to it), not itself glued to
/// a preceding number or word: `-5`, `(-5 €)`, `-$5`, but not `10-20` or `- 5`.
fn is_negative(toks: &[Tok], k: usize) -> bool {
    let sign_at = |j: usize| {
        toks[j].kind == Kind::Dash
            && (j == 0
                || toks[j].space_before
                || !matches!(toks[j - 1].kind, Kind::Num(_) | Kind::Word(_)))
    };
    if k == 0 || toks[k].space_before {
        return false;
    }
    match &toks[k - 1].kind {
        Kind::Dash => sign_at(k - 1),
        Kind::Mark(_) if k >= 2 && !toks[k - 1].space_before => sign_at(k - 2),
        _ => false,
    }
}

/// Markers next to number token `k` (spaces and `:` may separate them), nearest first,
/// left side before right side.
fn adjacent_marks(toks: &[Tok], k: usize) -> Vec<usize> {
    let mut out = Vec::new();
    // Up to three markers on a side; `:` is passed over, anything else ends the side.
    let mut side = |indexes: &mut dyn Iterator<Item = usize>| {
        let mut n = 0;
        for j in indexes {
            if n == 3 {
                break;
            }
            match toks[j].kind {
                Kind::Other(':') => {}
                Kind::Mark(_) => {
                    out.push(j);
                    n += 1;
                }
                _ => break,
            }
        }
    };
    side(&mut (0..k).rev());
    side(&mut (k + 1..toks.len()));
    out
}

/// Markers that count: all of them when the text has no number, else those not
/// restricted to amounts and those next to a candidate number.
pub(super) fn active_marks(toks: &[Tok], nums: &[NumInfo]) -> Vec<bool> {
    let any_number = nums.iter().any(|n| n.candidate);
    let mut active: Vec<bool> = toks
        .iter()
        .map(|t| match &t.kind {
            Kind::Mark(m) => (!any_number && !m.needs_number) || !m.adjacent_only,
            _ => false,
        })
        .collect();
    for n in nums.iter().filter(|n| n.candidate) {
        for j in adjacent_marks(toks, n.tok) {
            active[j] = true;
        }
    }
    active
}

#[derive(Debug, Clone)]
pub(super) struct Group {
    /// Index into the number infos.
    pub(super) first: usize,
    pub(super) members: Vec<usize>,
    pub(super) is_range: bool,
}

const RANGE_WORDS: &[&str] = &[
    "to", "a", "au", "bis", "ate", "hasta", "tot", "till", "til", "до", "al",
];

/// Candidate numbers, with ranges (`99 - 149`, `26 to 50`) joined.
pub(super) fn price_groups(toks: &[Tok], nums: &[NumInfo]) -> Vec<Group> {
    let cands: Vec<usize> = (0..nums.len()).filter(|i| nums[*i].candidate).collect();
    let mut groups = Vec::new();
    let mut p = 0;
    while p < cands.len() {
        let a = cands[p];
        if let Some(&b) = cands.get(p + 1)
            && is_range(toks, &nums[a], &nums[b])
        {
            groups.push(Group {
                first: a,
                members: vec![a, b],
                is_range: true,
            });
            p += 2;
            continue;
        }
        groups.push(Group {
            first: a,
            members: vec![a],
            is_range: false,
        });
        p += 1;
    }
    groups
}

fn is_range(toks: &[Tok], a: &NumInfo, b: &NumInfo) -> bool {
    let between = &toks[a.tok + 1..b.tok];
    let mut connectors = 0;
    for t in between {
        match &t.kind {
            Kind::Mark(_) | Kind::Other(':') => {}
            Kind::Dash => connectors += 1,
            Kind::Word(w) if RANGE_WORDS.contains(&w.as_str()) => connectors += 1,
            _ => return false,
        }
    }
    connectors == 1 && matches!((a.value, b.value), (Some(x), Some(y)) if x <= y) && !a.negative
}

pub(super) fn choose_group(
    toks: &[Tok],
    nums: &[NumInfo],
    groups: &[Group],
    active: &[bool],
) -> Option<Group> {
    let has_currency = |g: &Group| {
        g.members.iter().any(|m| {
            adjacent_marks(toks, nums[*m].tok)
                .iter()
                .any(|j| active[*j])
        })
    };
    groups
        .iter()
        .find(|g| has_currency(g))
        .or_else(|| groups.iter().find(|g| !nums[g.first].glued))
        .or_else(|| groups.first())
        .map(|g| Group {
            first: g.first,
            // Token indexes from here on; `first` stays an index into `nums`.
            members: g.members.iter().map(|m| nums[*m].tok).collect(),
            is_range: g.is_range,
        })
}

fn mark_at(toks: &[Tok], j: usize) -> Option<&Mark> {
    match &toks[j].kind {
        Kind::Mark(m) => Some(m),
        _ => None,
    }
}

/// The explicit marker among `idx` (in order), else the first.
fn best_of<'a>(toks: &'a [Tok], idx: &[usize]) -> Option<&'a Mark> {
    let marks: Vec<&Mark> = idx.iter().filter_map(|j| mark_at(toks, *j)).collect();
    marks
        .iter()
        .find(|m| m.cur.is_explicit())
        .or_else(|| marks.first())
        .copied()
}

/// Currency marker of the chosen price: next to it, else the nearest in the text.
pub(super) fn pick_mark_for<'a>(toks: &'a [Tok], g: &Group, active: &[bool]) -> Option<&'a Mark> {
    let adjacent: Vec<usize> = g
        .members
        .iter()
        .flat_map(|k| adjacent_marks(toks, *k))
        .filter(|j| active[*j])
        .collect();
    if let Some(m) = best_of(toks, &adjacent) {
        return Some(m);
    }
    let first = g.members[0];
    (0..toks.len())
        .filter(|j| active[*j])
        .min_by_key(|j| (j.abs_diff(first), *j))
        .and_then(|j| mark_at(toks, j))
}

/// Currency marker of a text without a price.
pub(super) fn pick_mark<'a>(toks: &'a [Tok], active: &[bool]) -> Option<&'a Mark> {
    let idx: Vec<usize> = (0..toks.len()).filter(|j| active[*j]).collect();
    best_of(toks, &idx)
}

const LOWER_BOUND_WORDS: &[&str] = &[
    "from", "starting", "ab", "vanaf", "partir", "partire", "desde", "des", "od", "от", "fran",
    "fra", "da",
];

/// `from 99 €`, `à partir de 99 €`, `ab 99 €`: a lower-bound word among the three
/// words before the price (markers and `:` skipped).
pub(super) fn lower_bound_word_before(toks: &[Tok], k: usize) -> bool {
    let mut words = 0;
    for t in toks[..k].iter().rev() {
        match &t.kind {
            Kind::Mark(_) | Kind::Other(':') => {}
            Kind::Word(w) => {
                if LOWER_BOUND_WORDS.contains(&w.as_str()) {
                    return true;
                }
                words += 1;
                if words == 3 {
                    return false;
                }
            }
            _ => return false,
        }
    }
    false
}

const FREE_WORDS: &[&str] = &[
    "free",
    "gratuit",
    "gratuite",
    "gratis",
    "kostenlos",
    "gratuito",
    "gratuita",
    "offert",
    "offerte",
    "umsonst",
    "zdarma",
    "darmowy",
    "darmowa",
];

pub(super) fn says_free(toks: &[Tok]) -> bool {
    toks.iter()
        .any(|t| matches!(&t.kind, Kind::Word(w) if FREE_WORDS.contains(&w.as_str())))
}
