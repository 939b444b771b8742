//! `marketlens eval golden` and `marketlens golden record`: the same quality table on
//! every run, a variant that loses key points caught by `--baseline`, a case recorded
//! from a live shop replayed with the shop gone, and bad sets refused clearly.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{copy_dir, free_port, marketlens, stdout_of, table_row as row, wait_port};

/// The repository's golden set.
fn committed_set() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../golden")
}

/// A few cases of the committed set, copied into `dir/cases`: English and French, a
/// price range, a refurbished filter, one offer from a recorded shop, a shop that
/// failed and its fallback, nothing found.
const SUBSET: &[&str] = &[
    "en-headphones-range",
    "en-one-offer",
    "en-fallback",
    "en-nothing-found",
    "fr-casque",
    "fr-smartphone-reconditionne",
];

fn subset(dir: &Path) -> PathBuf {
    let set = dir.join("set");
    for case in SUBSET {
        copy_dir(
            &committed_set().join("cases").join(case),
            &set.join("cases").join(case),
        );
    }
    set
}

fn eval(set: &Path, out: &Path, extra: &[&str]) -> Output {
    marketlens()
        .args(["eval", "golden", "--set"])
        .arg(set)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// Everything printed before the timing section (which varies between runs).
fn quality_part(stdout: &str) -> String {
    stdout
        .split("### Timing")
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn two_runs_print_the_same_quality_table_and_write_json_and_a_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    let set = subset(dir.path());
    let first = eval(&set, &dir.path().join("one"), &[]);
    let second = eval(&set, &dir.path().join("two"), &[]);
    assert!(first.status.success(), "{first:?}");
    assert!(second.status.success(), "{second:?}");
    let (a, b) = (stdout_of(&first), stdout_of(&second));
    assert_eq!(quality_part(&a), quality_part(&b));
    assert!(a.contains("### Timing"), "{a}");
    assert_eq!(row(&a, "cases"), ["6"]);
    assert_eq!(row(&a, "outcome mismatches"), ["0"]);
    // The deterministic pipeline states every key point it was recorded with.
    assert_eq!(row(&a, "key-point coverage"), ["1.0000"]);
    assert_eq!(row(&a, "tokens"), ["0"]);
    assert_eq!(row(&a, "cost (USD)"), ["0.0000"]);
    let grounding: f64 = row(&a, "grounding rate")[0].parse().unwrap();
    assert!(grounding > 0.9 && grounding <= 1.0, "{grounding}");
    for lang in ["en (Flesch)", "fr (Kandel-Moles)"] {
        let clarity: f64 = row(&a, &format!("clarity {lang}"))[0].parse().unwrap();
        assert!((30.0..=100.0).contains(&clarity), "{lang}: {clarity}");
    }

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("one/golden.json")).unwrap())
            .unwrap();
    assert_eq!(json["cases"], 6);
    let runs = json["runs"]["builtin"].as_array().unwrap();
    let outcome = |case: &str| {
        runs.iter()
            .find(|r| r["case"] == case)
            .map(|r| r["outcome"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(outcome("en-nothing-found"), "no_data");
    assert_eq!(outcome("en-fallback"), "completed");
    let page = std::fs::read_to_string(dir.path().join("one/golden.html")).unwrap();
    assert!(page.contains("<table") && page.contains("en-one-offer"));
    for outside in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(outside), "the page loads {outside}");
    }
}

#[test]
fn a_variant_that_drops_best_value_recommendations_fails_against_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let set = subset(dir.path());
    let baseline_run = eval(&set, &dir.path().join("base"), &[]);
    assert!(baseline_run.status.success(), "{baseline_run:?}");
    let baseline = dir.path().join("base/golden.json");

    // The same configuration compared with its own run: nothing regresses.
    let same = eval(
        &set,
        &dir.path().join("same"),
        &["--baseline", baseline.to_str().unwrap()],
    );
    assert!(same.status.success(), "{same:?}");
    assert!(stdout_of(&same).contains("No metric regressed"));

    // Best value demands a perfect rating: the recommendations the narrative names go.
    let shown = marketlens().args(["config", "show"]).output().unwrap();
    let config =
        stdout_of(&shown).replace("best_value_min_rating = 3.5", "best_value_min_rating = 5.0");
    assert!(config.contains("best_value_min_rating = 5.0"));
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, config).unwrap();
    let variants = format!("builtin,broken={}", broken.display());
    let out = eval(
        &set,
        &dir.path().join("broken"),
        &[
            "--variants",
            &variants,
            "--baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        stdout.contains("REGRESSION broken: key_point_coverage"),
        "{stdout}"
    );
    assert!(!stdout.contains("REGRESSION builtin"), "{stdout}");
    let coverage = row(&stdout, "key-point coverage");
    assert_eq!(coverage[0], "1.0000");
    let broken_coverage: f64 = coverage[1].parse().unwrap();
    assert!(broken_coverage < 0.99, "{broken_coverage}");
    assert!(
        stdout.contains("broken / fr-casque: missing: best value"),
        "{stdout}"
    );
}

