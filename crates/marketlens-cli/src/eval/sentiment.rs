//! `marketlens eval sentiment [FILE] [--bench]`: the review-text scorer against human
//! sentiment ratings.
//!
//! Input: `id<TAB>mean_rating<TAB>text` lines (one optional header), ratings on the
//! −4…+4 scale of VADER's ground truth (Hutto & Gilbert 2014). Each text is scored with
//! `score_text` in its detected language (English when undecided).
//!
//! Figures, on one line: `pearson_r` between scores and human means; `accuracy` and
//! `macro_f1` over three classes. Classes follow the dataset README's "rule A" (the
//! paper's): a human mean is positive when `mean / 4 >= 0.05`, negative when
//! `<= -0.05`, else neutral; a score is classed with the agent config's
//! `thresholds.sentiment_positive` / `sentiment_negative` (built-in configuration).
//!
//! Without FILE, the default dataset (the Amazon snippets) is measured when present,
//! then the labelled sets of the repository (`data/sentiment`, English and French,
//! −2…+2, built into the binary): one `set=` line each, and one per register of the
//! test sets. With `--bench`, every text (the Amazon snippets, else the repository's
//! sets) is scored again on this one thread, in passes until at least a second has
//! gone by, and `reviews_per_sec` is printed.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use marketlens_core::analysis::sentiment::{SentimentLabel, SentimentSettings, label, score_text};
use marketlens_core::analysis::stats::pearson;
use marketlens_core::config::AgentConfig;
use marketlens_core::domain::{Language, detect_language};

use crate::stdout::outln;

/// One rated text.
#[derive(Clone)]
struct Row {
    id: String,
    human_mean: f64,
    text: String,
}

/// A labelled set of the repository: `data/sentiment/<name>.tsv`.
struct OwnSet {
    name: &'static str,
    language: Language,
    content: &'static str,
    /// Reported per register (the part of the id before `-`) too.
    by_register: bool,
}

/// The set `data/sentiment/<name>.tsv`, its name and its file given once.
macro_rules! own_set {
    ($name:literal, $language:expr, by_register: $by_register:expr) => {
        OwnSet {
            name: $name,
            language: $language,
            content: include_str!(concat!("../../../../data/sentiment/", $name, ".tsv")),
            by_register: $by_register,
        }
    };
}

const OWN_SETS: [OwnSet; 4] = [
    own_set!("en/dev", Language::En, by_register: false),
    own_set!("en/test", Language::En, by_register: true),
    own_set!("fr/dev", Language::Fr, by_register: false),
    own_set!("fr/test", Language::Fr, by_register: true),
];

fn settings() -> SentimentSettings {
    let t = AgentConfig::builtin().thresholds;
    SentimentSettings {
        positive_threshold: t.sentiment_positive,
        negative_threshold: t.sentiment_negative,
        min_reviews: t.min_reviews,
    }
}

/// Reads a rated file: its rows and malformed-line count, or the exit code after
/// saying why there are none.
fn read_rows(path: &Path) -> Result<(Vec<Row>, usize), ExitCode> {
    let content = match std::fs::read_to_string(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return Err(ExitCode::from(2));
        }
    };
    let (rows, skipped) = parse(&content);
    if rows.is_empty() {
        eprintln!(
            "error: {} has no `id<TAB>mean_rating<TAB>text` row",
            path.display()
        );
        return Err(ExitCode::from(2));
    }
    Ok((rows, skipped))
}

/// Measures one file, each text in its detected language.
pub fn run(path: &Path, bench: bool, verbose: bool) -> ExitCode {
    let (rows, skipped) = match read_rows(path) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let texts = detected(&rows);
    print_figures("", &rows, &texts, skipped, verbose);
    if bench {
        print_bench(&texts);
    }
    ExitCode::SUCCESS
}

