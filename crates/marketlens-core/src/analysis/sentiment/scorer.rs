//! The rule-based scorer, after VADER (Hutto & Gilbert, ICWSM 2014): sum the valences of
//! the sentiment words, each adjusted by the intensifiers before it, ALL-CAPS emphasis,
//! negation, concession and contrast, add emphasis for `!`, then squash with
//! `x / sqrt(x² + 15)`.
//!
//! Beyond VADER, for prose that is not a product review: a negator that negates nothing
//! can still say something fell short ("it fails to deliver"); "too X to Y" judges X an
//! excess and negates Y; a conceded clause ("although …", "bien que …") weighs less; and
//! a lone exclamation of praise ("Just fantastic,", "Bravo…", "Génial.") in a text
//! that otherwise complains is read as sarcasm.

use std::cell::RefCell;
use std::ops::Range;

use super::emoji::{emoji_valence, emoticon_valence};
use super::lexicon::{Cues, Lexicon, Role};
use super::text::{Token, TokenKind};
use crate::domain::Language;

/// Added to a sentiment word written in capitals among non-capital words.
const C_INCR: f32 = 0.733;
/// Multiplier of a negated sentiment word.
const N_SCALAR: f32 = -0.74;
/// How many words back a negator reaches, articles and quantifiers not counted.
const NEGATION_WINDOW: usize = 3;
/// Decay of an intensifier one, two and three words away.
const BOOST_DECAY: [f32; 3] = [1.0, 0.95, 0.9];
/// Weight of what comes before / after a contrast word in its sentence.
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
/// Weight of a conceded clause.
const CONCEDED: f32 = 0.5;
/// A praise word between "too" and "to" ("too pleased with itself to …") is an
/// excess: it counts negatively, at this share of its valence.
const EXCESS_SCALAR: f32 = -0.5;
/// How far (in units) "to" may follow "too".
const EXCESS_REACH: usize = 6;
/// A sarcastic exclamation counts negatively, at this share of its valence…
const SARCASM_SCALAR: f32 = -0.75;
/// …when it is at least this positive and the rest of the text has a word at least
/// this negative.
const SARCASM_MIN_PRAISE: f32 = 2.5;
const SARCASM_MIN_COMPLAINT: f32 = -1.0;
/// Added per `!` (at most four).
const EXCLAMATION_INCR: f64 = 0.292;
const QUESTION_INCR: f64 = 0.18;
const ALPHA: f64 = 15.0;

#[derive(Debug, Clone, Copy)]
struct Unit {
    role: Option<Role>,
    cues: Cues,
    caps: bool,
    clause: u32,
    sentence: u32,
}

