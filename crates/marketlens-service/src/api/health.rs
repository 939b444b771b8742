//! Dependency health, checked in one place: `/healthz` and `/readyz` answer from the
//! same checks, so they never disagree about a dependency (a cache that is down is
//! `degraded` in both).
//!
//! Each check is bounded in time, so a probe never hangs on a dead connection. The
//! store and the queue are required (without them a request can be neither recorded
//! nor queued); the cache and the blob store are not: the service works without the
//! cache, and reports are read on demand, so a blob outage fails those reads, not the
//! intake.

use std::time::Duration;

use serde::Serialize;

use crate::startup::App;

/// How long one check may take: a dependency slower than this counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Every dependency's state, and what it means for the service.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DependencyReport {
    /// `ready`, `degraded` (ready, but an optional dependency is down) or `not_ready`
    /// (a required one is down).
    pub status: &'static str,
    pub checks: Vec<DependencyCheck>,
    /// What in this set-up will not work across processes (see
    /// [`deployment_warnings`](crate::startup::deployment_warnings)); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DependencyCheck {
    pub name: &'static str,
    pub backend: &'static str,
    /// `ok`, `degraded` (down, but the service works without it) or `down`.
    pub status: &'static str,
    /// Whether the service can take traffic without it.
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl DependencyReport {
    /// Whether requests can be taken: every required dependency answers.
    pub fn ready(&self) -> bool {
        self.checks.iter().all(DependencyCheck::serves)
    }
}

impl DependencyCheck {
    /// Whether the service can take requests as far as this dependency goes.
    fn serves(&self) -> bool {
        !self.required || self.status == "ok"
    }
}

/// Why a dependency failed its check.
#[derive(Debug, thiserror::Error)]
enum CheckFailure {
    #[error("{0}")]
    Error(Box<dyn std::error::Error + Send + Sync>),
    #[error("no answer within {CHECK_TIMEOUT:?}")]
    TimedOut,
}

async fn bounded_check<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    check: impl std::future::Future<Output = Result<(), E>>,
) -> Result<(), CheckFailure> {
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(r) => r.map_err(|e| CheckFailure::Error(e.into())),
        Err(_) => Err(CheckFailure::TimedOut),
    }
}

/// Checks every dependency at once.
pub async fn check_dependencies(app: &App) -> DependencyReport {
    let (store, queue, cache, blob) = tokio::join!(
        bounded_check(app.store.ping()),
        bounded_check(async { app.queue.stats().await.map(|_| ()) }),
        bounded_check(app.cache.ping()),
        bounded_check(app.blob.ping()),
    );
    let check = |name, backend, required: bool, result: Result<(), CheckFailure>| DependencyCheck {
        name,
        backend,
        status: match (&result, required) {
            (Ok(()), _) => "ok",
            (Err(_), false) => "degraded",
            (Err(_), true) => "down",
        },
        required,
        error: result.err().map(|e| e.to_string()),
    };
    let checks = vec![
        check("store", app.store.backend(), true, store),
        check("queue", app.queue.backend(), true, queue),
        check("cache", app.cache.backend(), false, cache),
        check("blob", app.blob.backend(), false, blob),
    ];
    let status = if !checks.iter().all(DependencyCheck::serves) {
        "not_ready"
    } else if checks.iter().all(|c| c.status == "ok") {
        "ready"
    } else {
        "degraded"
    };
    DependencyReport {
        status,
        checks,
        warnings: app.warnings.clone(),
    }
}
