//! `marketlens eval …`: measure a component on an external dataset and print its
//! figures in a stable, greppable form (`name=value` pairs).
//!
//! Every command takes the dataset file as an argument and defaults to the file under
//! the shared datasets folder (`$MARKETLENS_DATASETS`, else `../shared/datasets` from
//! the working directory; never a path of the machine that built the binary). When
//! the file is absent the command says so, and how to pass it, and exits 0: datasets
//! are optional, never needed by the tests.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::stdout::outln;

mod extract;
mod matching;
mod prices;
mod sentiment;

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Product extractor on saved pages: field accuracy against their expected
    /// outputs, pages/s; `--bench`: extraction throughput on one core.
    Extract {
        /// Folder with product_facts.jsonl (default: extruct_product_pages of the datasets).
        dir: Option<PathBuf>,
        /// Print every field that differs.
        #[arg(long)]
        verbose: bool,
        /// Time extraction instead (the saved pages if present, else the demo shop's).
        #[arg(long)]
        bench: bool,
        /// Seconds to run --bench for.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
    /// Review-text sentiment: Pearson r against human mean ratings, 3-class accuracy.
    Sentiment {
        /// `id<TAB>mean_rating<TAB>text` rows, ratings on -4..+4 (default:
        /// vader_sentiment/amazonReviewSnippets_GroundTruth.tsv of the datasets, then
        /// the labelled English and French sets of data/sentiment).
        file: Option<PathBuf>,
        /// Also time scoring every text on one thread and print `reviews_per_sec=`.
        #[arg(long)]
        bench: bool,
        /// Also print every text classed wrongly, with its score.
        #[arg(long)]
        verbose: bool,
    },
    /// Price-text parser: amount and currency accuracy, failures by category.
    Prices {
        /// JSONL cases (default: price_parsing/price_cases.jsonl of the datasets).
        file: Option<PathBuf>,
        /// Also print every failing case.
        #[arg(long)]
        verbose: bool,
        /// Also time parsing every text on one thread and print `strings_per_sec=`.
        #[arg(long)]
        bench: bool,
    },
    /// Product matching: precision, recall and F1 of the pair rule on labelled pairs.
    Matching {
        /// JSONL pairs (default: er_abt_buy/test.jsonl of the datasets).
        file: Option<PathBuf>,
        /// Fit the [matching] thresholds on TRAIN, check them on VALID, print them.
        #[arg(long, num_args = 2, value_names = ["TRAIN", "VALID"])]
        fit: Option<Vec<PathBuf>>,
        /// Time the normalisation of synthetic offers instead (see --offers).
        #[arg(long)]
        bench: bool,
        /// Number of synthetic offers for --bench.
        #[arg(long, default_value_t = 10_000)]
        offers: usize,
        /// Also print every wrongly decided pair with its features.
        #[arg(long)]
        verbose: bool,
    },
}

pub fn run(command: EvalCommand) -> ExitCode {
    match command {
        EvalCommand::Extract {
            dir,
            verbose,
            bench,
            seconds,
        } => {
            let found = dataset_file(
                dir.clone(),
                "extruct_product_pages",
                "marketlens eval extract DIR",
            );
            if bench {
                return extract::bench(found.as_deref(), seconds.clamp(0.1, 600.0));
            }
            match found {
                Some(path) => extract::run(&path, verbose),
                None => missing(dir.is_some()),
            }
        }
        EvalCommand::Sentiment {
            file,
            bench,
            verbose,
        } => {
            let named = file.is_some();
            let found = dataset_file(
                file,
                "vader_sentiment/amazonReviewSnippets_GroundTruth.tsv",
                "marketlens eval sentiment FILE",
            );
            match (found, named) {
                (Some(path), true) => sentiment::run(&path, bench, verbose),
                (None, true) => missing(true),
                // The repository's own labelled sets are measured either way.
                (found, false) => sentiment::run_default(found.as_deref(), bench, verbose),
            }
        }
        EvalCommand::Prices {
            file,
            verbose,
            bench,
        } => {
            match dataset_file(
                file.clone(),
                "price_parsing/price_cases.jsonl",
                "marketlens eval prices FILE",
            ) {
                Some(path) => prices::run(&path, verbose, bench),
                None => missing(file.is_some()),
            }
        }
        EvalCommand::Matching {
            file,
            fit,
            bench,
            offers,
            verbose,
        } => {
            // The thresholds evaluated are those of the built-in agent configuration.
            let config = marketlens_core::config::AgentConfig::builtin();
            if bench {
                return matching::bench(offers.max(1), &config);
            }
            if let Some(files) = fit {
                let usage = "marketlens eval matching --fit TRAIN VALID";
                let train = dataset_file(files.first().cloned(), "er_abt_buy/train.jsonl", usage);
                let valid = dataset_file(files.get(1).cloned(), "er_abt_buy/valid.jsonl", usage);
                return match (train, valid) {
                    (Some(t), Some(v)) => matching::fit(&t, &v, &config.matching),
                    _ => missing(true),
                };
            }
            match dataset_file(
                file.clone(),
                "er_abt_buy/test.jsonl",
                "marketlens eval matching FILE",
            ) {
                Some(path) => matching::run(&path, &config.matching, verbose),
                None => missing(file.is_some()),
            }
        }
    }
}

/// After [`dataset_file`] said why: 2 for a named file that does not exist, 0 for a
/// default dataset that is absent (printed as skipped).
fn missing(named: bool) -> ExitCode {
    if named {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// Where the shared datasets live: `$MARKETLENS_DATASETS`, else `../shared/datasets`
/// from the working directory. Only run-time places: a binary copied elsewhere must
/// not look for (or name) a folder of the machine that built it.
pub fn datasets_dir() -> PathBuf {
    std::env::var_os("MARKETLENS_DATASETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/datasets"))
}

/// The dataset file to read: the one given, else `relative` under [`datasets_dir`].
/// `None` (after printing why, and how to pass the file as in `usage`) when it does
/// not exist, so the caller exits 0.
pub fn dataset_file(given: Option<PathBuf>, relative: &str, usage: &str) -> Option<PathBuf> {
    let explicit = given.is_some();
    let path = given.unwrap_or_else(|| datasets_dir().join(relative));
    if path.is_file() || path.is_dir() {
        Some(path)
    } else if explicit {
        eprintln!("error: {} does not exist", path.display());
        None
    } else {
        outln!(
            "skipped: dataset {} not found; pass it (`{usage}`) or set MARKETLENS_DATASETS \
             to the folder holding {relative}",
            path.display()
        );
        None
    }
}
