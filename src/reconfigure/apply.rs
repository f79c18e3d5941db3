//! Re-cutting one node, step by step, each said on stderr: cordon it (unless it already is) and
//! remember its layout, free its GPUs, set `nvidia.com/mig.config`, follow the MIG manager,
//! check what the node advertises, uncordon what it cordoned.

use super::args::ReconfigureArgs;
use super::follow::{self, Stuck};
use super::nodes::{self, NodeState, CORDONED_ANNOTATION, PREVIOUS_ANNOTATION};
use super::prepare::NodePlan;
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::mig::strategy::{MIG_CONFIG_LABEL, MIG_CONFIG_STATE_LABEL};
use crate::output::messages::Messages;
use serde_json::json;

/// What a node's run needs besides its plan.
pub struct Ctx<'a> {
    /// The cluster.
    pub cluster: &'a Cluster,
    /// The flags.
    pub args: &'a ReconfigureArgs,
    /// The GPU Operator's namespace (where the MIG manager's pods run).
    pub namespace: &'a str,
    /// stderr.
    pub msgs: &'a Messages,
}

/// Re-cuts one node.
pub async fn apply(ctx: &Ctx<'_>, plan: &NodePlan) -> Result<()> {
    let name = plan.name();
    let (msgs, cluster) = (ctx.msgs, ctx.cluster);
    if plan.done() {
        msgs.say(format_args!(
            "node/{name} already has layout {} and advertises it",
            plan.layout
        ));
        return uncordon_if_ours(cluster, &plan.node, msgs).await;
    }
    let asked = plan.from.as_deref() == Some(plan.layout.as_str());
    if asked && plan.node.label(MIG_CONFIG_STATE_LABEL) == Some("failed") {
        return Err(Error::failed(format!(
            "the MIG manager already failed to apply layout {} on node {name} (nvidia.com/mig.config.state=failed) and only acts when the layout changes; see why with kubectl logs -n {} -l app=nvidia-mig-manager --field-selector spec.nodeName={name}, then roll back (kubectl mig reconfigure {name} --rollback) and try again",
            plan.layout, ctx.namespace
        )));
    }
    cordon(cluster, plan, msgs).await?;
    free_gpus(ctx, plan).await?;
    let start = if asked {
        msgs.say(format_args!(
            "node/{name} already asks for layout {}: following the MIG manager",
            plan.layout
        ));
        super::prepare::read_node(cluster, name).await?
    } else {
        let node = nodes::patch(
            cluster,
            name,
            json!({"metadata": {"labels": {MIG_CONFIG_LABEL: plan.layout}}}),
        )
        .await?;
        msgs.say(format_args!(
            "node/{name} labelled {MIG_CONFIG_LABEL}={}",
            plan.layout
        ));
        node
    };
    let promised = &plan.eval.advertised;
    match follow::follow(cluster, start, promised, ctx.args.timeout, msgs).await {
        Ok(node) => {
            msgs.say(format_args!(
                "node/{name} has layout {} and advertises {}",
                plan.layout,
                shown(promised)
            ));
            uncordon_if_ours(cluster, &node, msgs).await
        }
        Err((_, Some(err))) => Err(err),
        Err((stuck, None)) => {
            super::diagnose::show(cluster, ctx.namespace, name, msgs).await;
            Err(stuck_error(ctx, plan, &stuck))
        }
    }
}

