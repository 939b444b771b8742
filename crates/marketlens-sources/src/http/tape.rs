//! Recorded fetches: what [`super::HttpClient::get`] answered for each URL, kept by a
//! client in recording mode and served back by one in replay mode, so an analysis of
//! a live shop can be run again offline with exactly the same answers (the golden
//! set's `replay` sources, `crate::replay`).
//!
//! A tape is a JSON array of exchanges, in the order the fetches finished:
//! `{"url", "status", "content_type", "final_url", "text"}` for a page, `{"url",
//! "error", "message"}` for a failed fetch (the [`FetchErrorKind`] word, as in logs).
//! Replay looks a URL up exactly; a URL fetched several times gets its answers in
//! the recorded order, the last one again once they run out. A URL the tape does not
//! hold fails as a transport error naming it, as an unreachable shop would.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use url::Url;

use super::{FetchError, FetchErrorKind, Page};
use crate::files::FileError;

/// One recorded fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The URL asked for (before redirects).
    pub url: String,
    #[serde(flatten)]
    pub answer: Answer,
}

/// What a recorded fetch gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Page {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        /// Where the content came from, after redirects.
        final_url: String,
        text: String,
    },
    Failed {
        /// The [`FetchErrorKind`] word (`timeout`, `status_503`, …).
        error: String,
        message: String,
    },
}

/// A tape file whose JSON is not recorded fetches (or fetches that cannot be written).
fn not_a_tape(path: &Path, e: serde_json::Error) -> FileError {
    FileError::invalid(path, format!("not a tape of recorded fetches: {e}"))
}

/// Recorded fetches, shared by the client that records or replays them.
#[derive(Debug, Default)]
pub struct Tape {
    exchanges: Mutex<Vec<Exchange>>,
    /// Replay: how many answers of each URL were served.
    served: Mutex<HashMap<String, usize>>,
}

impl Tape {
    pub fn new(exchanges: Vec<Exchange>) -> Self {
        Self {
            exchanges: Mutex::new(exchanges),
            served: Mutex::default(),
        }
    }

    /// Reads a tape file written by [`Tape::write`].
    pub fn read(path: &Path) -> Result<Self, FileError> {
        let text = std::fs::read_to_string(path).map_err(FileError::io(path))?;
        let exchanges = serde_json::from_str(&text).map_err(|e| not_a_tape(path, e))?;
        Ok(Self::new(exchanges))
    }

    /// The exchanges, sorted by URL (the order of answers to one URL kept), so that a
    /// recording does not change with the order concurrent fetches finished in.
    pub fn exchanges(&self) -> Vec<Exchange> {
        let mut all = self.exchanges.lock().map(|e| e.clone()).unwrap_or_default();
        all.sort_by(|a, b| a.url.cmp(&b.url));
        all
    }

    /// Writes the tape as pretty JSON (one exchange per entry, sorted by URL).
    pub fn write(&self, path: &Path) -> Result<(), FileError> {
        let text =
            serde_json::to_string_pretty(&self.exchanges()).map_err(|e| not_a_tape(path, e))?;
        std::fs::write(path, text + "\n").map_err(FileError::io(path))
    }

    /// Keeps the outcome of one fetch of `url`.
    pub(crate) fn record(&self, url: &str, outcome: &Result<Page, FetchError>) {
        let answer = match outcome {
            Ok(page) => Answer::Page {
                status: page.status,
                content_type: page.content_type.clone(),
                final_url: page.url.to_string(),
                text: page.text.clone(),
            },
            Err(e) => Answer::Failed {
                error: e.kind.to_string(),
                message: e.message.clone(),
            },
        };
        if let Ok(mut all) = self.exchanges.lock() {
            all.push(Exchange {
                url: url.to_owned(),
                answer,
            });
        }
    }

