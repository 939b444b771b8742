//! `marketlens eval prices` and `eval matching`: the normalisation measured on small
//! files written here (the shared datasets are never needed).

mod support;

use std::path::Path;
use std::process::Output;

use support::{marketlens_in, stdout_of};

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

    // Fitting on the same file twice gives the same output (reproducible).
    let fit = |f: &Path| {
        stdout_of(&marketlens(
            dir.path(),
            &[
                "eval",
                "matching",
                "--fit",
                f.to_str().unwrap(),
                f.to_str().unwrap(),
            ],
        ))
    };
    let a = fit(&file);
    assert_eq!(a, fit(&file));
    assert!(
        a.contains("[matching]") && a.contains("title_threshold = "),
        "{a}"
    );
    assert!(figure(&a, "fit ", "valid_f1").parse::<f64>().is_ok());
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
