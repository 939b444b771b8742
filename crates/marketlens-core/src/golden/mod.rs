//! The golden set's scoring: how one result of a golden case reads against what the
//! case expects (pure; `marketlens eval golden` runs the cases and adds them up).
//!
//! A case expects **key points** — figures and facts its report must state (the
//! cheapest offer, the median price, the most criticised aspect, the best-value
//! product …) — and lists **forbidden claims** — what it must not state (a price only
//! true without the case's filter, prices in a currency the result was not converted
//! to, a narrative in the other language …). Both are read in the report's words
//! ([`report_text`]): the narrative the report shows (the accepted generated one, else
//! the deterministic one) and each recommendation's title and explanation.
//!
//! Figures are matched by the grounding check's own rules (rounded as written, names
//! set aside first: [`crate::llm::grounding`]); words case-insensitively, as whole
//! words. The same check gives the **grounding rate**: each figure, currency, date and
//! name claimed, against the facts of the result ([`crate::llm::input::SummaryInput`]).

pub mod metrics;
pub mod readability;

use serde::{Deserialize, Serialize};

use crate::domain::Language;
use crate::error::ErrorType;
use crate::llm::grounding::Facts;
use crate::llm::input::SummaryInput;
use crate::llm::outcome::NarrativeStatus;
use crate::report::AnalysisResult;
use readability::{Readability, readability};

/// Products the facts of a result list by name (the `llm_summarize` default).
pub const FACT_PRODUCTS: usize = 10;

/// Where a claim is looked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// The report's words ([`report_text`]).
    #[default]
    Text,
    /// The data notices at the top of the report (sample data, fallback, stale).
    Notices,
}

/// One figure or fact a case expects (a key point) or forbids. Exactly one of
/// `price`, `count`, `words` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// What it is, in words: `cheapest offer`, `most criticised aspect`.
    pub name: String,
    /// A price in the result's currency, matched as rounded in the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// A count, matched exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Any of these words or phrases (case-insensitive, whole words).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<String>,
    #[serde(default, skip_serializing_if = "is_text")]
    pub place: Place,
}

fn is_text(p: &Place) -> bool {
    *p == Place::Text
}

impl Claim {
    /// A price claim. The figure is kept to 4 decimals: a text rounds it as it
    /// writes it (to cents, to units), and the match allows for that rounding.
    pub fn price(name: &str, price: f64) -> Self {
        Self::new(name, Some((price * 1e4).round() / 1e4), None, Vec::new())
    }
    pub fn count(name: &str, count: u32) -> Self {
        Self::new(name, None, Some(count), Vec::new())
    }
    pub fn words(name: &str, words: &[&str]) -> Self {
        Self::new(
            name,
            None,
            None,
            words.iter().map(|w| (*w).to_owned()).collect(),
        )
    }
    fn new(name: &str, price: Option<f64>, count: Option<u32>, words: Vec<String>) -> Self {
        Self {
            name: name.to_owned(),
            price,
            count,
            words,
            place: Place::Text,
        }
    }

    pub fn in_notices(mut self) -> Self {
        self.place = Place::Notices;
        self
    }

    /// Why the claim is malformed, if it is.
    pub fn check(&self) -> Result<(), ClaimError> {
        let set = usize::from(self.price.is_some())
            + usize::from(self.count.is_some())
            + usize::from(!self.words.is_empty());
        if set != 1 {
            return Err(ClaimError::NotExactlyOne {
                name: self.name.clone(),
            });
        }
        if self.words.iter().any(|w| w.trim().is_empty()) {
            return Err(ClaimError::EmptyWord {
                name: self.name.clone(),
            });
        }
        Ok(())
    }
}

/// A malformed claim of a golden case (the case file is a configuration: its errors
/// are `invalid_config`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("claim {name:?}: give exactly one of price, count, words")]
    NotExactlyOne { name: String },
    #[error("claim {name:?}: an empty word")]
    EmptyWord { name: String },
}

