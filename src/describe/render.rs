//! The describe report as a kubectl-like table, with problems and a cluster summary under it.

use crate::mig::strategy::Source;
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
    out.push_str(&sharing_notes(report));
    out.push_str(&dra_notes(report));
    out.push_str(&problems(report, style));
    out.push_str(&pending_claims(report));
    out.push_str(&crate::model::tables::summary(report));
    out
}

fn has_gpu_rows(n: &NodeReport) -> bool {
    !n.resources.is_empty()
}

fn nodes_table(report: &Report, wide: bool, style: Style) -> String {
    let mut table = Table::new(&node_headers(wide, style, false));
    for row in node_rows(report, wide, style) {
        table.row(row);
    }
    style.paint_bars(&table.render())
}

/// The node table's headers, with a leading CONTEXT column for a fleet.
fn node_headers(wide: bool, style: Style, fleet: bool) -> Vec<&'static str> {
    let mut headers = if fleet { vec!["CONTEXT"] } else { Vec::new() };
    headers.extend(["NODE", "STRATEGY", "GPU"]);
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
    headers
}

/// One row per node and resource (the node's cells on its first row only).
fn node_rows(report: &Report, wide: bool, style: Style) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for node in &report.nodes {
        let lead = node_cells(node, wide);
        if node.resources.is_empty() {
            let mut row = lead;
            row.extend(std::iter::repeat_n("-".to_string(), 6));
            rows.push(row);
            continue;
        }
        for (i, r) in node.resources.iter().enumerate() {
            let mut row = if i == 0 {
                lead.clone()
            } else {
                vec![String::new(); lead.len()]
            };
            row.extend(resource_cells(r, wide, style));
            rows.push(row);
        }
    }
    rows
}

/// A fleet's nodes in one table with a CONTEXT column, the problems of each cluster, and the
/// per-cluster and fleet summaries.
pub fn render_fleet(fleet: &super::fleet::Fleet, wide: bool, style: Style) -> String {
    let mut table = Table::new(&node_headers(wide, style, true));
    for cluster in &fleet.clusters {
        let Some(report) = &cluster.report else {
            continue;
        };
        for (i, mut row) in node_rows(report, wide, style).into_iter().enumerate() {
            let first = i == 0 || !row[0].is_empty();
            row.insert(
                0,
                if first {
                    cluster.context.clone()
                } else {
                    String::new()
                },
            );
            table.row(row);
        }
    }
    let mut out = style.paint_bars(&table.render());
    for cluster in &fleet.clusters {
        if let Some(report) = &cluster.report {
            let text = problems(report, style);
            if !text.is_empty() {
                out.push_str(&text.replacen(
                    "\nProblems:",
                    &format!("\nProblems in {}:", cluster.context),
                    1,
                ));
            }
        }
    }
    out.push_str(&super::fleet::clusters_table(fleet));
    out.push_str(&super::fleet::fleet_table(fleet));
    out
}

fn node_cells(node: &NodeReport, wide: bool) -> Vec<String> {
    let mut strategy = node.strategy.to_string();
    if node.strategy_source == Source::Inferred && !node.resources.is_empty() {
        strategy.push('*');
    }
    let gpu = node.gpu_model.clone().unwrap_or_else(|| "-".into());
    let mut cells = vec![node.name.clone(), strategy, gpu];
    if wide {
        cells.push(node.gpu_count.map_or("-".into(), |c| c.to_string()));
        cells.push(match (&node.mig_config, &node.mig_config_state) {
            (Some(c), Some(s)) => format!("{c} ({s})"),
            (Some(c), None) => c.clone(),
            (None, Some(s)) => format!("- ({s})"),
            (None, None) => "-".into(),
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
        cells.push(pods_cell(r));
    }
    cells
}

/// The pods holding a resource, short: all of them up to three, else the first two and how
/// many more (JSON lists every one).
fn pods_cell(r: &ResourceReport) -> String {
    let shown =
        |p: &crate::model::capacity::PodClaim| format!("{}/{}({})", p.namespace, p.name, p.count);
    match r.pods.len() {
        0 => "-".into(),
        1..=3 => r.pods.iter().map(shown).collect::<Vec<_>>().join(", "),
        n => format!(
            "{n} pods: {}, +{}",
            r.pods
                .iter()
                .take(2)
                .map(shown)
                .collect::<Vec<_>>()
                .join(", "),
            n - 2
        ),
    }
}

/// Which rows are DRA devices, and what FREE means for devices carved on demand.
fn dra_notes(report: &Report) -> String {
    let rows = report.nodes.iter().flat_map(|n| &n.resources);
    let (mut dra, mut carved) = (false, false);
    for r in rows {
        if let Some(d) = &r.dra {
            dra = true;
            carved |= d.partitionable;
        }
    }
    let mut out = String::new();
    if dra {
        out.push_str("+ mig.nvidia.com/* and gpu.nvidia.com rows are DRA devices (ResourceSlices of NVIDIA's DRA driver), requested through ResourceClaims\n");
    }
    if carved {
        out.push_str("+ devices carved on demand (dynamic MIG): CAPACITY counts the possible placements, FREE how many more fit the free slices now\n");
    }
    out
}

/// DRA claims still waiting for a device, with the scheduler's reason.
fn pending_claims(report: &Report) -> String {
    if report.pending_claims.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nPending DRA claims:\n");
    for c in &report.pending_claims {
        let pod = c
            .pod
            .as_deref()
            .map(|p| format!(" (pod {p})"))
            .unwrap_or_default();
        let reason = c.reason.as_deref().unwrap_or("not allocated yet");
        out.push_str(&format!(
            "  {}{pod}: {}: {reason}\n",
            c.claim,
            c.classes.join(", ")
        ));
    }
    out
}

/// One line per shared resource: the devices behind its slots.
fn sharing_notes(report: &Report) -> String {
    let mut out = String::new();
    for node in &report.nodes {
        for r in &node.resources {
            let Some(sharing) = &r.sharing else { continue };
            let how = sharing.strategy.as_deref().unwrap_or("shared");
            let line = match (sharing.devices, sharing.replicas) {
                (Some(d), Some(n)) => format!("{} devices × {n} slots ({how})", d),
                _ => format!(
                    "{} slots ({how}; replicas per device not labelled)",
                    r.allocatable
                ),
            };
            out.push_str(&format!("~ {} on {}: {line}\n", r.name, node.name));
        }
    }
    out
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
