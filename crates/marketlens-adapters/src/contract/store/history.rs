//! The history of queries: newest first, counted, paged, filtered.

use chrono::TimeDelta;
use marketlens_core::ErrorType;
use marketlens_core::domain::{TenantId, normalize_query};
use marketlens_core::ports::{QueryFilter, QueryStatus, Store};
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

pub async fn history_is_filtered_by_status_and_text(store: &dyn Store) {
    let be = store.backend();
    let config = fresh_config(store).await;
    // A word no other row holds, so the rows of earlier runs never match.
    let token = format!("zq{}", &Uuid::new_v4().simple().to_string()[..12]);
    let base = now_us() + TimeDelta::days(1);
    let mut screen = new_query(&fresh_fingerprint(), config, base);
    screen.text = format!("Écran 27\" {}", token.to_uppercase());
    screen.normalized_text = normalize_query(&screen.text);
    let mut headset = new_query(&fresh_fingerprint(), config, base + TimeDelta::seconds(1));
    headset.text = format!("Casque 100% {token}");
    headset.normalized_text = normalize_query(&headset.text);
    for q in [&screen, &headset] {
        store.insert_query(q).await.unwrap();
    }
    store.start_query(headset.id, 1, None).await.unwrap();
    store
        .fail_query(headset.id, ErrorType::NoData, "nothing found")
        .await
        .unwrap();

    let find = |text: Option<&str>, status: Option<QueryStatus>| {
        let filter = QueryFilter {
            text: text.map(str::to_owned),
            status,
        };
        async move {
            let page = store
                .find_queries(&TenantId::local(), &filter, 100, 0)
                .await
                .unwrap();
            let ids: Vec<Uuid> = page.items.iter().map(|q| q.id).collect();
            (ids, page.total)
        }
    };
    assert_eq!(
        find(Some(&token), None).await,
        (vec![headset.id, screen.id], 2),
        "[{be}] text search, newest first, counted"
    );
    assert_eq!(
        find(Some(&format!("  {}  ", token.to_uppercase())), None).await,
        (vec![headset.id, screen.id], 2),
        "[{be}] the search ignores case and surrounding spaces"
    );
    for asked in [
        format!("écran 27\" {token}"),
        format!("ECRAN 27 {token}"),
        format!("ecran 27 {token}"),
    ] {
        assert_eq!(
            find(Some(&asked), None).await,
            (vec![screen.id], 1),
            "[{be}] {asked:?} finds the query as asked or normalised"
        );
    }
    assert_eq!(
        find(Some(&format!("100% {token}")), None).await,
        (vec![headset.id], 1),
        "[{be}] `%` is matched as itself"
    );
    assert_eq!(
        find(Some(&format!("c_sque 100 {token}")), None).await,
        (vec![], 0),
        "[{be}] `_` is no wildcard"
    );
    assert_eq!(
        find(Some(&token), Some(QueryStatus::Failed)).await,
        (vec![headset.id], 1),
        "[{be}] status and text together"
    );
    assert_eq!(
        find(Some(&token), Some(QueryStatus::Queued)).await,
        (vec![screen.id], 1),
        "[{be}] status and text together"
    );
    assert_eq!(
        find(Some(&token), Some(QueryStatus::Completed)).await,
        (vec![], 0)
    );
    let failed = store
        .find_queries(
            &TenantId::local(),
            &QueryFilter {
                text: None,
                status: Some(QueryStatus::Failed),
            },
            1000,
            0,
        )
        .await
        .unwrap();
    assert!(
        failed.items.iter().all(|q| q.status == QueryStatus::Failed)
            && failed.items.iter().any(|q| q.id == headset.id),
        "[{be}] status alone"
    );
    assert_eq!(failed.total, failed.items.len() as u64);
    let everything = store
        .list_queries(&TenantId::local(), 1, 0)
        .await
        .unwrap()
        .total;
    let blank = QueryFilter {
        text: Some("   ".into()),
        status: None,
    };
    assert_eq!(
        store
            .find_queries(&TenantId::local(), &blank, 1, 0)
            .await
            .unwrap()
            .total,
        everything,
        "[{be}] a blank search keeps every query"
    );
}
