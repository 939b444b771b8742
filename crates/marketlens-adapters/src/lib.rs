//! marketlens-adapters: the embedded backends of the ports, enough to run marketlens as
//! a single binary with no external service.
//!
//! Map:
//! - [`sqlite`]: one SQLite file ([`SqliteDb`]) holding the store of record
//!   ([`SqliteStore`]) and the durable job queue ([`SqliteJobQueue`]); several processes
//!   may share it. [`SqliteIntake`] writes a submission and its job in one transaction.
//! - [`intake`]: [`StoreThenQueue`], the submit path's write over a store and a queue
//!   that are two systems.
//! - [`postgres`]: [`PgStore`], the production store of record on PostgreSQL (same
//!   schema and semantics as the SQLite store).
//! - [`memory_cache`]: [`MemoryCache`], an in-process cache bounded in bytes.
//! - [`redis`]: [`RedisCache`], the shared cache level, and [`RedisStreamsQueue`], the
//!   job queue on Redis Streams; [`layered_cache`]: [`LayeredCache`], memory in front
//!   of Redis.
//! - [`local_blob`]: [`LocalDirBlobStore`], reports as files under a directory.
//! - [`s3_blob`]: [`S3BlobStore`], reports in an S3-compatible bucket (production).
//! - [`secrets`]: backend URLs and messages with their credentials masked.
//! - [`openai_compat`]: [`OpenAiCompatClient`], the LLM port over any
//!   OpenAI-compatible chat-completions endpoint.
//! - `queue_rows` (private): what the SQLite and Redis queues share when they read a
//!   claimed job back (ids and payload from their stored text).
//! - `sql` (private): what the two SQL stores share — column lists, reading records
//!   out of either dialect's rows (`RowExt`), and the database error mapping.
//! - `contract` (feature `contract`): the behaviour every backend of a port must show,
//!   one async function per rule (`contract/{store,queue,cache,blob}`), and the macros
//!   that turn them into one test per rule for a backend's test file
//!   (`sqlite::store::complete_query_is_idempotent`).

mod cache_counters;
pub mod intake;
pub mod layered_cache;
pub mod local_blob;
pub mod memory_cache;
pub mod openai_compat;
pub mod postgres;
mod queue_rows;
pub mod redis;
pub mod s3_blob;
pub mod secrets;
mod sql;
pub mod sqlite;

#[cfg(any(test, feature = "contract"))]
pub mod contract;

pub use intake::StoreThenQueue;
pub use layered_cache::LayeredCache;
pub use local_blob::LocalDirBlobStore;
pub use memory_cache::MemoryCache;
pub use openai_compat::{OpenAiCompatClient, OpenAiCompatSettings};
pub use postgres::PgStore;
pub use redis::{RedisCache, RedisStreamsQueue};
pub use s3_blob::S3BlobStore;
pub use sqlite::{SqliteDb, SqliteIntake, SqliteJobQueue, SqliteStore};
