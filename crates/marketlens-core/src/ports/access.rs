//! Records of who may call the API: tenants, their API keys, and the audit log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Scopes, TenantId};

/// A `tenants` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantRecord {
    pub id: TenantId,
    pub created_at: DateTime<Utc>,
}

/// An API key to record. The key itself is never stored: only its hash, and its first
/// characters (`prefix`) to tell keys apart in a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApiKey {
    pub id: Uuid,
    pub tenant: TenantId,
    pub user_id: String,
    pub scopes: Scopes,
    pub key_hash: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// An `api_keys` row (without its hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub tenant: TenantId,
    pub user_id: String,
    pub scopes: Scopes,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiKeyRecord {
    /// Why the key cannot be used at `now`, if it cannot.
    pub fn refusal(&self, now: DateTime<Utc>) -> Option<&'static str> {
        if self.revoked_at.is_some_and(|at| at <= now) {
            Some("the API key is revoked")
        } else if self.expires_at.is_some_and(|at| at <= now) {
            Some("the API key has expired")
        } else {
            None
        }
    }
}

/// What an audit row records (serialised, and stored, as [`AuditAction::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    #[serde(rename = "tenant.created")]
    TenantCreated,
    #[serde(rename = "key.created")]
    KeyCreated,
    #[serde(rename = "key.revoked")]
    KeyRevoked,
    /// A key was used; at most one row per key per minute.
    #[serde(rename = "key.used")]
    KeyUsed,
    #[serde(rename = "config.activated")]
    ConfigActivated,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::TenantCreated => "tenant.created",
            AuditAction::KeyCreated => "key.created",
            AuditAction::KeyRevoked => "key.revoked",
            AuditAction::KeyUsed => "key.used",
            AuditAction::ConfigActivated => "config.activated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            AuditAction::TenantCreated,
            AuditAction::KeyCreated,
            AuditAction::KeyRevoked,
            AuditAction::KeyUsed,
            AuditAction::ConfigActivated,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// One audit event: who (`actor`: a key id, a user, `cli`) did `action` to `subject`
/// (a key id, a tenant, a config version), in `tenant` when it concerns one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub tenant: Option<TenantId>,
    pub actor: Option<String>,
    pub action: AuditAction,
    pub subject: String,
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_actions_serialise_as_their_stored_names() {
        for action in [
            AuditAction::TenantCreated,
            AuditAction::KeyCreated,
            AuditAction::KeyRevoked,
            AuditAction::KeyUsed,
            AuditAction::ConfigActivated,
        ] {
            assert_eq!(serde_json::to_value(action).unwrap(), action.as_str());
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
    }
}
