//! `marketlens experiments`, and assignment as separate processes see it.

mod support;

use std::path::Path;

use support::{json_array, marketlens_in, stdout_of};

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    marketlens_in(dir).args(args).output().unwrap()
}

/// The variant a fresh analysis by `user` (a process of its own) was assigned, checked
/// against the variant its result document records.
fn variant_of_analysis(dir: &Path, user: &str) -> String {
    let out = run(
        dir,
        &[
            "analyze",
            "wireless headphones",
            "--fresh",
            "--json",
            "--user-id",
            user,
        ],
    );
    let summary: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let variant = summary["experiment_variant"]
        .as_str()
        .unwrap_or_else(|| panic!("no variant in {summary}"))
        .to_owned();
    let result: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(summary["result_path"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        result["traceability"]["experiment"]["variant"],
        variant.as_str()
    );
    variant
}

#[test]
fn processes_assign_a_user_alike_and_results_count_every_assigned_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let created = stdout_of(&run(
        dir,
        &[
            "experiments",
            "create",
            "ranking",
            "--variant",
            "control:1",
            "--variant",
            "treatment:1:prompt=v2",
        ],
    ));
    let id = created.split_whitespace().next().unwrap().to_owned();
    assert!(created.contains("draft"), "{created}");
    assert!(stdout_of(&run(dir, &["experiments", "start", &id])).contains("running"));

    // Before the experiment nothing was assigned; now every analysis is, and the same
    // user gets the same variant from two separate processes.
    let users = ["alice", "bob", "carol"];
    for user in users {
        let first = variant_of_analysis(dir, user);
        assert!(
            ["control", "treatment"].contains(&first.as_str()),
            "{first}"
        );
        assert_eq!(variant_of_analysis(dir, user), first, "{user}");
    }

    let results: serde_json::Value =
        serde_json::from_str(&stdout_of(&run(dir, &["experiments", "results", &id]))).unwrap();
    let assigned: u64 = json_array(&results["variants"])
        .iter()
        .map(|v| v["assigned"].as_u64().unwrap())
        .sum();
    assert_eq!(assigned, 2 * users.len() as u64);
    let latency = &results["comparisons"][0]["latency_ms"];
    assert_eq!(
        latency["verdict"]["outcome"], "not_enough_data",
        "{latency}"
    );
    assert!(results["sample_ratio"]["p_value"].is_number(), "{results}");

    assert!(stdout_of(&run(dir, &["experiments", "stop", &id])).contains("stopped"));
    let again = run(dir, &["experiments", "start", &id]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("conflict"));
    let listed = stdout_of(&run(dir, &["experiments", "list"]));
    assert!(
        listed.contains(&id) && listed.contains("stopped"),
        "{listed}"
    );
    // A stopped experiment assigns nothing.
    let out = run(
        dir,
        &["analyze", "wireless headphones", "--fresh", "--json"],
    );
    let summary: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert!(summary["experiment_variant"].is_null(), "{summary}");
}

#[test]
fn bad_experiments_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let cases: [(&[&str], &str); 3] = [
        (&["--variant", "control:1"], "2 to 8 variants"),
        (&["--variant", "a:1", "--variant", "a:1"], "used twice"),
        (&["--variant", "a:one", "--variant", "b:1"], "NAME:WEIGHT"),
    ];
    for (variants, reason) in cases {
        let out = marketlens_in(dir)
            .args(["experiments", "create", "bad"])
            .args(variants)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{variants:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(reason), "{variants:?}: {stderr}");
    }
    let unknown = run(dir, &["experiments", "results", &uuid_like()]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not_found"));
}

fn uuid_like() -> String {
    "00000000-0000-4000-8000-000000000000".to_owned()
}