/// VADER's normalisation of a raw sum into [-1, 1].
pub(crate) fn normalize(sum: f64) -> f64 {
    if sum == 0.0 {
        return 0.0;
    }
    (sum / (sum * sum + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

fn sign(v: f32) -> f32 {
    if v < 0.0 { -1.0 } else { 1.0 }
}

/// Compound score of a run of tokens.
pub(crate) fn score_tokens(tokens: &[Token], lex: &Lexicon) -> f64 {
    normalize(raw_sum(tokens, lex))
}

/// The valence of an emoji or emoticon token.
fn emo_valence(norm: &str) -> Option<f32> {
    let mut chars = norm.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => emoji_valence(c).or_else(|| emoticon_valence(norm)),
        _ => emoticon_valence(norm),
    }
}

/// The units of a run of tokens (a phrase is one unit, punctuation none) and its
/// numbers of `!` and `?`.
fn build_units(tokens: &[Token], lex: &Lexicon, units: &mut Vec<Unit>) -> (u32, u32) {
    let french = lex.language == Language::Fr;
    let (mut clause, mut sentence) = (0u32, 0u32);
    let (mut exclamations, mut questions) = (0u32, 0u32);
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        match t.kind {
            TokenKind::Punct(c) => {
                match c {
                    '!' => exclamations += 1,
                    '?' => questions += 1,
                    _ => {}
                }
                clause += 1;
                if t.ends_sentence() && units.last().is_some_and(|u| u.sentence == sentence) {
                    sentence += 1;
                }
                i += 1;
            }
            TokenKind::Emo => {
                units.push(Unit {
                    role: emo_valence(&t.norm).map(|v| Role::Valence { v, negated: false }),
                    cues: Cues::NONE,
                    caps: false,
                    clause,
                    sentence,
                });
                i += 1;
            }
            TokenKind::Word => {
                let entry = lex.entry(&t.norm);
                let matched = entry.and_then(|e| {
                    e.phrases.iter().find_map(|p| {
                        let k = p.rest.len();
                        let ok = i + k < tokens.len()
                            && p.rest.iter().enumerate().all(|(j, w)| {
                                let n = &tokens[i + 1 + j];
                                n.is_word() && n.norm == *w
                            });
                        ok.then_some((p.role, k))
                    })
                });
                if let Some((role, k)) = matched {
                    units.push(Unit {
                        role: Some(role),
                        // A phrase keeps its first word's cues ("too slow … to").
                        cues: entry.map_or(Cues::NONE, |e| e.cues),
                        caps: tokens[i..=i + k].iter().all(|t| t.caps),
                        clause,
                        sentence,
                    });
                    i += k + 1;
                    continue;
                }
                let role = if french && t.norm == "plus" {
                    // "ne … plus" negates; otherwise `plus` compares ("plus solide").
                    let after_ne = units
                        .iter()
                        .rev()
                        .take(4)
                        .take_while(|u| u.clause == clause)
                        .any(|u| u.cues.has(Cues::NE));
                    Some(if after_ne {
                        Role::Negator
                    } else {
                        Role::Booster {
                            b: 0.2,
                            post: false,
                        }
                    })
                } else {
                    match entry.and_then(|e| e.role) {
                        Some(role) => Some(role),
                        None if lex.is_negated_verb(&t.norm) => Some(Role::Negator),
                        None => None,
                    }
                };
                units.push(Unit {
                    role,
                    cues: entry.map_or(Cues::NONE, |e| e.cues),
                    caps: t.caps,
                    clause,
                    sentence,
                });
                i += 1;
            }
        }
    }
    // A word that can boost or judge ("super", "pretty", "bien") boosts when a
    // sentiment word or another booster follows it in the clause.
    for i in 0..units.len() {
        if let Some(Role::BoosterOrValence { b, v }) = units[i].role {
            let next_is_sentiment = units.get(i + 1).is_some_and(|n| {
                n.clause == units[i].clause
                    && matches!(
                        n.role,
                        Some(
                            Role::Valence { .. }
                                | Role::BoosterOrValence { .. }
                                | Role::Booster { .. }
                        )
                    )
            });
            units[i].role = Some(if next_is_sentiment {
                Role::Booster { b, post: false }
            } else {
                Role::Valence { v, negated: false }
            });
        }
    }
    mark_excess(units);
    (exclamations, questions)
}

/// "too X to Y": X is an excess (praise turns to blame: "too pleased with itself") and
/// Y is denied ("too slow to be useful", "trop lourd pour être transportable").
fn mark_excess(units: &mut [Unit]) {
    for i in 0..units.len() {
        if !units[i].cues.has(Cues::EXCESS) {
            continue;
        }
        let clause = units[i].clause;
        let purpose = (i + 1..units.len().min(i + 1 + EXCESS_REACH))
            .take_while(|&j| units[j].clause == clause)
            .find(|&j| units[j].cues.has(Cues::PURPOSE) && units[j].role.is_none())
            // "trop bien pour le prix" praises; "trop lourd pour être porté" does not.
            .filter(|&j| {
                units
                    .get(j + 1)
                    .is_none_or(|n| !n.cues.has(Cues::DETERMINER))
            });
        let Some(to) = purpose else { continue };
        for unit in &mut units[i + 1..to] {
            match unit.role {
                Some(Role::Valence { v, negated: false }) if v > 0.0 => {
                    unit.role = Some(Role::Valence {
                        v: v * EXCESS_SCALAR,
                        negated: true,
                    });
                }
                _ => {}
            }
        }
        units[to].role = Some(Role::Negator);
    }
}

/// Buffers of one scoring, kept per thread so that scoring allocates nothing once they
/// have grown.
#[derive(Default)]
struct Scratch {
    units: Vec<Unit>,
    vals: Vec<f32>,
    /// Negators that flipped a word.
    used: Vec<bool>,
    exclamations: Vec<usize>,
}

/// Longest run of units whose buffers are kept for the next call.
const SCRATCH_KEPT: usize = 4096;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Raw (unnormalised) sum of a run of tokens, punctuation emphasis included.
pub(crate) fn raw_sum(tokens: &[Token], lex: &Lexicon) -> f64 {
    SCRATCH.with(|cell| {
        let Ok(mut scratch) = cell.try_borrow_mut() else {
            return raw_sum_with(tokens, lex, &mut Scratch::default());
        };
        let sum = raw_sum_with(tokens, lex, &mut scratch);
        if scratch.units.capacity() > SCRATCH_KEPT {
            *scratch = Scratch::default();
        }
        sum
    })
}

fn raw_sum_with(tokens: &[Token], lex: &Lexicon, scratch: &mut Scratch) -> f64 {
    let Scratch {
        units,
        vals,
        used,
        exclamations: sarcastic,
    } = scratch;
    units.clear();
    let (exclamations, questions) = build_units(tokens, lex, units);
    if units.is_empty() {
        return 0.0;
    }
    let units: &[Unit] = units;
    let mut any_caps = false;
    let mut any_lower = false;
    for t in tokens.iter().filter(|t| t.is_word()) {
        if t.caps {
            any_caps = true;
        } else if t.norm.chars().filter(|c| c.is_alphabetic()).take(2).count() >= 2 {
            any_lower = true;
        }
    }
    let cap_diff = any_caps && any_lower;

    vals.clear();
    vals.resize(units.len(), 0.0);
    // Negators that flipped a word; a shortfall that flipped none counts on its own.
    used.clear();
    used.resize(units.len(), false);
    for (i, unit) in units.iter().enumerate() {
        let Some(Role::Valence { v, negated }) = unit.role else {
            continue;
        };
        if v == 0.0 {
            continue;
        }
        let s = sign(v);
        let mut val = v;
        if cap_diff && unit.caps {
            val += C_INCR * s;
        }
        // Intensifiers and dampeners before the word.
        for (j, decay) in BOOST_DECAY.iter().enumerate() {
            let Some(k) = i.checked_sub(j + 1) else { break };
            if units[k].clause != unit.clause {
                break;
            }
            if let Some(Role::Booster { b, .. }) = units[k].role {
                let mut scalar = b * s;
                if cap_diff && units[k].caps && b > 0.0 {
                    scalar += C_INCR * s;
                }
                val += scalar * decay;
            }
        }
        // Intensifiers that may follow ("j'aime beaucoup", "love it so much").
        for next in units.iter().skip(i + 1).take(2) {
            if next.clause != unit.clause {
                break;
            }
            match next.role {
                Some(Role::Booster { b, post: true }) => {
                    val += b * s;
                    break;
                }
                Some(Role::Valence { v, .. }) if v != 0.0 => break,
                _ => {}
            }
        }
        // Negation: one negator in the window flips (and damps) the word once.
        // Articles and quantifiers do not count ("never had a single problem").
        if !negated {
            let mut counted = 0;
            for k in (0..i).rev() {
                if units[k].clause != unit.clause {
                    break;
                }
                if units[k].role.is_some_and(Role::negates) {
                    val *= N_SCALAR;
                    used[k] = true;
                    break;
                }
                if !units[k].cues.has(Cues::DETERMINER) {
                    counted += 1;
                }
                if counted >= NEGATION_WINDOW {
                    break;
                }
            }
        }
        vals[i] = val;
    }
    for (k, unit) in units.iter().enumerate() {
        match unit.role {
            Some(Role::Shortfall { v }) if !used[k] => vals[k] = v,
            _ => {}
        }
    }

    read_sarcasm(units, vals, sarcastic);

    // A conceded clause weighs less.
    for (c, unit) in units.iter().enumerate() {
        if unit.role == Some(Role::Concession) {
            for (k, val) in vals.iter_mut().enumerate() {
                if units[k].clause == units[c].clause {
                    *val *= CONCEDED;
                }
            }
        }
    }

    // Contrast: within a sentence the part after the first contrast word weighs more;
    // a sentence that opens with one ("However, …") also damps the sentence before.
    for Range { start, end } in runs(units, |u| u.sentence) {
        if let Some(c) = (start..end).find(|&k| units[k].role == Some(Role::Contrast)) {
            for (k, val) in vals.iter_mut().enumerate().take(end).skip(start) {
                if k < c {
                    *val *= BEFORE_CONTRAST;
                } else if k > c {
                    *val *= AFTER_CONTRAST;
                }
            }
            if c == start && start > 0 {
                let prev = units[start - 1].sentence;
                for k in (0..start).rev() {
                    if units[k].sentence != prev {
                        break;
                    }
                    vals[k] *= BEFORE_CONTRAST;
                }
            }
        }
    }

    let sum: f64 = vals.iter().map(|&v| f64::from(v)).sum();
    if sum == 0.0 {
        return 0.0;
    }
    let mut emphasis = f64::from(exclamations.min(4)) * EXCLAMATION_INCR;
    if questions > 1 {
        emphasis += if questions <= 3 {
            f64::from(questions) * QUESTION_INCR
        } else {
            0.96
        };
    }
    sum + emphasis * sum.signum()
}

/// The index ranges of the runs of consecutive units with the same `key` (the
/// sentences, the clauses), in order.
fn runs<K: PartialEq>(
    units: &[Unit],
    key: impl Fn(&Unit) -> K,
) -> impl Iterator<Item = Range<usize>> {
    units
        .chunk_by(move |a, b| key(a) == key(b))
        .scan(0, |start, run| {
            let range = *start..*start + run.len();
            *start = range.end;
            Some(range)
        })
}

/// A lone exclamation of praise opening a sentence ("Just fantastic, it broke after a
/// day", "Oh great, the server is down again. Wonderful.") in a text whose other
/// words complain is sarcasm: its praise counts as blame. A sentence with a contrast
/// or a concession is a real mixed opinion ("Great, but …") and is left alone.
fn read_sarcasm(units: &[Unit], vals: &mut [f32], exclamations: &mut Vec<usize>) {
    exclamations.clear();
    for Range { start, end } in runs(units, |u| u.sentence) {
        let mixed = units[start..end]
            .iter()
            .any(|u| matches!(u.role, Some(Role::Contrast | Role::Concession)));
        // The sentence's first clause.
        let first = runs(&units[start..end], |u| u.clause)
            .next()
            .map_or(end, |clause| start + clause.end);
        let mut praise = None;
        let mut lone = !mixed;
        for k in start..first {
            match units[k].role {
                Some(Role::Valence { v, .. }) if v >= SARCASM_MIN_PRAISE && vals[k] > 0.0 => {
                    lone &= praise.is_none();
                    praise = Some(k);
                }
                None | Some(Role::Booster { .. }) if units[k].cues.has(Cues::LEAD) => {}
                _ => lone = false,
            }
        }
        if let (true, Some(k)) = (lone, praise) {
            exclamations.push(k);
        }
    }
    if exclamations.is_empty() {
        return;
    }
    let mut rest = 0f32;
    for (k, &v) in vals.iter().enumerate() {
        if !exclamations.contains(&k) {
            rest += v;
        }
    }
    if rest >= 0.0 {
        return;
    }
    // Only praise that a complaint follows ("Just fantastic, it broke"); a complaint
    // followed by praise ("Damn, the caps are back. SWEET!") is a change of mood.
    for &k in exclamations.iter() {
        let complaint_after = vals[k + 1..]
            .iter()
            .enumerate()
            .any(|(j, &v)| v <= SARCASM_MIN_COMPLAINT && !exclamations.contains(&(k + 1 + j)));
        if complaint_after {
            vals[k] *= SARCASM_SCALAR;
        }
    }
}
