//! Every command that prints survives a reader that has gone away
//! (`marketlens rates show | head -1`): no panic, the command ends normally.

mod support;

use std::process::{Command, Stdio};

use support::{marketlens, marketlens_in};

/// Runs `command` with standard output on a pipe whose reader is already closed, so
/// its very first write meets the closed pipe; fails the test on a panic or a failure.
fn assert_quiet_on_closed_pipe(what: &str, mut command: Command) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = command
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{what}: {stderr}"
    );
    assert!(out.status.success(), "{what}: {:?} {stderr}", out.status);
}

#[test]
fn printing_commands_end_quietly_when_the_reader_has_gone() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let reviews = dir.path().join("reviews.tsv");
    std::fs::write(
        &reviews,
        "id\tmean_rating\ttext\n1\t3.0\tGreat sound.\n2\t-2.0\tIt broke.\n",
    )
    .unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(
        &page,
        r#"<script type="application/ld+json">{"@type":"Product","name":"Desk lamp"}</script>"#,
    )
    .unwrap();

    let mut rates = marketlens_in(&data);
    rates.args(["rates", "show"]);
    assert_quiet_on_closed_pipe("rates show", rates);

    let mut config = marketlens();
    config.args(["config", "show"]);
    assert_quiet_on_closed_pipe("config show", config);

    let mut sentiment = marketlens();
    sentiment.args(["eval", "sentiment"]).arg(&reviews);
    assert_quiet_on_closed_pipe("eval sentiment", sentiment);

    let mut skipped = marketlens();
    skipped
        .args(["eval", "prices"])
        .env("MARKETLENS_DATASETS", dir.path().join("no-datasets-here"));
    assert_quiet_on_closed_pipe("eval prices (skipped)", skipped);

    let mut extract = marketlens();
    extract.arg("extract").arg(&page);
    assert_quiet_on_closed_pipe("extract", extract);

    let mut analyze = marketlens_in(&data);
    analyze.args(["analyze", "wireless headphones"]);
    assert_quiet_on_closed_pipe("analyze", analyze);
}
