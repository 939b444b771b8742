//! Group commit for the submit path: this process's concurrent submissions
//! ([`record_submission`](marketlens_core::ports::Store::record_submission), or
//! [`Intake::submit`](marketlens_core::ports::Intake::submit) with the new query's job)
//! and job insertions ([`enqueue`](marketlens_core::ports::JobQueue::enqueue)) are
//! written by one task, as many as are waiting (up to [`MAX_BATCH`]) in one
//! transaction: one commit for a whole batch of requests instead of one or two per
//! request.
//!
//! Inside the batch's `BEGIN IMMEDIATE` transaction each call runs in arrival order, so
//! a later call sees the rows of the earlier ones (two identical submissions in one
//! batch: the second joins the first), exactly as if they had run one after another. A
//! call is answered only after the `COMMIT` that made its row durable, or with the
//! error that kept it out. A call refused on its own (an unknown config version: a
//! constraint, which SQLite undoes for that statement only) does not affect the others;
//! any other failure rolls the whole batch back and each call gets the error, so no
//! call is told "failed" about a row that was written.
//!
//! The hand-over queue is bounded ([`spawn_writer`](crate::sql::spawn_writer)): when
//! the database cannot keep up, submitters wait for room instead of piling up in
//! memory.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use marketlens_core::ErrorType;
use marketlens_core::ports::{IntakeError, JobPayload, NewQuery, QueueError, Recorded, StoreError};
use sqlx::Connection;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::row::parse_uuid;
use super::store::{
    InsertGuards, Lookup, fail_query_update, insert_query_row, insert_query_row_unless, to_json,
};
use super::ts;
use crate::sql::{hand_to_writer, spawn_writer, storable_text, unavailable};

/// The most calls written in one transaction.
pub const MAX_BATCH: usize = 128;

/// One write waiting for the writer task, and where its answer goes.
enum Call {
    /// A submission (see `Store::record_submission`).
    Submit {
        query: Box<NewQuery>,
        guards: InsertGuards,
        /// The job to insert with the query when it is inserted as new work (the
        /// intake), or none (the store alone).
        job: Option<NewJob>,
        answer: oneshot::Sender<Result<Recorded, IntakeError>>,
    },
    /// A job for a recorded query.
    Enqueue {
        job: NewJob,
        answer: oneshot::Sender<Result<(), StoreError>>,
    },
}

/// A `jobs` row to insert: queued, never attempted.
pub(crate) struct NewJob {
    pub id: Uuid,
    pub query_id: Uuid,
    pub max_attempts: u32,
    /// The job's payload, as JSON.
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

impl NewJob {
    /// A new job for `query_id`, created now.
    pub(crate) fn queued(
        query_id: Uuid,
        max_attempts: u32,
        payload: &JobPayload,
    ) -> Result<NewJob, serde_json::Error> {
        Ok(NewJob {
            // v7 ids sort by creation time: a stable tie-break for jobs created in the
            // same microsecond.
            id: Uuid::now_v7(),
            query_id,
            max_attempts,
            payload: serde_json::to_string(payload)?,
            created_at: Utc::now(),
        })
    }
}

/// The handle callers use; the writer task ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    calls: mpsc::Sender<Call>,
}

impl GroupCommit {
    /// Starts the writer task on `writer` (the process's writer connection, which
    /// it keeps across back-to-back batches, at most [`HOLD_AT_MOST`], and gives back
    /// when no call waits).
    pub(crate) fn start(writer: SqlitePool) -> GroupCommit {
        GroupCommit {
            calls: spawn_writer(|waiting| write_batches(writer, waiting)),
        }
    }

    /// See [`Store::record_submission`](marketlens_core::ports::Store::record_submission).
    pub(crate) async fn record(
        &self,
        query: &NewQuery,
        guards: InsertGuards,
    ) -> Result<Recorded, StoreError> {
        self.submit(query, guards, None).await.map_err(|e| match e {
            IntakeError::Store(e) => e,
            // Only a submission with a job can meet the queue's error.
            IntakeError::Queue(e) => StoreError::Unavailable(e.to_string()),
        })
    }

