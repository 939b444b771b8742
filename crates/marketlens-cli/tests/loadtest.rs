//! `marketlens loadtest` end to end, small: it starts the demo shop (with latency), the
//! API and a worker process, submits 20 analyses (a quarter of them repeats), waits
//! for them and writes its JSON document and chart. No timing is asserted: only that
//! every analysis completed and that the figures the report promises are there.

mod support;

use support::marketlens;

#[test]
fn a_small_load_test_completes_every_analysis_and_writes_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let output = marketlens()
        .args([
            "loadtest",
            "--analyses",
            "20",
            "--repeat-share",
            "0.25",
            "--workers",
            "1",
            "--concurrency",
            "8",
            "--latency-ms",
            "20",
            "--product-pages",
            "2",
            "--timeout-secs",
            "240",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("end to end: p50"), "{stdout}");

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("loadtest.json")).unwrap()).unwrap();
    let submissions = &report["submissions"];
    assert_eq!(submissions["posted"], 20);
    // 15 distinct analyses; each of the 5 repeats joined one in flight or reused its
    // result, never made a new one.
    let analyses = &report["analyses"];
    assert_eq!(analyses["distinct"], 15, "{report}");
    assert_eq!(analyses["completed"], 15, "{report}");
    assert_eq!(analyses["failed"], 0);
    assert_eq!(analyses["unfinished"], 0);
    let accepted = submissions["accepted"].as_u64().unwrap();
    let coalesced = submissions["coalesced"].as_u64().unwrap();
    let cache_hits = submissions["cache_hits"].as_u64().unwrap();
    assert_eq!(accepted + cache_hits, 20, "{submissions}");
    assert_eq!(coalesced + cache_hits, 5, "{submissions}");

    // Latencies from the API's timestamps, per stage too.
    assert_eq!(analyses["end_to_end_ms"]["count"], 15);
    let stages = analyses["stages_ms"].as_object().unwrap();
    assert!(stages.contains_key("fetch_products"), "{stages:?}");
    // The demo shop, the API and the worker, each with its CPU and peak memory.
    let processes = report["processes"].as_array().unwrap();
    let roles: Vec<&str> = processes
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["demo-shop", "api", "worker 0"]);
    for p in processes {
        assert!(p["peak_rss_bytes"].as_u64().unwrap() > 0, "{p}");
        assert!(p["cpu_seconds"].as_f64().is_some(), "{p}");
    }
    // The worker read the shop: collected-products lookups were made.
    assert!(
        report["worker_cache"]["collected_products"]["misses"]
            .as_u64()
            .unwrap()
            >= 15,
        "{}",
        report["worker_cache"]
    );
    assert!(!report["samples"].as_array().unwrap().is_empty());

    let svg = std::fs::read_to_string(out_dir.join("loadtest.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("running") && svg.contains("worker 0"));
}

#[test]
fn bad_options_are_refused_with_exit_2() {
    let out = marketlens()
        .args(["loadtest", "--repeat-share", "1.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--repeat-share"));
}
