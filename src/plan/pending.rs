//! `plan --for-pending`, the pure part: per GPU model of the cluster (or `--gpu`), the fewest
//! GPUs whose layouts serve what pending pods ask for, and how to get there: MIG manager nodes
//! re-cut (idle nodes first) with configs from their ConfigMap or new mig-parted entries, AKS
//! pools planned with `kubectl mig plan --layout`.

use super::fewest::{self, Layout};
use crate::mig::catalog::{self, Gpu};
use crate::mig::mig_parted::{self, Config};
use crate::mig::parted_render::{self, RenderedEntry};
use crate::model::capacity::Report;
use crate::model::gpus::ManagerLayouts;
use crate::model::node::NodeInfo;
use crate::model::pending::Want;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The whole plan, in the documented JSON schema.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingPlan {
    /// What pending pods wait for.
    pub pending: Vec<Want>,
    /// One plan per GPU model that has a profile they ask for.
    pub models: Vec<ModelPlan>,
    /// What no planned model offers (a profile name of another GPU).
    pub unserved: Vec<Want>,
}

/// The plan for one GPU model.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelPlan {
    /// The catalog model.
    pub model: &'static str,
    /// Instances per profile asked for.
    pub demand: BTreeMap<String, u32>,
    /// GPUs the plan takes.
    pub gpus: u32,
    /// Whether the search was exact (else greedy, for very large demands).
    pub exact: bool,
    /// Whether NVIDIA's placements were checked (else counts and slices only).
    pub placements_checked: bool,
    /// Distinct layouts per GPU and how many GPUs take each.
    pub layouts: Vec<LayoutCount>,
    /// MIG manager nodes to re-cut.
    pub reconfigure: Vec<NodeStep>,
    /// GPUs the MIG manager nodes of this model cannot provide.
    pub short_gpus: u32,
    /// mig-parted configs to add to the MIG manager's ConfigMap (`config.yaml`), as YAML.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mig_parted: Vec<String>,
    /// `kubectl mig plan --layout ...` for the model's AKS pools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aks: Vec<String>,
}

/// A layout and how many GPUs take it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutCount {
    /// `1g.5gb=4,2g.10gb=1`.
    pub layout: String,
    /// GPUs.
    pub gpus: u32,
}

/// One MIG manager node re-cut.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStep {
    /// The node.
    pub node: String,
    /// The layout name to set.
    pub config: String,
    /// Whether the ConfigMap already has it.
    pub existing: bool,
    /// The command.
    pub command: String,
}

/// A node a plan can use.
struct Target<'a> {
    node: &'a NodeInfo,
    gpus: u32,
    busy: bool,
    layouts: Option<&'a Config>,
}

/// Builds the plan; `gpu` limits it to one model.
pub fn build(
    wants: Vec<Want>,
    nodes: &[NodeInfo],
    report: &Report,
    layouts: &HashMap<String, ManagerLayouts>,
    gpu: Option<&'static Gpu>,
) -> PendingPlan {
    let mut by_model: BTreeMap<&'static str, (&'static Gpu, Vec<Target<'_>>)> = BTreeMap::new();
    if let Some(g) = gpu {
        by_model.insert(g.model, (g, Vec::new()));
    }
    for node in nodes {
        let Some(g) = model_of(node, report) else {
            continue;
        };
        if gpu.is_some_and(|only| only.model != g.model) {
            continue;
        }
        let config = layouts
            .get(&node.name)
            .and_then(|l| l.as_ref().ok())
            .map(|(_, c)| c.as_ref());
        let busy = report
            .nodes
            .iter()
            .find(|n| n.name == node.name)
            .is_some_and(|n| n.resources.iter().any(|r| r.requested > 0));
        let gpus =
            crate::model::node_gpus::physical_gpus(node, config.unwrap_or(&Config::default()))
                .unwrap_or(1);
        let entry = by_model.entry(g.model).or_insert((g, Vec::new()));
        entry.1.push(Target {
            node,
            gpus,
            busy,
            layouts: config,
        });
    }
    let mut served = vec![false; wants.len()];
    let mut models = Vec::new();
    for (gpu, targets) in by_model.values_mut() {
        targets.sort_by_key(|t| (t.busy, t.node.name.clone()));
        if let Some(plan) = model_plan(gpu, targets, &wants, &mut served) {
            models.push(plan);
        }
    }
    let unserved = wants
        .iter()
        .zip(&served)
        .filter(|(_, s)| !**s)
        .map(|(w, _)| w.clone())
        .collect();
    PendingPlan {
        pending: wants,
        models,
        unserved,
    }
}

