//! The stage runner: every stage of an analysis runs through [`Stages::run`], which
//! owns what each stage must report, so a stage cannot be added without it:
//!
//! - its span, named after the stage (the name comes from [`Stage::as_str`], written
//!   once), a child of the `analysis` root, tagged `query_id`, `product_count` and
//!   `cache_hit` (from the stage's [`StageOutput`]) and, on failure, `error_type`;
//! - its duration (`marketlens_stage_duration_seconds`), measured on success and
//!   failure alike;
//! - its progress: running, then done with the output's detail, or failed with the
//!   error's message.
//!
//! An optional stage that does not run is [`Stages::skip`]ped with its reason.

use std::future::Future;

use marketlens_core::Stage;
use tracing::Instrument;
use tracing::field::Empty;

use super::AnalysisError;
use super::progress::{Progress, ProgressSink};

/// What a finished stage reports about its output: its span's tags and the detail
/// shown with it in the progress.
pub(super) trait StageOutput {
    /// Products the stage produced or worked on (the span's `product_count`).
    fn product_count(&self) -> Option<usize> {
        None
    }
    /// Whether any of it came from a cache (the span's `cache_hit`).
    fn cache_hit(&self) -> bool {
        false
    }
    /// Shown with the finished stage in the progress, e.g. `42 products`.
    fn detail(&self) -> Option<String> {
        None
    }
}

/// Runs the stages of one analysis.
pub(super) struct Stages<'a> {
    query_id: uuid::Uuid,
    progress: Progress<'a>,
}

impl<'a> Stages<'a> {
    pub(super) fn new(query_id: uuid::Uuid, sink: &'a dyn ProgressSink) -> Self {
        Self {
            query_id,
            progress: Progress::new(sink),
        }
    }

    /// Runs `work` as `stage`: marks it running, runs it inside the stage's span and
    /// timer, then records its output (span tags, progress done) or its failure (span
    /// `error_type`, progress failed) and hands the outcome back. Stages that run
    /// concurrently are each a `run` of their own, joined by the caller.
    pub(super) async fn run<T: StageOutput>(
        &self,
        stage: Stage,
        work: impl Future<Output = Result<T, AnalysisError>>,
    ) -> Result<T, AnalysisError> {
        self.progress.start(stage).await;
        let span = stage_span(stage, self.query_id);
        let timer = crate::metrics::stage_timer(stage);
        let outcome = work.instrument(span.clone()).await;
        drop(timer);
        match &outcome {
            Ok(output) => {
                if let Some(count) = output.product_count() {
                    span.record("product_count", count);
                }
                span.record("cache_hit", output.cache_hit());
                self.progress.done(stage, output.detail()).await;
            }
            Err(err) => {
                span.record("error_type", err.error_type.as_str());
                self.progress.fail(stage, &err.message).await;
            }
        }
        outcome
    }

    /// Records that an optional stage did not run in this analysis, and why (no span,
    /// no duration: nothing ran).
    pub(super) async fn skip(&self, stage: Stage, reason: &str) {
        debug_assert!(stage.is_optional(), "{stage} always runs");
        tracing::info!(query_id = %self.query_id, stage = stage.as_str(), reason, "stage skipped");
        self.progress.skip(stage, reason).await;
    }

    /// Fails the stages still running when the analysis was cut short from outside
    /// (its deadline), so the progress never shows a stage running forever.
    pub(super) async fn interrupted(&self, err: &AnalysisError) {
        self.progress.fail_running(&err.message).await;
    }
}

/// The span of `stage`. A span's name must be a constant, so each stage has its own
/// arm; the match is exhaustive, so a new stage cannot be left without a span.
fn stage_span(stage: Stage, query_id: uuid::Uuid) -> tracing::Span {
    macro_rules! spans {
        ($($variant:ident),+) => {
            match stage {
                $(Stage::$variant => tracing::info_span!(
                    Stage::$variant.as_str(),
                    query_id = %query_id,
                    product_count = Empty,
                    cache_hit = false,
                    error_type = Empty
                ),)+
            }
        };
    }
    spans!(
        FetchProducts,
        Normalize,
        AnalyzeMarket,
        AnalyzeSentiment,
        LlmSummarize,
        GenerateReport
    )
}

