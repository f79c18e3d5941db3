//! `plan --for-pending` as text: what waits, then per GPU model the layouts, the GPUs they take
//! and the commands that get there.

use super::pending::{ModelPlan, PendingPlan};
use crate::model::pending::Via;
use crate::output::table::Table;

/// The plan as text.
pub fn render(plan: &PendingPlan) -> String {
    let mut out = format!(
        "Pending MIG requests ({} pod{}):\n",
        pods(plan),
        if pods(plan) == 1 { "" } else { "s" }
    );
    let mut table = Table::new(&["POD", "PROFILE", "COUNT", "ASKS THROUGH", "WHY IT WAITS"]);
    for w in &plan.pending {
        table.row(vec![
            w.pod.clone(),
            w.profile.clone(),
            w.count.to_string(),
            match w.via {
                Via::MigResource => format!("nvidia.com/mig-{}", w.profile),
                Via::SingleGpu => "nvidia.com/gpu (single)".into(),
                Via::DraClaim => "DRA claim (mig.nvidia.com)".into(),
            },
            w.reason.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    out.push_str(&indent(&table.render()));
    for m in &plan.models {
        out.push('\n');
        out.push_str(&model(m));
    }
    for w in &plan.unserved {
        out.push_str(&format!(
            "\n{} asks for {}, which no planned GPU model has (kubectl mig profiles lists them; --gpu MODEL plans another)\n",
            w.pod, w.profile
        ));
    }
    out
}

fn pods(plan: &PendingPlan) -> usize {
    let mut names: Vec<&str> = plan.pending.iter().map(|w| w.pod.as_str()).collect();
    names.dedup();
    names.len()
}

fn model(m: &ModelPlan) -> String {
    let mut demand: Vec<(&String, &u32)> = m.demand.iter().collect();
    demand.sort_by_key(|(p, _)| std::cmp::Reverse(crate::mig::strategy::profile_order(p)));
    let demand: Vec<String> = demand.iter().map(|(p, n)| format!("{p}={n}")).collect();
    let how = match (m.exact, m.placements_checked) {
        (true, true) => "the fewest, by exact search over the placement rules",
        (false, true) => "a greedy packing: the demand is too large for the exact search",
        (_, false) => "NVIDIA publishes no placements for this GPU: counts and slices checked only",
    };
    let mut out = format!(
        "{}: {} GPU{} serve {} ({how})\n",
        m.model,
        m.gpus,
        if m.gpus == 1 { "" } else { "s" },
        demand.join(",")
    );
    let mut table = Table::new(&["GPUS", "LAYOUT PER GPU"]);
    for l in &m.layouts {
        table.row(vec![l.gpus.to_string(), l.layout.clone()]);
    }
    out.push_str(&indent(&table.render()));
    if !m.reconfigure.is_empty() {
        out.push_str("  MIG manager nodes (idle ones first; a node is re-cut whole, spare GPUs take the first layout):\n");
        for y in &m.mig_parted {
            out.push_str(
                "    add to the MIG manager's ConfigMap (config.yaml, under mig-configs):\n",
            );
            out.push_str(&indent_by(y, 6));
        }
        for s in &m.reconfigure {
            out.push_str(&format!("    {}\n", s.command));
        }
    }
    if m.short_gpus > 0 && !m.reconfigure.is_empty() {
        out.push_str(&format!(
            "    {} more GPU{} needed beyond these nodes\n",
            m.short_gpus,
            if m.short_gpus == 1 { "" } else { "s" }
        ));
    }
    if !m.aks.is_empty() {
        out.push_str("  AKS pools of this GPU (a new pool per layout):\n");
        for c in &m.aks {
            out.push_str(&format!("    {c}\n"));
        }
    }
    if m.reconfigure.is_empty() && m.aks.is_empty() {
        out.push_str(&format!(
            "  No MIG manager node or AKS pool of this GPU to re-cut: kubectl mig plan --layout {} --gpu {} prints the config to apply.\n",
            m.layouts.first().map_or("", |l| l.layout.as_str()),
            m.model
        ));
    }
    out
}

fn indent(text: &str) -> String {
    indent_by(text, 2)
}

fn indent_by(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}