impl ClaimError {
    pub fn error_type(&self) -> ErrorType {
        ErrorType::InvalidConfig
    }
}

/// What a case expects of its result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// The analysis is expected to fail with this error type (`no_data`) instead of
    /// completing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_points: Vec<Claim>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forbidden: Vec<Claim>,
}

impl Expectations {
    pub fn check(&self) -> Result<(), ClaimError> {
        self.key_points
            .iter()
            .chain(&self.forbidden)
            .try_for_each(Claim::check)
    }
}

/// One text of a report and where it sits (`narrative[0]`, `recommendations[1]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportText {
    pub field: String,
    pub text: String,
}

/// The report's words: the narrative it shows (the accepted generated summary and
/// key points, else the deterministic narrative), then each recommendation's title
/// and its explanation (the generated one when accepted, else its detail).
pub fn report_text(result: &AnalysisResult) -> Vec<ReportText> {
    let generated = result
        .llm
        .as_ref()
        .filter(|l| l.status == NarrativeStatus::Accepted)
        .and_then(|l| l.text.as_ref());
    let mut out = Vec::new();
    let mut push = |field: String, text: &str| {
        out.push(ReportText {
            field,
            text: text.to_owned(),
        })
    };
    match generated {
        Some(g) => {
            for (i, t) in g.summary.iter().enumerate() {
                push(format!("narrative[{i}]"), t);
            }
            for (i, t) in g.key_points.iter().enumerate() {
                push(format!("key_points[{i}]"), t);
            }
        }
        None => {
            for (i, t) in result.narrative.iter().enumerate() {
                push(format!("narrative[{i}]"), t);
            }
        }
    }
    for (i, r) in result.recommendations.iter().enumerate() {
        let explanation = generated
            .and_then(|g| g.explanation(i))
            .unwrap_or(&r.detail);
        push(
            format!("recommendations[{i}]"),
            &format!("{}. {}", r.title.trim_end_matches('.'), explanation),
        );
    }
    out
}

/// The facts a result's texts may state: those of its `llm_summarize` input.
pub fn result_facts(result: &AnalysisResult) -> Facts {
    Facts::from_input(&summary_input(result))
}

fn summary_input(result: &AnalysisResult) -> SummaryInput {
    SummaryInput::build(
        &result.query,
        // The facts do not depend on the language; the narrative's is the query's.
        crate::report::narrative::narrative_language(&result.query, result.params.language),
        result.generated_at.date_naive(),
        &result.products,
        &result.market,
        &result.sentiment,
        &result.recommendations,
        FACT_PRODUCTS,
    )
}

/// A claim of the text that matches nothing in the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsupported {
    pub field: String,
    pub kind: String,
    pub claim: String,
}

/// How one result reads against its case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseScore {
    /// Claims of the text checked by the grounding rules, and those matching nothing.
    pub claims_checked: u32,
    pub ungrounded: Vec<Unsupported>,
    pub key_points: u32,
    /// Key points not stated, by name.
    pub missing: Vec<String>,
    /// Forbidden claims stated, by name.
    pub forbidden_stated: Vec<String>,
    pub language: Language,
    pub readability: Readability,
    /// Names of the quality checks that failed.
    pub quality_failures: Vec<String>,
}

impl CaseScore {
    /// Inventions: ungrounded claims plus forbidden claims stated.
    pub fn inventions(&self) -> u32 {
        (self.ungrounded.len() + self.forbidden_stated.len()) as u32
    }
}

