//! The model's own tables, shared by the jobs that show them (describe, install --wait).

use crate::model::capacity::Report;
use crate::output::table::Table;

/// The cluster summary per resource and profile, after a blank line and a `Summary:` title;
/// empty when nothing is advertised.
pub fn summary(report: &Report) -> String {
    if report.summary.is_empty() {
        return String::new();
    }
    let mut table = Table::new(&[
        "RESOURCE",
        "PROFILE",
        "NODES",
        "ALLOCATABLE",
        "REQUESTED",
        "FREE",
    ]);
    for row in &report.summary {
        table.row(vec![
            row.name.clone(),
            row.profile.clone().unwrap_or_else(|| "-".into()),
            row.nodes.to_string(),
            row.allocatable.to_string(),
            row.requested.to_string(),
            row.free.to_string(),
        ]);
    }
    format!("\nSummary:\n{}", table.render())
}
