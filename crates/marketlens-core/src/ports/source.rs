use async_trait::async_trait;

use crate::ErrorType;
use crate::domain::{AnalysisParams, CollectedProduct, QueryText, strip_control_characters};

/// What a source is asked for.
#[derive(Debug, Clone)]
pub struct SourceQuery {
    pub query: QueryText,
    pub params: AnalysisParams,
}

/// What a source returned.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SourceBatch {
    pub products: Vec<CollectedProduct>,
    /// A notice to show with any data from this source (for example "sample data").
    pub notice: Option<String>,
    /// When the source gave these products: set by the pipeline's fetch policy on a
    /// live answer and kept by every cached or stored copy of it (a source leaves it
    /// `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl SourceBatch {
    /// Removes NUL and other unwanted control characters from every string of the
    /// batch (see [`crate::domain::strip_control_characters`]). The pipeline applies it
    /// to every source's answer before anything else reads, stores or prints it.
    pub fn strip_control_characters(&mut self) {
        self.products
            .iter_mut()
            .for_each(CollectedProduct::strip_control_characters);
        if let Some(notice) = &mut self.notice
            && let std::borrow::Cow::Owned(cleaned) = strip_control_characters(notice)
        {
            *notice = cleaned;
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct SourceError {
    pub error_type: ErrorType,
    pub message: String,
}

impl SourceError {
    pub fn new(error_type: ErrorType, message: impl Into<String>) -> Self {
        Self {
            error_type,
            message: message.into(),
        }
    }
}

/// The stable "tools" interface: every source of products implements it, in its own
/// file, with its own documented config struct.
#[async_trait]
pub trait Source: Send + Sync {
    /// The configured name (`catalog`, `my-shop`, …).
    fn name(&self) -> &str;
    /// The implementation kind (`catalog`, `schema_org`, …).
    fn kind(&self) -> &str;
    /// Products matching the query, at most `params.max_products`.
    async fn search(&self, query: &SourceQuery) -> Result<SourceBatch, SourceError>;
}