/// Scores `result` against `expect`.
pub fn score_case(result: &AnalysisResult, expect: &Expectations) -> CaseScore {
    let texts = report_text(result);
    let facts = result_facts(result);
    let mut claims_checked = 0;
    let mut ungrounded = Vec::new();
    for t in &texts {
        let (checked, bad) = facts.check_text(&t.text);
        claims_checked += checked;
        ungrounded.extend(bad.into_iter().map(|(kind, claim)| Unsupported {
            field: t.field.clone(),
            kind: kind.as_str().to_owned(),
            claim,
        }));
    }
    let states = |claim: &Claim| {
        let pool: Vec<&str> = match claim.place {
            Place::Text => texts.iter().map(|t| t.text.as_str()).collect(),
            Place::Notices => result.data_notices.iter().map(String::as_str).collect(),
        };
        pool.iter()
            .any(|text| claim_stated(&facts, result, claim, text))
    };
    let missing = expect
        .key_points
        .iter()
        .filter(|k| !states(k))
        .map(|k| k.name.clone())
        .collect();
    let forbidden_stated = expect
        .forbidden
        .iter()
        .filter(|f| states(f))
        .map(|f| f.name.clone())
        .collect();
    let language = result.narrative_language;
    let all: Vec<&str> = texts.iter().map(|t| t.text.as_str()).collect();
    CaseScore {
        claims_checked,
        ungrounded,
        key_points: expect.key_points.len() as u32,
        missing,
        forbidden_stated,
        language,
        readability: readability(&all.join("\n"), language),
        quality_failures: result
            .quality
            .failed_checks()
            .map(|c| c.name.clone())
            .collect(),
    }
}

fn claim_stated(facts: &Facts, result: &AnalysisResult, claim: &Claim, text: &str) -> bool {
    let mut figure = Facts::default();
    if let Some(p) = claim.price {
        figure.add_amount(p, result.market.currency);
    } else if let Some(n) = claim.count {
        figure.add_count(n);
    } else {
        return claim.words.iter().any(|w| contains_words(text, w));
    }
    facts.states(text, &figure)
}

/// Whether `text` holds `phrase` as whole words, ignoring case.
pub fn contains_words(text: &str, phrase: &str) -> bool {
    let text = text.to_lowercase();
    let phrase = phrase.trim().to_lowercase();
    if phrase.is_empty() {
        return false;
    }
    let word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(&phrase).any(|(at, _)| {
        !word_char(text[..at].chars().next_back())
            && !word_char(text[at + phrase.len()..].chars().next())
    })
}

