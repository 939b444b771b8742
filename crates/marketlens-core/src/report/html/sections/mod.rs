//! One module per report section, in the order of the page: the view model of each
//! section and how it is built from the result.

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
