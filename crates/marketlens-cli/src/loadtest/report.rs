//! What a load test found, as the JSON document it writes and the text it prints.
//! Latencies come from the API's own view of each analysis (`created_at`,
//! `started_at`, `finished_at`, per-stage `duration_ms`), not from when the harness
//! happened to poll.

use std::collections::BTreeMap;

use marketlens_core::experiment::stats::percentile;
use serde::Serialize;

use super::procs::ProcessUsage;

/// Count, mean and percentiles of a set of durations, in milliseconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    /// `None` for no values.
    pub fn of(values: &[f64]) -> Option<Summary> {
        let p = |q| percentile(values, q);
        Some(Summary {
            count: values.len(),
            mean: values.iter().sum::<f64>() / values.len() as f64,
            p50: p(0.50)?,
            p95: p(0.95)?,
            p99: p(0.99)?,
            max: p(1.0)?,
        })
    }
}

/// What the run was asked to do.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub analyses: usize,
    pub repeat_share: f64,
    /// `None` when the API was given (`--api`): its workers are not ours to count.
    pub workers: Option<usize>,
    pub concurrency: Option<usize>,
    pub source_latency_ms: Option<u64>,
    pub source_jitter_ms: Option<u64>,
    pub source_error_rate: Option<f64>,
    pub product_pages: Option<u32>,
    pub sources: Vec<String>,
    /// `sqlite` or the store URL's scheme; `None` when the API was given.
    pub store: Option<String>,
    pub queue: Option<String>,
    pub api: String,
}

/// How the submissions were answered.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Submissions {
    pub posted: usize,
    /// `202`: a new analysis, or (`coalesced`) one already in flight.
    pub accepted: usize,
    /// `202` with `coalesced: true`.
    pub coalesced: usize,
    /// `200` with `cache_hit: true`: answered from a fresh identical result.
    pub cache_hits: usize,
    /// Refused (any other status), by the answer's `error_type`.
    pub refused_by_error_type: BTreeMap<String, usize>,
    /// From the first POST sent to the last answer received.
    pub seconds: f64,
    /// End-to-end latency of the POSTs themselves, as the harness saw them.
    pub post_latency_ms: Option<Summary>,
}

/// The analyses the submissions created (each counted once however many submissions
/// shared it).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcomes {
    pub distinct: usize,
    pub completed: usize,
    pub failed: usize,
    /// Still queued or running when the harness stopped waiting.
    pub unfinished: usize,
    pub failed_by_error_type: BTreeMap<String, usize>,
    /// Completed analyses per second, from the first one's creation to the last one's
    /// end.
    pub throughput_per_sec: Option<f64>,
    /// Creation to finish.
    pub end_to_end_ms: Option<Summary>,
    /// Creation to a worker starting it.
    pub queue_wait_ms: Option<Summary>,
    /// Per pipeline stage, from the analysis' progress.
    pub stages_ms: BTreeMap<String, Summary>,
}

/// One point of the time series (seconds since the first POST).
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub t: f64,
    /// Jobs waiting in the queue, and claimed by a worker.
    pub queued: Option<u64>,
    pub running: Option<u64>,
    /// Distinct analyses the harness has seen finished (completed or failed) so far.
    pub finished: usize,
    /// Resident memory of each started worker, in bytes (in `processes` order).
    pub worker_rss_bytes: Vec<u64>,
}

/// A started process's figures at the end of the run.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessReport {
    pub role: String,
    pub pid: u32,
    #[serde(flatten)]
    pub usage: Option<ProcessUsage>,
}

/// The whole document written as `loadtest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub settings: Settings,
    pub wall_seconds: f64,
    pub submissions: Submissions,
    pub analyses: Outcomes,
    /// The most jobs the queue reported claimed at once.
    pub peak_running: Option<u64>,
    pub peak_queued: Option<u64>,
    pub processes: Vec<ProcessReport>,
    /// Worker CPU time (all workers) per completed analysis.
    pub worker_cpu_ms_per_analysis: Option<f64>,
    /// Lookups per cache level, summed over the workers' `/v1/stats`.
    pub worker_cache: BTreeMap<String, HitsMisses>,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct HitsMisses {
    pub hits: u64,
    pub misses: u64,
}

impl Report {
    /// The figures as a few lines of text.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let a = &self.analyses;
        let sub = &self.submissions;
        let ms = |x: &Option<Summary>| match x {
            Some(x) => format!(
                "p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms (max {:.0})",
                x.p50, x.p95, x.p99, x.max
            ),
            None => "-".into(),
        };
        let _ = writeln!(
            s,
            "submitted {} in {:.1} s: {} accepted ({} coalesced), {} from a fresh result, {} refused {:?}",
            sub.posted,
            sub.seconds,
            sub.accepted,
            sub.coalesced,
            sub.cache_hits,
            sub.refused_by_error_type.values().sum::<usize>(),
            sub.refused_by_error_type
        );
        let _ = writeln!(
            s,
            "analyses: {} distinct, {} completed, {} failed {:?}, {} unfinished",
            a.distinct, a.completed, a.failed, a.failed_by_error_type, a.unfinished
        );
        let _ = writeln!(
            s,
            "throughput: {} analyses/s; peak running {} , peak queued {}",
            a.throughput_per_sec
                .map(|t| format!("{t:.2}"))
                .unwrap_or_else(|| "-".into()),
            self.peak_running
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
            self.peak_queued
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
        );
        let _ = writeln!(s, "end to end: {}", ms(&a.end_to_end_ms));
        let _ = writeln!(s, "queue wait: {}", ms(&a.queue_wait_ms));
        for (stage, summary) in &a.stages_ms {
            let _ = writeln!(s, "  stage {stage}: {}", ms(&Some(summary.clone())));
        }
        for p in &self.processes {
            match &p.usage {
                Some(u) => {
                    let _ = writeln!(
                        s,
                        "{} (pid {}): {:.2} CPU s, peak RSS {:.1} MiB",
                        p.role,
                        p.pid,
                        u.cpu_seconds,
                        u.peak_rss_bytes as f64 / (1024.0 * 1024.0)
                    );
                }
                None => {
                    let _ = writeln!(s, "{} (pid {}): gone", p.role, p.pid);
                }
            }
        }
        if let Some(cpu) = self.worker_cpu_ms_per_analysis {
            let _ = writeln!(s, "worker CPU per analysis: {cpu:.1} ms");
        }
        for (level, hm) in &self.worker_cache {
            let _ = writeln!(
                s,
                "worker cache {level}: {} hits, {} misses",
                hm.hits, hm.misses
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_percentiles_interpolate() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Summary::of(&values).unwrap();
        assert_eq!(s.count, 100);
        assert_eq!(s.mean, 50.5);
        assert_eq!(s.p50, 50.5);
        assert!((s.p99 - 99.01).abs() < 1e-9);
        assert_eq!(s.max, 100.0);
        assert_eq!(Summary::of(&[]), None);
    }
}