/// Measures the default dataset when there is one, then the repository's sets.
pub fn run_default(dataset: Option<&Path>, bench: bool, verbose: bool) -> ExitCode {
    let mut bench_texts: Vec<(String, Language)> = Vec::new();
    if let Some(path) = dataset {
        let (rows, skipped) = match read_rows(path) {
            Ok(r) => r,
            Err(code) => return code,
        };
        let texts = detected(&rows);
        print_figures("", &rows, &texts, skipped, verbose);
        bench_texts = texts.iter().map(|(t, l)| ((*t).to_owned(), *l)).collect();
    }
    let mut own_texts = Vec::new();
    for set in &OWN_SETS {
        let (rows, skipped) = parse(set.content);
        let texts: Vec<(&str, Language)> = rows
            .iter()
            .map(|r| (r.text.as_str(), set.language))
            .collect();
        print_figures(
            &format!("set={} ", set.name),
            &rows,
            &texts,
            skipped,
            verbose,
        );
        if set.by_register {
            let mut registers: Vec<&str> = rows.iter().map(|r| register(&r.id)).collect();
            registers.sort_unstable();
            registers.dedup();
            for reg in registers {
                let (part_rows, part_texts): (Vec<&Row>, Vec<(&str, Language)>) = rows
                    .iter()
                    .zip(&texts)
                    .filter(|(r, _)| register(&r.id) == reg)
                    .map(|(r, t)| (r, *t))
                    .unzip();
                let part_rows: Vec<Row> = part_rows.into_iter().cloned().collect();
                print_figures(
                    &format!("set={} register={reg} ", set.name),
                    &part_rows,
                    &part_texts,
                    0,
                    false,
                );
            }
        }
        own_texts.extend(texts.iter().map(|(t, l)| ((*t).to_owned(), *l)));
    }
    if bench {
        let texts = if bench_texts.is_empty() {
            own_texts
        } else {
            bench_texts
        };
        let texts: Vec<(&str, Language)> = texts.iter().map(|(t, l)| (t.as_str(), *l)).collect();
        print_bench(&texts);
    }
    ExitCode::SUCCESS
}

/// The register of a row of the repository's sets: its id up to the first `-`.
fn register(id: &str) -> &str {
    id.split_once('-').map_or(id, |(r, _)| r)
}

fn detected(rows: &[Row]) -> Vec<(&str, Language)> {
    rows.iter()
        .map(|r| (r.text.as_str(), language_of(&r.text)))
        .collect()
}

/// Scores the texts and prints their figures on one line after `prefix`; `verbose`:
/// first every text classed wrongly, with its score.
fn print_figures(
    prefix: &str,
    rows: &[Row],
    texts: &[(&str, Language)],
    skipped: usize,
    verbose: bool,
) {
    let settings = settings();
    let scores: Vec<f64> = texts.iter().map(|(t, l)| score_text(t, *l)).collect();
    let humans: Vec<f64> = rows.iter().map(|r| r.human_mean).collect();
    if verbose {
        for ((row, score), (text, _)) in rows.iter().zip(&scores).zip(texts) {
            if label(*score, &settings) != human_label(row.human_mean) {
                outln!(
                    "{prefix}wrong id={} human={} score={score:.3} text={text}",
                    row.id,
                    row.human_mean
                );
            }
        }
    }
    let figures = measure(&scores, &humans, &settings);
    outln!(
        "{prefix}pearson_r={} accuracy={:.4} macro_f1={:.4} n={} skipped={skipped}",
        figures
            .pearson_r
            .map_or_else(|| "undefined".to_owned(), |r| format!("{r:.4}")),
        figures.accuracy,
        figures.macro_f1,
        rows.len()
    );
}

fn print_bench(texts: &[(&str, Language)]) {
    let (per_sec, passes, elapsed) = bench_scoring(texts);
    outln!(
        "reviews_per_sec={per_sec:.0} reviews={} passes={passes} seconds={:.3} threads=1",
        texts.len(),
        elapsed.as_secs_f64()
    );
}

fn language_of(text: &str) -> Language {
    detect_language(text).unwrap_or(Language::En)
}

/// Rows of the file and the number of malformed lines (a first line whose rating is
/// not a number is a header, not a malformed line).
fn parse(content: &str) -> (Vec<Row>, usize) {
    let mut rows = Vec::new();
    let mut skipped = 0;
    for (i, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        // No quoting: split on the first two tabs; the text may hold more.
        let mut parts = line.splitn(3, '\t');
        let (id, rating, text) = (parts.next(), parts.next(), parts.next());
        match (rating.and_then(|r| r.trim().parse::<f64>().ok()), text) {
            (Some(human_mean), Some(text)) if human_mean.is_finite() => rows.push(Row {
                id: id.unwrap_or_default().to_owned(),
                human_mean,
                text: text.to_owned(),
            }),
            _ if i == 0 => {}
            _ => skipped += 1,
        }
    }
    (rows, skipped)
}

/// The human class of a mean rating on −4…+4 (rule A of the dataset README).
fn human_label(mean: f64) -> SentimentLabel {
    let normalised = mean / 4.0;
    if normalised >= 0.05 {
        SentimentLabel::Positive
    } else if normalised <= -0.05 {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    }
}

#[derive(Debug, PartialEq)]
struct Figures {
    pearson_r: Option<f64>,
    accuracy: f64,
    macro_f1: f64,
}

