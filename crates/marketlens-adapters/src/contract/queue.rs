//! The rules of [`JobQueue`], one function each, and the fixture their tests run on.
//!
//! Every rule gets a fresh, empty queue whose `max_attempts` is 2, so it may check
//! counts. Leases are short (250 ms) where a rule waits for one to run out, and every
//! wait is comfortably longer than what it waits for, so a slow machine does not make
//! a rule fail.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::TimeDelta;
use marketlens_core::ports::{ClaimedJob, JobFate, JobPayload, JobQueue, QueueError};
use uuid::Uuid;

use super::{now_us, sleep};

/// A queue under test.
pub struct QueueFixture {
    /// The queue: fresh, empty, `max_attempts` 2.
    pub queue: Box<dyn JobQueue>,
    /// Another handle on the same queue, as a second process would have it (its own
    /// connections).
    pub second: Box<dyn JobQueue>,
}

/// Generates one test per queue rule in a module `queue`. `$runner` (a path from the
/// crate root) is an async function taking a
/// [`Rule`](crate::contract::Rule)`<QueueFixture>` that runs it on a fresh queue.
#[macro_export]
macro_rules! queue_contract_tests {
    ($runner:path) => {
        mod queue {
            $crate::__contract_tests!($runner, queue, $crate::contract::queue::QueueFixture, queue;
                    an_empty_queue_has_nothing_to_claim,
                    enqueueing_a_pending_query_again_is_one_job,
                    jobs_enqueued_at_once_are_each_queued_once_with_their_payload,
                    a_claim_delivers_the_job_with_its_payload,
                    a_leased_job_is_not_delivered_again,
                    only_the_holder_acts_on_a_job,
                    an_expired_lease_redelivers_the_job,
                    a_job_whose_last_lease_expired_is_delivered_for_the_record,
                    a_retried_job_waits_for_its_delay,
                    a_failure_on_the_last_attempt_dead_letters,
                    a_permanent_failure_dead_letters_at_once,
                    releasing_gives_the_job_back_without_spending_an_attempt,
                    a_completed_job_is_gone_and_its_query_may_be_enqueued_again,
                    renewing_keeps_the_job_past_its_first_lease,
                    the_oldest_job_is_claimed_first,
                    a_query_has_a_job_from_enqueue_until_its_job_ends;
                    concurrent_workers_claim_each_job_exactly_once,
            );
        }
    };
}

const LONG: Duration = Duration::from_secs(30);
const SHORT: Duration = Duration::from_millis(250);
/// Comfortably past [`SHORT`].
const PAST_SHORT_MS: u64 = 450;

