//! Experiments: created as drafts under unique names, at most one running at a time,
//! stopped for good; the queries assigned to one read back with their variant and are
//! observed with their result's quality outcome.
//!
//! Every rule that starts an experiment stops it before it returns, so the next rule
//! (and the second pass on the same store) can start its own.

use std::future::Future;

use chrono::{DateTime, Utc};
use marketlens_core::domain::{Feedback, FeedbackRating, TenantId, UserId};
use marketlens_core::experiment::{ExperimentAssignment, Variant, Variants};
use marketlens_core::ports::{
    ExperimentRecord, ExperimentStatus, NewExperiment, NewFeedback, QueryStatus, Store, StoreError,
};
use uuid::Uuid;

use super::{fresh_config, fresh_fingerprint, new_query, not_found, result_for};
use crate::contract::now_us;

fn variants() -> Variants {
    let variant = |name: &str, weight: u32, version: Option<i64>| Variant {
        name: name.into(),
        weight,
        agent_config_version: version,
        prompt_version: None,
    };
    Variants::parse(vec![
        variant("control", 1, None),
        Variant {
            prompt_version: Some("v2".into()),
            ..variant("treatment", 3, Some(1))
        },
    ])
    .expect("valid variants")
}

fn new_experiment() -> NewExperiment {
    let id = Uuid::new_v4();
    NewExperiment {
        id,
        tenant: TenantId::local(),
        name: format!("experiment-{id}"),
        salt: format!("salt-{id}"),
        variants: variants(),
        created_at: now_us(),
    }
}

async fn created(store: &dyn Store) -> NewExperiment {
    let experiment = new_experiment();
    store
        .create_experiment(&experiment)
        .await
        .expect("create_experiment");
    experiment
}

/// A new experiment, started, and a fresh config for its queries to name.
async fn running(store: &dyn Store) -> (NewExperiment, i64) {
    let experiment = created(store).await;
    store
        .start_experiment(experiment.id, now_us())
        .await
        .expect("start_experiment");
    (experiment, fresh_config(store).await)
}

async fn read(store: &dyn Store, id: Uuid) -> ExperimentRecord {
    store
        .get_experiment(id)
        .await
        .expect("get_experiment")
        .expect("the experiment exists")
}

/// Applies `change` (a start or a stop) at the current time: the experiment as it
/// reads back afterwards, and that time.
async fn changed_now<F>(
    store: &dyn Store,
    id: Uuid,
    change: impl FnOnce(DateTime<Utc>) -> F,
) -> (ExperimentRecord, DateTime<Utc>)
where
    F: Future<Output = Result<(), StoreError>>,
{
    let at = now_us();
    change(at).await.expect("changing the experiment's status");
    (read(store, id).await, at)
}

fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

pub async fn an_experiment_reads_back_as_a_listed_draft(store: &dyn Store) {
    let experiment = created(store).await;
    let record = read(store, experiment.id).await;
    assert_eq!(record.name, experiment.name);
    assert_eq!(record.salt, experiment.salt);
    assert_eq!(record.variants, experiment.variants);
    assert_eq!(record.status, ExperimentStatus::Draft);
    assert_eq!(record.created_at, experiment.created_at);
    assert_eq!((record.started_at, record.stopped_at), (None, None));
    let listed = store
        .list_experiments(&TenantId::local())
        .await
        .expect("list_experiments");
    assert!(listed.contains(&record), "the new experiment is listed");
    assert!(
        store
            .get_experiment(Uuid::new_v4())
            .await
            .expect("get_experiment")
            .is_none()
    );
}

pub async fn an_experiment_name_is_used_once(store: &dyn Store) {
    let first = created(store).await;
    let again = NewExperiment {
        name: first.name.clone(),
        ..new_experiment()
    };
    assert!(conflict(store.create_experiment(&again).await));
    assert!(store.get_experiment(again.id).await.unwrap().is_none());
}

/// The local tenant's running experiment, as the store answers it.
async fn the_running_experiment(store: &dyn Store) -> Option<ExperimentRecord> {
    store
        .running_experiment(&TenantId::local())
        .await
        .expect("running_experiment")
}

pub async fn an_experiment_runs_once_and_stops_for_good(store: &dyn Store) {
    let experiment = created(store).await;
    let start = |at| store.start_experiment(experiment.id, at);
    let (running, started) = changed_now(store, experiment.id, start).await;
    assert_eq!(running.status, ExperimentStatus::Running);
    assert_eq!(running.started_at, Some(started));
    assert_eq!(the_running_experiment(store).await, Some(running));
    assert!(conflict(
        store.start_experiment(experiment.id, now_us()).await
    ));

    let stop = |at| store.stop_experiment(experiment.id, at);
    let (stopped, stopped_at) = changed_now(store, experiment.id, stop).await;
    assert_eq!(stopped.status, ExperimentStatus::Stopped);
    assert_eq!(stopped.stopped_at, Some(stopped_at));
    assert_eq!(the_running_experiment(store).await, None);
    assert!(conflict(
        store.stop_experiment(experiment.id, now_us()).await
    ));
    assert!(conflict(
        store.start_experiment(experiment.id, now_us()).await
    ));

    let unknown = Uuid::new_v4();
    assert!(not_found(store.start_experiment(unknown, now_us()).await));
    assert!(not_found(store.stop_experiment(unknown, now_us()).await));
}

