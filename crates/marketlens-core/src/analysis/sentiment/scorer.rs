//! The rule-based scorer, after VADER (Hutto & Gilbert, ICWSM 2014): sum the valences of
//! the sentiment words, each adjusted by the intensifiers before it, ALL-CAPS emphasis,
//! negation and contrast, add emphasis for `!`, then squash with `x / sqrt(x² + 15)`.

use super::emoji::{emoji_valence, emoticon_valence};
use super::lexicon::{Lexicon, Role};
use super::text::{Token, TokenKind};
use crate::domain::Language;

/// Added to a sentiment word written in capitals among non-capital words.
const C_INCR: f32 = 0.733;
/// Multiplier of a negated sentiment word.
const N_SCALAR: f32 = -0.74;
/// Decay of an intensifier one, two and three words away.
const BOOST_DECAY: [f32; 3] = [1.0, 0.95, 0.9];
/// Weight of what comes before / after a contrast word in its sentence.
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
/// Added per `!` (at most four).
const EXCLAMATION_INCR: f64 = 0.292;
const QUESTION_INCR: f64 = 0.18;
const ALPHA: f64 = 15.0;

#[derive(Debug, Clone, Copy)]
struct Unit {
    role: Option<Role>,
    caps: bool,
    clause: u32,
    sentence: u32,
    /// French `ne` / `n'` (makes a later `plus` a negator).
    is_ne: bool,
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

fn build_units(tokens: &[Token], lex: &Lexicon) -> (Vec<Unit>, u32, u32) {
    let french = lex.language == Language::Fr;
    let mut units: Vec<Unit> = Vec::with_capacity(tokens.len());
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
                let v = t
                    .norm
                    .chars()
                    .next()
                    .filter(|_| t.norm.chars().count() == 1)
                    .and_then(emoji_valence)
                    .or_else(|| emoticon_valence(&t.norm));
                units.push(Unit {
                    role: v.map(|v| Role::Valence { v, negated: false }),
                    caps: false,
                    clause,
                    sentence,
                    is_ne: false,
                });
                i += 1;
            }
            TokenKind::Word => {
                let matched = lex.phrases(&t.norm).iter().find_map(|p| {
                    let k = p.rest.len();
                    let ok = i + k < tokens.len()
                        && p.rest.iter().enumerate().all(|(j, w)| {
                            let n = &tokens[i + 1 + j];
                            n.is_word() && n.norm == *w
                        });
                    ok.then_some((p.role, k))
                });
                if let Some((role, k)) = matched {
                    units.push(Unit {
                        role: Some(role),
                        caps: tokens[i..=i + k].iter().all(|t| t.caps),
                        clause,
                        sentence,
                        is_ne: false,
                    });
                    i += k + 1;
                    continue;
                }
                let is_ne = french && (t.norm == "ne" || t.norm == "n'");
                let role = if french && t.norm == "plus" {
                    // "ne … plus" negates; otherwise `plus` compares ("plus solide").
                    let after_ne = units
                        .iter()
                        .rev()
                        .take(4)
                        .take_while(|u| u.clause == clause)
                        .any(|u| u.is_ne);
                    Some(if after_ne {
                        Role::Negator
                    } else {
                        Role::Booster {
                            b: 0.2,
                            post: false,
                        }
                    })
                } else {
                    lex.role(&t.norm)
                };
                units.push(Unit {
                    role,
                    caps: t.caps,
                    clause,
                    sentence,
                    is_ne,
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
    (units, exclamations, questions)
}

/// Raw (unnormalised) VADER sum of a run of tokens, punctuation emphasis included.
pub(crate) fn raw_sum(tokens: &[Token], lex: &Lexicon) -> f64 {
    let (units, exclamations, questions) = build_units(tokens, lex);
    if units.is_empty() {
        return 0.0;
    }
    let mut any_caps = false;
    let mut any_lower = false;
    for t in tokens.iter().filter(|t| t.is_word()) {
        if t.caps {
            any_caps = true;
        } else if t.norm.chars().filter(|c| c.is_alphabetic()).count() >= 2 {
            any_lower = true;
        }
    }
    let cap_diff = any_caps && any_lower;
    let negation_window = if lex.language == Language::Fr { 4 } else { 3 };

    let mut vals = vec![0f32; units.len()];
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
        if !negated {
            for j in 1..=negation_window {
                let Some(k) = i.checked_sub(j) else { break };
                if units[k].clause != unit.clause {
                    break;
                }
                if units[k].role == Some(Role::Negator) {
                    val *= N_SCALAR;
                    break;
                }
            }
        }
        vals[i] = val;
    }

    // Contrast: within a sentence the part after the first contrast word weighs more;
    // a sentence that opens with one ("However, …") also damps the sentence before.
    let mut start = 0;
    while start < units.len() {
        let sentence = units[start].sentence;
        let end = units[start..]
            .iter()
            .position(|u| u.sentence != sentence)
            .map_or(units.len(), |p| start + p);
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
        start = end;
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