    /// Records `query` as [`GroupCommit::record`] does and, when it is inserted as
    /// new work, inserts `job` (for it) in the same transaction.
    pub(crate) async fn submit(
        &self,
        query: &NewQuery,
        guards: InsertGuards,
        job: Option<NewJob>,
    ) -> Result<Recorded, IntakeError> {
        hand_to_writer(&self.calls, |answer| Call::Submit {
            // The store decides whether it is a cache hit.
            query: Box::new(NewQuery {
                answered_by: None,
                ..query.clone()
            }),
            guards,
            job,
            answer,
        })
        .await
    }

    /// Inserts `job` unless its query already has a pending job (then nothing).
    pub(crate) async fn enqueue(&self, job: NewJob) -> Result<(), StoreError> {
        hand_to_writer(&self.calls, |answer| Call::Enqueue { job, answer }).await
    }
}

/// One call's answer, before it is sent.
enum Answer {
    Submit(Result<Recorded, IntakeError>),
    Enqueue(Result<(), StoreError>),
}

/// How long the writer task keeps the writer connection from one batch to the next
/// while calls keep coming, before giving the process's other writes (a worker's)
/// their turn.
const HOLD_AT_MOST: Duration = Duration::from_millis(50);

async fn write_batches(writer: SqlitePool, mut waiting: mpsc::Receiver<Call>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // The writer connection, kept across back-to-back batches: taking it from the pool
    // and giving it back costs a round trip to its thread each (sqlx checks a
    // connection when it is returned), as long as the batch's own statements.
    let mut held: Option<(PoolConnection<Sqlite>, Instant)> = None;
    loop {
        if waiting.is_empty() {
            held = None;
        }
        if waiting.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let written = match writer_connection(&mut held, &writer).await {
            Ok(conn) => match write_new_questions(conn, &batch).await {
                Some(written) => written,
                None => write_batch(conn, &batch.iter().collect::<Vec<_>>()).await,
            },
            Err(e) => Err(e),
        };
        if written.is_err() {
            // Back to the pool, which checks it (and closes it if it is broken).
            held = None;
        }
        match written {
            Ok(answers) => {
                for (call, answer) in batch.drain(..).zip(answers) {
                    // The caller may have gone (its request dropped): its row stays,
                    // as it would had it been written without a batch.
                    match (call, answer) {
                        (Call::Submit { answer: to, .. }, Answer::Submit(a)) => {
                            let _ = to.send(a);
                        }
                        (Call::Enqueue { answer: to, .. }, Answer::Enqueue(a)) => {
                            let _ = to.send(a);
                        }
                        // write_batch answers each call with its own kind.
                        _ => unreachable!("an answer of another kind than its call"),
                    }
                }
            }
            Err(e) => {
                let message = e.to_string();
                let failed = || Err(StoreError::Unavailable(message.clone()));
                for call in batch.drain(..) {
                    match call {
                        Call::Submit { answer, .. } => {
                            let _ = answer.send(failed().map_err(IntakeError::Store));
                        }
                        Call::Enqueue { answer, .. } => {
                            let _ = answer.send(failed().map(|_: Recorded| ()));
                        }
                    }
                }
            }
        }
    }
}

/// The writer connection for the next batch: the one `held`, unless it has been held
/// for [`HOLD_AT_MOST`] (then it goes back to the pool first, where another write may
/// be waiting for it), else one taken from the pool and held from now.
async fn writer_connection<'h>(
    held: &'h mut Option<(PoolConnection<Sqlite>, Instant)>,
    writer: &SqlitePool,
) -> Result<&'h mut PoolConnection<Sqlite>, StoreError> {
    if held
        .as_ref()
        .is_some_and(|(_, since)| since.elapsed() >= HOLD_AT_MOST)
    {
        *held = None;
    }
    if let Some((conn, _)) = held {
        return Ok(conn);
    }
    let conn = writer.acquire().await.map_err(unavailable)?;
    Ok(&mut held.insert((conn, Instant::now())).0)
}

