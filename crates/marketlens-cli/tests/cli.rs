//! The `marketlens` binary, as a user runs it.

mod support;

use support::{Api, Proc, free_port, marketlens, marketlens_in, spawn_quiet_server, stdout_of};

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn analyze_writes_an_html_report_and_a_json_result() {
    // A space in the data directory: the report's file URI escapes it, its path not.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("my data");
    let out = marketlens_in(&dir)
        .args(["analyze", "wireless headphones", "--json"])
        .output()
        .unwrap();
    stdout_of(&out);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["quality_passed"], true);
    let report = std::fs::read_to_string(summary["report_path"].as_str().unwrap()).unwrap();
    assert!(report.contains("Sample data"));
    assert!(report.contains("wireless headphones"));
    let result: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(summary["result_path"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(result["query"], "wireless headphones");
    assert!(result["market"]["offer_count"].as_u64().unwrap() > 0);

    // Text mode prints progress on stderr and the paths on stdout; the second run is a
    // cache hit unless --fresh.
    let out = marketlens_in(&dir)
        .args(["analyze", "wireless headphones", "--fresh"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fetch_products") && stderr.contains("generate_report"),
        "{stderr}"
    );
    let printed = |out: &std::process::Output, what: &str| {
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let prefix = format!("{what}: ");
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
            .unwrap_or_else(|| panic!("no {what} in {stdout}"))
    };
    let report = printed(&out, "report");
    assert!(Path::new(&report).is_file(), "{report}");
    assert!(report.contains("my data"), "{report}");
    assert!(Path::new(&printed(&out, "result")).is_file());
    let out = marketlens_in(&dir)
        .args(["analyze", "wireless headphones"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("fresh identical analysis"));
    assert_eq!(printed(&out, "report"), report, "the fresh result's report");
}

/// The standard error of `marketlens analyze ARGS` on `data_dir`, which must exit 2
/// (bad input).
fn analyze_refused(data_dir: &Path, args: &[&str]) -> String {
    let out = marketlens_in(data_dir)
        .arg("analyze")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "analyze {args:?}: {stderr}");
    stderr
}

#[test]
fn bad_input_exits_2_and_no_data_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec![""],
        vec!["tv", "--source", "ebay"],
        vec!["tv", "--currency", "EURO"],
    ] {
        let stderr = analyze_refused(dir.path(), &args);
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
    }
    let out = marketlens_in(dir.path())
        .args(["analyze", "flux capacitor"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_data"));
}

/// A catalogue whose brand, shop and notice hold terminal escapes (a title change, a
/// screen clear, BEL), a right-to-left override and a forged `report:` line.
fn hostile_catalog(dir: &Path) -> std::path::PathBuf {
    let cat = dir.join("catalog");
    std::fs::create_dir_all(&cat).unwrap();
    let brand = r"Acme\u001b]0;owned\u0007\u202e\nreport: /etc/passwd";
    let products = format!(
        r#"{{"product_id":"x1","title":"Acme Speaker","brand":"{brand}","category":"speakers","keywords":["speaker"]}}"#
    );
    let offers = concat!(
        r#"{"offer_id":"o1","product_id":"x1","shop":"Shop\u001b[2J","price_text":"19,99 €","currency":"EUR"}"#,
        "\n",
        r#"{"offer_id":"o2","product_id":"x1","shop":"Other","price_text":"25,00 €","currency":"EUR"}"#,
    );
    std::fs::write(cat.join("products.jsonl"), products + "\n").unwrap();
    std::fs::write(cat.join("offers.jsonl"), format!("{offers}\n")).unwrap();
    std::fs::write(cat.join("reviews.jsonl"), "").unwrap();
    std::fs::write(
        cat.join("catalog.toml"),
        "name = \"hostile\"\nnotice = \"Note\\u001b]0;owned\\u0007\\u202e\"\n",
    )
    .unwrap();
    let config = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/agent.toml"),
    )
    .unwrap()
    .replace("builtin:sample", &cat.display().to_string());
    let path = dir.join("agent.toml");
    std::fs::write(&path, config).unwrap();
    path
}

#[test]
fn text_from_data_cannot_control_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let config = hostile_catalog(dir.path());
    let unsafe_char = |c: char| c.is_control() && c != '\n' || c == '\u{202e}';
    for json in [false, true] {
        let mut command = marketlens_in(&dir.path().join("data"));
        command
            .args(["analyze", "speaker", "--fresh", "--config"])
            .arg(&config);
        if json {
            command.arg("--json");
        }
        let out = command.output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(out.status.success(), "{stderr}");
        for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            assert!(
                !text.chars().any(unsafe_char),
                "{name} holds a control character: {text:?}"
            );
        }
        if json {
            let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(summary["status"], "completed");
        } else {
            assert!(stdout.contains("Acme"), "{stdout}");
            assert!(stderr.contains("note: Note"), "{stderr}");
            let reports = stdout.lines().filter(|l| l.starts_with("report: ")).count();
            assert_eq!(reports, 1, "one report line, none forged: {stdout}");
        }
    }
}

#[test]
fn a_backend_password_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1: start-up fails and says why.
    for (option, url) in [
        ("--queue-url", "redis://:s3cret@127.0.0.1:1/0"),
        ("--redis-url", "redis://user:s3cret@127.0.0.1:notaport/0"),
        (
            "--database-url",
            "postgres://app:s3cret@127.0.0.1:1/marketlens",
        ),
    ] {
        let out = marketlens_in(dir.path())
            .args([option, url, "analyze", "speaker"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{option}: {stderr}");
        assert!(stderr.starts_with("error:"), "{option}: {stderr}");
        assert!(!stderr.contains("s3cret"), "{option}: {stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret"));
    }
}

