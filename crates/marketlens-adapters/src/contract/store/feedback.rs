//! Users' feedback on analyses: one per user per query (a second replaces the first),
//! anonymous feedback kept apart, nothing written for an unknown query, and the sums
//! per variant and per recommendation rule. Rules find their own figures by a fresh
//! config version or a fresh rule name, so feedback other rules left does not count.

use marketlens_core::domain::{Feedback, FeedbackComment, FeedbackRating, TenantId, UserId};
use marketlens_core::ports::{
    FeedbackSummary, FeedbackTally, NewFeedback, NewQuery, RuleFeedback, Store, StoredResult,
    VariantFeedback,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    StoreFixture, completed_query, execute, fresh_config, fresh_fingerprint, new_query, not_found,
    recorded_query, result_for,
};
use crate::contract::{now_us, sleep};

fn feedback(rating: i64, useful: Option<bool>, user: Option<&str>) -> Feedback {
    Feedback {
        rating: FeedbackRating::new(rating).expect("a rating from 1 to 5"),
        useful,
        comment: None,
        user_id: user.map(|u| UserId::parse(u).expect("a valid user id")),
    }
}

fn new_feedback(query_id: Uuid, feedback: Feedback) -> NewFeedback {
    NewFeedback {
        id: Uuid::new_v4(),
        query_id,
        feedback,
        at: now_us(),
    }
}

async fn record(store: &dyn Store, query_id: Uuid, f: Feedback) -> bool {
    store
        .record_feedback(&new_feedback(query_id, f))
        .await
        .expect("record_feedback")
        .created
}

fn fresh_user() -> String {
    format!("user-{}", Uuid::new_v4())
}

async fn summary(store: &dyn Store) -> FeedbackSummary {
    store
        .feedback_summary(&TenantId::local())
        .await
        .expect("feedback_summary")
}

/// A completed query under config `config` whose result `shape` adjusts.
async fn completed_with(
    store: &dyn Store,
    config: i64,
    shape: impl FnOnce(&mut StoredResult),
) -> NewQuery {
    let query = new_query(&fresh_fingerprint(), config, now_us());
    store.insert_query(&query).await.expect("insert_query");
    store.start_query(query.id, 1, None).await.expect("start");
    let mut result = result_for(query.id, config, now_us(), "feedback");
    shape(&mut result);
    assert!(store.complete_query(&result).await.expect("complete_query"));
    query
}

fn variants_of(summary: &FeedbackSummary, config: i64) -> Vec<&VariantFeedback> {
    summary
        .by_variant
        .iter()
        .filter(|v| v.agent_config_version == config)
        .collect()
}

fn rule<'a>(summary: &'a FeedbackSummary, name: &str) -> Option<&'a RuleFeedback> {
    summary.by_rule.iter().find(|r| r.rule == name)
}

fn tally(ratings: &[i64], useful: &[Option<bool>]) -> FeedbackTally {
    FeedbackTally {
        count: ratings.len() as u64,
        rating_sum: ratings.iter().sum::<i64>() as u64,
        rating_sq_sum: ratings.iter().map(|r| r * r).sum::<i64>() as u64,
        useful_answered: useful.iter().flatten().count() as u64,
        useful_yes: useful.iter().filter(|u| **u == Some(true)).count() as u64,
    }
}

pub async fn feedback_reads_back_on_its_query(store: &dyn Store) {
    let be = store.backend();
    let (query, _) = completed_query(store, "rated").await;
    let mut given = feedback(4, Some(true), Some(&fresh_user()));
    given.comment = FeedbackComment::parse("Clear report,\nwell sourced").unwrap();
    let new = new_feedback(query.id, given.clone());
    let saved = store.record_feedback(&new).await.unwrap();
    assert!(saved.created, "[{be}] a first feedback is created");
    assert_eq!(
        (
            saved.record.id,
            saved.record.query_id,
            &saved.record.feedback
        ),
        (new.id, query.id, &given),
        "[{be}] the record is what was given"
    );
    assert_eq!(
        (saved.record.created_at, saved.record.updated_at),
        (new.at, new.at)
    );
    assert_eq!(
        store.list_feedback(query.id).await.unwrap(),
        vec![saved.record],
        "[{be}] list_feedback reads it back"
    );
    let (other, _) = completed_query(store, "unrated").await;
    assert!(
        store.list_feedback(other.id).await.unwrap().is_empty(),
        "[{be}] another query has none"
    );
}

