//! Serving a router on a listener, with limits on what a client may hold.
//!
//! Without them a client can hold the server: connections that never send a request,
//! send their headers a byte at a time or never finish their body stay open forever,
//! and once the open-file limit is reached every new connection, health checks
//! included, fails with "Too many open files". So:
//!
//! - at most `max_connections` are served at once; past that, new ones wait in the
//!   listen backlog until one closes (instead of taking the last file descriptors);
//! - a connection has `header_read_timeout` to send each request's headers, and an
//!   idle keep-alive connection is closed after the same time (hyper's timer covers
//!   both: it runs whenever the connection waits for a request head);
//! - a request body must arrive in full within `body_read_timeout` (else `408
//!   request_timeout`);
//! - an accept error (EMFILE, ENFILE, out of buffers) is logged and retried after a
//!   pause that doubles up to a second, instead of a loop spinning on the error.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use marketlens_core::ErrorType;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::api::{ApiError, MAX_BODY_BYTES};

/// What one client may hold; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            // Well under the common open-file limits (1024; 256 on some hosts, which
            // `marketlens serve --max-connections` should then stay under).
            max_connections: 512,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(15),
        }
    }
}

/// The longest pause after accept errors in a row.
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` within `limits` until `shutdown` turns true; then
/// stops accepting, lets each connection finish its request in progress, and returns.
pub async fn serve_connections(
    router: Router,
    listener: TcpListener,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    let router = router.layer(axum::middleware::from_fn_with_state(
        limits.body_read_timeout,
        read_body_within,
    ));
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = JoinSet::new();
    let mut backoff = Duration::from_millis(10);
    loop {
        // A free slot first: at the cap, new connections wait in the backlog.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.map_err(io::Error::other)?,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        // Reap finished connection tasks so the set does not grow.
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => {
                backoff = Duration::from_millis(10);
                stream
            }
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                tracing::error!(error = %e, retry_in = ?backoff, "accept failed; pausing");
                drop(slot);
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.wait_for(|stop| *stop) => break,
                }
                backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        let mut stop = shutdown.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stop.wait_for(|stop| *stop) => {}
            }
            // Shutting down: finish the request in progress, take no other.
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        });
    }
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Errors about one connection that went away before it was accepted: nothing to wait
/// for.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Reads a request's body in full within `deadline` before the handler runs: a client
/// sending its body a byte at a time holds a connection for at most that long. Bodies
/// are small (at most [`MAX_BODY_BYTES`]), so holding one whole costs little.
async fn read_body_within(
    State(deadline): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let may_have_body = request.headers().contains_key(header::CONTENT_LENGTH)
        || request.headers().contains_key(header::TRANSFER_ENCODING)
        || matches!(
            *request.method(),
            Method::POST | Method::PUT | Method::PATCH
        );
    if !may_have_body {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        // Over the cap (or cut off, when nobody is left to read the answer).
        Ok(Err(_)) => ApiError::new(
            ErrorType::PayloadTooLarge,
            format!("request body is larger than {MAX_BODY_BYTES} bytes"),
        )
        .into_response(),
        Err(_) => ApiError::new(
            ErrorType::RequestTimeout,
            format!(
                "the request body did not arrive within {} s",
                deadline.as_secs_f64()
            ),
        )
        .into_response(),
    }
}