/// Cordons the node unless it already is, and records the layout it had.
async fn cordon(cluster: &Cluster, plan: &NodePlan, msgs: &Messages) -> Result<()> {
    let name = plan.name();
    let mut annotations = serde_json::Map::new();
    let mut body = json!({});
    if let Some(from) = plan.from.as_deref().filter(|f| *f != plan.layout) {
        annotations.insert(PREVIOUS_ANNOTATION.into(), json!(from));
    }
    let cordoning = !plan.node.info.unschedulable;
    if cordoning {
        annotations.insert(CORDONED_ANNOTATION.into(), json!("true"));
        body["spec"] = json!({"unschedulable": true});
    }
    if annotations.is_empty() {
        msgs.say(format_args!("node/{name} is already cordoned"));
        return Ok(());
    }
    let recorded = annotations.get(PREVIOUS_ANNOTATION).cloned();
    body["metadata"] = json!({ "annotations": annotations });
    nodes::patch(cluster, name, body).await?;
    if let Some(from) = recorded {
        msgs.say(format_args!(
            "node/{name} annotated {PREVIOUS_ANNOTATION}={} (for --rollback)",
            from.as_str().unwrap_or("")
        ));
    }
    if cordoning {
        msgs.say(format_args!("node/{name} cordoned"));
    } else {
        msgs.say(format_args!("node/{name} is already cordoned"));
    }
    Ok(())
}

/// Evicts or waits for the pods holding the node's GPUs, as the flags say.
async fn free_gpus(ctx: &Ctx<'_>, plan: &NodePlan) -> Result<()> {
    let name = plan.name();
    let pods = nodes::gpu_pods(ctx.cluster, name).await?;
    if pods.is_empty() {
        return Ok(());
    }
    if ctx.args.drain {
        ctx.msgs.say(format_args!(
            "node/{name}: evicting {} pod(s) holding GPU devices",
            pods.len()
        ));
        return super::drain::evict(ctx.cluster, name, &pods, ctx.args.timeout, ctx.msgs).await;
    }
    if ctx.args.wait_for_pods {
        ctx.msgs.say(format_args!(
            "node/{name}: waiting for {} pod(s) holding GPU devices to finish",
            pods.len()
        ));
        return super::drain::wait_for_pods(ctx.cluster, name, ctx.args.timeout, ctx.msgs).await;
    }
    Err(Error::failed(format!(
        "{} pod(s) started on node {name} holding GPU devices before it was cordoned; pass --drain to evict them or --wait-for-pods to wait for them",
        pods.len()
    )))
}

/// Uncordons the node if kubectl mig cordoned it.
async fn uncordon_if_ours(cluster: &Cluster, node: &NodeState, msgs: &Messages) -> Result<()> {
    if !node.annotations.contains_key(CORDONED_ANNOTATION) {
        return Ok(());
    }
    let body = json!({"spec": {"unschedulable": null}, "metadata": {"annotations": {CORDONED_ANNOTATION: null}}});
    nodes::patch(cluster, &node.info.name, body).await?;
    msgs.say(format_args!("node/{} uncordoned", node.info.name));
    Ok(())
}

fn shown(resources: &std::collections::BTreeMap<String, i64>) -> String {
    let parts: Vec<String> = resources
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| format!("{r}: {n}"))
        .collect();
    if parts.is_empty() {
        "no GPU devices".into()
    } else {
        parts.join(", ")
    }
}

fn stuck_error(ctx: &Ctx<'_>, plan: &NodePlan, stuck: &Stuck) -> Error {
    let (name, layout, ns) = (plan.name(), &plan.layout, ctx.namespace);
    let timeout = crate::k8s::duration::human(ctx.args.timeout);
    Error::failed(match stuck {
        Stuck::Failed => format!(
            "the MIG manager failed to apply layout {layout} on node {name} (nvidia.com/mig.config.state=failed); its log above says why (a profile this driver names differently, e.g. 7g.79gb against 7g.80gb, is a common cause)"
        ),
        Stuck::Wedged(detail) => format!(
            "the MIG manager did not finish layout {layout} on node {name} within {timeout} ({detail}): it looks wedged (gpu-operator#2833); its log and the node's events are above; restart it with kubectl delete pod -n {ns} -l app=nvidia-mig-manager --field-selector spec.nodeName={name}"
        ),
        Stuck::NotAdvertised(now) => format!(
            "the MIG manager applied layout {layout} on node {name}, but after {timeout} the node advertises {now} instead of {}; check the device plugin on the node (kubectl mig status, kubectl mig describe {name})",
            shown(&plan.eval.advertised)
        ),
    })
}
