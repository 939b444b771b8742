//! `marketlens eval prices` and `eval matching`: the normalisation measured on small
//! files written here (the shared datasets are never needed).

mod support;

use std::path::Path;
use std::process::Output;

use support::{marketlens_in, stdout_of, temp_file};

/// `marketlens` on `data_dir` with `args`, the shared datasets out of reach.
fn marketlens(data_dir: &Path, args: &[&str]) -> Output {
    marketlens_in(data_dir)
        .args(args)
        .env("MARKETLENS_DATASETS", data_dir.join("no-datasets-here"))
        .output()
        .unwrap()
}

/// The value of `key=` on the first line holding it.
fn figure<'a>(text: &'a str, line_prefix: &str, key: &str) -> &'a str {
    let line = text
        .lines()
        .find(|l| l.starts_with(line_prefix))
        .unwrap_or_else(|| panic!("no line {line_prefix:?} in {text}"));
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {line}"))
}

#[test]
fn eval_prices_scores_amounts_and_currencies_with_failure_categories() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cases.jsonl");
    let cases = [
        // right: amount and currency
        r#"{"price_text":"1.299,00 €","currency_hint":null,"expected_amount":"1299","expected_currency":"€","upstream_xfail":false}"#,
        // right: $ with a CAD hint is CAD on both sides
        r#"{"price_text":"$12.50","currency_hint":"CAD","expected_amount":"12.5","expected_currency":"$","upstream_xfail":false}"#,
        // right: no price at all
        r#"{"price_text":"call us","currency_hint":null,"expected_amount":null,"expected_currency":null,"upstream_xfail":false}"#,
        // wrong amount (the expectation is deliberately false), currency right
        r#"{"price_text":"10 €","currency_hint":null,"expected_amount":"11","expected_currency":"€","upstream_xfail":true}"#,
        // amount right, currency wrong (expects GBP)
        r#"{"price_text":"10 €","currency_hint":null,"expected_amount":"10","expected_currency":"£","upstream_xfail":true}"#,
    ];
    std::fs::write(&file, cases.join("\n")).unwrap();
    let out = stdout_of(&marketlens(
        dir.path(),
        &["eval", "prices", file.to_str().unwrap()],
    ));
    assert_eq!(figure(&out, "amount_accuracy=", "n"), "5", "{out}");
    assert_eq!(
        figure(&out, "amount_accuracy=", "amount_accuracy"),
        "0.8000"
    );
    assert_eq!(
        figure(&out, "amount_accuracy=", "currency_accuracy"),
        "0.8000"
    );
    assert_eq!(figure(&out, "amount_accuracy=", "both_right"), "3");
    assert_eq!(figure(&out, "subset=upstream_pass", "both"), "1.0000");
    assert_eq!(figure(&out, "subset=upstream_xfail", "n"), "2");
    assert_eq!(figure(&out, "failure=amount_wrong", "count"), "1");
    assert_eq!(figure(&out, "failure=currency_wrong", "count"), "1");

    // --bench times the same five texts, with their hints, on one thread.
    let bench = stdout_of(&marketlens(
        dir.path(),
        &["eval", "prices", file.to_str().unwrap(), "--bench"],
    ));
    assert_eq!(
        figure(&bench, "strings_per_sec=", "strings"),
        "5",
        "{bench}"
    );
    assert_eq!(figure(&bench, "strings_per_sec=", "threads"), "1");
    let rate: f64 = figure(&bench, "strings_per_sec=", "strings_per_sec")
        .parse()
        .unwrap();
    assert!(rate > 0.0, "{bench}");
    assert!(
        !out.contains("strings_per_sec="),
        "only with --bench: {out}"
    );
}