/// Writes `batch` in one transaction: each call's own answer, in order, or the error
/// that rolled the whole batch back.
///
/// The submissions go first ([`record_submissions`]), the jobs after them, in one
/// statement: those of the submissions inserted as new work, then those enqueued.
/// Running the enqueued jobs last changes no answer: such a job is only ever handed
/// over once its query's batch has committed, so no job depends on a submission of
/// the same batch, and a submission looks at queries, never at jobs. Few statements
/// per batch matter because every statement is a round trip to sqlx's SQLite thread,
/// two thread switches.
async fn write_batch(
    writer: &mut SqliteConnection,
    batch: &[&Call],
) -> Result<Vec<Answer>, StoreError> {
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(unavailable)?;
    let mut submissions = Vec::new();
    let mut enqueued = Vec::new();
    for call in batch {
        match call {
            Call::Submit { query, guards, .. } => submissions.push((&**query, *guards)),
            Call::Enqueue { job, .. } => enqueued.push(job),
        }
    }
    let mut submitted: Vec<Result<Recorded, IntakeError>> =
        record_submissions(&mut tx, &submissions)
            .await?
            .into_iter()
            .map(|a| a.map_err(IntakeError::Store))
            .collect();
    // The jobs of the new queries, each with the index of its submission's answer.
    let new_work: Vec<(usize, &NewJob)> = batch
        .iter()
        .filter_map(|call| match call {
            Call::Submit { job, .. } => Some(job.as_ref()),
            Call::Enqueue { .. } => None,
        })
        .enumerate()
        .filter_map(|(i, job)| {
            let job = job.filter(|_| matches!(submitted[i], Ok(Recorded::Inserted)))?;
            Some((i, job))
        })
        .collect();
    let jobs: Vec<&NewJob> = new_work
        .iter()
        .map(|&(_, job)| job)
        .chain(enqueued)
        .collect();
    let mut inserted = insert_job_rows(&mut tx, &jobs).await.into_iter();
    for (&(i, job), result) in new_work.iter().zip(inserted.by_ref()) {
        if let Err(e) = result {
            // Its query must not wait for a job no worker will pick up.
            let refused = IntakeError::Queue(QueueError::Unavailable(e.to_string()));
            fail_query_update(job.query_id, ErrorType::Unavailable, &refused.to_string())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            submitted[i] = Err(refused);
        }
    }
    tx.commit().await.map_err(unavailable)?;
    let mut submitted = submitted.into_iter();
    Ok(batch
        .iter()
        .map(|call| match call {
            Call::Submit { .. } => Answer::Submit(
                submitted
                    .next()
                    .unwrap_or_else(|| lost_answer().map_err(IntakeError::Store)),
            ),
            Call::Enqueue { .. } => Answer::Enqueue(inserted.next().unwrap_or_else(lost_answer)),
        })
        .collect())
}

/// The common batch, new questions only, in one round trip to sqlx's SQLite thread
/// instead of four or more: one command begins the transaction (`BEGIN IMMEDIATE`),
/// inserts the questions unless their guards hold ([`push_insert_unless_guarded`]),
/// inserts the jobs of those inserted ([`push_insert_jobs_of_new_queries`]) and
/// commits. The submissions a guard kept out (a fresh result, an identical query in
/// flight) then go through [`write_batch`] in a transaction of their own, as if they
/// had come just after the others: questions apart cannot see each other's rows, so
/// every answer is still the one they would get one after another.
///
/// `None` when the batch is not of that kind (a job to enqueue on its own, a question
/// submitted twice) or when the command failed (a row refused fails it whole): it is
/// rolled back, nothing is written, and the whole batch goes through [`write_batch`],
/// which answers each call on its own.
async fn write_new_questions(
    conn: &mut PoolConnection<Sqlite>,
    batch: &[Call],
) -> Option<Result<Vec<Answer>, StoreError>> {
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(batch.len());
    let mut jobs = Vec::new();
    for call in batch {
        let Call::Submit {
            query, guards, job, ..
        } = call
        else {
            return None;
        };
        if !seen.insert((query.tenant.as_str(), query.fingerprint.as_str())) {
            return None;
        }
        rows.push((&**query, *guards));
        jobs.extend(job);
    }
    let mut command = sqlx::QueryBuilder::new("BEGIN IMMEDIATE; ");
    if !push_insert_unless_guarded(&mut command, &rows) {
        return None;
    }
    if !jobs.is_empty() {
        command.push("; ");
        push_insert_jobs_of_new_queries(&mut command, &jobs);
    }
    command.push("; COMMIT");
    // SQLite runs the statements of one command in order (sqlx prepares each in turn);
    // the rows are those of the questions' `RETURNING id`.
    let ids: Vec<String> = match command.build_query_scalar().fetch_all(&mut **conn).await {
        Ok(ids) => ids,
        Err(_) => {
            // Whichever statement failed, nothing is kept.
            roll_back(conn).await;
            return None;
        }
    };
    let inserted = match inserted_ids(&ids) {
        Ok(inserted) => inserted,
        Err(e) => return Some(Err(e)),
    };
    let kept_out: Vec<&Call> = batch
        .iter()
        .zip(&rows)
        .filter(|(_, (query, _))| !inserted.contains(&query.id))
        .map(|(call, _)| call)
        .collect();
    let mut later = if kept_out.is_empty() {
        Vec::new()
    } else {
        match write_batch(conn, &kept_out).await {
            Ok(answers) => answers,
            Err(e) => return Some(Err(e)),
        }
    }
    .into_iter();
    Some(Ok(rows
        .iter()
        .map(|(query, _)| {
            if inserted.contains(&query.id) {
                Answer::Submit(Ok(Recorded::Inserted))
            } else {
                later
                    .next()
                    .unwrap_or_else(|| Answer::Submit(lost_answer().map_err(IntakeError::Store)))
            }
        })
        .collect()))
}

