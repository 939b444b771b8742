//! Rules of the [`Intake`] port: the submit path's write records each submission as
//! the store's [`record_submission`](Store::record_submission) would, and the queue
//! then holds exactly one job for each new query and none for the others.
//!
//! Submissions made at once are what a batching intake writes together (the embedded
//! one in one command when they are all new questions, through its one-by-one path
//! otherwise), so the rules submit at once: all new, new with a refused one, new with
//! a question twice.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::TimeDelta;
use marketlens_core::ports::{
    Intake, IntakeError, JobPayload, JobQueue, NewQuery, Recorded, Store, StoreError,
};
use uuid::Uuid;

use super::now_us;
use super::store::{fresh_config, fresh_fingerprint, new_query, result_for};

/// An intake under test, with the store and the queue it writes to.
pub struct IntakeFixture {
    pub intake: Box<dyn Intake>,
    pub store: Box<dyn Store>,
    pub queue: Box<dyn JobQueue>,
}

/// Generates one test per intake rule in a module `intake`. `$runner` (a path from the
/// crate root) is an async function taking a
/// [`Rule`](crate::contract::Rule)`<IntakeFixture>` that runs it on a fresh set-up.
#[macro_export]
macro_rules! intake_contract_tests {
    ($runner:path) => {
        mod intake {
            $crate::__contract_tests!($runner, intake, $crate::contract::intake::IntakeFixture;
                    a_new_question_is_recorded_with_its_job,
                    a_joined_or_answered_submission_queues_nothing,
                    new_questions_submitted_at_once_each_get_one_job,
                    a_refused_submission_costs_the_others_nothing,
                    a_question_submitted_twice_at_once_gets_one_job,
            );
        }
    };
}

fn payload(query: &NewQuery) -> JobPayload {
    JobPayload {
        trace_context: BTreeMap::from([("traceparent".to_owned(), format!("for {}", query.id))]),
    }
}

/// Submits `query` with both guards an hour back.
async fn submit(f: &IntakeFixture, query: &NewQuery) -> Result<Recorded, IntakeError> {
    let hour_ago = now_us() - TimeDelta::hours(1);
    f.intake
        .submit(query, Some(hour_ago), Some(hour_ago), &payload(query))
        .await
}

/// Submits every one of `queries` at the same moment.
async fn submit_at_once(
    f: &IntakeFixture,
    queries: &[NewQuery],
) -> Vec<Result<Recorded, IntakeError>> {
    futures::future::join_all(queries.iter().map(|q| submit(f, q))).await
}

/// Claims every job the queue has, and checks each carries its own query's payload:
/// the query ids, in claim order.
async fn claim_all(f: &IntakeFixture) -> Vec<Uuid> {
    let mut claimed = Vec::new();
    while let Some(job) = f
        .queue
        .claim("intake-contract", Duration::from_secs(60))
        .await
        .expect("claim")
    {
        let traceparent = job.payload.trace_context.get("traceparent");
        assert_eq!(
            traceparent.map(String::as_str),
            Some(format!("for {}", job.query_id).as_str()),
            "[{}] a job carries its own submission's payload",
            f.queue.backend()
        );
        claimed.push(job.query_id);
    }
    claimed
}

/// New questions: each query is recorded as submitted, each with exactly one job.
async fn assert_recorded_with_one_job_each(f: &IntakeFixture, queries: &[&NewQuery]) {
    let be = f.store.backend();
    for q in queries {
        assert_eq!(
            f.store.get_query(q.id).await.unwrap(),
            Some(q.recorded()),
            "[{be}] the new query is recorded as submitted"
        );
    }
    let mut claimed = claim_all(f).await;
    claimed.sort();
    let mut expected: Vec<Uuid> = queries.iter().map(|q| q.id).collect();
    expected.sort();
    assert_eq!(claimed, expected, "[{be}] one job per new query, no other");
}

pub async fn a_new_question_is_recorded_with_its_job(f: &IntakeFixture) {
    let be = f.store.backend();
    let query = new_query(
        &fresh_fingerprint(),
        fresh_config(&*f.store).await,
        now_us(),
    );
    let answer = submit(f, &query).await;
    assert!(
        matches!(answer, Ok(Recorded::Inserted)),
        "[{be}] a new question is inserted: {answer:?}"
    );
    assert!(
        f.queue.has_job(query.id).await.unwrap(),
        "[{be}] with a job"
    );
    assert_recorded_with_one_job_each(f, &[&query]).await;
}

