//! The port contracts run against the embedded adapters (SQLite store and queue,
//! in-process cache, local directory), plus what only the embedded database can show:
//! durability across reopening, and what the queue keeps in its rows.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use marketlens_adapters::contract::Rule;
use marketlens_adapters::contract::intake::IntakeFixture;
use marketlens_adapters::contract::queue::{QueueFixture, claim_and_abandon};
use marketlens_adapters::contract::store::{Corruption, Database, StoreFixture};
use marketlens_adapters::{
    LocalDirBlobStore, MemoryCache, SqliteDb, SqliteIntake, SqliteJobQueue, SqliteStore,
    StoreThenQueue,
};
use marketlens_core::ports::{BlobStore, Cache, JobPayload, JobQueue};
use uuid::Uuid;

async fn open(dir: &Path) -> SqliteDb {
    SqliteDb::open(&dir.join("data/marketlens.db"))
        .await
        .expect("open database")
}

/// Text columns take any text: timestamps, ids and trace ids can be anything.
fn text_column_corruptions() -> Vec<Corruption> {
    vec![
        Corruption::Query("UPDATE queries SET created_at = 'last tuesday'"),
        Corruption::Query("UPDATE queries SET result_query_id = 'not-a-uuid'"),
        Corruption::Query("UPDATE queries SET trace_id = x'80ff'"),
        Corruption::CollectedBatch("UPDATE collected_products_cache SET stored_at = 'soon'"),
    ]
}

/// A database file; the second store is a second pool on it, which behaves like
/// another process: separate connections that only the file's locks coordinate.
async fn with_sqlite_store(rule: Rule<StoreFixture>) {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = tokio::join!(open(dir.path()), open(dir.path()));
    rule(&StoreFixture {
        database: Database::Sqlite(one.pool().clone()),
        store: Box::new(SqliteStore::new(one)),
        second: Box::new(SqliteStore::new(two)),
        backend_corruptions: text_column_corruptions(),
    })
    .await;
}

/// An in-memory database; the second store is the same one again, since a second
/// connection to `:memory:` would be another database.
async fn with_in_memory_store(rule: Rule<StoreFixture>) {
    let db = SqliteDb::open_in_memory().await.unwrap();
    rule(&StoreFixture {
        database: Database::Sqlite(db.pool().clone()),
        store: Box::new(SqliteStore::new(db.clone())),
        second: Box::new(SqliteStore::new(db)),
        backend_corruptions: text_column_corruptions(),
    })
    .await;
}

/// A queue in a database file, and a second handle on it through another pool.
async fn with_sqlite_queue(rule: Rule<QueueFixture>) {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = tokio::join!(open(dir.path()), open(dir.path()));
    rule(&QueueFixture {
        queue: Box::new(SqliteJobQueue::new(one, 2)),
        second: Box::new(SqliteJobQueue::new(two, 2)),
    })
    .await;
}

/// The embedded intake on `db`, with the store and queue it writes to.
fn sqlite_intake(db: SqliteDb) -> IntakeFixture {
    IntakeFixture {
        intake: Box::new(SqliteIntake::new(db.clone(), 2)),
        store: Box::new(SqliteStore::new(db.clone())),
        queue: Box::new(SqliteJobQueue::new(db, 2)),
    }
}

/// The embedded intake: a submission and its job in one transaction.
async fn with_sqlite_intake(rule: Rule<IntakeFixture>) {
    let dir = tempfile::tempdir().unwrap();
    rule(&sqlite_intake(open(dir.path()).await)).await;
}

async fn with_in_memory_intake(rule: Rule<IntakeFixture>) {
    rule(&sqlite_intake(SqliteDb::open_in_memory().await.unwrap())).await;
}

/// The intake of a store and a queue apart (record, then enqueue), here on the
/// embedded ones.
async fn with_store_then_queue(rule: Rule<IntakeFixture>) {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path()).await;
    let store = SqliteStore::new(db.clone());
    let queue = SqliteJobQueue::new(db, 2);
    rule(&IntakeFixture {
        intake: Box::new(StoreThenQueue::new(
            Arc::new(store.clone()),
            Arc::new(queue.clone()),
        )),
        store: Box::new(store),
        queue: Box::new(queue),
    })
    .await;
}

async fn with_memory_cache(rule: Rule<dyn Cache>) {
    rule(&MemoryCache::new(1 << 20)).await;
}

async fn with_local_dir(rule: Rule<dyn BlobStore>) {
    let dir = tempfile::tempdir().unwrap();
    rule(&LocalDirBlobStore::new(dir.path().join("blobs")).unwrap()).await;
}

#[tokio::test]
async fn a_job_survives_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let query = Uuid::new_v4();
    {
        let db = open(dir.path()).await;
        let queue = SqliteJobQueue::new(db.clone(), 3);
        queue.enqueue(query, &JobPayload::default()).await.unwrap();
        db.close().await;
    }
    let db = open(dir.path()).await;
    let queue = SqliteJobQueue::new(db, 3);
    let job = queue
        .claim("w", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the job enqueued before reopening");
    assert_eq!((job.query_id, job.attempt, job.max_attempts), (query, 1, 3));
    queue.complete(&job, "w").await.unwrap();
}

#[tokio::test]
async fn an_unreadable_payload_does_not_lose_the_job() {
    let db = SqliteDb::open_in_memory().await.unwrap();
    let queue = SqliteJobQueue::new(db.clone(), 2);
    let q = Uuid::new_v4();
    queue.enqueue(q, &JobPayload::default()).await.unwrap();
    sqlx::query("UPDATE jobs SET payload = '{\"trace_context\": 5}'")
        .execute(db.pool())
        .await
        .unwrap();
    let job = queue
        .claim("w", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.query_id, job.payload), (q, JobPayload::default()));
}

#[tokio::test]
async fn a_dead_job_records_why() {
    let db = SqliteDb::open_in_memory().await.unwrap();
    let queue = SqliteJobQueue::new(db.clone(), 1);
    queue
        .enqueue(Uuid::new_v4(), &JobPayload::default())
        .await
        .unwrap();
    claim_and_abandon(&queue, "w").await;
    // Its worker died on the only attempt: delivered past the bound for the record.
    let last = queue
        .claim("w2", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((last.attempt, last.max_attempts), (2, 1));
    queue
        .fail(
            &last,
            "w2",
            "lease expired after 1 attempts: worker stopped",
            None,
        )
        .await
        .unwrap();
    let error: String = sqlx::query_scalar("SELECT last_error FROM jobs WHERE status = 'dead'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(error, "lease expired after 1 attempts: worker stopped");
}

marketlens_adapters::contract_suites! {
    sqlite: store_contract_tests(crate::with_sqlite_store),
        queue_contract_tests(crate::with_sqlite_queue),
        intake_contract_tests(crate::with_sqlite_intake);
    sqlite_in_memory: store_contract_tests(crate::with_in_memory_store),
        intake_contract_tests(crate::with_in_memory_intake);
    store_then_queue: intake_contract_tests(crate::with_store_then_queue);
    memory: cache_contract_tests(crate::with_memory_cache);
    local_dir: blob_contract_tests(crate::with_local_dir);
}
