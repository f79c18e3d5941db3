//! `kubectl mig status`: what runs the device plugin, GFD and NFD, and with which strategy.

use crate::cluster::ConnectOptions;
use crate::cluster::{self, Cluster, Op};
use crate::error::Result;
use crate::install::components::{Component, Found};
use crate::mig::strategy::Strategy;
use crate::model::problems::{problem, Problem, Severity};
use crate::output::table::Table;
use crate::output::{self, Format};
use crate::snapshot::live;
use clap::Args;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::Write;

/// Examples shown in `kubectl mig status --help`.
pub const EXAMPLES: &str = "\
Examples:
  # What is installed, by whom, with which strategy
  kubectl mig status

  # As JSON
  kubectl mig status -o json";

/// Flags of `kubectl mig status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// What `status` reports, in the JSON/YAML schema.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusReport {
    components: Vec<Found>,
    gpu_nodes: Vec<String>,
    nodes_without_device_plugin: Vec<String>,
    /// Nodes where NVIDIA's DRA driver's kubelet plugin runs (ready).
    dra_nodes: Vec<String>,
    /// NVIDIA's DRA DeviceClasses (`gpu.nvidia.com`, `mig.nvidia.com`, ...).
    dra_device_classes: Vec<String>,
    problems: Vec<Problem>,
}

/// Runs `kubectl mig status`.
pub async fn run(global: &ConnectOptions, args: &StatusArgs, out: &mut dyn Write) -> Result<()> {
    let cluster = cluster::connect(global).await?;
    let mut components = super::components::find_components(&cluster).await?;
    components.sort_by(|a, b| {
        (a.component, &a.namespace, &a.name).cmp(&(b.component, &b.namespace, &b.name))
    });
    let nodes = live::gpu_nodes(&cluster, None).await?.0;
    let advertised = advertised_devices(&nodes);
    let gpu_nodes: Vec<String> = nodes.into_iter().map(|n| n.name).collect();
    let served = ready_nodes_of(&cluster, &components, Component::DevicePlugin).await?;
    let dra = ready_nodes_of(&cluster, &components, Component::DraKubeletPlugin).await?;
    // A node whose GPUs DRA serves needs no device plugin.
    let without: Vec<String> = gpu_nodes
        .iter()
        .filter(|n| !served.contains(*n) && !dra.contains(*n))
        .cloned()
        .collect();
    let both: Vec<String> = served.intersection(&dra).cloned().collect();
    let classes = dra_device_classes(&cluster).await;
    let mut problems = diagnose(&components, &without, &advertised);
    if !both.is_empty() {
        problems.insert(0, problem(
            "DRA_AND_DEVICE_PLUGIN",
            Severity::Error,
            format!("the NVIDIA device plugin and NVIDIA's DRA driver both run on {}: both publish the same GPUs, so the scheduler can hand one GPU to two pods", both.join(", ")),
            "serve each node one way: keep the device plugin's DaemonSet off DRA nodes (node selector), or the DRA kubelet plugin off device-plugin nodes".into(),
        ));
    }
    let report = StatusReport {
        components,
        gpu_nodes,
        nodes_without_device_plugin: without,
        dra_nodes: dra.into_iter().collect(),
        dra_device_classes: classes,
        problems,
    };
    match args.output {
        Format::Json | Format::Yaml => output::write_data(out, args.output, &report),
        Format::Table | Format::Wide => {
            let text = render_table(&report, args.output == Format::Wide);
            out.write_all(text.as_bytes()).map_err(output::io_error)
        }
    }
}

/// The nodes where the ready pods of every `component` DaemonSet run.
async fn ready_nodes_of(
    cluster: &Cluster,
    components: &[Found],
    component: Component,
) -> Result<BTreeSet<String>> {
    let mut nodes = BTreeSet::new();
    for ds in components.iter().filter(|c| c.component == component) {
        nodes.extend(ready_pod_nodes(cluster, ds).await?);
    }
    Ok(nodes)
}