fn payload() -> JobPayload {
    JobPayload {
        trace_context: BTreeMap::from([(
            "traceparent".to_owned(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
        )]),
    }
}

async fn claim(queue: &dyn JobQueue, worker: &str, lease: Duration) -> Option<ClaimedJob> {
    queue.claim(worker, lease).await.expect("claim")
}

/// A fresh query enqueued and claimed by `worker` with `lease`.
async fn claimed(queue: &dyn JobQueue, worker: &str, lease: Duration) -> ClaimedJob {
    let query = Uuid::new_v4();
    queue.enqueue(query, &payload()).await.expect("enqueue");
    let job = claim(queue, worker, lease)
        .await
        .expect("the job just enqueued");
    assert_eq!(job.query_id, query);
    job
}

/// The job claimed next by `worker` (with a long lease), which must be `job` again on
/// delivery `attempt`; `rule` says why.
async fn claim_again(
    queue: &dyn JobQueue,
    worker: &str,
    job: &ClaimedJob,
    attempt: u32,
    rule: &str,
) -> ClaimedJob {
    let be = queue.backend();
    let again = claim(queue, worker, LONG)
        .await
        .unwrap_or_else(|| panic!("[{be}] {rule}: nothing to claim"));
    assert_eq!(
        (again.job_id, again.query_id, again.attempt),
        (job.job_id, job.query_id, attempt),
        "[{be}] {rule}"
    );
    again
}

/// The next job, claimed by `worker` with a short lease that it then lets run out (a
/// worker that died holding it): when this returns, the job may be claimed again.
pub async fn claim_and_abandon(queue: &dyn JobQueue, worker: &str) -> ClaimedJob {
    let job = claim(queue, worker, SHORT).await.expect("a job to claim");
    sleep(PAST_SHORT_MS).await;
    job
}

/// Completes `job` as `worker`, who must still hold it; `rule` says why.
async fn assert_completes(queue: &dyn JobQueue, job: &ClaimedJob, worker: &str, rule: &str) {
    let completed = queue.complete(job, worker).await;
    assert!(
        completed.is_ok(),
        "[{}] {rule}: {completed:?}",
        queue.backend()
    );
}

async fn assert_stats(queue: &dyn JobQueue, queued: u64, running: u64, dead: u64, when: &str) {
    let s = queue.stats().await.expect("stats");
    assert_eq!(
        (s.queued, s.running, s.dead),
        (queued, running, dead),
        "[{}] (queued, running, dead) {when}",
        queue.backend()
    );
}

fn lease_lost<T: std::fmt::Debug>(r: Result<T, QueueError>) -> bool {
    matches!(r, Err(QueueError::LeaseLost(_)))
}

/// Asserts that `worker` does not hold `job` (completing it is `LeaseLost`); `rule`
/// says why.
async fn assert_not_held(queue: &dyn JobQueue, job: &ClaimedJob, worker: &str, rule: &str) {
    let completed = queue.complete(job, worker).await;
    assert!(lease_lost(completed), "[{}] {rule}", queue.backend());
}

pub async fn an_empty_queue_has_nothing_to_claim(queue: &dyn JobQueue) {
    let be = queue.backend();
    assert_eq!(
        queue.stats().await.unwrap(),
        Default::default(),
        "[{be}] empty queue"
    );
    assert!(
        claim(queue, "w1", LONG).await.is_none(),
        "[{be}] claim on an empty queue"
    );
}

pub async fn enqueueing_a_pending_query_again_is_one_job(queue: &dyn JobQueue) {
    let q1 = Uuid::new_v4();
    queue.enqueue(q1, &payload()).await.expect("enqueue");
    queue.enqueue(q1, &payload()).await.expect("enqueue again");
    assert_stats(queue, 1, 0, 0, "after enqueueing one query twice").await;
    claim(queue, "w1", LONG).await.expect("the job");
    queue.enqueue(q1, &payload()).await.unwrap();
    assert_stats(queue, 0, 1, 0, "enqueueing a query whose job is running").await;
}

/// Many enqueues in flight at once (a batching queue writes them together), each
/// query twice: one job per query, each with its own payload.
pub async fn jobs_enqueued_at_once_are_each_queued_once_with_their_payload(queue: &dyn JobQueue) {
    const QUERIES: usize = 60;
    let be = queue.backend();
    let sent: BTreeMap<Uuid, JobPayload> = (0..QUERIES)
        .map(|i| {
            let trace = format!("00-{:032x}-{:016x}-01", i + 1, i + 1);
            let payload = JobPayload {
                trace_context: BTreeMap::from([("traceparent".to_owned(), trace)]),
            };
            (Uuid::new_v4(), payload)
        })
        .collect();
    let enqueues = sent
        .iter()
        .chain(sent.iter())
        .map(|(query, payload)| queue.enqueue(*query, payload));
    for done in futures::future::join_all(enqueues).await {
        done.expect("enqueue");
    }
    assert_stats(
        queue,
        QUERIES as u64,
        0,
        0,
        "after enqueueing each query twice at once",
    )
    .await;
    let mut delivered = BTreeMap::new();
    while let Some(job) = claim(queue, "w1", LONG).await {
        assert!(
            delivered.insert(job.query_id, job.payload).is_none(),
            "[{be}] a second job for {}",
            job.query_id
        );
    }
    assert_eq!(delivered, sent, "[{be}] each query's job, with its payload");
}

pub async fn a_claim_delivers_the_job_with_its_payload(queue: &dyn JobQueue) {
    let be = queue.backend();
    let job = claimed(queue, "w1", LONG).await;
    assert_eq!(
        (job.attempt, job.max_attempts),
        (1, 2),
        "[{be}] first delivery"
    );
    assert_eq!(
        job.payload,
        payload(),
        "[{be}] the payload travels with the job"
    );
    assert_stats(queue, 0, 1, 0, "after a claim").await;
    let bare = Uuid::new_v4();
    queue.enqueue(bare, &JobPayload::default()).await.unwrap();
    let job = claim(queue, "w1", LONG).await.expect("the second job");
    assert_eq!(
        (job.query_id, job.payload),
        (bare, JobPayload::default()),
        "[{be}] an empty payload travels too"
    );
}

pub async fn a_leased_job_is_not_delivered_again(queue: &dyn JobQueue) {
    let be = queue.backend();
    claimed(queue, "w1", LONG).await;
    assert!(
        claim(queue, "w2", LONG).await.is_none(),
        "[{be}] a leased job is not delivered"
    );
}

pub async fn only_the_holder_acts_on_a_job(queue: &dyn JobQueue) {
    let be = queue.backend();
    let job = claimed(queue, "w1", LONG).await;
    assert_not_held(queue, &job, "w2", "w2 cannot complete w1's job").await;
    assert!(
        lease_lost(queue.renew(&job, "w2", LONG).await),
        "[{be}] w2 cannot renew w1's job"
    );
    assert!(
        lease_lost(queue.fail(&job, "w2", "x", None).await),
        "[{be}] w2 cannot fail w1's job"
    );
    assert!(
        lease_lost(queue.release(&job, "w2").await),
        "[{be}] w2 cannot release w1's job"
    );
    assert_completes(queue, &job, "w1", "the holder still holds it").await;
}

pub async fn an_expired_lease_redelivers_the_job(queue: &dyn JobQueue) {
    // The worker dies: the lease runs out and the job comes back as attempt 2.
    queue
        .enqueue(Uuid::new_v4(), &payload())
        .await
        .expect("enqueue");
    let job = claim_and_abandon(queue, "w1").await;
    claim_again(queue, "w2", &job, 2, "redelivered after the lease expired").await;
    assert_not_held(
        queue,
        &job,
        "w1",
        "the first worker lost the job when its lease expired",
    )
    .await;
    assert_stats(queue, 0, 1, 0, "after the redelivery").await;
}

pub async fn a_job_whose_last_lease_expired_is_delivered_for_the_record(queue: &dyn JobQueue) {
    let be = queue.backend();
    queue
        .enqueue(Uuid::new_v4(), &payload())
        .await
        .expect("enqueue");
    let job = claim_and_abandon(queue, "w1").await;
    // It dies again on its last attempt: delivered once more, past its bound, so the
    // consumer can record the failure; failing it then dead-letters it.
    let again = claim_and_abandon(queue, "w2").await;
    let last = claim_again(
        queue,
        "w3",
        &job,
        3,
        "a job whose lease expired on its last attempt is delivered for the record",
    )
    .await;
    assert_eq!(
        last.max_attempts, 2,
        "[{be}] delivery past the bound says so"
    );
    assert_eq!(
        queue
            .fail(&last, "w3", "worker lost", Some(Duration::from_millis(1)))
            .await
            .unwrap(),
        JobFate::DeadLettered,
        "[{be}] a job past its bound is dead-lettered even when a retry is asked"
    );
    assert_stats(
        queue,
        0,
        0,
        1,
        "after the lease expired on the last attempt",
    )
    .await;
    assert_not_held(queue, &again, "w2", "the second worker lost it too").await;
}

/// A job failed with a retry `delay` on its first attempt, then claimed again once the
/// delay has passed.
async fn retried(queue: &dyn JobQueue) -> ClaimedJob {
    let be = queue.backend();
    let job = claimed(queue, "w1", LONG).await;
    let delay = Duration::from_millis(400);
    assert_eq!(
        queue
            .fail(&job, "w1", "source timed out", Some(delay))
            .await
            .unwrap(),
        JobFate::Retrying { delay }
    );
    assert_stats(queue, 1, 0, 0, "after a retryable failure").await;
    assert!(
        claim(queue, "w1", LONG).await.is_none(),
        "[{be}] a retried job is not delivered before its delay"
    );
    sleep(600).await;
    claim_again(
        queue,
        "w1",
        &job,
        2,
        "the retry, after its delay, is the next attempt",
    )
    .await
}

pub async fn a_retried_job_waits_for_its_delay(queue: &dyn JobQueue) {
    let job = retried(queue).await;
    assert_eq!(job.payload, payload());
    assert_stats(queue, 0, 1, 0, "after the retry was claimed").await;
}

pub async fn a_failure_on_the_last_attempt_dead_letters(queue: &dyn JobQueue) {
    let be = queue.backend();
    let job = retried(queue).await;
    assert_eq!(
        queue
            .fail(
                &job,
                "w1",
                "timed out again",
                Some(Duration::from_millis(400))
            )
            .await
            .unwrap(),
        JobFate::DeadLettered,
        "[{be}] a failure on the last attempt dead-letters"
    );
    assert_stats(queue, 0, 0, 1, "after exhausting attempts").await;
}

pub async fn a_permanent_failure_dead_letters_at_once(queue: &dyn JobQueue) {
    let be = queue.backend();
    let job = claimed(queue, "w1", LONG).await;
    assert_eq!(
        queue
            .fail(&job, "w1", "invalid config", None)
            .await
            .unwrap(),
        JobFate::DeadLettered,
        "[{be}] a failure without a retry dead-letters on the first attempt"
    );
    assert_not_held(queue, &job, "w1", "a dead job is not held").await;
    assert_stats(queue, 0, 0, 1, "after a permanent failure").await;
}

pub async fn releasing_gives_the_job_back_without_spending_an_attempt(queue: &dyn JobQueue) {
    let job = claimed(queue, "w1", LONG).await;
    queue.release(&job, "w1").await.expect("release");
    assert_not_held(queue, &job, "w1", "released means not held").await;
    let rule = "a released job is available at once, its attempt not counted";
    claim_again(queue, "w2", &job, 1, rule).await;
}

pub async fn a_completed_job_is_gone_and_its_query_may_be_enqueued_again(queue: &dyn JobQueue) {
    let be = queue.backend();
    let job = claimed(queue, "w1", LONG).await;
    queue.complete(&job, "w1").await.expect("complete");
    assert_not_held(queue, &job, "w1", "completing twice").await;
    assert_stats(queue, 0, 0, 0, "after completing").await;
    queue.enqueue(job.query_id, &payload()).await.unwrap();
    let again = claim(queue, "w2", LONG).await.expect("the query again");
    assert_eq!(
        (again.query_id, again.attempt),
        (job.query_id, 1),
        "[{be}] a new job for the same query"
    );
    assert_ne!(again.job_id, job.job_id, "[{be}] a new job");
    queue.complete(&again, "w2").await.unwrap();
}

pub async fn a_query_has_a_job_from_enqueue_until_its_job_ends(queue: &dyn JobQueue) {
    let be = queue.backend();
    let has_job = |query| async move { queue.has_job(query).await.expect("has_job") };
    assert!(!has_job(Uuid::new_v4()).await, "[{be}] an unknown query");

    let job = claimed(queue, "w1", LONG).await;
    assert!(has_job(job.query_id).await, "[{be}] a running job");
    let fate = queue
        .fail(&job, "w1", "timed out", Some(Duration::from_millis(200)))
        .await
        .unwrap();
    assert!(matches!(fate, JobFate::Retrying { .. }), "[{be}] {fate:?}");
    assert!(
        has_job(job.query_id).await,
        "[{be}] a job waiting for its retry"
    );
    sleep(400).await;
    let retry = claim(queue, "w1", LONG).await.expect("the retry");
    queue.complete(&retry, "w1").await.unwrap();
    assert!(!has_job(job.query_id).await, "[{be}] a completed job");

    let queued = Uuid::new_v4();
    queue.enqueue(queued, &payload()).await.unwrap();
    assert!(has_job(queued).await, "[{be}] a queued job");
    let dead = claim(queue, "w1", LONG).await.expect("the job");
    queue.fail(&dead, "w1", "permanent", None).await.unwrap();
    assert!(!has_job(queued).await, "[{be}] a dead-lettered job");
}

pub async fn renewing_keeps_the_job_past_its_first_lease(queue: &dyn JobQueue) {
    let be = queue.backend();
    let job = claimed(queue, "w1", SHORT).await;
    queue.renew(&job, "w1", LONG).await.expect("renew");
    sleep(PAST_SHORT_MS).await;
    assert!(
        claim(queue, "w2", LONG).await.is_none(),
        "[{be}] a renewed lease holds"
    );
    assert_completes(queue, &job, "w1", "the renewed lease is still held").await;
}

pub async fn the_oldest_job_is_claimed_first(queue: &dyn JobQueue) {
    let be = queue.backend();
    let before = now_us();
    let (q6, q7) = (Uuid::new_v4(), Uuid::new_v4());
    queue.enqueue(q6, &payload()).await.unwrap();
    sleep(5).await;
    queue.enqueue(q7, &payload()).await.unwrap();
    let after = now_us() + TimeDelta::microseconds(1);
    let s = queue.stats().await.unwrap();
    assert_eq!(s.queued, 2);
    let oldest = s
        .oldest_queued_at
        .expect("oldest_queued_at with jobs waiting");
    assert!(
        before <= oldest && oldest <= after,
        "[{be}] oldest_queued_at {oldest} not within [{before}, {after}]"
    );
    let a = claim(queue, "w1", LONG).await.unwrap();
    let b = claim(queue, "w1", LONG).await.unwrap();
    assert_eq!(
        (a.query_id, b.query_id),
        (q6, q7),
        "[{be}] oldest job first"
    );
    assert_eq!(
        queue.stats().await.unwrap().oldest_queued_at,
        None,
        "[{be}] nothing waiting, no age"
    );
}

/// Workers on two handles (as two processes would have) drain the queue together:
/// every job is claimed, none twice. The workers' calls are all in flight at once; the
/// backend alone keeps them apart.
pub async fn concurrent_workers_claim_each_job_exactly_once(f: &QueueFixture) {
    const JOBS: usize = 200;
    const WORKERS: usize = 8;
    let handles = [&*f.queue, &*f.second];
    let be = f.queue.backend();
    let mut queries = BTreeSet::new();
    for i in 0..JOBS {
        let q = Uuid::new_v4();
        queries.insert(q);
        handles[i % 2]
            .enqueue(q, &JobPayload::default())
            .await
            .unwrap();
    }
    let workers = (0..WORKERS).map(|w| async move {
        let (queue, worker) = (handles[w % 2], format!("w{w}"));
        let mut got = Vec::new();
        while let Some(job) = queue.claim(&worker, Duration::from_secs(60)).await.unwrap() {
            queue.complete(&job, &worker).await.unwrap();
            got.push(job);
        }
        got
    });
    let mut claimed: BTreeMap<Uuid, usize> = BTreeMap::new();
    for job in futures::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
    {
        assert_eq!(job.attempt, 1, "[{be}] no job is delivered twice");
        *claimed.entry(job.query_id).or_default() += 1;
    }
    assert!(
        claimed.values().all(|&n| n == 1),
        "[{be}] each job exactly once: {claimed:?}"
    );
    assert_eq!(
        claimed.keys().copied().collect::<BTreeSet<_>>(),
        queries,
        "[{be}] every job was claimed"
    );
    assert_stats(&*f.queue, 0, 0, 0, "once drained").await;
}