#[test]
fn eval_matching_prints_f1_precision_recall() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pairs.jsonl");
    let row = |l: u32, r: u32, left: &str, right: &str, label: u8| {
        format!(
            r#"{{"left_id":{l},"right_id":{r},"left":{{"name":"{left}","description":null,"price":null}},"right":{{"name":"{right}","description":null,"price":"99.0"}},"label":{label}}}"#
        )
    };
    let rows = [
        // true positive: same model code, other punctuation
        row(
            1,
            1,
            "sony bravia theater micro system davis50b",
            "sony bravia dav-is50 / b home theater system",
            1,
        ),
        // true negative: close but different model numbers
        row(
            2,
            2,
            "panasonic cordless phone kxtg9344t",
            "panasonic kx-tg9342t cordless phone",
            0,
        ),
        // false negative: nothing in common in the names
        row(
            3,
            3,
            "whirlpool front load washer wfw9200swh",
            "duet horizontal axis laundry machine",
            1,
        ),
        // true negative: unrelated
        row(
            4,
            4,
            "lg microwave oven lmvm2085wh",
            "canon ink cartridge",
            0,
        ),
    ];
    std::fs::write(&file, rows.join("\n")).unwrap();
    let out = stdout_of(&marketlens(
        dir.path(),
        &["eval", "matching", file.to_str().unwrap()],
    ));
    assert_eq!(figure(&out, "f1=", "n"), "4", "{out}");
    assert_eq!(figure(&out, "f1=", "positives"), "2");
    assert_eq!(figure(&out, "f1=", "precision"), "1.0000");
    assert_eq!(figure(&out, "f1=", "recall"), "0.5000");
    assert_eq!(figure(&out, "f1=", "f1"), "0.6667");

    // Training on the same file twice writes the same model (reproducible), and that
    // model scores the file when given with --model.
    let train = |out: &Path| {
        stdout_of(&marketlens(
            dir.path(),
            &[
                "eval",
                "matching",
                "--train",
                "--pairs",
                file.to_str().unwrap(),
                "--model-out",
                out.to_str().unwrap(),
            ],
        ))
    };
    let (m1, m2) = (dir.path().join("m1.json"), dir.path().join("m2.json"));
    let a = train(&m1);
    assert_eq!(a, train(&m2).replace("m2.json", "m1.json"));
    assert_eq!(
        std::fs::read_to_string(&m1).unwrap(),
        std::fs::read_to_string(&m2).unwrap()
    );
    assert!(figure(&a, "train ", "f1").parse::<f64>().is_ok(), "{a}");
    assert!(a.contains("weight title_cosine="), "{a}");
    let score_with = |model: &Path| {
        marketlens(
            dir.path(),
            &[
                "eval",
                "matching",
                file.to_str().unwrap(),
                "--model",
                model.to_str().unwrap(),
            ],
        )
    };
    let scored = stdout_of(&score_with(&m1));
    assert_eq!(figure(&scored, "f1=", "n"), "4", "{scored}");

    // A weights file that is not one is refused with a clear error.
    std::fs::write(&m2, "{\"features\": []}").unwrap();
    let bad = score_with(&m2);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("m2.json"));
}

/// The committed held-out-style sets (Magellan layout) of `data/matching`.
fn committed_set(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/matching")
        .join(name)
}

#[test]
fn eval_matching_reads_magellan_folders_with_brand_model_and_category_fields() {
    let dir = tempfile::tempdir().unwrap();
    for (set, min_f1) in [("software", 0.6), ("electronics", 0.75)] {
        let folder = committed_set(set);
        let out = stdout_of(&marketlens(
            dir.path(),
            &["eval", "matching", folder.to_str().unwrap()],
        ));
        let f1: f64 = figure(&out, "f1=", "f1").parse().unwrap();
        assert!(f1 >= min_f1, "{set}: {out}");
        assert_eq!(figure(&out, "f1=", "positives"), "120", "{out}");
        // The pair file itself reads the same (its tables are beside it).
        let direct = stdout_of(&marketlens(
            dir.path(),
            &[
                "eval",
                "matching",
                folder.join("test.csv").to_str().unwrap(),
            ],
        ));
        assert_eq!(out, direct);
    }
}

#[test]
fn eval_matching_reads_wide_csv_pairs_and_refuses_bad_files() {
    let (dir, file) = temp_file(
        "pairs.csv",
        "left_title,left_manufacturer,left_price,right_title,right_manufacturer,right_price,label\n\
         Sony WH-1000XM5 Headphones Black,Sony,$349.99,sony wh1000xm5 wireless headphones (black),,329.00,1\n\
         Sony WH-1000XM5 Headphones Black,Sony,$349.99,Sony WH-1000XM4 Headphones Black,Sony,$249.99,0\n\
         Microsoft Office 2007 Professional Upgrade,Microsoft,329.99,microsoft office professional 2007 full version,Microsoft Corporation,499.99,0\n",
    );
    let out = stdout_of(&marketlens(
        dir.path(),
        &["eval", "matching", file.to_str().unwrap()],
    ));
    assert_eq!(figure(&out, "f1=", "n"), "3", "{out}");
    assert_eq!(figure(&out, "f1=", "tp"), "1", "{out}");
    assert_eq!(figure(&out, "f1=", "fp"), "0", "{out}");

    std::fs::write(&file, "a,b\n1,2\n").unwrap();
    let bad = marketlens(dir.path(), &["eval", "matching", file.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("label"));
}

#[test]
fn eval_matching_bench_resolves_synthetic_offers() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(&marketlens(
        dir.path(),
        &["eval", "matching", "--bench", "--offers", "400"],
    ));
    assert_eq!(figure(&out, "offers=", "offers"), "400", "{out}");
    assert_eq!(figure(&out, "offers=", "products"), "100");
    assert!(figure(&out, "offers=", "seconds").parse::<f64>().is_ok());
}

#[test]
fn evals_skip_absent_default_datasets_and_refuse_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["prices", "matching"] {
        let out = marketlens(dir.path(), &["eval", cmd]);
        assert!(out.status.success(), "{cmd}");
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("skipped:"));
        let out = marketlens(dir.path(), &["eval", cmd, "/no/such/file.jsonl"]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
    }
}