/// Rolls back the transaction [`write_new_questions`] began, if it is still open.
/// When that fails (no transaction: its `BEGIN` was what failed; or a broken
/// connection), the connection is closed once dropped instead of going back to the
/// pool, so no later write can find it inside a transaction.
async fn roll_back(conn: &mut PoolConnection<Sqlite>) {
    if sqlx::query("ROLLBACK").execute(&mut **conn).await.is_err() {
        conn.close_on_drop();
    }
}

/// Pushes onto `command` one `INSERT` of the jobs (at most [`MAX_BATCH`] rows of five
/// values) whose query exists: the queries this transaction inserted, as query ids are
/// new for every submission. The partial unique index makes a second pending job for a
/// query a no-op.
fn push_insert_jobs_of_new_queries(command: &mut sqlx::QueryBuilder<Sqlite>, jobs: &[&NewJob]) {
    command.push("WITH j (id, query_id, max_attempts, payload, created_at) AS (");
    command.push_values(jobs, |mut row, job| {
        row.push_bind(job.id.to_string())
            .push_bind(job.query_id.to_string())
            .push_bind(i64::from(job.max_attempts))
            .push_bind(job.payload.clone())
            .push_bind(ts(job.created_at));
    });
    command.push(
        ") INSERT INTO jobs (id, query_id, status, attempts, max_attempts, available_at, \
         payload, created_at, updated_at) \
         SELECT id, query_id, 'queued', 0, max_attempts, created_at, payload, created_at, \
         created_at FROM j WHERE EXISTS (SELECT 1 FROM queries WHERE queries.id = j.query_id) \
         ON CONFLICT (query_id) WHERE status IN ('queued', 'running') DO NOTHING",
    );
}

/// A call the batch wrote no answer for (cannot happen: one answer is pushed per call).
fn lost_answer<T>() -> Result<T, StoreError> {
    Err(StoreError::Corrupt(
        "a batched write lost its answer".into(),
    ))
}

/// The batch's submissions, each answered as if they had run one after another in
/// arrival order: the call's own answer, or the error that ends the batch.
///
/// The first submission of each question (tenant and fingerprint) in the batch is
/// inserted by one statement, each row unless its own guards hold; a question's
/// later submissions (which must see the first's row) run one by one after it, in
/// order. Questions apart cannot see each other's rows, so this is the same as one
/// after another. A submission that statement did not insert (a guard held) is then
/// answered as [`record_submission`] does. When the statement is refused (one row
/// naming an unknown config version, say: SQLite undoes that statement only), or the
/// batch holds a single question, every submission runs one by one in arrival order,
/// so only the one at fault is refused.
async fn record_submissions(
    tx: &mut SqliteConnection,
    submissions: &[(&NewQuery, InsertGuards)],
) -> Result<Vec<Result<Recorded, StoreError>>, StoreError> {
    let mut seen = std::collections::HashSet::new();
    let (firsts, repeats): (Vec<usize>, Vec<usize>) = (0..submissions.len()).partition(|&i| {
        let query = submissions[i].0;
        seen.insert((query.tenant.as_str(), query.fingerprint.as_str()))
    });
    let inserted = match firsts.len() {
        0 | 1 => None,
        _ => {
            let rows: Vec<_> = firsts.iter().map(|&i| submissions[i]).collect();
            insert_unless_guarded(tx, &rows).await?
        }
    };
    let Some(inserted) = inserted else {
        let mut answers = Vec::with_capacity(submissions.len());
        for &(query, guards) in submissions {
            answers.push(record_submission(tx, query, guards).await?);
        }
        return Ok(answers);
    };
    let mut answers: Vec<Option<Result<Recorded, StoreError>>> =
        (0..submissions.len()).map(|_| None).collect();
    for &i in &firsts {
        let (query, guards) = submissions[i];
        answers[i] = Some(if inserted.contains(&query.id) {
            Ok(Recorded::Inserted)
        } else {
            not_inserted(tx, query, guards).await?
        });
    }
    for &i in &repeats {
        let (query, guards) = submissions[i];
        answers[i] = Some(record_submission(tx, query, guards).await?);
    }
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(lost_answer))
        .collect())
}

