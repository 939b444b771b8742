//! Group commit for the submit path: this process's concurrent submissions
//! ([`record_submission`](marketlens_core::ports::Store::record_submission))
//! and job insertions ([`enqueue`](marketlens_core::ports::JobQueue::enqueue)) are
//! written by one task, as many as are waiting (up to [`MAX_BATCH`]) in one
//! transaction: one commit for a whole batch of requests instead of two per request.
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

use chrono::{DateTime, Utc};
use marketlens_core::ports::{NewQuery, Recorded, StoreError};
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::row::parse_uuid;
use super::store::{InsertGuards, Lookup, insert_query_row, insert_query_row_unless, to_json};
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
        answer: oneshot::Sender<Result<Recorded, StoreError>>,
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

/// The handle callers use; the writer task ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    calls: mpsc::Sender<Call>,
}

impl GroupCommit {
    /// Starts the writer task on `writer` (the process's writer connection, which
    /// it takes for each batch and gives back between them).
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
        hand_to_writer(&self.calls, |answer| Call::Submit {
            // The store decides whether it is a cache hit.
            query: Box::new(NewQuery {
                answered_by: None,
                ..query.clone()
            }),
            guards,
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
    Submit(Result<Recorded, StoreError>),
    Enqueue(Result<(), StoreError>),
}

async fn write_batches(writer: SqlitePool, mut waiting: mpsc::Receiver<Call>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match write_batch(&writer, &batch).await {
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
                            let _ = answer.send(failed());
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

/// Writes `batch` in one transaction: each call's own answer, in order, or the error
/// that rolled the whole batch back.
///
/// The submissions go first ([`record_submissions`]), the jobs after them, in one
/// statement. Running the jobs last changes no answer: a job is only ever handed over
/// once its query's batch has committed, so no job depends on a submission of the
/// same batch, and a submission looks at queries, never at jobs. Few statements per
/// batch matter because every statement is a round trip to sqlx's SQLite thread, two
/// thread switches.
async fn write_batch(writer: &SqlitePool, batch: &[Call]) -> Result<Vec<Answer>, StoreError> {
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(unavailable)?;
    let mut submissions = Vec::new();
    let mut jobs = Vec::new();
    for call in batch {
        match call {
            Call::Submit { query, guards, .. } => submissions.push((&**query, *guards)),
            Call::Enqueue { job, .. } => jobs.push(job),
        }
    }
    let submitted = record_submissions(&mut tx, &submissions).await?;
    let enqueued = insert_job_rows(&mut tx, &jobs).await;
    tx.commit().await.map_err(unavailable)?;
    let (mut submitted, mut enqueued) = (submitted.into_iter(), enqueued.into_iter());
    Ok(batch
        .iter()
        .map(|call| match call {
            Call::Submit { .. } => Answer::Submit(submitted.next().unwrap_or_else(lost_answer)),
            Call::Enqueue { .. } => Answer::Enqueue(enqueued.next().unwrap_or_else(lost_answer)),
        })
        .collect())
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
    let fresh = Lookup::Fresh.source_and_filter_on("v.fingerprint", "v.tenant", "v.fresh_since");
    let inflight =
        Lookup::InFlight.source_and_filter_on("v.fingerprint", "v.tenant", "v.inflight_since");
    let mut insert = sqlx::QueryBuilder::new(
        "WITH v (id, tenant, text, normalized_text, params, fingerprint, created_at, \
         trace_id, agent_config_version, user_id, experiment_id, experiment_variant, \
         fresh_since, inflight_since) AS (",
    );
    let Ok(params) = rows
        .iter()
        .map(|(query, _)| to_json("params", &query.params))
        .collect::<Result<Vec<_>, _>>()
    else {
        return Ok(None);
    };
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
    let ids: Vec<String> = match insert.build_query_scalar().fetch_all(&mut *tx).await {
        Ok(ids) => ids,
        Err(sqlx::Error::Database(e)) if e.kind() != sqlx::error::ErrorKind::Other => {
            return Ok(None);
        }
        Err(e) => return Err(unavailable(e)),
    };
    let inserted = ids.iter().map(|id| parse_uuid("queries.id", id));
    inserted.collect::<Result<_, _>>().map(Some)
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
