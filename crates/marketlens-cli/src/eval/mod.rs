//! `marketlens eval …`: measure a component on an external dataset and print its
//! figures in a stable, greppable form (`name=value` pairs); `eval golden` compares
//! pipeline variants on the repository's golden set instead (`crate::golden`).
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
mod matching_synthetic;
mod prices;
mod sentiment;

#[derive(Subcommand)]
pub enum EvalCommand {
    /// The golden set: each variant over every case, compared in a markdown table
    /// (stdout), `golden.json` and `golden.html`; `--baseline`: exit 1 when a metric
    /// regresses beyond its tolerance.
    Golden {
        /// Variants, comma-separated, each `[LABEL=]CONFIG[+PROMPT]` with CONFIG
        /// `builtin`, an agent configuration file or `version:N` (a stored version),
        /// PROMPT a prompt file replacing the configuration's.
        #[arg(long, value_delimiter = ',', default_value = "builtin")]
        variants: Vec<String>,
        /// An earlier run's golden.json to compare with (e.g. golden/baseline.json).
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// The golden set's directory.
        #[arg(long, default_value = "golden")]
        set: PathBuf,
        /// Where golden.json and golden.html are written (default: DATA_DIR/golden).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Data directory: the store `version:N` variants are read from.
        #[arg(long, env = "MARKETLENS_DATA_DIR", default_value = "marketlens-data")]
        data_dir: PathBuf,
    },
    /// Product extractor on saved pages: field accuracy against their expected
    /// outputs, pages/s; `--bench`: extraction throughput on one core.
    Extract {
        /// Folder with product_facts.jsonl (default: extruct_product_pages of the datasets).
        dir: Option<PathBuf>,
        /// The page corpus with expected fields (`expected.jsonl` and `pages/`): per-field
        /// F1 by method (default: data/extract-corpus of the working directory).
        #[arg(long)]
        corpus: Option<PathBuf>,
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
    /// Product matching: precision, recall and F1 of the pair decision on labelled
    /// pairs; `--train`: fit the pair model.
    Matching {
        /// Pairs: JSONL (`left`/`right`/`label`), CSV (`left_*`/`right_*`/`label`) or a
        /// Magellan folder / pair CSV (`tableA.csv`, `tableB.csv`, `ltable_id,rtable_id,label`)
        /// (default: er_abt_buy/test.jsonl of the datasets).
        file: Option<PathBuf>,
        /// Pair file of a Magellan folder to read: train, valid or test.
        #[arg(long, default_value = "test")]
        split: String,
        /// Score with this pair-model weights file instead of the built-in one.
        #[arg(long, value_name = "MODEL_JSON")]
        model: Option<PathBuf>,
        /// Train the pair model on --pairs and/or --synthetic and print its weights.
        #[arg(long)]
        train: bool,
        /// Labelled pair files to train on (a Magellan folder gives its train split).
        #[arg(long, value_name = "PAIRS")]
        pairs: Vec<PathBuf>,
        /// Synthetic pairs generated from this catalogue folder (products.jsonl, e.g.
        /// data/sample-catalog) and generated products: trained on with --train,
        /// else scored instead of FILE.
        #[arg(long, value_name = "CATALOG_DIR")]
        synthetic: Option<PathBuf>,
        /// Where --train writes the weights (JSON).
        #[arg(long, value_name = "MODEL_JSON")]
        model_out: Option<PathBuf>,
        /// Boosted trees --train fits on top of the logistic regression (0: none).
        #[arg(long, default_value_t = 60)]
        trees: usize,
        /// Share of the training weight --train gives the synthetic pairs (0..1) when
        /// pair files are given too.
        #[arg(long, default_value_t = 0.15)]
        synthetic_share: f64,
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

pub async fn run(command: EvalCommand) -> ExitCode {
    match command {
        EvalCommand::Golden {
            variants,
            baseline,
            set,
            out,
            data_dir,
        } => {
            let mut parsed = Vec::with_capacity(variants.len());
            for spec in variants.iter().filter(|v| !v.trim().is_empty()) {
                match crate::golden::Variant::parse(spec, &data_dir).await {
                    Ok(v) => parsed.push(v),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            if parsed.is_empty() {
                parsed.push(crate::golden::Variant::builtin());
            }
            crate::golden::eval::run(crate::golden::eval::EvalOptions {
                set,
                variants: parsed,
                baseline,
                out: out.unwrap_or_else(|| data_dir.join("golden")),
            })
            .await
        }
        EvalCommand::Extract {
            dir,
            corpus,
            verbose,
            bench,
            seconds,
        } => {
            let corpus_dir = match corpus {
                Some(c) if !c.is_dir() => {
                    eprintln!("error: {} does not exist", c.display());
                    return ExitCode::from(2);
                }
                Some(c) => Some(c),
                None => {
                    let c = PathBuf::from("data/extract-corpus");
                    if c.is_dir() {
                        Some(c)
                    } else {
                        outln!(
                            "skipped: corpus data/extract-corpus not found; run from the \
                             repository root or pass --corpus DIR"
                        );
                        None
                    }
                }
            };
            let found = dataset_file(
                dir.clone(),
                "extruct_product_pages",
                "marketlens eval extract DIR",
            );
            let seconds = seconds.clamp(0.1, 600.0);
            if bench {
                let code = extract::bench(found.as_deref(), seconds);
                if code != ExitCode::SUCCESS {
                    return code;
                }
                return match &corpus_dir {
                    Some(c) => extract::bench_corpus(c, seconds),
                    None => code,
                };
            }
            if let Some(c) = &corpus_dir {
                let code = extract::run_corpus(c, verbose);
                if code != ExitCode::SUCCESS {
                    return code;
                }
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
            split,
            model,
            train,
            pairs,
            synthetic,
            model_out,
            trees,
            synthetic_share,
            bench,
            offers,
            verbose,
        } => {
            let config = marketlens_core::config::AgentConfig::builtin();
            if bench {
                return matching::bench(offers.max(1), &config);
            }
            if train {
                let spec = matching::TrainSpec {
                    pair_files: &pairs,
                    synthetic: synthetic.as_deref(),
                    model_out: model_out.as_deref(),
                    trees: trees.min(1000),
                    synthetic_share: synthetic_share.clamp(0.0, 1.0),
                };
                return matching::train(&spec, &config.matching);
            }
            if let Some(dir) = synthetic.as_deref() {
                let source = matching::PairSource::Synthetic(dir);
                return matching::run(source, model.as_deref(), &config.matching, verbose);
            }
            match dataset_file(
                file.clone(),
                "er_abt_buy/test.jsonl",
                "marketlens eval matching FILE",
            ) {
                Some(path) => matching::run(
                    matching::PairSource::File {
                        path: &path,
                        split: &split,
                    },
                    model.as_deref(),
                    &config.matching,
                    verbose,
                ),
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
