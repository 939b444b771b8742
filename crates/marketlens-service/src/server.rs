//! Serving: the HTTP API and, unless disabled, embedded workers in the same process.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::access::AccessPolicy;
use crate::connections::{ConnectionLimits, serve_connections};
use crate::startup::App;
use crate::worker::{WorkerOptions, default_worker_id, run_worker};

/// Serves the API on `listener` with `workers` embedded workers and the orphan
/// reconciler, within the default [`ConnectionLimits`], admitting requests as `access`
/// says, until `shutdown` turns true; then stops accepting, lets in-flight requests
/// and jobs finish, and returns.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    workers: usize,
    access: AccessPolicy,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    serve_within(
        app,
        listener,
        workers,
        ConnectionLimits::default(),
        access,
        shutdown,
    )
    .await
}

/// [`serve`] within the given connection limits.
pub async fn serve_within(
    app: Arc<App>,
    listener: TcpListener,
    workers: usize,
    limits: ConnectionLimits,
    access: AccessPolicy,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut handles = Vec::new();
    for _ in 0..workers {
        handles.push(tokio::spawn(run_worker(
            app.clone(),
            WorkerOptions::new(default_worker_id()),
            shutdown.clone(),
        )));
    }
    handles.push(tokio::spawn(crate::reconcile::run_reconciler(
        app.clone(),
        shutdown.clone(),
    )));
    let result = serve_connections(
        crate::api::router(app, access),
        listener,
        limits,
        shutdown.clone(),
    )
    .await;
    for h in handles {
        let _ = h.await;
    }
    result
}

/// A shutdown signal that turns true on Ctrl-C or SIGTERM.
pub fn shutdown_on_signals() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("install SIGTERM handler");
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        tracing::info!("shutdown requested");
        let _ = tx.send(true);
    });
    rx
}
