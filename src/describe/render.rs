//! The describe report as a kubectl-like table, with problems and a cluster summary under it.

use crate::mig::strategy::{self, Source};
use crate::model::capacity::{NodeReport, Report, ResourceReport};
use crate::model::problems::Severity;
use crate::output::style::Style;
use crate::output::table::Table;

/// Widest usage bar, in cells.
const BAR_WIDTH: i64 = 14;

/// Renders the report; `wide` adds capacity, GPU count, MIG config and the pods.
pub fn render(report: &Report, wide: bool, style: Style) -> String {
    let mut out = nodes_table(report, wide, style);
    if report
        .nodes
        .iter()
        .any(|n| n.strategy_source == Source::Inferred && has_gpu_rows(n))
    {
        out.push_str(
            "* strategy inferred from the node's resources (no nvidia.com/mig.strategy label)\n",
        );
    }
    out.push_str(&problems(report, style));
    out.push_str(&crate::model::tables::summary(report));
    out
}

fn has_gpu_rows(n: &NodeReport) -> bool {
    !n.resources.is_empty()
}

fn nodes_table(report: &Report, wide: bool, style: Style) -> String {
    let mut headers = vec!["NODE", "STRATEGY", "GPU"];
    if wide {
        headers.extend(["GPU.COUNT", "MIG CONFIG"]);
    }
    headers.extend([
        "RESOURCE",
        "PROFILE",
        "CAPACITY",
        "ALLOCATABLE",
        "REQUESTED",
        "FREE",
    ]);
    if style.bars {
        headers.push("USAGE");
    }
    if wide {
        headers.push("PODS");
    }
    let mut table = Table::new(&headers);
    for node in &report.nodes {
        let lead = node_cells(node, wide);
        if node.resources.is_empty() {
            let mut row = lead;
            row.extend(std::iter::repeat_n("-".to_string(), 6));
            table.row(row);
            continue;
        }
        for (i, r) in node.resources.iter().enumerate() {
            let mut row = if i == 0 {
                lead.clone()
            } else {
                vec![String::new(); lead.len()]
            };
            row.extend(resource_cells(r, wide, style));
            table.row(row);
        }
    }
    style.paint_bars(&table.render())
}

fn node_cells(node: &NodeReport, wide: bool) -> Vec<String> {
    let mut strategy = node.strategy.to_string();
    if node.strategy_source == Source::Inferred && !node.resources.is_empty() {
        strategy.push('*');
    }
    let gpu = node
        .gpu_product
        .as_deref()
        .map(|p| strategy::model_of_product(p).to_string())
        .unwrap_or_else(|| "-".into());
    let mut cells = vec![node.name.clone(), strategy, gpu];
    if wide {
        cells.push(node.gpu_count.map_or("-".into(), |c| c.to_string()));
        cells.push(match (&node.mig_config, &node.mig_config_state) {
            (Some(c), Some(s)) => format!("{c} ({s})"),
            (Some(c), None) => c.clone(),
            _ => "-".into(),
        });
    }
    cells
}

fn resource_cells(r: &ResourceReport, wide: bool, style: Style) -> Vec<String> {
    let mut cells = vec![
        r.name.clone(),
        r.profile.clone().unwrap_or_else(|| "-".into()),
    ];
    cells.extend([
        r.capacity.to_string(),
        r.allocatable.to_string(),
        r.requested.to_string(),
        r.free.to_string(),
    ]);
    if style.bars {
        cells.push(style.bar(r.requested, r.allocatable, BAR_WIDTH));
    }
    if wide {
        let pods: Vec<String> = r
            .pods
            .iter()
            .map(|p| format!("{}/{}({})", p.namespace, p.name, p.count))
            .collect();
        cells.push(if pods.is_empty() {
            "-".into()
        } else {
            pods.join(",")
        });
    }
    cells
}

fn problems(report: &Report, style: Style) -> String {
    // Errors first across the cluster, then warnings, then information.
    let mut all: Vec<_> = report
        .nodes
        .iter()
        .flat_map(|n| n.problems.iter().map(move |p| (n, p)))
        .collect();
    all.sort_by_key(|(n, p)| (p.severity, n.name.as_str()));
    if all.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nProblems:\n");
    for (node, p) in all {
        let severity = match p.severity {
            Severity::Error => style.paint("31", "error"),
            Severity::Warning => style.paint("33", "warning"),
            Severity::Info => style.paint("36", "info"),
        };
        out.push_str(&format!(
            "  {} {severity} {}: {}\n    hint: {}\n",
            node.name, p.code, p.message, p.hint
        ));
    }
    out
}