/// Inserts each of `rows` (new questions, none twice) unless one of its own guards
/// holds, in one statement; the ids inserted, or `None` when the statement was refused
/// as a whole (a row breaking a constraint, or one that cannot be encoded: nothing
/// written) and the rows must go one by one. Each row's look-ups see the queries from
/// before the statement, not the other rows of it.
async fn insert_unless_guarded(
    tx: &mut SqliteConnection,
    rows: &[(&NewQuery, InsertGuards)],
) -> Result<Option<std::collections::HashSet<Uuid>>, StoreError> {
    let mut insert = sqlx::QueryBuilder::new("");
    if !push_insert_unless_guarded(&mut insert, rows) {
        return Ok(None);
    }
    let ids: Vec<String> = match insert.build_query_scalar().fetch_all(&mut *tx).await {
        Ok(ids) => ids,
        Err(sqlx::Error::Database(e)) if e.kind() != sqlx::error::ErrorKind::Other => {
            return Ok(None);
        }
        Err(e) => return Err(unavailable(e)),
    };
    inserted_ids(&ids).map(Some)
}

/// The ids a `RETURNING id` gave back.
fn inserted_ids(ids: &[String]) -> Result<std::collections::HashSet<Uuid>, StoreError> {
    ids.iter().map(|id| parse_uuid("queries.id", id)).collect()
}

/// Pushes onto `insert` the statement of [`insert_unless_guarded`] (`RETURNING id`);
/// false, with nothing pushed, when a row cannot be encoded.
fn push_insert_unless_guarded(
    insert: &mut sqlx::QueryBuilder<Sqlite>,
    rows: &[(&NewQuery, InsertGuards)],
) -> bool {
    let fresh = Lookup::Fresh.source_and_filter_on("v.fingerprint", "v.tenant", "v.fresh_since");
    let inflight =
        Lookup::InFlight.source_and_filter_on("v.fingerprint", "v.tenant", "v.inflight_since");
    let Ok(params) = rows
        .iter()
        .map(|(query, _)| to_json("params", &query.params))
        .collect::<Result<Vec<_>, _>>()
    else {
        return false;
    };
    insert.push(
        "WITH v (id, tenant, text, normalized_text, params, fingerprint, created_at, \
         trace_id, agent_config_version, user_id, experiment_id, experiment_variant, \
         fresh_since, inflight_since) AS (",
    );
    insert.push_values(rows.iter().zip(params), |mut row, ((q, guards), params)| {
        row.push_bind(q.id.to_string())
            .push_bind(q.tenant.as_str().to_owned())
            .push_bind(storable_text(&q.text).into_owned())
            .push_bind(storable_text(&q.normalized_text).into_owned())
            .push_bind(params)
            .push_bind(q.fingerprint.as_str().to_owned())
            .push_bind(ts(q.created_at))
            .push_bind(q.trace_id.clone())
            .push_bind(q.agent_config_version)
            .push_bind(q.user_id.clone())
            .push_bind(q.experiment.as_ref().map(|a| a.experiment_id.to_string()))
            .push_bind(q.experiment.as_ref().map(|a| a.variant.clone()))
            .push_bind(guards.fresh_since.map(ts))
            .push_bind(guards.inflight_since.map(ts));
    });
    insert.push(format!(
        ") INSERT INTO queries (id, tenant, text, normalized_text, params, fingerprint, \
         status, created_at, attempts, trace_id, agent_config_version, cache_hit, progress, \
         user_id, experiment_id, experiment_variant) \
         SELECT id, tenant, text, normalized_text, params, fingerprint, 'queued', \
         created_at, 0, trace_id, agent_config_version, 0, '[]', user_id, experiment_id, \
         experiment_variant FROM v \
         WHERE (v.fresh_since IS NULL OR NOT EXISTS (SELECT 1 {fresh})) \
         AND (v.inflight_since IS NULL OR NOT EXISTS (SELECT 1 {inflight})) \
         RETURNING id"
    ));
    true
}

