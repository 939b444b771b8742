use chrono::{DateTime, TimeDelta, Utc};
use marketlens_core::experiment::{Variant, Variants, Verdict};
use marketlens_core::ports::{
    ExperimentObservation, ExperimentRecord, ExperimentStatus, QueryStatus,
};
use uuid::Uuid;

use super::summarize;

fn experiment() -> ExperimentRecord {
    let variant = |name: &str| Variant {
        name: name.into(),
        weight: 1,
        agent_config_version: None,
        prompt_version: None,
    };
    ExperimentRecord {
        id: Uuid::new_v4(),
        tenant: marketlens_core::domain::TenantId::local(),
        name: "ranking".into(),
        salt: "salt".into(),
        variants: Variants::parse(vec![variant("control"), variant("treatment")]).unwrap(),
        status: ExperimentStatus::Running,
        created_at: Utc::now(),
        started_at: Some(Utc::now()),
        stopped_at: None,
    }
}

fn completed(variant: &str, latency_ms: i64, passed: bool) -> ExperimentObservation {
    let start: DateTime<Utc> = DateTime::UNIX_EPOCH;
    ExperimentObservation {
        query_id: Uuid::new_v4(),
        variant: variant.into(),
        status: QueryStatus::Completed,
        cache_hit: false,
        started_at: Some(start),
        finished_at: Some(start + TimeDelta::milliseconds(latency_ms)),
        quality_passed: Some(passed),
    }
}

#[test]
fn figures_are_counted_per_variant_and_few_queries_name_no_winner() {
    let mut observations = vec![
        completed("control", 100, true),
        completed("control", 300, false),
        completed("control", 200, true),
        completed("treatment", 50, true),
    ];
    observations.push(ExperimentObservation {
        status: QueryStatus::Failed,
        started_at: None,
        finished_at: None,
        quality_passed: None,
        ..completed("treatment", 0, true)
    });
    observations.push(ExperimentObservation {
        cache_hit: true,
        quality_passed: None,
        ..completed("treatment", 0, true)
    });
    let results = summarize(experiment(), &observations, &[]);
    let control = &results.variants[0];
    assert_eq!(
        (control.assigned, control.completed, control.failed),
        (3, 3, 0)
    );
    let latency = control.latency_ms.as_ref().expect("latencies");
    assert_eq!((latency.p50, latency.p95), (200.0, 290.0));
    let failures = control.quality_check_failure_rate.as_ref().expect("rate");
    assert_eq!((failures.successes, failures.trials), (1, 3));
    let treatment = &results.variants[1];
    assert_eq!(
        (treatment.assigned, treatment.failed, treatment.cache_hits),
        (3, 1, 1)
    );
    assert!(
        treatment
            .latency_ms
            .as_ref()
            .is_some_and(|l| l.mean.is_none())
    );
    let comparison = &results.comparisons[0];
    assert_eq!(comparison.variant, "treatment");
    assert!(matches!(
        comparison.quality_check_failure_rate.verdict,
        Verdict::NotEnoughData { .. }
    ));
    assert!(comparison.latency_ms.summary.starts_with("not enough data"));
    assert!(results.sample_ratio.as_ref().is_some_and(|s| !s.mismatch));
}

#[test]
fn a_sixty_forty_split_on_fifty_fifty_weights_is_flagged() {
    let observations: Vec<ExperimentObservation> = (0..1000)
        .map(|i| completed(if i % 5 < 3 { "control" } else { "treatment" }, 100, true))
        .collect();
    let results = summarize(experiment(), &observations, &[]);
    assert_eq!(results.variants[0].assigned, 600);
    let srm = results.sample_ratio.expect("check");
    assert!(srm.mismatch, "{srm:?}");
}

#[test]
fn no_query_yet_means_no_split_check_and_no_figures() {
    let results = summarize(experiment(), &[], &[]);
    assert!(results.sample_ratio.is_none());
    assert!(
        results
            .variants
            .iter()
            .all(|v| v.assigned == 0 && v.latency_ms.is_none())
    );
    assert_eq!(results.comparisons.len(), 1);
}

#[test]
fn feedback_is_summed_per_variant_and_compared_once_there_is_enough() {
    use marketlens_core::ports::ExperimentFeedback;
    let give = |variant: &str, rating: u8, useful: Option<bool>| ExperimentFeedback {
        variant: variant.into(),
        rating,
        useful,
    };
    // 120 control ratings averaging 4.25, 110 treatment ratings averaging 2.5; useful
    // 90/120 against 30/110.
    let mut feedback: Vec<ExperimentFeedback> = (0..120)
        .map(|i| give("control", [4, 5, 4, 4][i % 4], Some(i % 4 != 0)))
        .collect();
    feedback.extend((0..110).map(|i| give("treatment", [2, 3][i % 2], Some(i % 11 < 3))));
    feedback.push(give("treatment", 3, None));
    let results = summarize(experiment(), &[], &feedback);
    let (control, treatment) = (&results.variants[0], &results.variants[1]);
    assert_eq!(
        (control.feedback_count, treatment.feedback_count),
        (120, 111)
    );
    let rating = control.rating.as_ref().expect("mean rating");
    assert!((rating.mean - 4.25).abs() < 1e-12);
    assert!(rating.ci_low < 4.25 && rating.ci_high > 4.25);
    let useful = treatment.useful_rate.as_ref().expect("useful rate");
    assert_eq!((useful.successes, useful.trials), (30, 110));
    let comparison = &results.comparisons[0];
    let control_wins = Verdict::Winner {
        variant: "control".into(),
    };
    assert_eq!(comparison.rating.verdict, control_wins);
    assert_eq!(comparison.useful_rate.verdict, control_wins);
    // No analyses observed: the run metrics still say there is not enough data.
    assert!(matches!(
        comparison.latency_ms.verdict,
        Verdict::NotEnoughData { .. }
    ));
}
