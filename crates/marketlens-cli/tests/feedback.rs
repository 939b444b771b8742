//! `marketlens feedback`: recorded on a completed analysis, replaced by the same user,
//! and refused with the API's messages (nothing written) on bad input.

mod support;

use std::path::Path;
use std::process::Output;

use marketlens_adapters::{SqliteDb, SqliteStore};
use marketlens_core::ports::{FeedbackRecord, Store};
use support::{marketlens_in, stdout_of};
use uuid::Uuid;

fn feedback(dir: &Path, args: &[&str]) -> Output {
    marketlens_in(dir)
        .arg("feedback")
        .args(args)
        .output()
        .unwrap()
}

/// Feedback that must be accepted, with a confirmation that says `said`.
fn accepted(dir: &Path, args: &[&str], said: &str) {
    let stdout = stdout_of(&feedback(dir, args));
    assert!(stdout.contains(said), "{stdout}");
}

fn stored(dir: &Path, id: Uuid) -> Vec<FeedbackRecord> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = SqliteDb::open(&dir.join("marketlens.db")).await.unwrap();
        SqliteStore::new(db).list_feedback(id).await.unwrap()
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn feedback_is_recorded_replaced_and_refused_like_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let out = marketlens_in(dir)
        .args(["analyze", "wireless headphones", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = summary["id"].as_str().unwrap().to_owned();
    let uuid = Uuid::parse_str(&id).unwrap();

    for (args, field) in [
        (vec!["--rating", "0"], "rating"),
        (vec!["--rating", "6"], "rating"),
        (
            vec!["--rating", "4", "--comment", &"x".repeat(3_000)],
            "comment",
        ),
    ] {
        let out = feedback(dir, &[&[id.as_str()], args.as_slice()].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("error: {field} (invalid_parameter)")),
            "{stderr}"
        );
    }
    let unknown = Uuid::new_v4().to_string();
    let out = feedback(dir, &[&unknown, "--rating", "4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not found"),
        "{}",
        text(&out.stderr)
    );
    assert!(stored(dir, uuid).is_empty(), "nothing written on bad input");

    accepted(
        dir,
        &[
            &id,
            "--rating",
            "2",
            "--useful",
            "false",
            "--user-id",
            "ana",
        ],
        "recorded: rating 2",
    );
    accepted(
        dir,
        &[
            &id,
            "--rating",
            "5",
            "--comment",
            "better",
            "--user-id",
            "ana",
        ],
        "updated",
    );

    let rows = stored(dir, uuid);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let f = &rows[0].feedback;
    assert_eq!(
        (
            f.rating.get(),
            f.useful,
            f.comment.as_ref().map(|c| c.as_str())
        ),
        (5, None, Some("better"))
    );
}
