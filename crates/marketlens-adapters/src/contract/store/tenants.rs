//! Tenants, API keys and the audit log, and the isolation every tenant-scoped read
//! keeps: a tenant never reads, joins or is answered by another tenant's query.

use chrono::TimeDelta;
use marketlens_core::domain::{Feedback, FeedbackRating, Scope, Scopes, TenantId};
use marketlens_core::ports::{
    AuditAction, AuditEvent, NewApiKey, NewFeedback, NewQuery, Store, StoreError, TenantRecord,
};
use uuid::Uuid;

use super::{completed_query, fresh_config, fresh_fingerprint, new_query, not_found, result_for};
use crate::contract::now_us;

/// A tenant of its own, recorded.
pub(super) async fn fresh_tenant(store: &dyn Store) -> TenantId {
    let id = TenantId::parse(&format!("t-{}", Uuid::new_v4().simple())).expect("a valid tenant");
    store
        .create_tenant(&TenantRecord {
            id: id.clone(),
            created_at: now_us(),
        })
        .await
        .expect("create_tenant");
    id
}

fn new_key(tenant: &TenantId, scopes: &str) -> NewApiKey {
    let id = Uuid::new_v4();
    NewApiKey {
        id,
        tenant: tenant.clone(),
        user_id: format!("user-{id}"),
        scopes: Scopes::parse(scopes).expect("valid scopes"),
        key_hash: format!("hash-{id}"),
        prefix: "mlk_abcd".into(),
        created_at: now_us(),
        expires_at: Some(now_us() + TimeDelta::days(30)),
    }
}

/// `query` moved to `tenant`.
fn of(tenant: &TenantId, query: NewQuery) -> NewQuery {
    NewQuery {
        tenant: tenant.clone(),
        ..query
    }
}

pub async fn a_tenant_is_created_once_and_listed(store: &dyn Store) {
    let be = store.backend();
    let tenant = fresh_tenant(store).await;
    let again = store
        .create_tenant(&TenantRecord {
            id: tenant.clone(),
            created_at: now_us(),
        })
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "[{be}] a tenant id is used once: {again:?}"
    );
    let listed = store.list_tenants().await.expect("list_tenants");
    assert!(listed.iter().any(|t| t.id == tenant), "[{be}] listed");
    assert!(
        listed.iter().any(|t| t.id == TenantId::local()),
        "[{be}] the default tenant exists from the migration on"
    );
}