fn measure(scores: &[f64], humans: &[f64], settings: &SentimentSettings) -> Figures {
    const CLASSES: [SentimentLabel; 3] = [
        SentimentLabel::Positive,
        SentimentLabel::Neutral,
        SentimentLabel::Negative,
    ];
    let pairs: Vec<(SentimentLabel, SentimentLabel)> = scores
        .iter()
        .zip(humans)
        .map(|(s, h)| (label(*s, settings), human_label(*h)))
        .collect();
    let n = pairs.len().max(1) as f64;
    let correct = pairs.iter().filter(|(p, g)| p == g).count() as f64;
    // Macro F1: the mean over the three classes of 2·TP / (2·TP + FP + FN); a class
    // neither predicted nor present counts as 0.
    let f1_sum: f64 = CLASSES
        .iter()
        .map(|c| {
            let tp = pairs.iter().filter(|(p, g)| p == c && g == c).count() as f64;
            let fp = pairs.iter().filter(|(p, g)| p == c && g != c).count() as f64;
            let fn_ = pairs.iter().filter(|(p, g)| p != c && g == c).count() as f64;
            if tp == 0.0 {
                0.0
            } else {
                2.0 * tp / (2.0 * tp + fp + fn_)
            }
        })
        .sum();
    Figures {
        pearson_r: pearson(scores, humans),
        accuracy: correct / n,
        macro_f1: f1_sum / 3.0,
    }
}

/// Scores every text in passes on this thread until at least a second has passed.
fn bench_scoring(texts: &[(&str, Language)]) -> (f64, u32, Duration) {
    let started = Instant::now();
    let mut passes = 0u32;
    while passes == 0 || started.elapsed() < Duration::from_secs(1) {
        for (text, language) in texts {
            std::hint::black_box(score_text(std::hint::black_box(text), *language));
        }
        passes += 1;
    }
    let elapsed = started.elapsed();
    let reviews = texts.len() as f64 * f64::from(passes);
    (reviews / elapsed.as_secs_f64(), passes, elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SentimentSettings {
        SentimentSettings {
            positive_threshold: 0.05,
            negative_threshold: -0.05,
            min_reviews: 1,
        }
    }

    #[test]
    fn the_repository_sets_are_well_formed_and_split_by_register() {
        for set in &OWN_SETS {
            let (rows, skipped) = parse(set.content);
            assert_eq!(skipped, 0, "{}", set.name);
            assert!(rows.len() >= 150, "{}: {}", set.name, rows.len());
            for r in &rows {
                assert!(
                    [-2.0, -1.0, 0.0, 1.0, 2.0].contains(&r.human_mean),
                    "{}: {}",
                    set.name,
                    r.id
                );
                assert!(
                    ["product", "critic", "editorial", "forum"].contains(&register(&r.id)),
                    "{}: {}",
                    set.name,
                    r.id
                );
            }
        }
        // Dev and test share no text.
        for (dev, test) in [(&OWN_SETS[0], &OWN_SETS[1]), (&OWN_SETS[2], &OWN_SETS[3])] {
            let dev_texts: Vec<String> = parse(dev.content).0.into_iter().map(|r| r.text).collect();
            assert!(
                parse(test.content)
                    .0
                    .iter()
                    .all(|r| !dev_texts.contains(&r.text))
            );
        }
    }

    #[test]
    fn parses_header_rows_and_tabs_inside_the_text() {
        let (rows, skipped) =
            parse("id\tmean_rating\ttext\n1\t2.5\tgreat\tvalue\n2\tbad\tx\n\n3\t-1\tmeh\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].text, "great\tvalue");
        assert_eq!(rows[1].human_mean, -1.0);
        assert_eq!(skipped, 1);
    }

    #[test]
    fn human_classes_follow_rule_a() {
        assert_eq!(human_label(0.2), SentimentLabel::Positive);
        assert_eq!(human_label(0.19), SentimentLabel::Neutral);
        assert_eq!(human_label(-0.2), SentimentLabel::Negative);
    }

    #[test]
    fn figures_of_a_hand_checked_sample() {
        // Scores classed pos, neg, neu, pos; humans pos, neg, pos, neg: 2 of 4 right.
        // F1: positive 2·1/(2+1+1) = 0.5, negative 2·1/(2+0+1) = 2/3, neutral 0.
        let f = measure(&[0.8, -0.6, 0.0, 0.3], &[3.0, -2.0, 1.0, -1.0], &settings());
        assert_eq!(f.accuracy, 0.5);
        assert!((f.macro_f1 - (0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert!(f.pearson_r.unwrap() > 0.0);
        assert_eq!(measure(&[0.5], &[1.0], &settings()).pearson_r, None);
    }
}