#[test]
fn an_unknown_market_exits_2_listing_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = analyze_refused(dir.path(), &["tv", "--market", "XX"]);
    assert!(stderr.starts_with("error: market"), "{stderr}");
    assert!(
        stderr.contains("\"XX\"") && stderr.contains("FR, GB"),
        "{stderr}"
    );
}

#[test]
fn an_inverted_price_range_exits_2_naming_both_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = analyze_refused(
        dir.path(),
        &["tv", "--min-price", "500", "--max-price", "100"],
    );
    assert!(
        stderr.contains("min_price (500) is greater than max_price (100)"),
        "{stderr}"
    );
}

#[test]
fn config_show_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    let out = marketlens_in(dir.path())
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("[thresholds]"));
    let out = marketlens_in(dir.path())
        .args(["config", "validate"])
        .output()
        .unwrap();
    stdout_of(&out);

    // A default config with one line changed is refused with exit 2, naming the culprit.
    let validate_changed = |name: &str, from: &str, to: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            marketlens_core::config::DEFAULT_AGENT_TOML.replace(from, to),
        )
        .unwrap();
        let out = marketlens_in(dir.path())
            .args(["config", "validate", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = validate_changed("bad.toml", "max_attempts = 3", "max_attempts = 0");
    assert!(stderr.contains("max_attempts"), "{stderr}");
    let stderr = validate_changed("catalog-missing.toml", "builtin:sample", "/no/such/dir");
    assert!(stderr.contains("/no/such/dir"), "{stderr}");
}

fn start_server(data_dir: &Path, port: u16, extra: &[&str]) -> Proc {
    let mut serve = marketlens_in(data_dir);
    serve
        .args(["serve", "--no-auth", "--bind", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("MARKETLENS_LOG", "warn");
    spawn_quiet_server(serve, port)
}

#[test]
fn queued_jobs_survive_a_killed_server_and_complete_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // reqwest is built with rustls and no provider of its own: install ring's.
    marketlens_sources::http::install_crypto_provider();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let queries = [
        "wireless headphones",
        "espresso machine",
        "iphone 15",
        "robot vacuum",
        "smartwatch",
    ];

    // API only: jobs stay queued.
    let mut server = start_server(dir.path(), port, &["--no-worker"]);
    let ids: Vec<String> = rt.block_on(async {
        let mut ids = Vec::new();
        for q in queries {
            let res = client
                .post(format!("{base}/v1/analyses"))
                .json(&serde_json::json!({"query": q}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 202);
            let v: serde_json::Value = res.json().await.unwrap();
            ids.push(v["id"].as_str().unwrap().to_owned());
        }
        ids
    });
    // SIGKILL: no graceful shutdown.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    drop(server);

    let _server = start_server(dir.path(), port, &["--workers", "2"]);
    rt.block_on(async {
        let api = Api::new(port);
        for v in api.wait_completed(&ids, Duration::from_secs(60)).await {
            assert_eq!(v["attempts"], 1, "{v}");
        }
        let page: serde_json::Value = client
            .get(format!("{base}/v1/analyses?limit=100"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["total"], queries.len());
    });

    // Exactly one result row, and one set of price observations, per query: read
    // straight from the database file.
    rt.block_on(async {
        let url = format!("sqlite://{}?mode=ro", dir.path().join("marketlens.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let (rows, distinct): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT query_id) FROM analysis_results")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!((rows, distinct), (queries.len() as i64, queries.len() as i64));
        // The worker appends a query's observations just after marking it completed,
        // so the last ones may land a moment after the statuses above were read.
        let deadline = Instant::now() + Duration::from_secs(10);
        let per_query = loop {
            let per_query: Vec<(String, i64)> = sqlx::query_as(
                "SELECT query_id, COUNT(*) - COUNT(DISTINCT product_id || '|' || source || '|' || offer_id) FROM price_observations GROUP BY query_id",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            if per_query.len() == queries.len() || Instant::now() > deadline {
                break per_query;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(per_query.len(), queries.len());
        for (q, duplicates) in per_query {
            assert_eq!(duplicates, 0, "price observations of {q} written twice");
        }
    });
}

#[test]
fn each_command_lists_only_the_options_it_uses() {
    let help = |args: &[&str]| stdout_of(&marketlens().args(args).arg("--help").output().unwrap());
    const BACKENDS: [&str; 5] = [
        "--database-url",
        "--redis-url",
        "--queue-url",
        "--blob-url",
        "--redis-prefix",
    ];
    let without_backends: [&[&str]; 6] = [
        &["demo-shop"],
        &["extract"],
        &["eval", "sentiment"],
        &["rates", "show"],
        &["config", "show"],
        &["config", "validate"],
    ];
    for command in without_backends {
        let text = help(command);
        for option in BACKENDS {
            assert!(
                !text.contains(option),
                "{command:?} lists {option}:\n{text}"
            );
        }
    }
    let demo_shop = help(&["demo-shop"]);
    assert!(demo_shop.contains("--port"), "{demo_shop}");
    for option in ["--data-dir", "--config"] {
        assert!(
            !demo_shop.contains(option),
            "demo-shop lists {option}:\n{demo_shop}"
        );
    }
    assert!(help(&["rates", "show"]).contains("--data-dir"));
    assert!(!help(&["rates", "show"]).contains("--config"));
    assert!(help(&["config", "validate"]).contains("--config"));
    for command in ["analyze", "serve", "worker"] {
        let text = help(&[command]);
        for option in BACKENDS.iter().chain(&["--data-dir", "--config"]) {
            assert!(text.contains(option), "{command} lacks {option}:\n{text}");
        }
    }
}
