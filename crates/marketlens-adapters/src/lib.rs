//! marketlens-adapters: the embedded backends of the ports, enough to run marketlens as
//! a single binary with no external service.
//!
//! Map:
//! - [`sqlite`]: one SQLite file ([`SqliteDb`]) holding the store of record
//!   ([`SqliteStore`]) and the durable job queue ([`SqliteJobQueue`]); several processes
//!   may share it.
//! - [`memory_cache`]: [`MemoryCache`], an in-process cache bounded in bytes.
//! - [`local_blob`]: [`LocalDirBlobStore`], reports as files under a directory.
//! - `contract` (feature `contract`): the behaviour every backend of a port must show,
//!   as async functions that panic on a violation, for any backend's tests to call.

pub mod local_blob;
pub mod memory_cache;
pub mod sqlite;

#[cfg(any(test, feature = "contract"))]
pub mod contract;

pub use local_blob::LocalDirBlobStore;
pub use memory_cache::MemoryCache;
pub use sqlite::{SqliteDb, SqliteJobQueue, SqliteStore};