/// NVIDIA's DRA DeviceClasses, when the cluster serves DRA and they may be listed.
async fn dra_device_classes(cluster: &Cluster) -> Vec<String> {
    use kube::api::{ApiResource, DynamicObject};
    for version in ["v1", "v1beta2"] {
        let ar = ApiResource {
            group: "resource.k8s.io".into(),
            version: version.into(),
            api_version: format!("resource.k8s.io/{version}"),
            kind: "DeviceClass".into(),
            plural: "deviceclasses".into(),
        };
        let api: Api<DynamicObject> = Api::all_with(cluster.client.clone(), &ar);
        if let Ok(list) = api.list(&ListParams::default()).await {
            let mut names: Vec<String> = list
                .items
                .into_iter()
                .filter_map(|c| c.metadata.name)
                .filter(|n| n.ends_with(".nvidia.com"))
                .collect();
            names.sort();
            return names;
        }
    }
    Vec::new()
}

async fn ready_pod_nodes(cluster: &Cluster, ds: &Found) -> Result<Vec<String>> {
    if ds.pod_selector.is_empty() {
        return Ok(Vec::new());
    }
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), &ds.namespace);
    let pods = api
        .list(&ListParams::default().labels(&ds.pod_selector))
        .await
        .map_err(|e| cluster.error(e, Op::new("list", "pods").in_ns(&ds.namespace)))?;
    Ok(pods
        .items
        .into_iter()
        .filter(super::components::is_ready)
        .filter_map(|p| p.spec.and_then(|s| s.node_name))
        .collect())
}

/// What the GPU nodes advertise: nodes with devices, and devices per resource name.
#[derive(Debug, Default)]
struct Advertised {
    nodes: usize,
    per_resource: std::collections::BTreeMap<String, i64>,
}

fn advertised_devices(nodes: &[crate::model::node::NodeInfo]) -> Advertised {
    let mut seen = Advertised::default();
    for node in nodes {
        let mut any = false;
        for (name, count) in &node.allocatable {
            if crate::mig::strategy::is_gpu_resource(name) && *count > 0 {
                any = true;
                let total = seen.per_resource.entry(name.clone()).or_default();
                *total = total.saturating_add(*count);
            }
        }
        seen.nodes += usize::from(any);
    }
    seen
}

/// What looks wrong with the installed stack.
fn diagnose(
    components: &[Found],
    without_plugin: &[String],
    advertised: &Advertised,
) -> Vec<Problem> {
    let mut out = plugin_count_problems(components, advertised);
    out.extend(daemon_problems(components, without_plugin));
    out
}

/// No device plugin (or one kubectl mig does not know), or several.
fn plugin_count_problems(components: &[Found], advertised: &Advertised) -> Vec<Problem> {
    let mut out = Vec::new();
    let of = |k: Component| components.iter().filter(move |c| c.component == k);
    let plugins: Vec<&Found> = of(Component::DevicePlugin).collect();
    if plugins.is_empty() && of(Component::DraKubeletPlugin).next().is_some() {
        // GPUs served through DRA need no device plugin.
        return out;
    }
    if plugins.is_empty() && advertised.nodes > 0 {
        let total: i64 = advertised.per_resource.values().sum();
        let names: Vec<String> = advertised
            .per_resource
            .iter()
            .map(|(name, n)| format!("{n} {name}"))
            .collect();
        out.push(problem(
            "UNKNOWN_DEVICE_PLUGIN",
            Severity::Info,
            format!(
                "no device plugin DaemonSet that kubectl mig recognises was found, yet {} node{} advertise{} {total} GPU or MIG devices ({}): a device plugin kubectl mig does not know serves them (a cloud-managed one, one under another name, or a host service)",
                advertised.nodes,
                if advertised.nodes == 1 { "" } else { "s" },
                if advertised.nodes == 1 { "s" } else { "" },
                names.join(", ")
            ),
            "find it with kubectl get daemonsets -A | grep -i -e nvidia -e gpu before installing another one".into(),
        ));
    } else if plugins.is_empty() {
        out.push(problem(
            "NO_DEVICE_PLUGIN",
            Severity::Error,
            "no NVIDIA device plugin runs in the cluster: no GPU or MIG device is advertised"
                .into(),
            "install it: kubectl mig install --strategy single|mixed".into(),
        ));
    }
    if plugins.len() > 1 {
        out.push(problem(
            "SEVERAL_DEVICE_PLUGINS",
            Severity::Error,
            format!("{} NVIDIA device plugins run side by side; they advertise the same GPUs", plugins.len()),
            "keep one: kubectl mig uninstall, helm uninstall, or the GPU Operator's devicePlugin.enabled=false".into(),
        ));
    }
    out
}

