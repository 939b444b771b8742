//! What the hostile-input property suites share: this crate's `hostile_inputs` and
//! `marketlens-sources`' `hostile_pages` (which includes this file by its path). Both
//! bound each case's time with the same hang guard, and build the JSON they feed
//! their parsers from the same scalars.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::Value;

/// Far above what any of the parsers under test needs for the generated inputs
/// (microseconds to a few milliseconds), far below a hang.
pub const HANG_GUARD: Duration = Duration::from_secs(5);

/// Runs `run` (`what`, reading `input`) and fails when it took longer than
/// [`HANG_GUARD`], showing the start of the input.
pub fn within_guard<T>(what: &str, input: &str, run: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = run();
    let took = start.elapsed();
    assert!(
        took < HANG_GUARD,
        "{what} took {took:?} on {} characters: {:?}",
        input.chars().count(),
        input.chars().take(200).collect::<String>()
    );
    out
}

/// JSON scalars of every kind: null, booleans, numbers (a float JSON cannot hold is
/// null), any string, and `words`, the strings the parser under test looks for.
pub fn json_scalar(words: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
        prop::sample::select(words).prop_map(|s| Value::String(s.to_owned())),
    ]
}
