//! Stages `analyze_market` and `analyze_sentiment`: pure computations on normalised
//! products.

pub mod market;
pub mod sentiment;