#[test]
fn a_case_recorded_from_a_live_shop_is_replayed_with_the_shop_gone() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut shop = support::Proc(
        marketlens()
            .args(["demo-shop", "--port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_port(port, "demo shop");
    let config = dir.path().join("agent.toml");
    let shown = marketlens().args(["config", "show"]).output().unwrap();
    std::fs::write(
        &config,
        format!(
            "{}\n[[sources]]\nname = \"shop\"\nkind = \"shopify\"\n\
             [sources.settings]\nbase_url = \"http://127.0.0.1:{port}\"\ncurrency = \"EUR\"\n\
             [sources.settings.http]\nallow_private_hosts = [\"127.0.0.1\"]\nmin_interval_ms = 0\n",
            stdout_of(&shown)
        ),
    )
    .unwrap();
    let set = dir.path().join("set");
    // `live-watch`, smartwatches asked of the shop alone.
    let record_live_watch = || {
        let mut record = marketlens();
        record
            .args(["golden", "record", "live-watch", "smartwatch"])
            .args(["--source", "shop", "--config"])
            .arg(&config)
            .arg("--set")
            .arg(&set);
        record
    };
    let record = record_live_watch()
        .args(["--category", "smartwatches", "--tag", "live"])
        .output()
        .unwrap();
    assert!(record.status.success(), "{record:?}");
    let case_dir = set.join("cases/live-watch");
    let case = std::fs::read_to_string(case_dir.join("case.toml")).unwrap();
    assert!(case.contains("name = \"cheapest offer\""), "{case}");
    assert!(case_dir.join("sources/shop/tape.json").is_file());
    // Recording the same id again is refused without --force.
    let again = record_live_watch().output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));

    shop.kill();
    let out = eval(&set, &dir.path().join("out"), &[]);
    assert!(out.status.success(), "{out:?}");
    let stdout = stdout_of(&out);
    assert_eq!(row(&stdout, "outcome mismatches"), ["0"]);
    assert_eq!(row(&stdout, "key-point coverage"), ["1.0000"]);
}

#[test]
fn a_missing_set_and_a_malformed_case_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = eval(&dir.path().join("absent"), &dir.path().join("out"), &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));

    let set = subset(dir.path());
    let case = set.join("cases/fr-casque/case.toml");
    let text = std::fs::read_to_string(&case).unwrap();
    std::fs::write(
        &case,
        format!("{text}\n[[expect.key_points]]\nname = \"both\"\nprice = 1.0\ncount = 2\n"),
    )
    .unwrap();
    let out = eval(&set, &dir.path().join("out"), &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fr-casque") && stderr.contains("exactly one"),
        "{stderr}"
    );
    assert!(!dir.path().join("out/golden.json").exists());

    let out = marketlens()
        .args(["eval", "golden", "--variants", "nope.toml", "--set"])
        .arg(&set)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.toml"));
}

#[test]
fn a_stored_configuration_version_and_a_prompt_file_are_variants_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    copy_dir(
        &committed_set().join("cases/fr-casque"),
        &set.join("cases/fr-casque"),
    );
    // Version 1 of a data directory: best value demands a perfect rating.
    let shown = marketlens().args(["config", "show"]).output().unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        stdout_of(&shown).replace("best_value_min_rating = 3.5", "best_value_min_rating = 5.0"),
    )
    .unwrap();
    let data = dir.path().join("data");
    let activate = marketlens()
        .args(["config", "activate"])
        .arg(&broken)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(stdout_of(&activate).contains("version 1"), "{activate:?}");
    let prompt = committed_set().join("../config/prompts/summarize-v1.toml");
    let variants = format!("version:1,builtin+{}", prompt.display());
    let out = marketlens()
        .args(["eval", "golden", "--variants", &variants, "--set"])
        .arg(&set)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert_eq!(
        stdout.lines().find(|l| l.starts_with("| metric |")),
        Some("| metric | v1 | builtin+summarize-v1 |"),
        "{stdout}"
    );
    // The stored version runs with its own thresholds; the prompt changes nothing
    // while the LLM stage is off.
    assert_eq!(row(&stdout, "key-point coverage")[1], "1.0000");
    let stored: f64 = row(&stdout, "key-point coverage")[0].parse().unwrap();
    assert!(stored < 1.0, "{stdout}");
    assert!(data.join("golden/golden.json").is_file());

    let out = marketlens()
        .args(["eval", "golden", "--variants", "version:9", "--set"])
        .arg(&set)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("version:9"));
}
