//! Who may call the API, and how much.
//!
//! - [`keys`]: tenants and API keys, created and revoked by the operator
//!   (`marketlens tenants …`, `marketlens keys …`). A key is 32 random bytes shown
//!   once; the store keeps only its hash.
//! - [`guard`]: the middleware in front of every `/v1` route and `/metrics`. It reads
//!   `Authorization: Bearer <key>`, refuses a missing, unknown, revoked or expired key
//!   (`401 unauthorized`) and a key without the route's scope (`403 forbidden`), applies
//!   the key's rate limit (`429 rate_limited`, with `Retry-After`), records the key's use
//!   (at most once a minute per key), and hands the handlers an [`AuthContext`]: the
//!   tenant every read and write of the request is scoped to.
//!
//! `/`, static assets, `/docs`, `/openapi.json`, `/healthz` and `/readyz` answer without
//! a key: they hold no tenant data.

pub mod guard;
pub mod keys;

use marketlens_core::domain::{Scope, Scopes, TenantId};
use marketlens_core::rate_limit::RateLimit;
use uuid::Uuid;

/// Who a request acts for, as the guard established it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthContext {
    pub tenant: TenantId,
    /// The key's user; `None` without keys (`--no-auth`).
    pub user_id: Option<String>,
    pub scopes: Scopes,
    /// The key used; `None` without keys.
    pub key_id: Option<Uuid>,
}

impl AuthContext {
    /// The laptop case: every scope, the default tenant, no user.
    pub fn local() -> Self {
        AuthContext {
            tenant: TenantId::local(),
            user_id: None,
            scopes: Scopes::all(),
            key_id: None,
        }
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(scope)
    }

    /// Who did something, for logs and the audit log: the key, else `local`.
    pub fn actor(&self) -> String {
        match (self.key_id, &self.user_id) {
            (Some(key), Some(user)) => format!("{user} (key {key})"),
            (Some(key), None) => format!("key {key}"),
            _ => TenantId::LOCAL.to_owned(),
        }
    }
}

/// Whether requests need a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Every protected route needs a valid key (the default of `serve`).
    Keys,
    /// No key: every request acts as [`AuthContext::local`]. Only for a server bound
    /// to a loopback address (`serve --no-auth`).
    Open,
}

/// How the API admits requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccessPolicy {
    pub mode: AuthMode,
    /// Per key.
    pub rate_limit: RateLimit,
    /// Analyses a tenant may have queued or running at once; `None`: no cap.
    pub max_inflight_per_tenant: Option<u64>,
}

impl AccessPolicy {
    /// Keys required, 10 requests a second per key with bursts of 50, 100 analyses in
    /// flight per tenant.
    pub fn keys() -> Self {
        AccessPolicy {
            mode: AuthMode::Keys,
            rate_limit: RateLimit {
                per_second: 10.0,
                burst: 50,
            },
            max_inflight_per_tenant: Some(100),
        }
    }

    /// No keys, no limits: the laptop case and the tests of everything but access.
    pub fn open() -> Self {
        AccessPolicy {
            mode: AuthMode::Open,
            rate_limit: RateLimit {
                per_second: 0.0,
                burst: 0,
            },
            max_inflight_per_tenant: None,
        }
    }
}