/// A submission joined to an identical one in flight, or answered by a fresh result,
/// is no new work: no job.
pub async fn a_joined_or_answered_submission_queues_nothing(f: &IntakeFixture) {
    let be = f.store.backend();
    let config = fresh_config(&*f.store).await;
    let first = new_query(&fresh_fingerprint(), config, now_us());
    assert!(matches!(submit(f, &first).await, Ok(Recorded::Inserted)));
    let again = new_query(&first.fingerprint, config, now_us());
    let answer = submit(f, &again).await;
    assert!(
        matches!(answer, Ok(Recorded::Joined(id)) if id == first.id),
        "[{be}] the identical question joins the one in flight: {answer:?}"
    );
    assert!(
        f.store.get_query(again.id).await.unwrap().is_none(),
        "[{be}] a joined submission writes no query"
    );
    assert_eq!(claim_all(f).await, vec![first.id], "[{be}] one job only");

    // Completed: the next identical question is answered by its result.
    f.store.start_query(first.id, 1, None).await.expect("start");
    let result = result_for(first.id, config, now_us(), "intake");
    assert!(f.store.complete_query(&result).await.expect("complete"));
    let later = new_query(&first.fingerprint, config, now_us());
    let answer = submit(f, &later).await;
    assert!(
        matches!(answer, Ok(Recorded::Answered(id)) if id == first.id),
        "[{be}] a fresh result answers: {answer:?}"
    );
    assert!(
        !f.queue.has_job(later.id).await.unwrap(),
        "[{be}] a cache hit has no job"
    );
    assert!(
        claim_all(f).await.is_empty(),
        "[{be}] no job for a cache hit"
    );
}

pub async fn new_questions_submitted_at_once_each_get_one_job(f: &IntakeFixture) {
    let be = f.store.backend();
    let config = fresh_config(&*f.store).await;
    let queries: Vec<NewQuery> = (0..24)
        .map(|_| new_query(&fresh_fingerprint(), config, now_us()))
        .collect();
    for (q, answer) in queries.iter().zip(submit_at_once(f, &queries).await) {
        assert!(
            matches!(answer, Ok(Recorded::Inserted)),
            "[{be}] {} is inserted: {answer:?}",
            q.id
        );
    }
    assert_recorded_with_one_job_each(f, &queries.iter().collect::<Vec<_>>()).await;
}

/// One submission the store refuses (an unknown config version) among new ones: it
/// alone is refused, with no query and no job; the others are recorded with theirs.
pub async fn a_refused_submission_costs_the_others_nothing(f: &IntakeFixture) {
    let be = f.store.backend();
    let config = fresh_config(&*f.store).await;
    let mut queries: Vec<NewQuery> = (0..8)
        .map(|_| new_query(&fresh_fingerprint(), config, now_us()))
        .collect();
    queries.insert(3, new_query(&fresh_fingerprint(), i64::MAX, now_us()));
    let answers = submit_at_once(f, &queries).await;
    assert!(
        matches!(answers[3], Err(IntakeError::Store(StoreError::NotFound(_)))),
        "[{be}] the unknown config version is refused: {:?}",
        answers[3]
    );
    assert!(
        f.store.get_query(queries[3].id).await.unwrap().is_none(),
        "[{be}] and not recorded"
    );
    let accepted: Vec<&NewQuery> = queries
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != 3)
        .map(|(_, q)| q)
        .collect();
    for (i, answer) in answers.iter().enumerate().filter(|&(i, _)| i != 3) {
        assert!(
            matches!(answer, Ok(Recorded::Inserted)),
            "[{be}] submission {i} is inserted: {answer:?}"
        );
    }
    assert_recorded_with_one_job_each(f, &accepted).await;
}

/// The same question twice among new ones, at once: one of the two is inserted and
/// the other joins it; one job for it, one for each other question.
pub async fn a_question_submitted_twice_at_once_gets_one_job(f: &IntakeFixture) {
    let be = f.store.backend();
    let config = fresh_config(&*f.store).await;
    let shared = fresh_fingerprint();
    let mut queries: Vec<NewQuery> = (0..6)
        .map(|_| new_query(&fresh_fingerprint(), config, now_us()))
        .collect();
    queries.push(new_query(&shared, config, now_us()));
    queries.push(new_query(&shared, config, now_us()));
    let answers = submit_at_once(f, &queries).await;
    let mut inserted = Vec::new();
    let mut joined = HashSet::new();
    for (q, answer) in queries.iter().zip(&answers) {
        match answer {
            Ok(Recorded::Inserted) => inserted.push(q),
            Ok(Recorded::Joined(id)) => {
                joined.insert(*id);
            }
            other => panic!("[{be}] {}: unexpected answer {other:?}", q.id),
        }
    }
    assert_eq!(inserted.len(), 7, "[{be}] every question once: {answers:?}");
    let twin = inserted
        .iter()
        .find(|q| q.fingerprint == shared)
        .expect("one of the two identical questions is inserted");
    assert_eq!(
        joined,
        HashSet::from([twin.id]),
        "[{be}] the other joins it: {answers:?}"
    );
    assert_recorded_with_one_job_each(f, &inserted).await;
}