/// The key points a result states, as a recording proposes them for a new case:
/// the offer count, the cheapest, median (when the sample is large enough to state it)
/// and dearest prices, the review count, the most praised and most criticised aspects
/// (in the narrative's language), a notice for each source that failed, and the
/// best-value product.
pub fn proposed_key_points(result: &AnalysisResult) -> Vec<Claim> {
    let m = &result.market;
    let mut out = vec![Claim::count("offers", m.offer_count)];
    if let Some(p) = &m.price {
        out.push(Claim::price("cheapest offer", p.min));
        if p.count >= m.min_sample_size {
            out.push(Claim::price("median price", p.median));
        }
        if p.max > p.min {
            out.push(Claim::price("dearest offer", p.max));
        }
    }
    let s = &result.sentiment;
    if s.review_count > 0 {
        out.push(Claim::count("reviews", s.review_count));
    }
    if s.mean_score.is_some() && s.review_count >= m.min_sample_size {
        let language = result.narrative_language;
        for (name, keep) in [
            (
                "most praised aspect",
                (|v: f64| v > 0.05) as fn(f64) -> bool,
            ),
            ("most criticised aspect", |v: f64| v < -0.05),
        ] {
            let kept = s.aspects.iter().filter(|a| keep(a.mean_score));
            if let Some(top) = kept.clone().map(|a| a.mentions).max() {
                let names: Vec<&str> = kept
                    .filter(|a| a.mentions == top)
                    .map(|a| crate::report::narrative::aspect_name(&a.aspect, language))
                    .collect();
                out.push(Claim::words(name, &names));
            }
        }
    }
    // A source that failed is named at the top of the report, with what replaced it.
    for o in &result.sources {
        if o.status != crate::result::SourceStatus::Live
            && o.status != crate::result::SourceStatus::Cache
        {
            out.push(
                Claim::words(
                    &format!("{} failure noticed", o.source),
                    &[&format!("Source {} failed", o.source)],
                )
                .in_notices(),
            );
        }
    }
    for r in &result.recommendations {
        if r.kind == crate::recommend::RecommendationKind::BestValue {
            let title = r.title.trim_start_matches("Best value: ");
            out.push(Claim::words("best value", &[title]));
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn the_deterministic_narrative_states_the_key_points_proposed_from_its_result() {
        let result = testing::result();
        let proposed = proposed_key_points(&result);
        let names: Vec<&str> = proposed.iter().map(|k| k.name.as_str()).collect();
        assert!(
            names.contains(&"offers") && names.contains(&"cheapest offer"),
            "{names:?}"
        );
        let expect = Expectations {
            error_type: None,
            key_points: proposed,
            forbidden: vec![Claim::words("French wording", &["offres", "vendeurs"])],
        };
        let score = score_case(&result, &expect);
        assert!(score.missing.is_empty(), "{:?}", score.missing);
        assert!(score.forbidden_stated.is_empty());
        assert!(score.claims_checked > 0);
        assert_eq!(score.language, Language::En);
        assert!(score.readability.words > 0);
        assert!(score.quality_failures.is_empty());
    }

    #[test]
    fn a_changed_figure_is_missing_and_a_stated_forbidden_claim_is_counted() {
        let mut result = testing::result();
        let cheapest = result.market.price.as_ref().unwrap().min;
        let expect = Expectations {
            error_type: None,
            key_points: vec![
                Claim::price("cheapest offer", cheapest),
                Claim::price("a price the result lacks", cheapest + 1234.5),
            ],
            forbidden: vec![Claim::price("the cheapest, forbidden", cheapest)],
        };
        let score = score_case(&result, &expect);
        assert_eq!(score.missing, ["a price the result lacks"]);
        assert_eq!(score.forbidden_stated, ["the cheapest, forbidden"]);
        assert_eq!(score.inventions(), score.ungrounded.len() as u32 + 1);

        // An invented figure in the narrative is an ungrounded claim.
        result
            .narrative
            .push("One seller charges 98765.43 EUR.".into());
        let score = score_case(&result, &Expectations::default());
        assert!(
            score
                .ungrounded
                .iter()
                .any(|u| u.claim.contains("98765.43") && u.kind == "price"),
            "{:?}",
            score.ungrounded
        );
    }

    #[test]
    fn report_text_is_the_narrative_then_each_recommendation() {
        let result = testing::result();
        let texts = report_text(&result);
        assert_eq!(texts[0].field, "narrative[0]");
        assert_eq!(texts[0].text, result.narrative[0]);
        let recommendations = texts
            .iter()
            .filter(|t| t.field.starts_with("recommendations["))
            .count();
        assert_eq!(recommendations, result.recommendations.len());
    }

    #[test]
    fn words_match_whole_words_ignoring_case() {
        assert!(contains_words("The battery is weak.", "Battery"));
        assert!(contains_words("Prix : 12 €, batterie faible", "batterie"));
        assert!(!contains_words("batteries", "battery"));
        assert!(!contains_words("rebattery", "battery"));
        assert!(contains_words(
            "the build quality, says one",
            "build quality"
        ));
        assert!(!contains_words("anything", " "));
    }

    #[test]
    fn a_claim_gives_exactly_one_of_price_count_words() {
        assert!(Claim::price("cheapest", 12.0).check().is_ok());
        assert!(Claim::words("aspect", &["battery"]).check().is_ok());
        let mut both = Claim::price("x", 1.0);
        both.count = Some(2);
        let err = both.check().unwrap_err();
        assert_eq!(err, ClaimError::NotExactlyOne { name: "x".into() });
        assert!(err.to_string().contains("exactly one"));
        assert!(Claim::words("x", &[]).check().is_err());
        assert!(matches!(
            Claim::words("x", &[" "]).check(),
            Err(ClaimError::EmptyWord { .. })
        ));
    }
}