pub async fn one_experiment_runs_at_a_time(store: &dyn Store) {
    let (a, b) = (created(store).await, created(store).await);
    store.start_experiment(a.id, now_us()).await.unwrap();
    assert!(conflict(store.start_experiment(b.id, now_us()).await));
    assert_eq!(read(store, b.id).await.status, ExperimentStatus::Draft);
    store.stop_experiment(a.id, now_us()).await.unwrap();
    store.start_experiment(b.id, now_us()).await.unwrap();
    assert_eq!(
        the_running_experiment(store).await.map(|e| e.id),
        Some(b.id)
    );
    // A draft can be stopped without ever running.
    let never_run = created(store).await;
    store.stop_experiment(never_run.id, now_us()).await.unwrap();
    store.stop_experiment(b.id, now_us()).await.unwrap();
}

pub async fn assigned_queries_are_observed_with_their_variant_and_quality(store: &dyn Store) {
    let (experiment, config) = running(store).await;
    let assigned = |variant: &str, user: Option<&str>| {
        let mut query = new_query(&fresh_fingerprint(), config, now_us());
        query.user_id = user.map(str::to_owned);
        query.experiment = Some(ExperimentAssignment {
            experiment_id: experiment.id,
            variant: variant.to_owned(),
        });
        query
    };
    let queued = assigned("control", Some("user-1"));
    store.insert_query(&queued).await.expect("insert_query");
    let done = assigned("treatment", None);
    store.insert_query(&done).await.unwrap();
    store.start_query(done.id, 1, None).await.unwrap();
    let mut result = result_for(done.id, config, now_us(), "experiment");
    result.quality_passed = false;
    assert!(store.complete_query(&result).await.unwrap());
    // Not in the experiment: not observed.
    store
        .insert_query(&new_query(&fresh_fingerprint(), config, now_us()))
        .await
        .unwrap();

    let record = store.get_query(queued.id).await.unwrap().expect("query");
    assert_eq!(record.user_id.as_deref(), Some("user-1"));
    assert_eq!(record.experiment, queued.experiment);

    let observed = store
        .experiment_observations(experiment.id)
        .await
        .expect("experiment_observations");
    let summary: Vec<(Uuid, &str, QueryStatus, Option<bool>)> = observed
        .iter()
        .map(|o| (o.query_id, o.variant.as_str(), o.status, o.quality_passed))
        .collect();
    assert_eq!(
        summary,
        vec![
            (queued.id, "control", QueryStatus::Queued, None),
            (done.id, "treatment", QueryStatus::Completed, Some(false)),
        ]
    );
    let finished = &observed[1];
    assert!(finished.started_at.is_some() && finished.finished_at.is_some());
    assert!(!finished.cache_hit);

    // A query cannot name an experiment that does not exist.
    let mut orphan = assigned("control", None);
    orphan.experiment = Some(ExperimentAssignment {
        experiment_id: Uuid::new_v4(),
        variant: "control".into(),
    });
    assert!(not_found(store.insert_query(&orphan).await));
    store
        .stop_experiment(experiment.id, now_us())
        .await
        .unwrap();
}

pub async fn feedback_is_read_per_variant_of_the_experiment(store: &dyn Store) {
    let (experiment, config) = running(store).await;
    let mut queries = Vec::new();
    for variant in ["control", "treatment"] {
        let mut query = new_query(&fresh_fingerprint(), config, now_us());
        query.experiment = Some(ExperimentAssignment {
            experiment_id: experiment.id,
            variant: variant.to_owned(),
        });
        store.insert_query(&query).await.unwrap();
        queries.push(query.id);
    }
    let outside = new_query(&fresh_fingerprint(), config, now_us());
    store.insert_query(&outside).await.unwrap();
    let give = |query_id: Uuid, rating: i64, useful: Option<bool>, user: &str| NewFeedback {
        id: Uuid::new_v4(),
        query_id,
        feedback: Feedback {
            rating: FeedbackRating::new(rating).unwrap(),
            useful,
            comment: None,
            user_id: Some(UserId::parse(user).unwrap()),
        },
        at: now_us(),
    };
    for f in [
        give(queries[0], 4, Some(true), "u1"),
        give(queries[1], 2, None, "u1"),
        give(queries[0], 5, Some(false), "u2"),
        give(outside.id, 1, Some(false), "u1"),
    ] {
        store.record_feedback(&f).await.expect("record_feedback");
    }
    let read = store
        .experiment_feedback(experiment.id)
        .await
        .expect("experiment_feedback");
    let seen: Vec<(&str, u8, Option<bool>)> = read
        .iter()
        .map(|f| (f.variant.as_str(), f.rating, f.useful))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("control", 4, Some(true)),
            ("treatment", 2, None),
            ("control", 5, Some(false)),
        ]
    );
    assert!(
        store
            .experiment_feedback(Uuid::new_v4())
            .await
            .unwrap()
            .is_empty()
    );
    store
        .stop_experiment(experiment.id, now_us())
        .await
        .unwrap();
}
