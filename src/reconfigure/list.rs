//! `--list`: per node, the MIG manager layouts that fit it and what each makes it advertise.

use super::prepare::{self, has_manager};
use super::render::{self, Fitting};
use crate::cluster::{Cluster, Op};
use crate::error::Result;
use crate::mig::labels::DEPLOY_PREFIX;
use crate::mig::strategy::MIG_CONFIG_LABEL;
use crate::output::messages::Messages;
use crate::output::Format;
use crate::snapshot::layouts::Reader;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};
use std::io::Write;

/// Prints the table for the named nodes, or every node with a MIG manager.
pub async fn run(
    cluster: &Cluster,
    reader: &mut Reader<'_>,
    names: &[String],
    format: Format,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let names = if names.is_empty() {
        let found = names_with(cluster, &format!("{DEPLOY_PREFIX}mig-manager=true")).await?;
        if found.is_empty() {
            msgs.say("No node runs the GPU Operator's MIG manager (label nvidia.com/gpu.deploy.mig-manager=true).");
            return match format {
                Format::Json | Format::Yaml => {
                    crate::output::write_data(out, format, &serde_json::json!({ "layouts": [] }))
                }
                Format::Table | Format::Wide => Ok(()),
            };
        }
        found
    } else {
        names.to_vec()
    };
    let mut rows = Vec::new();
    for name in &names {
        let node = prepare::read_node(cluster, name).await?;
        if !has_manager(&node) {
            let why = if super::aks::pool_of(&node.info).is_some() {
                "it is in an AKS MIG node pool, re-cut by replacing the pool (kubectl mig reconfigure NODE --config MIG<n>g prints how)"
            } else {
                "it has no GPU Operator MIG manager"
            };
            msgs.note(format_args!("node {name} has no layouts: {why}"));
            continue;
        }
        let layouts = reader.for_node(name).await?;
        let mut refused = 0;
        for layout in layouts.config.layouts.keys() {
            match crate::model::layout_fit::evaluate(&node.info, &layouts.config, layout) {
                Ok(e) if !e.invalid => rows.push(Fitting {
                    node: name.clone(),
                    layout: layout.clone(),
                    advertised: e.advertised,
                    current: node.label(MIG_CONFIG_LABEL) == Some(layout.as_str()),
                }),
                _ => refused += 1,
            }
        }
        msgs.note(format_args!(
            "node {name}: {refused} other layout{} of {} do not fit its GPUs or its strategy",
            if refused == 1 { "" } else { "s" },
            layouts.source
        ));
    }
    match format {
        Format::Json | Format::Yaml => {
            crate::output::write_data(out, format, &serde_json::json!({ "layouts": rows }))
        }
        Format::Table | Format::Wide => {
            write!(out, "{}", render::list(&rows)).map_err(crate::output::io_error)
        }
    }
}

/// The nodes of an AKS node pool.
pub async fn pool_nodes(cluster: &Cluster, pool: &str) -> Result<Vec<String>> {
    names_with(cluster, &format!("{}={pool}", super::aks::AGENTPOOL_LABEL)).await
}

async fn names_with(cluster: &Cluster, selector: &str) -> Result<Vec<String>> {
    let api: Api<Node> = Api::all(cluster.client.clone());
    let list = api
        .list(&ListParams::default().labels(selector))
        .await
        .map_err(|e| cluster.error(e, Op::new("list", "nodes")))?;
    let mut names: Vec<String> = list
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    names.sort();
    Ok(names)
}