pub async fn an_api_key_is_found_by_its_hash_and_revoked_for_good(store: &dyn Store) {
    let be = store.backend();
    let tenant = fresh_tenant(store).await;
    let key = new_key(&tenant, "read write");
    store.create_api_key(&key).await.expect("create_api_key");
    let found = store
        .api_key_by_hash(&key.key_hash)
        .await
        .expect("api_key_by_hash")
        .expect("the key is found by its hash");
    assert_eq!(
        (&found.id, &found.tenant, &found.user_id, &found.prefix),
        (&key.id, &key.tenant, &key.user_id, &key.prefix)
    );
    assert!(found.scopes.contains(Scope::Write) && !found.scopes.contains(Scope::Admin));
    assert_eq!(found.expires_at, key.expires_at);
    assert_eq!(
        found.refusal(now_us()),
        None,
        "[{be}] a fresh key is usable"
    );
    assert!(
        store
            .api_key_by_hash("no-such-hash")
            .await
            .unwrap()
            .is_none(),
        "[{be}] an unknown hash finds nothing"
    );

    let used_at = now_us();
    store.touch_api_key(key.id, used_at).await.expect("touch");
    let revoked_at = now_us();
    let revoked = store.revoke_api_key(key.id, revoked_at).await.unwrap();
    assert_eq!(revoked.last_used_at, Some(used_at));
    assert_eq!(revoked.revoked_at, Some(revoked_at));
    assert!(revoked.refusal(revoked_at).is_some(), "[{be}] revoked");
    let again = store
        .revoke_api_key(key.id, revoked_at + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(
        again.revoked_at,
        Some(revoked_at),
        "[{be}] a second revocation keeps the first time"
    );
    assert!(not_found(
        store.revoke_api_key(Uuid::new_v4(), now_us()).await
    ));

    let other = fresh_tenant(store).await;
    store
        .create_api_key(&new_key(&other, "admin"))
        .await
        .unwrap();
    let listed = store.list_api_keys(Some(&tenant)).await.unwrap();
    assert_eq!(listed.len(), 1, "[{be}] one tenant's keys only");
    assert_eq!(listed[0].id, key.id);
    let all = store.list_api_keys(None).await.unwrap();
    assert!(all.iter().any(|k| k.tenant == other) && all.iter().any(|k| k.id == key.id));

    let unknown = TenantId::parse(&format!("t-{}", Uuid::new_v4().simple())).unwrap();
    let orphan = new_key(&unknown, "read");
    assert!(
        not_found(store.create_api_key(&orphan).await),
        "[{be}] a key for an unknown tenant is refused"
    );
    assert!(
        store
            .api_key_by_hash(&orphan.key_hash)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_tenant_reads_only_its_own_queries(store: &dyn Store) {
    let be = store.backend();
    let (a, b) = (fresh_tenant(store).await, fresh_tenant(store).await);
    let config = fresh_config(store).await;
    let fp = fresh_fingerprint();
    let mine = of(&a, new_query(&fp, config, now_us()));
    store.insert_query(&mine).await.unwrap();

    let read = store.get_tenant_query(&a, mine.id).await.unwrap();
    assert_eq!(read.map(|q| q.tenant), Some(a.clone()), "[{be}] own query");
    assert!(
        store.get_tenant_query(&b, mine.id).await.unwrap().is_none(),
        "[{be}] another tenant's query reads as unknown"
    );
    assert_eq!(
        store.get_query(mine.id).await.unwrap().map(|q| q.tenant),
        Some(a.clone()),
        "[{be}] the workers' read carries the tenant"
    );
    assert_eq!(store.list_queries(&a, 10, 0).await.unwrap().total, 1);
    let b_page = store.list_queries(&b, 10, 0).await.unwrap();
    assert_eq!((b_page.total, b_page.items.len()), (0, 0), "[{be}] history");
    assert_eq!(store.count_inflight(&a).await.unwrap(), 1);
    assert_eq!(store.count_inflight(&b).await.unwrap(), 0);

    // The same question from the other tenant is neither joined nor answered.
    let since = now_us() - TimeDelta::hours(1);
    assert_eq!(
        store.find_inflight(&a, &fp, since).await.unwrap(),
        Some(mine.id)
    );
    assert_eq!(store.find_inflight(&b, &fp, since).await.unwrap(), None);
    let theirs = of(&b, new_query(&fp, config, now_us()));
    assert_eq!(
        store
            .insert_query_unless_inflight(&theirs, since)
            .await
            .unwrap(),
        None,
        "[{be}] another tenant's identical query in flight is not joined"
    );
    store.start_query(mine.id, 1, None).await.unwrap();
    let result = result_for(mine.id, config, now_us(), "tenant-a");
    assert!(store.complete_query(&result).await.unwrap());
    assert_eq!(
        store.find_fresh_result(&a, &fp, since).await.unwrap(),
        Some(mine.id)
    );
    assert_eq!(
        store.find_fresh_result(&b, &fp, since).await.unwrap(),
        None,
        "[{be}] another tenant's result is not a fresh result"
    );
    assert_eq!(store.count_inflight(&a).await.unwrap(), 0);
    assert_eq!(store.count_inflight(&b).await.unwrap(), 1);
}

pub async fn feedback_sums_count_one_tenants_feedback(store: &dyn Store) {
    let be = store.backend();
    let (a, b) = (fresh_tenant(store).await, fresh_tenant(store).await);
    let config = fresh_config(store).await;
    let query = of(&a, new_query(&fresh_fingerprint(), config, now_us()));
    store.insert_query(&query).await.unwrap();
    store.start_query(query.id, 1, None).await.unwrap();
    let result = result_for(query.id, config, now_us(), "feedback");
    assert!(store.complete_query(&result).await.unwrap());
    let feedback = Feedback {
        rating: FeedbackRating::new(4).unwrap(),
        useful: Some(true),
        comment: None,
        user_id: None,
    };
    store
        .record_feedback(&NewFeedback {
            id: Uuid::new_v4(),
            query_id: query.id,
            feedback,
            at: now_us(),
        })
        .await
        .unwrap();
    let count = |s: marketlens_core::ports::FeedbackSummary| {
        s.by_variant
            .iter()
            .filter(|v| v.agent_config_version == config)
            .map(|v| v.tally.count)
            .sum::<u64>()
    };
    assert_eq!(count(store.feedback_summary(&a).await.unwrap()), 1);
    assert_eq!(
        count(store.feedback_summary(&b).await.unwrap()),
        0,
        "[{be}] another tenant's feedback is not summed"
    );
    // The tenant that already existed sees nothing of either.
    let (local_query, _) = completed_query(store, "local").await;
    assert_eq!(local_query.tenant, TenantId::local());
}

pub async fn experiments_run_one_per_tenant(store: &dyn Store) {
    use marketlens_core::experiment::{Variant, Variants};
    let be = store.backend();
    let (a, b) = (fresh_tenant(store).await, fresh_tenant(store).await);
    let variant = |name: &str, weight| Variant {
        name: name.into(),
        weight,
        agent_config_version: None,
        prompt_version: None,
    };
    let experiment = |tenant: &TenantId| {
        let id = Uuid::new_v4();
        marketlens_core::ports::NewExperiment {
            id,
            tenant: tenant.clone(),
            name: format!("experiment-{id}"),
            salt: format!("salt-{id}"),
            variants: Variants::parse(vec![variant("control", 1), variant("b", 1)]).unwrap(),
            created_at: now_us(),
        }
    };
    let (ea, eb) = (experiment(&a), experiment(&b));
    store.create_experiment(&ea).await.unwrap();
    store.create_experiment(&eb).await.unwrap();
    store.start_experiment(ea.id, now_us()).await.unwrap();
    store
        .start_experiment(eb.id, now_us())
        .await
        .expect("each tenant runs its own experiment");
    let listed = store.list_experiments(&a).await.unwrap();
    assert_eq!(listed.len(), 1, "[{be}] one tenant's experiments only");
    assert_eq!((listed[0].id, &listed[0].tenant), (ea.id, &a));
    assert_eq!(
        store.running_experiment(&b).await.unwrap().map(|e| e.id),
        Some(eb.id)
    );
    store.stop_experiment(ea.id, now_us()).await.unwrap();
    store.stop_experiment(eb.id, now_us()).await.unwrap();
    assert_eq!(store.running_experiment(&a).await.unwrap(), None);
}

pub async fn audit_rows_read_back_newest_first_with_config_activations(store: &dyn Store) {
    let be = store.backend();
    let tenant = fresh_tenant(store).await;
    let subject = format!("key {}", Uuid::new_v4());
    let event = AuditEvent {
        // In the future, so it sorts first whatever the store already holds.
        at: now_us() + TimeDelta::days(365),
        tenant: Some(tenant.clone()),
        actor: Some("cli".into()),
        action: AuditAction::KeyCreated,
        subject: subject.clone(),
        detail: Some("scopes read".into()),
    };
    store.append_audit(&event).await.expect("append_audit");
    let newest = store.list_audit(1).await.expect("list_audit");
    assert_eq!(newest, vec![event], "[{be}] the row reads back whole");

    let hash = format!("config-{}", Uuid::new_v4());
    let version = store
        .activate_agent_config_as(&hash, "# audited", Some("ops"))
        .await
        .unwrap();
    let recent = store.list_audit(100).await.unwrap();
    let activation = recent
        .iter()
        .find(|e| {
            e.action == AuditAction::ConfigActivated && e.subject.ends_with(&format!(" {version}"))
        })
        .unwrap_or_else(|| panic!("[{be}] no audit row for version {version}: {recent:?}"));
    assert_eq!(activation.actor.as_deref(), Some("ops"));
    assert!(
        activation
            .detail
            .as_deref()
            .is_some_and(|d| d.contains(&hash))
    );
}