/// One submission inside the batch's transaction: the call's own answer, or the error
/// that ends the batch.
async fn record_submission(
    tx: &mut SqliteConnection,
    query: &NewQuery,
    guards: InsertGuards,
) -> Result<Result<Recorded, StoreError>, StoreError> {
    let inserted = match own_refusal(insert_query_row_unless(tx, query, guards).await)? {
        Ok(inserted) => inserted,
        Err(refused) => return Ok(Err(refused)),
    };
    if inserted {
        return Ok(Ok(Recorded::Inserted));
    }
    not_inserted(tx, query, guards).await
}

/// The answer for a submission one of whose guards kept it out: which one, in the
/// same transaction (the rare case: it costs more statements).
async fn not_inserted(
    tx: &mut SqliteConnection,
    query: &NewQuery,
    guards: InsertGuards,
) -> Result<Result<Recorded, StoreError>, StoreError> {
    if let Some(since) = guards.fresh_since
        && let Some(fresh) = Lookup::Fresh
            .find(tx, &query.tenant, &query.fingerprint, since)
            .await?
    {
        let hit = NewQuery {
            answered_by: Some(fresh),
            ..query.clone()
        };
        return Ok(
            own_refusal(insert_query_row(tx, &hit).await)?.map(|()| Recorded::Answered(fresh))
        );
    }
    if let Some(since) = guards.inflight_since
        && let Some(existing) = Lookup::InFlight
            .find(tx, &query.tenant, &query.fingerprint, since)
            .await?
    {
        return Ok(Ok(Recorded::Joined(existing)));
    }
    Err(StoreError::Corrupt(format!(
        "query {} was neither inserted nor answered nor joined",
        query.id
    )))
}

/// A statement refused on its own (a constraint: SQLite undid only that statement) is
/// that call's answer; any other error ends the batch.
fn own_refusal<T>(result: Result<T, StoreError>) -> Result<Result<T, StoreError>, StoreError> {
    match result {
        Ok(done) => Ok(Ok(done)),
        Err(e @ (StoreError::NotFound(_) | StoreError::Conflict(_))) => Ok(Err(e)),
        Err(other) => Err(other),
    }
}

/// Inserts `jobs` in one statement; each job's answer. When the statement fails (one
/// row refused: SQLite undoes that statement only), each job is inserted on its own,
/// so only the one at fault gets the error.
async fn insert_job_rows(
    conn: &mut SqliteConnection,
    jobs: &[&NewJob],
) -> Vec<Result<(), StoreError>> {
    match jobs {
        [] => Vec::new(),
        [job] => vec![insert_jobs(conn, std::slice::from_ref(job)).await],
        _ => match insert_jobs(conn, jobs).await {
            Ok(()) => jobs.iter().map(|_| Ok(())).collect(),
            Err(_) => {
                let mut answers = Vec::with_capacity(jobs.len());
                for job in jobs {
                    answers.push(insert_jobs(conn, std::slice::from_ref(job)).await);
                }
                answers
            }
        },
    }
}

/// One `INSERT` of `jobs` (at most [`MAX_BATCH`] rows of seven values: far below
/// SQLite's bound on bound values). The partial unique index makes a second pending
/// job for a query a no-op.
async fn insert_jobs(conn: &mut SqliteConnection, jobs: &[&NewJob]) -> Result<(), StoreError> {
    let mut insert = sqlx::QueryBuilder::new(
        "INSERT INTO jobs (id, query_id, status, attempts, max_attempts, available_at, \
         payload, created_at, updated_at) ",
    );
    insert.push_values(jobs, |mut row, job| {
        let now = ts(job.created_at);
        row.push_bind(job.id.to_string())
            .push_bind(job.query_id.to_string())
            .push("'queued'")
            .push("0")
            .push_bind(i64::from(job.max_attempts))
            .push_bind(now.clone())
            .push_bind(job.payload.clone())
            .push_bind(now.clone())
            .push_bind(now);
    });
    insert.push(" ON CONFLICT (query_id) WHERE status IN ('queued', 'running') DO NOTHING");
    insert
        .build()
        .execute(&mut *conn)
        .await
        .map_err(unavailable)?;
    Ok(())
}
