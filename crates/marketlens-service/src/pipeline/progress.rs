//! Stage progress as an analysis moves, for whoever watches it: the CLI prints it,
//! the worker stores it on the query (`GET /v1/analyses/{id}` shows it).
//!
//! Every required stage is listed from the start, `pending`; an optional stage
//! (`llm_summarize`) joins the list, at its place in pipeline order, when it runs or
//! is skipped. Only the stage runner ([`super::runner`]) moves a stage along.

use std::sync::Arc;
use std::time::Instant;

use marketlens_core::Stage;
use marketlens_core::ports::{StageProgress, StageState};
use tokio::sync::Mutex;

use crate::startup::App;

/// Receives stage progress as the analysis moves (the CLI prints it; the worker stores
/// it on the query).
#[async_trait::async_trait]
pub trait ProgressSink: Send + Sync {
    async fn update(&self, progress: &[StageProgress]);
}

/// Stores progress on the query row, best effort.
pub struct StoreProgress {
    pub app: Arc<App>,
    pub query_id: uuid::Uuid,
}

#[async_trait::async_trait]
impl ProgressSink for StoreProgress {
    async fn update(&self, progress: &[StageProgress]) {
        if let Err(e) = self.app.store.set_progress(self.query_id, progress).await {
            tracing::warn!(query_id = %self.query_id, error = %e, "could not store progress");
        }
    }
}

/// A sink that drops every update, for callers that only want the outcome.
pub struct NoProgress;

#[async_trait::async_trait]
impl ProgressSink for NoProgress {
    async fn update(&self, _: &[StageProgress]) {}
}

/// The progress of one analysis.
///
/// Stages may run concurrently (`analyze_market` ‖ `analyze_sentiment`), so each
/// change is made and handed to the sink under one lock: the sink sees the changes in
/// the order they happened, and a store never keeps an older picture over a newer one.
pub(super) struct Progress<'a> {
    sink: &'a dyn ProgressSink,
    stages: Mutex<Vec<Entry>>,
}

struct Entry {
    stage: Stage,
    started: Option<Instant>,
    progress: StageProgress,
}

impl Entry {
    fn new(stage: Stage) -> Self {
        Entry {
            stage,
            started: None,
            progress: StageProgress {
                stage: stage.as_str().to_owned(),
                state: StageState::Pending,
                duration_ms: None,
                detail: None,
            },
        }
    }

    /// Ends the stage in `state`, with its duration since it started.
    fn finish(&mut self, state: StageState, detail: Option<String>) {
        self.progress.state = state;
        self.progress.duration_ms = self.started.map(|t| t.elapsed().as_millis() as u64);
        if detail.is_some() {
            self.progress.detail = detail;
        }
    }
}

impl<'a> Progress<'a> {
    pub(super) fn new(sink: &'a dyn ProgressSink) -> Self {
        Self {
            sink,
            stages: Mutex::new(Stage::required().map(Entry::new).collect()),
        }
    }

    pub(super) async fn start(&self, stage: Stage) {
        self.change(stage, |e| {
            e.started = Some(Instant::now());
            e.progress.state = StageState::Running;
        })
        .await;
    }

    pub(super) async fn done(&self, stage: Stage, detail: Option<String>) {
        self.change(stage, |e| e.finish(StageState::Done, detail))
            .await;
    }

    pub(super) async fn fail(&self, stage: Stage, message: &str) {
        self.change(stage, |e| {
            e.finish(StageState::Failed, Some(message.to_owned()))
        })
        .await;
    }

    /// A stage that did not run: done at once, its detail saying why.
    #[allow(
        dead_code,
        reason = "the optional llm_summarize stage is its first caller"
    )]
    pub(super) async fn skip(&self, stage: Stage, reason: &str) {
        self.change(stage, |e| {
            e.finish(StageState::Done, Some(format!("skipped: {reason}")))
        })
        .await;
    }

    /// Fails every stage still running (the analysis was cut short, e.g. by its
    /// deadline, while they ran).
    pub(super) async fn fail_running(&self, message: &str) {
        let mut stages = self.stages.lock().await;
        let mut changed = false;
        for e in stages
            .iter_mut()
            .filter(|e| e.progress.state == StageState::Running)
        {
            e.finish(StageState::Failed, Some(message.to_owned()));
            changed = true;
        }
        if changed {
            self.publish(&stages).await;
        }
    }

    async fn change(&self, stage: Stage, apply: impl FnOnce(&mut Entry)) {
        let mut stages = self.stages.lock().await;
        let at = match stages.iter().position(|e| e.stage == stage) {
            Some(at) => at,
            None => {
                // An optional stage joins the list at its place in pipeline order.
                let at = stages.partition_point(|e| e.stage < stage);
                stages.insert(at, Entry::new(stage));
                at
            }
        };
        apply(&mut stages[at]);
        self.publish(&stages).await;
    }

    async fn publish(&self, stages: &[Entry]) {
        let snapshot: Vec<StageProgress> = stages.iter().map(|e| e.progress.clone()).collect();
        self.sink.update(&snapshot).await;
    }
}
