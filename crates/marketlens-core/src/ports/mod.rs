//! Ports: the small traits behind which every backend sits (the LLM endpoint too).
//!
//! Code above these traits (the pipeline, the worker, the HTTP API) never names a
//! backend. Each port has an embedded adapter (SQLite, in-process, local directory)
//! and, later, production adapters (PostgreSQL, Redis, a broker, S3), all checked by
//! the same contract tests.

mod access;
mod blob;
mod cache;
mod intake;
mod llm;
mod queue;
mod source;
mod store;

pub use access::{ApiKeyRecord, AuditAction, AuditEvent, NewApiKey, TenantRecord};
pub use blob::{BlobError, BlobLocation, BlobStore, BlobStream, validate_key};
pub use cache::{Cache, CacheError, CacheLevel, CacheStats};
pub use intake::{Intake, IntakeError};
pub use llm::{LlmClient, LlmError, LlmRequest, LlmResponse, ResponseFormat};
pub use queue::{ClaimedJob, JobFate, JobPayload, JobQueue, QueueError, QueueStats};
pub use source::{Source, SourceBatch, SourceError, SourceQuery};
pub use store::{
    AgentConfigVersion, ExperimentFeedback, ExperimentObservation, ExperimentRecord,
    ExperimentStatus, FeedbackRecord, FeedbackSummary, FeedbackTally, JudgeColumns, LlmUsage,
    NewExperiment, NewFeedback, NewQuery, PriceObservation, QueryFilter, QueryPage, QueryRecord,
    QueryStatus, Recorded, RecordedFeedback, RuleFeedback, StageProgress, StageState, Store,
    StoreError, StoredResult, VariantFeedback,
};