/// Daemons that disagree, are missing or are not ready.
fn daemon_problems(components: &[Found], without_plugin: &[String]) -> Vec<Problem> {
    let mut out = Vec::new();
    let of = |k: Component| components.iter().filter(move |c| c.component == k);
    let plugins: Vec<&Found> = of(Component::DevicePlugin).collect();
    let strategy = |c: &Found| c.strategy.unwrap_or(Strategy::None);
    for dp in &plugins {
        for gfd in of(Component::GpuFeatureDiscovery) {
            if strategy(dp) != strategy(gfd) {
                out.push(problem(
                    "STRATEGY_MISMATCH",
                    Severity::Error,
                    format!(
                        "the device plugin {}/{} runs the {} strategy but GFD {}/{} runs {}",
                        dp.namespace, dp.name, strategy(dp), gfd.namespace, gfd.name, strategy(gfd)
                    ),
                    "labels and resources will disagree; run both with one strategy, e.g. kubectl mig install --strategy mixed".into(),
                ));
            }
        }
    }
    if of(Component::GpuFeatureDiscovery).next().is_none() && !plugins.is_empty() {
        out.push(problem(
            "NO_GFD",
            Severity::Warning,
            "no GPU feature discovery DaemonSet found: nvidia.com/gpu.product and nvidia.com/mig.strategy labels are not kept up to date".into(),
            "kubectl mig run and describe work best with it: kubectl mig install --strategy <s> deploys it".into(),
        ));
    }
    for c in components.iter().filter(|c| c.ready < c.desired) {
        out.push(problem(
            "NOT_READY",
            Severity::Warning,
            format!(
                "{}/{} has {} of {} pods ready",
                c.namespace, c.name, c.ready, c.desired
            ),
            format!("see kubectl get pods -n {} -o wide", c.namespace),
        ));
    }
    if !without_plugin.is_empty() && !plugins.is_empty() {
        out.push(problem(
            "NODES_WITHOUT_DEVICE_PLUGIN",
            Severity::Error,
            format!("GPU nodes without a ready device plugin pod: {}", without_plugin.join(", ")),
            "check the daemon's tolerations and node selection against those nodes' taints and labels".into(),
        ));
    }
    out
}

fn render_table(report: &StatusReport, wide: bool) -> String {
    let mut text = String::new();
    if report.components.is_empty() {
        text.push_str("No NVIDIA device plugin, GPU feature discovery or NFD found.\n");
    } else {
        let mut headers = vec![
            "COMPONENT",
            "NAMESPACE",
            "NAME",
            "OWNER",
            "VERSION",
            "STRATEGY",
            "DESIRED",
            "READY",
        ];
        if wide {
            headers.push("IMAGE");
        }
        let mut table = Table::new(&headers);
        for c in &report.components {
            let mut row = vec![
                c.component.to_string(),
                c.namespace.clone(),
                c.name.clone(),
                c.owner.to_string(),
                c.version.clone().unwrap_or_else(|| "-".into()),
                c.strategy.map_or_else(|| "-".into(), |s| s.to_string()),
                c.desired.to_string(),
                c.ready.to_string(),
            ];
            if wide {
                row.push(c.image.clone());
            }
            table.row(row);
        }
        text.push_str(&table.render());
    }
    text.push_str(&format!("\nGPU nodes: {}", report.gpu_nodes.len()));
    if !report.dra_nodes.is_empty() || !report.dra_device_classes.is_empty() {
        text.push_str(&format!(
            ", {} served through DRA (device classes: {})",
            report.dra_nodes.len(),
            if report.dra_device_classes.is_empty() {
                "none".to_string()
            } else {
                report.dra_device_classes.join(", ")
            }
        ));
    }
    if !report.nodes_without_device_plugin.is_empty() {
        text.push_str(&format!(
            ", {} without a ready device plugin pod",
            report.nodes_without_device_plugin.len()
        ));
    }
    text.push('\n');
    if !report.problems.is_empty() {
        text.push_str("\nProblems:\n");
        for p in &report.problems {
            text.push_str(&format!(
                "  {} {}: {}\n    hint: {}\n",
                p.severity.as_str(),
                p.code,
                p.message,
                p.hint
            ));
        }
    }
    text
}
