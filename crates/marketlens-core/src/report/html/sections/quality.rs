//! Section `quality`: the result's quality checks, a failure shown prominently.

use crate::domain::Language;
use crate::report::html::view::{CheckRow, QualityView};
use crate::result::QualityReport;

pub fn quality_view(q: &QualityReport) -> QualityView {
    let failed_count = q.failed_checks().count();
    QualityView {
        passed: q.passed && failed_count == 0,
        failed_count,
        failed_summary: format!(
            "{failed_count} of {} did not pass",
            Language::En.count(q.checks.len() as u64, "check", "checks")
        ),
        checks: q
            .checks
            .iter()
            .map(|c| CheckRow {
                name: c.name.clone(),
                passed: c.passed,
                detail: c.detail.clone(),
            })
            .collect(),
    }
}