    /// The recorded answer to the next fetch of `url`.
    pub(crate) fn replay(&self, url: &str) -> Result<Page, FetchError> {
        let not_recorded = |message: &str| FetchError {
            kind: FetchErrorKind::Transport,
            url: url.chars().take(200).collect(),
            message: message.to_owned(),
            attempts: 0,
        };
        let answer = {
            let all = self
                .exchanges
                .lock()
                .map_err(|_| not_recorded("tape unavailable"))?;
            let answers: Vec<&Exchange> = all.iter().filter(|e| e.url == url).collect();
            if answers.is_empty() {
                return Err(not_recorded("no recorded answer for this URL"));
            }
            let mut served = self
                .served
                .lock()
                .map_err(|_| not_recorded("tape unavailable"))?;
            let n = served.entry(url.to_owned()).or_insert(0);
            let answer = answers[(*n).min(answers.len() - 1)].answer.clone();
            *n += 1;
            answer
        };
        match answer {
            Answer::Page {
                status,
                content_type,
                final_url,
                text,
            } => Ok(Page {
                url: Url::parse(&final_url)
                    .map_err(|e| not_recorded(&format!("recorded final_url: {e}")))?,
                status,
                content_type,
                bytes: text.len(),
                text,
                charset: "UTF-8",
                attempts: 1,
            }),
            Answer::Failed { error, message } => Err(FetchError {
                kind: FetchErrorKind::from_word(&error).unwrap_or(FetchErrorKind::Transport),
                url: url.to_owned(),
                message,
                attempts: 1,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, text: &str) -> Result<Page, FetchError> {
        Ok(Page {
            url: Url::parse(url).unwrap(),
            status: 200,
            content_type: Some("application/json".into()),
            text: text.into(),
            bytes: text.len(),
            charset: "UTF-8",
            attempts: 2,
        })
    }

    #[test]
    fn a_recorded_tape_replays_pages_and_failures_after_a_round_trip_through_a_file() {
        let tape = Tape::default();
        tape.record("http://shop.test/b", &page("http://shop.test/b2", "second"));
        tape.record("http://shop.test/a", &page("http://shop.test/a", "first"));
        tape.record(
            "http://shop.test/down",
            &Err(FetchError {
                kind: FetchErrorKind::Status(503),
                url: "http://shop.test/down".into(),
                message: "HTTP 503 Service Unavailable".into(),
                attempts: 3,
            }),
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tape.json");
        tape.write(&file).unwrap();
        let replayed = Tape::read(&file).unwrap();
        // Sorted by URL, so a recording is the same whatever order fetches finished in.
        let urls: Vec<String> = replayed.exchanges().into_iter().map(|e| e.url).collect();
        assert_eq!(
            urls,
            [
                "http://shop.test/a",
                "http://shop.test/b",
                "http://shop.test/down"
            ]
        );
        let b = replayed.replay("http://shop.test/b").unwrap();
        assert_eq!(
            (b.text.as_str(), b.url.as_str(), b.status),
            ("second", "http://shop.test/b2", 200)
        );
        assert_eq!(b.content_type.as_deref(), Some("application/json"));
        let down = replayed.replay("http://shop.test/down").unwrap_err();
        assert_eq!(down.kind, FetchErrorKind::Status(503));
        assert_eq!(down.message, "HTTP 503 Service Unavailable");
        let missing = replayed.replay("http://shop.test/other").unwrap_err();
        assert_eq!(missing.kind, FetchErrorKind::Transport);
        assert!(missing.message.contains("no recorded answer"), "{missing}");
    }

    #[test]
    fn answers_to_one_url_come_back_in_order_then_the_last_one_again() {
        let tape = Tape::default();
        tape.record("http://shop.test/p", &page("http://shop.test/p", "one"));
        tape.record("http://shop.test/p", &page("http://shop.test/p", "two"));
        let texts: Vec<String> = (0..3)
            .map(|_| tape.replay("http://shop.test/p").unwrap().text)
            .collect();
        assert_eq!(texts, ["one", "two", "two"]);
    }

    #[test]
    fn a_file_that_is_not_a_tape_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tape.json");
        std::fs::write(&file, "{\"not\": \"a list\"}").unwrap();
        let e = Tape::read(&file).unwrap_err().to_string();
        assert!(e.contains("tape.json") && e.contains("not a tape"), "{e}");
        let e = Tape::read(&dir.path().join("absent.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read"), "{e}");
    }
}