pub async fn a_users_second_feedback_replaces_the_first(store: &dyn Store) {
    let be = store.backend();
    let (query, _) = completed_query(store, "rated twice").await;
    let user = fresh_user();
    let first = new_feedback(query.id, feedback(2, Some(false), Some(&user)));
    store.record_feedback(&first).await.unwrap();
    sleep(2).await;
    let mut again = feedback(5, None, Some(&user));
    again.comment = FeedbackComment::parse("better on a second look").unwrap();
    let second = new_feedback(query.id, again.clone());
    let saved = store.record_feedback(&second).await.unwrap();
    assert!(!saved.created, "[{be}] the second feedback is an update");
    assert_eq!(
        saved.record.id, first.id,
        "[{be}] the update keeps the first row's id"
    );
    assert_eq!(saved.record.feedback, again, "[{be}] with the new values");
    assert_eq!(
        (saved.record.created_at, saved.record.updated_at),
        (first.at, second.at),
        "[{be}] created_at is kept, updated_at moves"
    );
    assert_eq!(
        store.list_feedback(query.id).await.unwrap(),
        vec![saved.record],
        "[{be}] one row per user per query"
    );
}

pub async fn feedback_from_other_users_and_anonymous_is_kept_apart(store: &dyn Store) {
    let be = store.backend();
    let (query, _) = completed_query(store, "rated by many").await;
    let (a, b) = (fresh_user(), fresh_user());
    assert!(record(store, query.id, feedback(1, None, Some(&a))).await);
    assert!(record(store, query.id, feedback(2, None, Some(&b))).await);
    assert!(
        record(store, query.id, feedback(3, None, None)).await,
        "[{be}] anonymous feedback is new"
    );
    assert!(
        record(store, query.id, feedback(4, None, None)).await,
        "[{be}] every anonymous feedback is new"
    );
    let mut ratings: Vec<u8> = store
        .list_feedback(query.id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.feedback.rating.get())
        .collect();
    ratings.sort_unstable();
    assert_eq!(ratings, [1, 2, 3, 4], "[{be}] four rows");
    // The same user on another query is another row.
    let (other, _) = completed_query(store, "rated by a").await;
    assert!(record(store, other.id, feedback(5, None, Some(&a))).await);
    assert_eq!(store.list_feedback(query.id).await.unwrap().len(), 4);
}

pub async fn feedback_on_an_unknown_query_is_not_found_and_writes_nothing(store: &dyn Store) {
    let be = store.backend();
    let unknown = Uuid::new_v4();
    let before = summary(store).await;
    assert!(
        not_found(
            store
                .record_feedback(&new_feedback(unknown, feedback(3, Some(true), Some("u"))))
                .await
        ),
        "[{be}] feedback on an unknown query is NotFound"
    );
    assert!(
        store.list_feedback(unknown).await.unwrap().is_empty(),
        "[{be}] nothing was written"
    );
    assert_eq!(summary(store).await, before, "[{be}] no sum moved");
}

pub async fn feedback_adds_up_per_variant(store: &dyn Store) {
    let be = store.backend();
    let config = fresh_config(store).await;
    let plain = completed_with(store, config, |_| {}).await;
    let prompted = completed_with(store, config, |r| r.prompt_version = Some("p2".into())).await;
    // A cache hit counts for the analysis whose result it shows.
    let mut hit = new_query(&plain.fingerprint, fresh_config(store).await, now_us());
    hit.answered_by = Some(plain.id);
    store.insert_query(&hit).await.unwrap();

    assert!(
        record(
            store,
            plain.id,
            feedback(5, Some(true), Some(&fresh_user()))
        )
        .await
    );
    assert!(record(store, plain.id, feedback(3, Some(false), None)).await);
    assert!(record(store, hit.id, feedback(4, None, None)).await);
    assert!(record(store, prompted.id, feedback(1, Some(false), None)).await);

    let s = summary(store).await;
    let variants = variants_of(&s, config);
    assert_eq!(
        variants.len(),
        2,
        "[{be}] one entry per (config, prompt, experiment): {variants:?}"
    );
    assert_eq!(
        (
            variants[0].prompt_version.as_deref(),
            variants[0].experiment_variant.as_deref()
        ),
        (None, None),
        "[{be}] no prompt version sorts first"
    );
    assert_eq!(
        variants[0].tally,
        tally(&[5, 3, 4], &[Some(true), Some(false), None]),
        "[{be}] the plain variant, with the cache hit's feedback"
    );
    assert_eq!(variants[1].prompt_version.as_deref(), Some("p2"));
    assert_eq!(variants[1].tally, tally(&[1], &[Some(false)]));
    assert_eq!(variants[0].tally.mean_rating(), Some(4.0));
    assert_eq!(variants[0].tally.useful_rate(), Some(0.5));
    assert_eq!(
        variants_of(&s, hit.agent_config_version).len(),
        0,
        "[{be}] not under the cache hit's own config"
    );
}

