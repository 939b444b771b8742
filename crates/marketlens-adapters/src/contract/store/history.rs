//! The history of queries: newest first, counted, paged.

use chrono::TimeDelta;
use marketlens_core::domain::TenantId;
use marketlens_core::ports::Store;
use uuid::Uuid;

use super::{fresh_config, fresh_fingerprint, new_query};
use crate::contract::now_us;

pub async fn history_is_newest_first_with_the_total(store: &dyn Store) {
    let be = store.backend();
    let config = fresh_config(store).await;
    let before = store
        .list_queries(&TenantId::local(), 1, 0)
        .await
        .unwrap()
        .total;
    // Future-dated, so they come first even after rows of earlier runs.
    let base = now_us() + TimeDelta::days(1);
    let h1 = new_query(&fresh_fingerprint(), config, base);
    let h2 = new_query(&fresh_fingerprint(), config, base + TimeDelta::seconds(1));
    let h3 = new_query(&fresh_fingerprint(), config, base + TimeDelta::seconds(1));
    for q in [&h1, &h2, &h3] {
        store.insert_query(q).await.unwrap();
    }
    let all = store
        .list_queries(
            &TenantId::local(),
            u32::try_from(before + 3).unwrap_or(u32::MAX),
            0,
        )
        .await
        .expect("list_queries");
    assert_eq!(all.total, before + 3, "[{be}] total counts every query");
    assert_eq!(all.items.len() as u64, all.total);
    assert!(
        all.items
            .windows(2)
            .all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id)),
        "[{be}] list_queries is ordered by created_at, then id, both descending"
    );
    let (hi, lo) = if h2.id > h3.id {
        (h2.id, h3.id)
    } else {
        (h3.id, h2.id)
    };
    let ours: Vec<Uuid> = all
        .items
        .iter()
        .map(|q| q.id)
        .filter(|id| [h1.id, h2.id, h3.id].contains(id))
        .collect();
    assert_eq!(
        ours,
        [hi, lo, h1.id],
        "[{be}] newest first, then id descending"
    );
}

pub async fn history_pages_by_limit_and_offset(store: &dyn Store) {
    let be = store.backend();
    let config = fresh_config(store).await;
    for _ in 0..3 {
        store
            .insert_query(&new_query(&fresh_fingerprint(), config, now_us()))
            .await
            .unwrap();
    }
    let total = store
        .list_queries(&TenantId::local(), 1, 0)
        .await
        .unwrap()
        .total;
    let all = store
        .list_queries(
            &TenantId::local(),
            u32::try_from(total).unwrap_or(u32::MAX),
            0,
        )
        .await
        .unwrap();
    let page = store.list_queries(&TenantId::local(), 2, 1).await.unwrap();
    assert_eq!(page.total, all.total);
    assert_eq!(
        page.items[..],
        all.items[1..3],
        "[{be}] limit and offset select a window"
    );
    assert!(
        store
            .list_queries(&TenantId::local(), 0, 0)
            .await
            .unwrap()
            .items
            .is_empty(),
        "[{be}] limit 0 lists nothing"
    );
    assert!(
        store
            .list_queries(&TenantId::local(), 10, total)
            .await
            .unwrap()
            .items
            .is_empty(),
        "[{be}] an offset past the end lists nothing"
    );
}