/// The catalog GPU of a node: its product label, else its AKS VM size's, else its DRA devices'.
fn model_of(node: &NodeInfo, report: &Report) -> Option<&'static Gpu> {
    if let Ok(g) = crate::model::node_gpus::node_gpu(node) {
        return Some(g);
    }
    let vm = node.labels.get("node.kubernetes.io/instance-type");
    if let Some(g) = vm
        .and_then(|v| crate::mig::aks::vm_size(v))
        .and_then(|s| s.gpu())
    {
        return Some(g);
    }
    let r = report.nodes.iter().find(|n| n.name == node.name)?;
    r.gpu_model.as_deref().and_then(catalog::gpu_for_product)
}

fn model_plan(
    gpu: &'static Gpu,
    targets: &[Target<'_>],
    wants: &[Want],
    served: &mut [bool],
) -> Option<ModelPlan> {
    let mut demand: Vec<(&'static crate::mig::catalog::Profile, u32)> = Vec::new();
    for (i, w) in wants.iter().enumerate() {
        let Some(p) = fewest::resolve(gpu, &w.profile) else {
            continue;
        };
        served[i] = true;
        match demand.iter_mut().find(|(q, _)| q.name == p.name) {
            Some((_, n)) => *n += w.count,
            None => demand.push((p, w.count)),
        }
    }
    demand.sort_by_key(|(p, _)| (std::cmp::Reverse(p.memory_slices), p.name));
    let solution = fewest::fewest(gpu, &demand)?;
    let (reconfigure, short_gpus, mig_parted) = manager_steps(gpu, targets, &solution.layouts);
    Some(ModelPlan {
        model: gpu.model,
        demand: demand
            .iter()
            .map(|(p, n)| (p.name.to_string(), *n))
            .collect(),
        gpus: solution.gpus,
        exact: solution.exact,
        placements_checked: solution.placements_checked,
        layouts: solution
            .layouts
            .iter()
            .map(|(l, n)| LayoutCount {
                layout: text(l),
                gpus: *n,
            })
            .collect(),
        reconfigure,
        short_gpus,
        mig_parted,
        aks: aks_steps(targets, &solution.layouts),
    })
}

/// `1g.5gb=4,2g.10gb=1`.
pub fn text(layout: &Layout) -> String {
    layout
        .iter()
        .map(|(p, n)| format!("{}={n}", p.name))
        .collect::<Vec<_>>()
        .join(",")
}

fn pairs(layout: &Layout) -> Vec<(&str, u32)> {
    layout.iter().map(|(p, n)| (p.name, *n)).collect()
}

/// MIG manager nodes, idle first, each re-cut whole: GPUs in layout order, a node's spare GPUs
/// given the first layout; the configs to add when the ConfigMap has none that matches.
fn manager_steps(
    gpu: &'static Gpu,
    targets: &[Target<'_>],
    layouts: &[(Layout, u32)],
) -> (Vec<NodeStep>, u32, Vec<String>) {
    let mut queue: Vec<usize> = layouts
        .iter()
        .enumerate()
        .flat_map(|(i, (_, n))| std::iter::repeat_n(i, *n as usize))
        .collect();
    queue.reverse();
    let mut steps = Vec::new();
    let mut yaml = Vec::new();
    for t in targets.iter().filter(|t| t.layouts.is_some()) {
        if queue.is_empty() {
            break;
        }
        let per_gpu: Vec<usize> = (0..t.gpus).map(|_| queue.pop().unwrap_or(0)).collect();
        let (config, existing) = match existing_config(gpu, t, layouts, &per_gpu) {
            Some(name) => (name, true),
            None => {
                let (name, text) = new_config(gpu, t.node, layouts, &per_gpu);
                yaml.push(text);
                (name, false)
            }
        };
        let drain = if t.busy { " --drain" } else { "" };
        steps.push(NodeStep {
            command: format!(
                "kubectl mig reconfigure {} --config {config}{drain}",
                t.node.name
            ),
            node: t.node.name.clone(),
            config,
            existing,
        });
    }
    (steps, u32::try_from(queue.len()).unwrap_or(u32::MAX), yaml)
}

/// A layout of the node's ConfigMap that gives every GPU the layout assigned to it.
fn existing_config(
    gpu: &Gpu,
    t: &Target<'_>,
    layouts: &[(Layout, u32)],
    per_gpu: &[usize],
) -> Option<String> {
    let config = t.layouts?;
    let product = t.node.labels.get(crate::mig::strategy::PRODUCT_LABEL)?;
    let ids = crate::mig::pci::ids_for_product(product);
    let wanted: Vec<BTreeMap<String, u32>> = per_gpu
        .iter()
        .map(|i| {
            pairs(&layouts[*i].0)
                .into_iter()
                .map(|(p, n)| (p.to_string(), n))
                .collect()
        })
        .collect();
    config.layouts.iter().find_map(|(name, entries)| {
        let walked = mig_parted::walk(entries, t.gpus, &ids);
        let same = walked.iter().zip(&wanted).all(|(g, want)| {
            g.as_ref().is_some_and(|g| {
                g.mig_enabled
                    && g.devices.len() == want.len()
                    && g.devices
                        .iter()
                        .all(|(p, n)| gpu.profile(p).is_some_and(|q| want.get(q.name) == Some(n)))
            })
        });
        same.then(|| name.clone())
    })
}

/// A new config for the node: one entry per layout with the GPU indexes that take it.
fn new_config(
    gpu: &'static Gpu,
    node: &NodeInfo,
    layouts: &[(Layout, u32)],
    per_gpu: &[usize],
) -> (String, String) {
    let mut used: Vec<usize> = per_gpu.to_vec();
    used.sort_unstable();
    used.dedup();
    let entries: Vec<RenderedEntry> = used
        .iter()
        .map(|i| {
            let mut e = parted_render::render_entry(gpu, &pairs(&layouts[*i].0));
            if used.len() > 1 {
                e.devices = Some(
                    (0u32..)
                        .zip(per_gpu)
                        .filter(|(_, l)| *l == i)
                        .map(|(g, _)| g)
                        .collect(),
                );
            }
            e
        })
        .collect();
    let name = if used.len() == 1 {
        parted_render::config_name(&pairs(&layouts[used[0]].0))
    } else {
        format!("custom-pending-{}", short(&node.name))
    };
    let text = parted_render::to_yaml(&parted_render::render_config(&name, entries));
    (name, text)
}

/// The node name's tail, so a config name stays a valid label value.
fn short(node: &str) -> String {
    let tail: String = node
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    tail.trim_start_matches(['-', '.']).to_string()
}

/// `kubectl mig plan --layout ...` for every AKS pool of the model.
fn aks_steps(targets: &[Target<'_>], layouts: &[(Layout, u32)]) -> Vec<String> {
    let mut sizes: Vec<&'static crate::mig::aks::VmSize> = Vec::new();
    for t in targets.iter().filter(|t| t.layouts.is_none()) {
        let label = |k: &str| t.node.labels.get(k).map(String::as_str);
        if label(crate::mig::aks::ACCELERATOR_LABEL) != Some("nvidia") {
            continue;
        }
        let size = label("node.kubernetes.io/instance-type").and_then(crate::mig::aks::vm_size);
        if let Some(s) = size.filter(|s| s.mig_supported() && !sizes.contains(s)) {
            sizes.push(s);
        }
    }
    let mut out = Vec::new();
    for size in sizes {
        for (layout, n) in layouts {
            let nodes = n.div_ceil(size.gpu_count.max(1));
            out.push(format!(
                "kubectl mig plan --layout {} --vm-size {} --node-count {nodes}",
                text(layout),
                size.name
            ));
        }
    }
    out
}
