//! `GET /v1/analyses/{id}/events`: an analysis's progress as Server-Sent Events.
//!
//! Each event's data is the analysis as `GET /v1/analyses/{id}` shows it. The first
//! event is the state when the stream opens; another follows each time the status or
//! a stage changes (`event: progress`), and the stream ends with `event: completed` or
//! `event: failed`. The stream reads the store, not this process's workers, so it
//! follows analyses run by workers in other processes just as well.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use marketlens_core::ports::{QueryRecord, QueryStatus, StageProgress};

use super::ApiError;
use super::error::ErrorBody;
use super::error::responses::StoreUnavailable;
use super::extract::{AnalysisId, Caller};
use super::handlers::{AnalysisView, load};
use crate::startup::App;

/// How often the store is read for changes while a stream is open.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// What an event reports; a new event is sent when it changes.
type Snapshot = (QueryStatus, Vec<StageProgress>);

fn snapshot(q: &QueryRecord) -> Snapshot {
    (q.status, q.progress.clone())
}

fn is_final(status: QueryStatus) -> bool {
    matches!(status, QueryStatus::Completed | QueryStatus::Failed)
}

struct Follow {
    app: Arc<App>,
    /// The state to send first, read when the stream opened.
    first: Option<QueryRecord>,
    last: Option<Snapshot>,
    sent: u64,
    finished: bool,
}

impl Follow {
    /// The next state that differs from the last one sent; `None` when the analysis
    /// is gone.
    async fn next_change(&mut self, id: uuid::Uuid) -> Option<QueryRecord> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        loop {
            tokio::time::sleep(POLL_INTERVAL).await;
            match self.app.store.get_query(id).await {
                Ok(Some(q)) if self.last.as_ref() != Some(&snapshot(&q)) => return Some(q),
                Ok(Some(_)) => {}
                Ok(None) => return None,
                // A store outage passes: keep the stream and read again.
                Err(e) => tracing::debug!(error = %e, "analysis events: store read failed"),
            }
        }
    }
}

/// One Server-Sent Event of the stream, as a client reads it (for the document only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AnalysisEvent {
    /// `progress`, then `completed` or `failed` last.
    event: String,
    /// The event's sequence number, from 1.
    id: String,
    /// The analysis as `GET /v1/analyses/{id}` shows it, as JSON text.
    data: String,
}

/// An analysis's progress, pushed as Server-Sent Events.
#[utoipa::path(
    get,
    path = "/v1/analyses/{id}/events",
    tag = "analyses",
    params(AnalysisId),
    responses(
        (status = 200, description = "A stream of events (`text/event-stream`). Each event's data is the analysis (`AnalysisView` JSON): first its state when the stream opens, then one `progress` event per change of status or stage, and a last event named `completed` or `failed`, after which the stream ends.", content_type = "text/event-stream", body = AnalysisEvent),
        (status = 404, description = "No analysis with this id", body = ErrorBody),
        StoreUnavailable,
    )
)]
pub async fn analysis_events(
    Caller { app, auth }: Caller,
    id: AnalysisId,
) -> Result<Response, ApiError> {
    // The caller's tenant's analysis only; later reads follow that id.
    let first = load(&app, &auth, id).await?;
    let id = first.id;
    let follow = Follow {
        app,
        first: Some(first),
        last: None,
        sent: 0,
        finished: false,
    };
    let events = futures::stream::unfold(follow, move |mut follow| async move {
        if follow.finished {
            return None;
        }
        let q = follow.next_change(id).await?;
        let name = if is_final(q.status) {
            follow.finished = true;
            q.status.as_str()
        } else {
            "progress"
        };
        follow.last = Some(snapshot(&q));
        follow.sent += 1;
        let event = Event::default()
            .event(name)
            .id(follow.sent.to_string())
            .json_data(AnalysisView::from(q))
            .unwrap_or_else(|e| Event::default().event("error").data(e.to_string()));
        Some((Ok::<Event, Infallible>(event), follow))
    });
    // An analysis is a team's data, like every answer under /v1: `no-store` in place
    // of the `no-cache` an event stream is sent with by default.
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Sse::new(events).keep_alive(KeepAlive::default()),
    )
        .into_response())
}
