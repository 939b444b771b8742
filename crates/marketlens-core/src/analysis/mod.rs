//! Stages `analyze_market` and `analyze_sentiment`: pure computations on normalised
//! products (and, for price trends, on stored price observations).

pub mod history;
pub mod market;
pub mod sentiment;
pub mod stats;
