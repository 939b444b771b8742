//! One module per report section: how the section's part of the view model
//! ([`super::view`]) is built from the result.

pub mod generated;
pub mod history;
pub mod market;
pub mod normalization;
pub mod products;
pub mod quality;
pub mod recommendations;
pub mod sentiment;
pub mod sources;
pub mod summary;
pub mod trace;
