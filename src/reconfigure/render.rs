//! What reconfigure prints on stdout: per node, the resources that appear and vanish and the pods
//! holding its devices; with `--list`, the layouts that fit each node.

use super::prepare::NodePlan;
use crate::output::table::Table;
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of the resource change: `(resource, now, after)`.
pub fn changes(
    now: &BTreeMap<String, i64>,
    after: &BTreeMap<String, i64>,
) -> Vec<(String, i64, i64)> {
    let mut names: Vec<&String> = now.keys().chain(after.keys()).collect();
    names.sort_by_key(|r| crate::model::capacity::resource_order(r));
    names.dedup();
    names
        .into_iter()
        .map(|r| {
            let get = |m: &BTreeMap<String, i64>| m.get(r).copied().unwrap_or(0);
            (r.clone(), get(now), get(after))
        })
        .filter(|(_, a, b)| *a != 0 || *b != 0)
        .collect()
}

fn change_word(now: i64, after: i64) -> String {
    match (now, after) {
        (0, _) => "appears".into(),
        (_, 0) => "vanishes".into(),
        (a, b) if a == b => "unchanged".into(),
        (a, b) if b > a => format!("+{}", b - a),
        (a, b) => format!("-{}", a - b),
    }
}

/// The impact of re-cutting one node.
pub fn impact(plan: &NodePlan) -> String {
    let e = &plan.eval;
    let mut text = format!(
        "Node {}: {} x {}, {} strategy, layout {} -> {} (layouts from {})\n",
        plan.name(),
        e.gpus.len(),
        e.model,
        e.strategy,
        plan.from.as_deref().unwrap_or("(none)"),
        plan.layout,
        plan.source,
    );
    if plan.done() {
        text.push_str("Already applied and advertised: nothing to change.\n");
    }
    let now = crate::model::layout_fit::advertised_now(&plan.node.info);
    let mut table = Table::new(&["RESOURCE", "NOW", "AFTER", "CHANGE"]);
    for (resource, a, b) in changes(&now, &e.advertised) {
        table.row(vec![
            resource,
            a.to_string(),
            b.to_string(),
            change_word(a, b),
        ]);
    }
    text.push_str(&table.render());
    if e.invalid {
        text.push_str(
            "Under the single strategy this layout is MIG-INVALID: the node advertises no GPU.\n",
        );
    }
    if plan.pods.is_empty() {
        text.push_str("No pod holds GPU devices on this node.\n");
        return text;
    }
    text.push_str(&format!(
        "Pods holding GPU devices ({}):\n",
        plan.pods.len()
    ));
    let mut pods = Table::new(&["NAMESPACE", "POD", "OWNER", "DEVICES"]);
    for p in &plan.pods {
        let devices: Vec<String> = p
            .requests
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect();
        pods.row(vec![
            p.namespace.clone(),
            p.name.clone(),
            p.owner.clone(),
            devices.join(", "),
        ]);
    }
    text.push_str(&pods.render());
    text
}

/// The impact of re-cutting one node, for `-o json|yaml`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeImpact {
    node: String,
    gpu_model: String,
    gpus: usize,
    strategy: String,
    /// The layout it has now, if any.
    from: Option<String>,
    layout: String,
    /// The ConfigMap the layouts come from.
    layouts_from: String,
    already_applied: bool,
    /// Under `single`, a layout it cannot serve: nothing advertised.
    mig_invalid: bool,
    resources: Vec<ResourceChange>,
    pods: Vec<PodHolding>,
}

#[derive(Serialize)]
struct ResourceChange {
    resource: String,
    now: i64,
    after: i64,
}

#[derive(Serialize)]
struct PodHolding {
    namespace: String,
    name: String,
    /// `Kind/name` of its controller, `-` for a bare pod.
    owner: String,
    devices: BTreeMap<String, i64>,
}

/// The impact of re-cutting one node, as data.
pub fn impact_data(plan: &NodePlan) -> NodeImpact {
    let e = &plan.eval;
    let now = crate::model::layout_fit::advertised_now(&plan.node.info);
    NodeImpact {
        node: plan.name().to_string(),
        gpu_model: e.model.to_string(),
        gpus: e.gpus.len(),
        strategy: e.strategy.to_string(),
        from: plan.from.clone(),
        layout: plan.layout.clone(),
        layouts_from: plan.source.clone(),
        already_applied: plan.done(),
        mig_invalid: e.invalid,
        resources: changes(&now, &e.advertised)
            .into_iter()
            .map(|(resource, now, after)| ResourceChange {
                resource,
                now,
                after,
            })
            .collect(),
        pods: plan
            .pods
            .iter()
            .map(|p| PodHolding {
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                owner: p.owner.clone(),
                devices: p.requests.clone(),
            })
            .collect(),
    }
}

/// A row of `--list`: a layout that fits a node and what the node then advertises.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fitting {
    /// The node.
    pub node: String,
    /// The layout.
    pub layout: String,
    /// Resources it advertises, above zero.
    pub advertised: BTreeMap<String, i64>,
    /// The node's current layout.
    pub current: bool,
}

/// The `--list` table.
pub fn list(rows: &[Fitting]) -> String {
    let mut table = Table::new(&["NODE", "LAYOUT", "ADVERTISES", "CURRENT"]);
    for row in rows {
        let gives: Vec<String> = row
            .advertised
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| format!("{r}: {n}"))
            .collect();
        let gives = if gives.is_empty() {
            "nothing".to_string()
        } else {
            gives.join(", ")
        };
        table.row(vec![
            row.node.clone(),
            row.layout.clone(),
            gives,
            if row.current {
                "*".into()
            } else {
                String::new()
            },
        ]);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_what_appears_and_vanishes() {
        let m = |pairs: &[(&str, i64)]| -> BTreeMap<String, i64> {
            pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        let now = m(&[("nvidia.com/gpu", 0), ("nvidia.com/mig-1g.5gb", 56)]);
        let after = m(&[("nvidia.com/gpu", 0), ("nvidia.com/mig-3g.20gb", 16)]);
        let rows = changes(&now, &after);
        assert_eq!(
            rows,
            [
                ("nvidia.com/mig-1g.5gb".to_string(), 56, 0),
                ("nvidia.com/mig-3g.20gb".to_string(), 0, 16)
            ]
        );
        assert_eq!(change_word(56, 0), "vanishes");
        assert_eq!(change_word(0, 16), "appears");
        assert_eq!(change_word(2, 8), "+6");
    }
}
