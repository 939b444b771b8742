//! What a SQL store keeps underneath the port: one result row however completions
//! race, exactly one active config row (the schema itself refuses a second), and
//! damaged rows that read as errors, never as panics or half-read records.

use chrono::TimeDelta;
use marketlens_core::domain::TenantId;
use serde_json::json;
use uuid::Uuid;

use super::{
    Corruption, StoreFixture, corrupt, execute, fresh_fingerprint, fresh_product, observation,
    recorded_query, result_for, scalar,
};
use crate::contract::now_us;

/// Two stores on the same data complete one query at the same time: one wins, one
/// result row, and it is the winner's.
pub async fn concurrent_completions_write_one_result(f: &StoreFixture) {
    let (one, other) = (&*f.store, &*f.second);
    let be = one.backend();
    let q = recorded_query(one).await;
    let config = q.agent_config_version;
    let (ra, rb) = (
        result_for(q.id, config, now_us(), "a"),
        result_for(q.id, config, now_us(), "b"),
    );
    let (x, y) = tokio::join!(one.complete_query(&ra), other.complete_query(&rb));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x ^ y, "[{be}] exactly one completion wins: {x} {y}");
    let rows = scalar::<i64>(
        f,
        &format!(
            "SELECT COUNT(*) FROM analysis_results WHERE query_id = '{}'",
            q.id
        ),
    )
    .await;
    assert_eq!(rows, 1, "[{be}] one result row");
    let stored = other.get_result(q.id).await.unwrap().unwrap();
    assert_eq!(
        stored,
        if x { ra } else { rb },
        "[{be}] the winner's result"
    );
}

pub async fn exactly_one_agent_config_is_active(f: &StoreFixture) {
    let store = &*f.store;
    let be = store.backend();
    let tag = Uuid::new_v4();
    let active_count = || scalar::<i64>(f, "SELECT COUNT(*) FROM agent_configs WHERE active");
    let is_active = |v: i64| async move {
        scalar::<i64>(
            f,
            &format!("SELECT COUNT(*) FROM agent_configs WHERE active AND version = {v}"),
        )
        .await
            == 1
    };
    let v1 = store
        .activate_agent_config(&format!("h1-{tag}"), "a = 1")
        .await
        .unwrap();
    assert_eq!(active_count().await, 1);
    assert!(is_active(v1).await, "[{be}] the activated config is active");
    store
        .activate_agent_config(&format!("h1-{tag}"), "a = 1")
        .await
        .unwrap();
    let v2 = store
        .activate_agent_config(&format!("h2-{tag}"), "a = 2")
        .await
        .unwrap();
    assert_eq!(active_count().await, 1, "[{be}] one active config");
    assert!(
        is_active(v2).await,
        "[{be}] the newest activation is active"
    );
    // Two processes starting with the same new config: one version, no error.
    let other = &*f.second;
    let h3 = format!("h3-{tag}");
    let (x, y) = tokio::join!(
        store.activate_agent_config(&h3, "a = 3"),
        other.activate_agent_config(&h3, "a = 3")
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x, y, "[{be}] both see the same active version");
    assert_eq!(active_count().await, 1);
    assert!(is_active(x).await);
    let rows = scalar::<i64>(
        f,
        &format!("SELECT COUNT(*) FROM agent_configs WHERE content_hash LIKE 'h_-{tag}'"),
    )
    .await;
    assert_eq!(rows, 3, "[{be}] the same hash adds no row");
    // The schema itself refuses a second active row.
    let second = execute(
        f,
        &format!(
            "INSERT INTO agent_configs (content_hash, config_toml, active, created_at) \
             VALUES ('h4-{tag}', '', TRUE, '2026-01-01T00:00:00.000000Z')"
        ),
    )
    .await;
    assert!(
        second.is_err(),
        "[{be}] the schema must allow one active config"
    );
}

/// Damage every backend's column types let through.
const CORRUPTIONS: [Corruption; 5] = [
    Corruption::Query("UPDATE queries SET params = '{\"currency\": 3}'"),
    Corruption::Query("UPDATE queries SET progress = '{\"not\": \"a list\"}'"),
    Corruption::Query("UPDATE queries SET attempts = -1"),
    Corruption::PriceObservation("UPDATE price_observations SET amount = 'NaN'"),
    Corruption::PriceObservation("UPDATE price_observations SET amount = 1, currency = 'euro'"),
];

/// A stored row that no longer reads as its record is a `Corrupt` error from every
/// read that meets it, never a panic or a half-read record.
pub async fn corrupt_rows_are_errors_not_panics(f: &StoreFixture) {
    let store = &*f.store;
    let be = store.backend();
    let damage = |sql: &str, row: &str| {
        let sql = format!("{sql} WHERE {row}");
        async move {
            assert_eq!(execute(f, &sql).await.expect(&sql), 1, "[{be}] {sql}");
        }
    };
    for corruption in CORRUPTIONS
        .into_iter()
        .chain(f.backend_corruptions.iter().copied())
    {
        match corruption {
            Corruption::Query(sql) => {
                let q = recorded_query(store).await;
                let row = format!("id = '{}'", q.id);
                damage(sql, &row).await;
                let read = store.get_query(q.id).await;
                assert!(corrupt(&read), "[{be}] {sql}: get_query gave {read:?}");
                let listed = store.list_queries(&TenantId::local(), 1000, 0).await;
                assert!(
                    corrupt(&listed),
                    "[{be}] {sql}: list_queries gave {listed:?}"
                );
                execute(f, &format!("DELETE FROM queries WHERE {row}"))
                    .await
                    .unwrap();
            }
            Corruption::PriceObservation(sql) => {
                let product = fresh_product();
                store
                    .append_price_observations(&[observation(Uuid::new_v4(), &product, "o", 100)])
                    .await
                    .unwrap();
                let row = format!("product_id = '{product}'");
                damage(sql, &row).await;
                let read = store
                    .price_history(&[product], now_us() - TimeDelta::days(1))
                    .await;
                assert!(corrupt(&read), "[{be}] {sql}: price_history gave {read:?}");
                execute(f, &format!("DELETE FROM price_observations WHERE {row}"))
                    .await
                    .unwrap();
            }
            Corruption::CollectedBatch(sql) => {
                let source = format!("source-{}", Uuid::new_v4());
                let fp = fresh_fingerprint();
                store
                    .put_collected(&source, &fp, &json!([]), now_us())
                    .await
                    .unwrap();
                let row = format!("source = '{source}'");
                damage(sql, &row).await;
                let read = store.get_collected(&source, &fp).await;
                assert!(corrupt(&read), "[{be}] {sql}: get_collected gave {read:?}");
                execute(
                    f,
                    &format!("DELETE FROM collected_products_cache WHERE {row}"),
                )
                .await
                .unwrap();
            }
        }
    }
}
