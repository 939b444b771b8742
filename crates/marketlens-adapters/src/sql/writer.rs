//! Handing a write to the process's writer task (the submit path's group commit, in
//! both stores) and waiting for its answer.

use marketlens_core::ports::StoreError;
use tokio::sync::{mpsc, oneshot};

/// Sends the call `call` builds around its answer channel to the writer task behind
/// `calls`, and waits for the answer: the task writes it once the call's batch is
/// committed (or failed).
pub(crate) async fn hand_to_writer<C, T>(
    calls: &mpsc::Sender<C>,
    call: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> C,
) -> Result<T, StoreError> {
    let (answer, answered) = oneshot::channel();
    calls
        .send(call(answer))
        .await
        .map_err(|_| StoreError::Unavailable("the database writer has stopped".into()))?;
    answered.await.map_err(|_| {
        StoreError::Unavailable("the database writer stopped before answering".into())
    })?
}
