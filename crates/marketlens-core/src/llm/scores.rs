//! Deterministic scores of a generated text, computed for every answer that had the
//! schema's shape (no model involved): how much of it is grounded, how many of the
//! key figures it states, how long it is and how long its sentences are.

use serde::{Deserialize, Serialize};

use super::grounding::{Facts, GroundingReport};
use super::input::SummaryInput;
use super::output::GeneratedSummary;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextScores {
    /// Grounded claims over claims checked (1 when it makes none).
    pub grounding_rate: f64,
    /// Key figures stated (offer and product counts, median, lowest and highest
    /// price, review count) over those the input has.
    pub key_figure_coverage: f64,
    /// Words in the summary paragraphs.
    pub summary_words: u32,
    /// Mean words per sentence over every text of the answer (readability: shorter
    /// reads easier; above about 25 it gets hard).
    pub mean_sentence_words: f64,
}

pub fn score(
    summary: &GeneratedSummary,
    grounding: &GroundingReport,
    input: &SummaryInput,
    facts: &Facts,
) -> TextScores {
    let checked = grounding.claims_checked;
    let grounding_rate = if checked == 0 {
        1.0
    } else {
        f64::from(checked.saturating_sub(grounding.ungrounded.len() as u32)) / f64::from(checked)
    };
    let texts = summary.texts();
    let keys = Facts::key_figures(input);
    let stated = keys
        .iter()
        .filter(|k| texts.iter().any(|(_, t)| facts.states(t, k)))
        .count();
    let words = |t: &str| t.split_whitespace().count();
    let sentences: usize = texts
        .iter()
        .map(|(_, t)| {
            t.split(['.', '!', '?'])
                .filter(|s| s.split_whitespace().next().is_some())
                .count()
                .max(1)
        })
        .sum();
    let all_words: usize = texts.iter().map(|(_, t)| words(t)).sum();
    TextScores {
        grounding_rate,
        key_figure_coverage: if keys.is_empty() {
            1.0
        } else {
            stated as f64 / keys.len() as f64
        },
        summary_words: summary.summary.iter().map(|t| words(t) as u32).sum(),
        mean_sentence_words: all_words as f64 / sentences.max(1) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn a_summary_stating_the_key_figures_covers_them_and_scores_its_length() {
        let input = testing::summary_input(5);
        let facts = Facts::from_input(&input);
        let s = &input.statistics;
        let p = s.price.as_ref().unwrap();
        let text = |summary: &str| GeneratedSummary {
            summary: vec![summary.into()],
            recommendations: vec![],
            key_points: vec!["Compare offers.".into()],
        };
        let full = text(&format!(
            "{} offers for {} products. The median is {:.2} EUR, from {:.2} to {:.2} EUR. {} reviews were read.",
            s.offer_count, s.product_count, p.median, p.min, p.max, s.review_count
        ));
        let report = facts.check_summary(&full);
        let scores = score(&full, &report, &input, &facts);
        assert_eq!(scores.key_figure_coverage, 1.0, "{scores:?}");
        assert_eq!(scores.grounding_rate, 1.0);
        assert!(scores.summary_words >= 15);

        let thin = text("Prices vary a lot, and 99999 EUR is typical.");
        let report = facts.check_summary(&thin);
        let scores = score(&thin, &report, &input, &facts);
        assert_eq!(scores.key_figure_coverage, 0.0);
        assert!(scores.grounding_rate < 1.0, "{scores:?}");
        assert_eq!(scores.mean_sentence_words, (9.0 + 2.0) / 2.0);
    }
}
