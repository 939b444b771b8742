//! The submit path's writer task (the group commit, in both stores): starting it
//! behind a bounded hand-over queue, and handing it a write to wait for its answer.

use marketlens_core::ports::StoreError;
use tokio::sync::{mpsc, oneshot};

/// Calls waiting for a writer task, at most: when the database cannot keep up,
/// submitters wait for room instead of piling up in memory.
const WRITER_QUEUE_CAPACITY: usize = 1024;

/// Spawns the writer task `write` makes of the receiving end of a bounded hand-over
/// queue, and returns the sending end. The task ends when the last sender is dropped.
pub(crate) fn spawn_writer<C, W>(write: impl FnOnce(mpsc::Receiver<C>) -> W) -> mpsc::Sender<C>
where
    W: std::future::Future<Output = ()> + Send + 'static,
{
    let (calls, waiting) = mpsc::channel(WRITER_QUEUE_CAPACITY);
    tokio::spawn(write(waiting));
    calls
}

/// Sends the call `call` builds around its answer channel to the writer task behind
/// `calls`, and waits for the answer: the task writes it once the call's batch is
/// committed (or failed).
pub(crate) async fn hand_to_writer<C, T, E: From<StoreError>>(
    calls: &mpsc::Sender<C>,
    call: impl FnOnce(oneshot::Sender<Result<T, E>>) -> C,
) -> Result<T, E> {
    let (answer, answered) = oneshot::channel();
    calls
        .send(call(answer))
        .await
        .map_err(|_| StoreError::Unavailable("the database writer has stopped".into()))?;
    answered.await.map_err(|_| {
        StoreError::Unavailable("the database writer stopped before answering".into())
    })?
}