/// Runs pure work on the blocking pool inside the current (stage) span, so a large
/// analysis never stalls the async workers serving the API.
pub(super) async fn on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AnalysisError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .await
        .map_err(AnalysisError::internal)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use marketlens_core::ErrorType;
    use marketlens_core::ports::{StageProgress, StageState};

    use super::*;

    /// Every picture of the progress the sink was given, in order.
    #[derive(Default)]
    struct Recorded(Mutex<Vec<Vec<StageProgress>>>);

    #[async_trait::async_trait]
    impl ProgressSink for Recorded {
        async fn update(&self, progress: &[StageProgress]) {
            self.0.lock().unwrap().push(progress.to_vec());
        }
    }

    impl Recorded {
        /// The last picture: (stage, state, detail) each.
        fn last(&self) -> Vec<(String, StageState, Option<String>)> {
            let updates = self.0.lock().unwrap();
            updates
                .last()
                .map(|p| {
                    p.iter()
                        .map(|s| (s.stage.clone(), s.state, s.detail.clone()))
                        .collect()
                })
                .unwrap_or_default()
        }

        fn state_of(&self, stage: Stage) -> (StageState, Option<String>) {
            self.last()
                .into_iter()
                .find(|(name, _, _)| name == stage.as_str())
                .map(|(_, state, detail)| (state, detail))
                .unwrap_or_else(|| panic!("{stage} not in the progress"))
        }

        /// `stage` ended in `state` with `detail`.
        fn assert_ended(&self, stage: Stage, state: StageState, detail: &str) {
            assert_eq!(
                self.state_of(stage),
                (state, Some(detail.to_owned())),
                "{stage}"
            );
        }
    }

    struct Counted(usize);

    impl StageOutput for Counted {
        fn product_count(&self) -> Option<usize> {
            Some(self.0)
        }
        fn detail(&self) -> Option<String> {
            Some(format!("{} products", self.0))
        }
    }

    fn broken(message: &str) -> AnalysisError {
        AnalysisError::new(ErrorType::Unavailable, message, true)
    }

    #[tokio::test]
    async fn a_stage_runs_then_is_done_with_its_detail() {
        let sink = Recorded::default();
        let stages = Stages::new(uuid::Uuid::nil(), &sink);
        let out = stages
            .run(Stage::Normalize, async {
                assert_eq!(sink.state_of(Stage::Normalize).0, StageState::Running);
                Ok(Counted(3))
            })
            .await
            .unwrap();
        assert_eq!(out.0, 3);
        sink.assert_ended(Stage::Normalize, StageState::Done, "3 products");
        let listed: Vec<String> = sink.last().into_iter().map(|(n, _, _)| n).collect();
        let required: Vec<&str> = Stage::required().map(Stage::as_str).collect();
        assert_eq!(listed, required, "every required stage, in order");
        assert_eq!(
            sink.state_of(Stage::FetchProducts).0,
            StageState::Pending,
            "untouched"
        );
    }

    #[tokio::test]
    async fn a_failing_stage_is_failed_with_the_error_message() {
        let sink = Recorded::default();
        let stages = Stages::new(uuid::Uuid::nil(), &sink);
        let err = stages
            .run(Stage::GenerateReport, async {
                Err::<Counted, _>(broken("blob store down"))
            })
            .await
            .err()
            .unwrap();
        assert_eq!(err.error_type, ErrorType::Unavailable);
        sink.assert_ended(Stage::GenerateReport, StageState::Failed, "blob store down");
    }

    #[tokio::test]
    async fn concurrent_stages_each_end_in_their_own_state() {
        let sink = Recorded::default();
        let stages = Stages::new(uuid::Uuid::nil(), &sink);
        let (market, sentiment) = tokio::join!(
            stages.run(Stage::AnalyzeMarket, async {
                on_blocking_pool(|| -> Counted { panic!("analysis bug") }).await
            }),
            stages.run(Stage::AnalyzeSentiment, async {
                on_blocking_pool(|| Counted(2)).await
            }),
        );
        assert_eq!(market.err().unwrap().error_type, ErrorType::Internal);
        assert_eq!(sentiment.unwrap().0, 2);
        assert_eq!(sink.state_of(Stage::AnalyzeMarket).0, StageState::Failed);
        sink.assert_ended(Stage::AnalyzeSentiment, StageState::Done, "2 products");
    }

    #[tokio::test]
    async fn a_skipped_optional_stage_joins_the_list_in_pipeline_order_with_its_reason() {
        let sink = Recorded::default();
        let stages = Stages::new(uuid::Uuid::nil(), &sink);
        stages.skip(Stage::LlmSummarize, "no LLM configured").await;
        let listed: Vec<String> = sink.last().into_iter().map(|(n, _, _)| n).collect();
        let all: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(listed, all);
        sink.assert_ended(
            Stage::LlmSummarize,
            StageState::Done,
            "skipped: no LLM configured",
        );
    }

    #[tokio::test]
    async fn an_interrupted_analysis_fails_the_stages_still_running() {
        let sink = Recorded::default();
        let stages = Stages::new(uuid::Uuid::nil(), &sink);
        stages
            .run(Stage::FetchProducts, async { Ok(Counted(1)) })
            .await
            .unwrap();
        let cut = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            stages.run(
                Stage::Normalize,
                std::future::pending::<Result<Counted, _>>(),
            ),
        )
        .await;
        assert!(cut.is_err());
        assert_eq!(sink.state_of(Stage::Normalize).0, StageState::Running);
        stages.interrupted(&broken("deadline")).await;
        sink.assert_ended(Stage::Normalize, StageState::Failed, "deadline");
        assert_eq!(sink.state_of(Stage::FetchProducts).0, StageState::Done);
    }

    #[test]
    fn every_stage_has_a_span_named_after_it() {
        let _guard = tracing::subscriber::set_default(tracing_subscriber::registry());
        for stage in Stage::ALL {
            let span = stage_span(stage, uuid::Uuid::nil());
            assert_eq!(span.metadata().map(|m| m.name()), Some(stage.as_str()));
        }
    }
}
