//! Tenants and API keys: what `marketlens tenants …` and `marketlens keys …` do, with
//! the audit rows they write.
//!
//! A key is `mlk_` followed by 64 hex digits: 32 bytes from the operating system's
//! CSPRNG. It is printed once, when created; the store keeps its BLAKE3 hash (a fast
//! hash is enough for a key with 256 bits of entropy: there is nothing to brute-force)
//! and its first 12 characters, to tell keys apart in a listing.

use chrono::{DateTime, Utc};
use marketlens_core::domain::{Scopes, TenantId};
use marketlens_core::ports::{
    ApiKeyRecord, AuditAction, AuditEvent, NewApiKey, Store, StoreError, TenantRecord,
};
use uuid::Uuid;

/// What every key starts with, so a leaked key is recognisable (secret scanners,
/// logs).
pub const KEY_PREFIX: &str = "mlk_";
/// Characters of a key kept in the store and shown in listings.
const SHOWN_CHARS: usize = 12;
const HASH_CONTEXT: &str = "marketlens/api-key/v1";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("the expiry {0} is in the past")]
    ExpiryInPast(DateTime<Utc>),
}

/// The hash the store keeps of `key`.
pub fn hash_key(key: &str) -> String {
    blake3::derive_key(HASH_CONTEXT, key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random key.
fn generate_key() -> Result<String, KeyError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{KEY_PREFIX}{hex}"))
}

/// A key just created: its record, and the key itself, which is never shown again.
#[derive(Debug)]
pub struct CreatedKey {
    pub record: ApiKeyRecord,
    pub key: String,
}

/// The audit row of `action` on `subject` by `actor` in `tenant`, at `at`.
fn audit_row(
    at: DateTime<Utc>,
    tenant: &TenantId,
    actor: &str,
    action: AuditAction,
    subject: String,
) -> AuditEvent {
    AuditEvent {
        at,
        tenant: Some(tenant.clone()),
        actor: Some(actor.to_owned()),
        action,
        subject,
        detail: None,
    }
}

/// Records a tenant.
pub async fn create_tenant(
    store: &dyn Store,
    tenant: &TenantId,
    actor: &str,
) -> Result<TenantRecord, StoreError> {
    let record = TenantRecord {
        id: tenant.clone(),
        created_at: Utc::now(),
    };
    store.create_tenant(&record).await?;
    let subject = format!("tenant {tenant}");
    let row = audit_row(
        record.created_at,
        tenant,
        actor,
        AuditAction::TenantCreated,
        subject,
    );
    store.append_audit(&row).await?;
    Ok(record)
}

/// Creates a key for `user_id` of `tenant`.
pub async fn create_key(
    store: &dyn Store,
    tenant: &TenantId,
    user_id: &str,
    scopes: Scopes,
    expires_at: Option<DateTime<Utc>>,
    actor: &str,
) -> Result<CreatedKey, KeyError> {
    let now = Utc::now();
    if let Some(at) = expires_at
        && at <= now
    {
        return Err(KeyError::ExpiryInPast(at));
    }
    let key = generate_key()?;
    let new = NewApiKey {
        id: Uuid::now_v7(),
        tenant: tenant.clone(),
        user_id: user_id.to_owned(),
        scopes: scopes.clone(),
        key_hash: hash_key(&key),
        prefix: key[..SHOWN_CHARS].to_owned(),
        created_at: now,
        expires_at,
    };
    store.create_api_key(&new).await?;
    let row = audit_row(
        now,
        tenant,
        actor,
        AuditAction::KeyCreated,
        format!("key {}", new.id),
    );
    store
        .append_audit(&AuditEvent {
            detail: Some(format!("user {user_id}, scopes {scopes}")),
            ..row
        })
        .await?;
    let record = ApiKeyRecord {
        id: new.id,
        tenant: new.tenant,
        user_id: new.user_id,
        scopes: new.scopes,
        prefix: new.prefix,
        created_at: new.created_at,
        expires_at: new.expires_at,
        revoked_at: None,
        last_used_at: None,
    };
    Ok(CreatedKey { record, key })
}

/// Revokes a key from now on.
pub async fn revoke_key(
    store: &dyn Store,
    id: Uuid,
    actor: &str,
) -> Result<ApiKeyRecord, StoreError> {
    let record = store.revoke_api_key(id, Utc::now()).await?;
    let subject = format!("key {id}");
    let row = audit_row(
        Utc::now(),
        &record.tenant,
        actor,
        AuditAction::KeyRevoked,
        subject,
    );
    store.append_audit(&row).await?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_hashed_apart() {
        let (a, b) = (generate_key().unwrap(), generate_key().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX) && a.len() == KEY_PREFIX.len() + 64);
        assert_ne!(hash_key(&a), hash_key(&b));
        assert_eq!(hash_key(&a), hash_key(&a));
        assert!(!hash_key(&a).contains(&a[KEY_PREFIX.len()..]));
    }
}
