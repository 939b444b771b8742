//! The middleware in front of the protected routes (see [`super`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use marketlens_core::ErrorType;
use marketlens_core::domain::Scope;
use marketlens_core::ports::{AuditAction, AuditEvent, Store};
use marketlens_core::rate_limit::TokenBucket;
use uuid::Uuid;

use super::keys::hash_key;
use super::{AccessPolicy, AuthContext, AuthMode};
use crate::api::ApiError;

/// The scope a request needs, by route: `/metrics`, `/v1/stats` and `/v1/admin/…`
/// need `admin`; any other `/v1/…` route needs `read` to read (GET, HEAD) and `write`
/// to change anything. Everything else is public (`None`). A new `/v1` route is
/// protected without being listed here.
pub fn required_scope(method: &Method, path: &str) -> Option<Scope> {
    if path == "/metrics" || path == "/v1/stats" || path == "/v1/admin" {
        return Some(Scope::Admin);
    }
    if path.starts_with("/v1/admin/") {
        return Some(Scope::Admin);
    }
    if path == "/v1" || path.starts_with("/v1/") {
        return Some(if matches!(*method, Method::GET | Method::HEAD) {
            Scope::Read
        } else {
            Scope::Write
        });
    }
    None
}

/// The guard's state: the policy, each key's rate bucket and the minute its use was
/// last recorded. Both maps hold only keys that authenticated, so they are bounded by
/// the number of keys.
pub struct Guard {
    policy: AccessPolicy,
    store: Arc<dyn Store>,
    buckets: Mutex<HashMap<Uuid, TokenBucket>>,
    used_minute: Mutex<HashMap<Uuid, i64>>,
}

impl Guard {
    pub fn new(policy: AccessPolicy, store: Arc<dyn Store>) -> Self {
        Guard {
            policy,
            store,
            buckets: Mutex::default(),
            used_minute: Mutex::default(),
        }
    }

    pub fn policy(&self) -> AccessPolicy {
        self.policy
    }

    async fn authenticate(&self, headers: &HeaderMap) -> Result<AuthContext, ApiError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "an API key is required: send `Authorization: Bearer <key>`",
            ));
        };
        let key = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, key) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
            })
            .filter(|k| !k.is_empty())
            .ok_or_else(|| unauthorized("expected `Authorization: Bearer <key>`"))?;
        let record = self
            .store
            .api_key_by_hash(&hash_key(key))
            .await?
            .ok_or_else(|| unauthorized("the API key is not valid"))?;
        if let Some(why) = record.refusal(Utc::now()) {
            return Err(unauthorized(why));
        }
        Ok(AuthContext {
            tenant: record.tenant,
            user_id: Some(record.user_id),
            scopes: record.scopes,
            key_id: Some(record.id),
        })
    }

    /// One token of `key`'s bucket, or how long until there is one.
    fn take_token(&self, key: Uuid) -> Result<(), Duration> {
        let limit = self.policy.rate_limit;
        if !limit.is_enabled() {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets
            .entry(key)
            .or_insert_with(|| TokenBucket::full(limit, now))
            .take(limit, now)
    }

    /// Records the key's use (`last_used_at` and a `key.used` audit row) when it is the
    /// first this minute, off the request's path: a request never waits for it, and
    /// a busy key writes one row a minute, not one per request.
    fn note_use(&self, ctx: &AuthContext) {
        let Some(key) = ctx.key_id else { return };
        let now = Utc::now();
        let minute = now.timestamp().div_euclid(60);
        let first_this_minute = {
            let mut used = self.used_minute.lock().unwrap_or_else(|p| p.into_inner());
            used.insert(key, minute) != Some(minute)
        };
        if !first_this_minute {
            return;
        }
        let store = self.store.clone();
        let event = AuditEvent {
            at: now,
            tenant: Some(ctx.tenant.clone()),
            actor: ctx.user_id.clone(),
            action: AuditAction::KeyUsed,
            subject: format!("key {key}"),
            detail: None,
        };
        tokio::spawn(async move {
            let recorded = match store.touch_api_key(key, now).await {
                Ok(()) => store.append_audit(&event).await,
                Err(e) => Err(e),
            };
            if let Err(e) = recorded {
                tracing::warn!(key_id = %key, error = %e, "could not record an API key's use");
            }
        });
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(ErrorType::Unauthorized, message)
}

/// The middleware: see [`super`].
pub async fn guard(State(guard): State<Arc<Guard>>, mut request: Request, next: Next) -> Response {
    let Some(scope) = required_scope(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let ctx = match guard.policy.mode {
        AuthMode::Open => AuthContext::local(),
        AuthMode::Keys => match guard.authenticate(request.headers()).await {
            Ok(ctx) => ctx,
            Err(e) => {
                let mut response = e.into_response();
                if response.status() == axum::http::StatusCode::UNAUTHORIZED {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                }
                return response;
            }
        },
    };
    if !ctx.allows(scope) {
        return ApiError::new(
            ErrorType::Forbidden,
            format!("this API key lacks the `{scope}` scope this route needs"),
        )
        .into_response();
    }
    if let Some(key) = ctx.key_id {
        if let Err(wait) = guard.take_token(key) {
            return rate_limited(
                ErrorType::RateLimited,
                "this API key made more requests than its rate limit allows",
                wait,
            );
        }
        guard.note_use(&ctx);
    }
    request.extensions_mut().insert(ctx);
    request.extensions_mut().insert(guard.policy);
    next.run(request).await
}

/// A `429` with `Retry-After` (whole seconds, at least 1).
pub fn rate_limited(error_type: ErrorType, message: &str, wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = ApiError::new(error_type, message).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_v1_route_needs_a_scope_and_the_rest_is_public() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(required_scope(&get, "/v1/analyses"), Some(Scope::Read));
        assert_eq!(required_scope(&post, "/v1/analyses"), Some(Scope::Write));
        assert_eq!(
            required_scope(&post, "/v1/analyses/x/feedback"),
            Some(Scope::Write)
        );
        assert_eq!(
            required_scope(&get, "/v1/admin/experiments"),
            Some(Scope::Admin)
        );
        assert_eq!(required_scope(&get, "/v1/stats"), Some(Scope::Admin));
        assert_eq!(required_scope(&get, "/metrics"), Some(Scope::Admin));
        assert_eq!(
            required_scope(&Method::DELETE, "/v1/unknown"),
            Some(Scope::Write)
        );
        for public in [
            "/",
            "/docs",
            "/openapi.json",
            "/healthz",
            "/readyz",
            "/app.js",
            "/v1x",
        ] {
            assert_eq!(required_scope(&get, public), None, "{public}");
        }
    }
}
