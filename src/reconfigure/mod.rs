//! `kubectl mig reconfigure`: re-cut nodes' GPUs into another GPU Operator MIG manager layout,
//! safely: every check before any change, the impact shown first, one node at a time (or
//! `--max-unavailable`), and on failure or Ctrl-C a node left in a known state with the command
//! that resumes or rolls back. AKS MIG pools get a replacement plan instead.

mod aks;
mod apply;
mod args;
mod diagnose;
mod drain;
mod follow;
mod list;
mod nodes;
mod prepare;
mod render;

pub use args::{ReconfigureArgs, EXAMPLES};

use crate::cluster::{self, Cluster, ConnectOptions};
use crate::error::{Error, Result};
use crate::mig::strategy::MIG_CONFIG_LABEL;
use crate::output::messages::Messages;
use crate::output::Format;
use crate::snapshot::layouts;
use prepare::{NodePlan, Prepared};
use std::io::Write;

/// Runs `kubectl mig reconfigure`.
pub async fn run(
    global: &ConnectOptions,
    args: &ReconfigureArgs,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let cluster = cluster::connect(global).await?;
    let operator = layouts::operator(&cluster).await?;
    let mut reader = layouts::Reader::new(&cluster, operator);
    if args.list {
        return list::run(&cluster, &mut reader, &args.nodes, args.output, out, msgs).await;
    }
    let mut names: Vec<&String> = Vec::new();
    for n in &args.nodes {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let mut plans = Vec::new();
    let mut aks_nodes = Vec::new();
    for name in names {
        match prepare::prepare(&cluster, &mut reader, name, args, msgs).await? {
            Prepared::Manager(plan) => plans.push(*plan),
            Prepared::Aks(node) => aks_nodes.push(*node),
        }
    }
    if !aks_nodes.is_empty() {
        if matches!(args.output, Format::Json | Format::Yaml) {
            return Err(Error::usage(
                "an AKS MIG node pool is re-cut by replacing the pool, which kubectl mig prints as commands only; run it without -o",
            ));
        }
        return aks_plans(&cluster, &aks_nodes, args, out).await;
    }
    match args.output {
        Format::Json | Format::Yaml => {
            let nodes: Vec<render::NodeImpact> = plans.iter().map(render::impact_data).collect();
            crate::output::write_data(out, args.output, &serde_json::json!({ "nodes": nodes }))?;
        }
        Format::Table | Format::Wide => {
            for (i, plan) in plans.iter().enumerate() {
                let gap = if i > 0 { "\n" } else { "" };
                write!(out, "{gap}{}", render::impact(plan)).map_err(crate::output::io_error)?;
            }
        }
    }
    out.flush().map_err(crate::output::io_error)?;
    if args.dry_run {
        for plan in &plans {
            if let Err(e) = prepare::check_pods(plan, args) {
                msgs.warn(e);
            }
        }
        msgs.say("Dry run: nothing was changed.");
        return Ok(());
    }
    for plan in &plans {
        prepare::check_pods(plan, args)?;
    }
    let namespace = reader.namespace().to_string();
    let ctx = apply::Ctx {
        cluster: &cluster,
        args,
        namespace: &namespace,
        msgs,
    };
    execute(&ctx, &plans).await
}

/// Re-cuts the nodes `--max-unavailable` at a time; stops at the first failure or Ctrl-C.
async fn execute(ctx: &apply::Ctx<'_>, plans: &[NodePlan]) -> Result<()> {
    let mut interrupts = crate::signals::Interrupts::arm();
    let batch_size = ctx.args.max_unavailable as usize;
    for batch in plans.chunks(batch_size) {
        let work = futures::future::join_all(batch.iter().map(|plan| apply::apply(ctx, plan)));
        let results = tokio::select! {
            results = work => results,
            code = interrupts.next() => {
                let mut lines = Vec::new();
                for plan in batch {
                    lines.push(stopped_at(ctx, plan, "interrupted").await);
                }
                return Err(Error::Exit { code, message: lines.join("\n") });
            }
        };
        for (plan, result) in batch.iter().zip(results) {
            if let Err(err) = result {
                let line = stopped_at(ctx, plan, &err.to_string()).await;
                return Err(match err {
                    Error::Failed { cause, .. } => Error::Failed {
                        message: line,
                        cause,
                    },
                    other => Error::Failed {
                        message: line,
                        cause: Some(Box::new(other)),
                    },
                });
            }
        }
    }
    let n = plans.len();
    ctx.msgs.say(format_args!(
        "{n} node{} reconfigured.",
        if n == 1 { "" } else { "s" }
    ));
    Ok(())
}

/// One sentence: why it stopped, where the node was left, and the commands that resume or roll back.
async fn stopped_at(ctx: &apply::Ctx<'_>, plan: &NodePlan, why: &str) -> String {
    let name = plan.name();
    let now = prepare::read_node(ctx.cluster, name).await.ok();
    let labelled = now
        .as_ref()
        .is_some_and(|n| n.label(MIG_CONFIG_LABEL) == Some(plan.layout.as_str()))
        && plan.from.as_deref() != Some(plan.layout.as_str());
    let cordoned = now.as_ref().is_some_and(|n| n.info.unschedulable);
    let mut flags = String::new();
    for (on, flag) in [
        (ctx.args.drain, " --drain"),
        (ctx.args.wait_for_pods, " --wait-for-pods"),
        (ctx.args.force, " --force"),
    ] {
        if on {
            flags.push_str(flag);
        }
    }
    let left = if cordoned {
        "left cordoned"
    } else {
        "left as it is"
    };
    let resume = format!(
        "kubectl mig reconfigure {name} --config {}{flags}",
        plan.layout
    );
    let back = if labelled || plan.from.as_deref() == Some(plan.layout.as_str()) {
        format!("roll back with kubectl mig reconfigure {name} --rollback{flags}")
    } else if cordoned {
        format!("give up with kubectl uncordon {name}")
    } else {
        "nothing to undo".to_string()
    };
    format!("{why}; stopped at node {name}, {left}: resume with {resume} (safe to run again), or {back}")
}

/// AKS MIG pools cannot be re-cut in place: prints each pool's replacement plan and says so.
async fn aks_plans(
    cluster: &Cluster,
    nodes: &[nodes::NodeState],
    args: &ReconfigureArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let layout = args.config.as_deref().ok_or_else(|| {
        Error::usage(format!(
            "node {} is in an AKS MIG node pool, which kubectl mig never re-cut, so there is nothing to roll back; name the profile you want with --config (e.g. MIG3g)",
            nodes[0].info.name
        ))
    })?;
    let mut pools: Vec<&str> = Vec::new();
    for node in nodes {
        let pool = aks::pool_of(&node.info).map(|p| p.name).unwrap_or_default();
        if pools.contains(&pool) {
            continue;
        }
        pools.push(pool);
        let members = list::pool_nodes(cluster, pool).await?;
        let plan = aks::replacement_plan(&node.info, &members, layout)
            .map_err(|why| Error::usage(format!("{why}; nothing was changed")))?;
        write!(out, "{plan}").map_err(crate::output::io_error)?;
    }
    Err(Error::failed(format!(
        "AKS node pool {} cannot be re-cut in place (AKS fixes its GPU instance profile); nothing was changed: follow the replacement plan above",
        pools.join(", ")
    )))
}
