//! `marketlens eval sentiment` on a small hand-labelled file: stable `name=value`
//! output, correct figures, and a clean skip when the default dataset is absent (the
//! repository's own labelled sets are still measured).

mod support;

use support::{marketlens, stdout_of, temp_file};

/// The value of `name=` in a line of `name=value` pairs.
fn figure(line: &str, name: &str) -> String {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} missing from {line:?}"))
        .to_owned()
}

#[test]
fn prints_correlation_accuracy_and_count_for_any_file_in_the_format() {
    let (_dir, file) = temp_file(
        "tiny.tsv",
        "id\tmean_rating\ttext\n\
         1\t3.2\tI love it, excellent sound and great battery!\n\
         2\t-3.1\tTerrible. It broke after a week, a waste of money.\n\
         3\t1.6\tGood value for the price.\n\
         4\t-2.4\tVery disappointing, not good at all.\n\
         5\t0.0\tThe box contains a cable.\n\
         6\t2.5\tTrès bon produit, je recommande.\n",
    );
    let stdout = stdout_of(
        &marketlens()
            .args(["eval", "sentiment"])
            .arg(&file)
            .arg("--bench")
            .output()
            .unwrap(),
    );
    let mut lines = stdout.lines();
    let figures = lines.next().unwrap();
    assert!(figures.starts_with("pearson_r="), "{figures}");
    assert_eq!(figure(figures, "n"), "6");
    assert_eq!(figure(figures, "skipped"), "0");
    // Every text is clear-cut, the neutral one included.
    assert_eq!(figure(figures, "accuracy"), "1.0000");
    assert_eq!(figure(figures, "macro_f1"), "1.0000");
    let r: f64 = figure(figures, "pearson_r").parse().unwrap();
    assert!(r > 0.8, "{r}");
    let bench = lines.next().unwrap();
    let per_sec: f64 = figure(bench, "reviews_per_sec").parse().unwrap();
    assert!(per_sec > 0.0);
    assert_eq!(figure(bench, "threads"), "1");
}

#[test]
fn an_absent_default_dataset_is_skipped_and_a_missing_named_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = marketlens()
        .args(["eval", "sentiment"])
        .env("MARKETLENS_DATASETS", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("skipped:"), "{stdout}");
    // The repository's own labelled sets are measured all the same.
    for set in ["en/dev", "en/test", "fr/dev", "fr/test"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("set={set} pearson_r=")))
            .unwrap_or_else(|| panic!("no line for {set} in {stdout}"));
        let r: f64 = figure(line, "pearson_r").parse().unwrap();
        assert!(r > 0.0, "{line}");
        assert!(figure(line, "n").parse::<usize>().unwrap() >= 150, "{line}");
    }
    let registers = stdout
        .lines()
        .filter(|l| l.starts_with("set=en/test register="))
        .count();
    assert_eq!(registers, 4, "{stdout}");

    let out = marketlens()
        .args(["eval", "sentiment"])
        .arg(dir.path().join("nope.tsv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn outside_the_repository_the_skip_names_no_build_path_and_says_how_to_pass_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = marketlens()
        .args(["eval", "sentiment"])
        .current_dir(dir.path())
        .env_remove("MARKETLENS_DATASETS")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("skipped:"), "{stdout}");
    // The folder this binary was built from is no default of a binary run elsewhere.
    assert!(!stdout.contains(env!("CARGO_MANIFEST_DIR")), "{stdout}");
    assert!(
        stdout.contains("`marketlens eval sentiment FILE`")
            && stdout.contains("MARKETLENS_DATASETS"),
        "{stdout}"
    );
}