pub async fn feedback_adds_up_per_recommendation_rule_once_per_feedback(store: &dyn Store) {
    let be = store.backend();
    let (twice, once, absent) = (
        format!("rule-{}", Uuid::new_v4()),
        format!("rule-{}", Uuid::new_v4()),
        format!("rule-{}", Uuid::new_v4()),
    );
    let config = fresh_config(store).await;
    let both = completed_with(store, config, |r| {
        r.recommendations = json!([{ "kind": twice }, { "kind": once }, { "kind": twice }]);
    })
    .await;
    let one = completed_with(store, config, |r| {
        r.recommendations = json!([{ "kind": twice }, "not an object", { "no_kind": 1 }]);
    })
    .await;
    let none = completed_with(store, config, |_| {}).await;
    assert!(record(store, both.id, feedback(4, Some(true), None)).await);
    assert!(record(store, both.id, feedback(2, None, None)).await);
    assert!(record(store, one.id, feedback(5, Some(false), None)).await);
    assert!(record(store, none.id, feedback(1, Some(true), None)).await);

    let s = summary(store).await;
    assert_eq!(
        rule(&s, &twice).map(|r| r.tally),
        Some(tally(&[4, 2, 5], &[Some(true), None, Some(false)])),
        "[{be}] a rule listed twice in one result counts each feedback once"
    );
    assert_eq!(
        rule(&s, &once).map(|r| r.tally),
        Some(tally(&[4, 2], &[Some(true), None])),
        "[{be}] {once}"
    );
    assert!(rule(&s, &absent).is_none(), "[{be}] a rule never made");
    let names: Vec<&str> = s.by_rule.iter().map(|r| r.rule.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "[{be}] rules are sorted");
}

pub async fn feedback_on_a_query_without_a_result_is_kept_but_not_summed(store: &dyn Store) {
    let be = store.backend();
    let queued = recorded_query(store).await;
    assert!(record(store, queued.id, feedback(2, Some(false), None)).await);
    assert_eq!(store.list_feedback(queued.id).await.unwrap().len(), 1);
    assert!(
        variants_of(&summary(store).await, queued.agent_config_version).is_empty(),
        "[{be}] no result, no variant to count it for"
    );
}

/// The experiment variant of the query that produced a result splits its variant's
/// feedback (set in the row: the port does not assign variants).
pub async fn feedback_is_split_by_experiment_variant(f: &StoreFixture) {
    let store = &*f.store;
    let be = store.backend();
    let config = fresh_config(store).await;
    let control = completed_with(store, config, |_| {}).await;
    let treated = completed_with(store, config, |_| {}).await;
    execute(
        f,
        &format!(
            "UPDATE queries SET experiment_variant = 'b' WHERE id = '{}'",
            treated.id
        ),
    )
    .await
    .expect("set the experiment variant");
    assert!(record(store, control.id, feedback(2, None, None)).await);
    assert!(record(store, treated.id, feedback(5, Some(true), None)).await);
    let s = summary(store).await;
    let variants = variants_of(&s, config);
    let split: Vec<(Option<&str>, u64)> = variants
        .iter()
        .map(|v| (v.experiment_variant.as_deref(), v.tally.rating_sum))
        .collect();
    assert_eq!(
        split,
        [(None, 2), (Some("b"), 5)],
        "[{be}] one entry per experiment variant"
    );
}

/// The schema itself refuses what the API would: a rating outside 1–5, a comment over
/// 2,000 characters, and a second row for the same user and query.
pub async fn the_schema_refuses_invalid_feedback(f: &StoreFixture) {
    let store = &*f.store;
    let be = store.backend();
    let (query, _) = completed_query(store, "schema").await;
    let user = fresh_user();
    let insert = |rating: i64, comment: &str, user: &str| {
        format!(
            "INSERT INTO feedback (id, query_id, user_id, rating, useful, comment, \
             created_at, updated_at) VALUES ('{}', '{}', '{user}', {rating}, NULL, '{comment}', \
             '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
            Uuid::new_v4(),
            query.id
        )
    };
    for (rating, comment, why) in [
        (0, "x".to_owned(), "a rating of 0"),
        (6, "x".to_owned(), "a rating of 6"),
        (3, "x".repeat(2_001), "a comment of 2,001 characters"),
    ] {
        assert!(
            execute(f, &insert(rating, &comment, &fresh_user()))
                .await
                .is_err(),
            "[{be}] the schema refuses {why}"
        );
    }
    assert_eq!(
        execute(f, &insert(5, &"x".repeat(2_000), &user))
            .await
            .expect("a valid row"),
        1,
        "[{be}] the same statement with valid values is stored"
    );
    assert!(
        execute(f, &insert(4, "x", &user)).await.is_err(),
        "[{be}] a second row for the same user and query is refused"
    );
    assert_eq!(store.list_feedback(query.id).await.unwrap().len(), 1);
}
