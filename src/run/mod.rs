//! `kubectl mig run`: generate or run a test pod with the resource name that fits the strategy.

mod args;
mod claim;
mod dra_io;
mod execute;
mod follow;
mod placement;
mod pod;

use crate::cluster::ConnectOptions;
use crate::cluster::{self, Op};
use crate::error::{Error, Result};
use crate::mig::strategy::Strategy;
use crate::model::node::{NodeInfo, Taint};
use crate::output::messages::Messages;
use crate::output::{self, DryRun, ObjectFormat};
use crate::snapshot::live;
pub use args::{RunArgs, EXAMPLES};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use placement::{NoPlacement, Placement};
use pod::TestPod;
use std::io::Write;
use std::time::Duration;

/// Runs `kubectl mig run`.
pub async fn run(
    global: &ConnectOptions,
    args: &RunArgs,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let extra = check_args(args)?;
    let dry_run = args.dry_run.0;
    let fixed = args.strategy.0;
    if let (Some(DryRun::Client), Some(strategy), Some(profile), None) =
        (dry_run, fixed, &args.profile, &args.node)
    {
        // Printing a pod for a named strategy and profile needs no cluster (it asks one briefly
        // for its real product labels when there is one).
        let spec = match spec_from_cluster(global, args, strategy, profile, &extra, msgs).await {
            Some(spec) => spec,
            None => {
                let namespace = global.namespace.clone().unwrap_or_else(|| "default".into());
                let mut tolerations = placement::common_gpu_tolerations();
                tolerations.extend(extra);
                offline_spec(args, strategy, profile, namespace, tolerations, msgs)
            }
        };
        return print_objects(out, args.output, &claim::Objects::build(&spec));
    }
    let cluster = cluster::connect(global).await?;
    let planned = plan_pod(&cluster, args, extra, msgs).await?;
    let objects = claim::Objects::build(&planned.spec);
    match dry_run {
        Some(DryRun::Client) => print_objects(out, args.output, &objects),
        Some(DryRun::Server) => server_dry_run(&cluster, args, &objects, out).await,
        None => {
            execute::execute(
                &cluster,
                objects,
                args,
                &planned.offers,
                &planned.place,
                out,
                msgs,
            )
            .await
        }
    }
}

/// The flags' own checks, before anything is asked of a cluster; the extra tolerations.
fn check_args(args: &RunArgs) -> Result<Vec<Taint>> {
    let extra: Vec<Taint> = args
        .tolerations
        .iter()
        .map(|t| {
            placement::parse_toleration(t).map_err(|e| Error::Usage {
                message: format!("invalid --toleration {e}"),
                cause: Some(Box::new(e)),
            })
        })
        .collect::<Result<_>>()?;
    if let Some(name) = &args.name {
        crate::k8s::names::check_name("pod name", name).map_err(Error::usage_from)?;
    }
    if args.image.trim().is_empty() {
        return Err(Error::usage(
            "--image is empty: give a container image, e.g. nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04",
        ));
    }
    if let Some(profile) = &args.profile {
        if crate::mig::catalog::parse_profile_name(profile).is_none() {
            return Err(Error::usage(format!(
                "invalid --profile {:?}: MIG profiles look like 1g.5gb or 3g.40gb (see kubectl mig profiles)",
                crate::output::sanitize(profile)
            )));
        }
    }
    if args.output.is_some() && args.dry_run.0.is_none() {
        return Err(Error::usage(
            "-o prints the pod only with --dry-run; add --dry-run (or --dry-run=server)",
        ));
    }
    Ok(extra)
}

/// A test pod planned against the cluster: its spec, what the cluster offered, where it goes.
struct Planned {
    spec: TestPod,
    offers: Vec<placement::Offer>,
    place: Placement,
}

/// Reads the cluster and decides the profile, resource name, products and tolerations.
async fn plan_pod(
    cluster: &cluster::Cluster,
    args: &RunArgs,
    extra: Vec<Taint>,
    msgs: &Messages,
) -> Result<Planned> {
    let fixed = args.strategy.0;
    let names: Vec<String> = args.node.iter().cloned().collect();
    let snapshot = live::snapshot(cluster, &names, None, false).await?;
    if let Some(node) = snapshot.missing.first() {
        return Err(Error::failed(format!(
            "node {node:?} not found; check the name with kubectl get nodes"
        )));
    }
    let report = snapshot.report();
    let mut offers = placement::offers(&report);
    if args.dra {
        offers.retain(|o| o.dra);
    }
    if let (Some(node), true, false) = (&args.node, offers.is_empty(), args.force) {
        return Err(Error::failed(format!(
            "node {node} offers no MIG device; pick a node that does (kubectl mig describe lists them)"
        )));
    }
    let count = i64::from(args.count);
    let place = match placement::choose(&offers, args.profile.as_deref(), count, fixed) {
        Ok(place) => place,
        Err(NoPlacement { why, .. }) if args.force => forced(args, fixed, &report, &why, msgs)?,
        Err(NoPlacement { why, next }) => return Err(Error::failed(format!("{why}; {next}"))),
    };
    if args.profile.is_none() {
        let n = place.nodes.len();
        msgs.say(format_args!(
            "Using MIG profile {} ({} on {n} node{} with room): the smallest with a free device.",
            place.profile,
            place.resource,
            if n == 1 { "" } else { "s" }
        ));
    }
    if crate::mig::strategy::ResourceKind::parse(&place.resource).is_some_and(|k| k.is_shared()) {
        msgs.note(format_args!(
            "{} is a shared slot (time-slicing or MPS): the test pod shares its {} device with other pods",
            place.resource, place.profile
        ));
    }
    // Tolerate the taints of the nodes that can take the pod (with --force and no such node,
    // of every GPU node, so only the resource decides).
    let targets: Vec<&NodeInfo> = snapshot
        .nodes
        .iter()
        .filter(|n| {
            place.nodes.is_empty()
                || place.nodes.contains(&n.name)
                || args.node.as_ref() == Some(&n.name)
        })
        .collect();
    let mut tolerations = placement::tolerations_for(&targets);
    tolerations.extend(extra);
    let spec = TestPod {
        // A claim template is named like its pod, so the name is picked here, not by the server.
        name: match place.dra {
            true => args.name.clone().or_else(|| Some(pod::generated_name())),
            false => pod_name(args, args.dry_run.0),
        },
        dra: place.dra,
        namespace: cluster.namespace.clone(),
        image: args.image.clone(),
        command: command(args),
        resource: place.resource.clone(),
        count: args.count,
        node: args.node.clone(),
        products: place.products.clone(),
        tolerations,
        profile: Some(place.profile.clone()),
    };
    Ok(Planned {
        spec,
        offers,
        place,
    })
}

/// `--dry-run=server`: the API server validates the objects and stores nothing.
async fn server_dry_run(
    cluster: &cluster::Cluster,
    args: &RunArgs,
    objects: &claim::Objects,
    out: &mut dyn Write,
) -> Result<()> {
    let mut accepted = Vec::new();
    if let Some(template) = &objects.template {
        accepted.push(dra_io::create_template(cluster, template, true).await?);
    }
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let params = PostParams {
        dry_run: true,
        ..Default::default()
    };
    let pod = api
        .create(&params, &objects.pod)
        .await
        .map_err(|e| cluster.error(e, Op::new("create", "pods").in_ns(&cluster.namespace)))?;
    accepted.push(serde_json::to_value(pod).unwrap_or_default());
    match args.output {
        Some(format) => output::write_objects(out, format, &accepted),
        None => {
            for v in &accepted {
                let kind = v["kind"].as_str().unwrap_or("object").to_lowercase();
                let name = v["metadata"]["name"].as_str().unwrap_or_default();
                writeln!(out, "{kind}/{name} created (server dry run)")
                    .map_err(output::io_error)?;
            }
            Ok(())
        }
    }
}

/// NAME, or for a printed pod a generated one, so the output works with `kubectl apply -f`
/// (which refuses `generateName`); a created pod lets the server pick (`generateName`).
fn pod_name(args: &RunArgs, dry_run: Option<DryRun>) -> Option<String> {
    args.name
        .clone()
        .or_else(|| (dry_run == Some(DryRun::Client)).then(pod::generated_name))
}

fn command(args: &RunArgs) -> Vec<String> {
    if args.command.is_empty() {
        vec!["nvidia-smi".into(), "-L".into()]
    } else {
        args.command.clone()
    }
}

/// The pod for `--dry-run --strategy S --profile P` when a cluster answers within a few seconds
/// and offers that profile: its nodes' real product label values and taints. `None` (use the
/// catalog) when there is no kubeconfig, no answer, or no such node (e.g. a pool not made yet).
async fn spec_from_cluster(
    global: &ConnectOptions,
    args: &RunArgs,
    strategy: Strategy,
    profile: &str,
    extra: &[Taint],
    msgs: &Messages,
) -> Option<TestPod> {
    let mut quick = global.clone();
    quick.request_timeout = Some(
        global
            .request_timeout
            .filter(|t| !t.is_zero())
            .map_or(Duration::from_secs(3), |t| t.min(Duration::from_secs(3))),
    );
    let cluster = cluster::connect(&quick).await.ok()?;
    let snapshot = match live::snapshot(&cluster, &[], None, false).await {
        Ok(snapshot) => snapshot,
        Err(err) => {
            msgs.note(format_args!(
                "could not ask the cluster ({err}); using the catalog's product names"
            ));
            return None;
        }
    };
    let report = snapshot.report();
    let offers = placement::offers(&report);
    let mut place = placement::choose(&offers, Some(profile), 0, Some(strategy)).ok()?;
    place.nodes = offers
        .iter()
        .filter(|o| o.profile == profile && o.strategy == strategy)
        .map(|o| o.node.clone())
        .collect();
    let targets: Vec<&NodeInfo> = snapshot
        .nodes
        .iter()
        .filter(|n| place.nodes.contains(&n.name))
        .collect();
    let mut tolerations = placement::tolerations_for(&targets);
    tolerations.extend(extra.iter().cloned());
    Some(TestPod {
        dra: place.dra,
        name: pod_name(args, Some(DryRun::Client)),
        namespace: cluster.namespace.clone(),
        image: args.image.clone(),
        command: command(args),
        resource: place.resource,
        count: args.count,
        node: None,
        products: place.products,
        tolerations,
        profile: Some(profile.to_string()),
    })
}

/// The pod for `--dry-run --strategy S --profile P` with no cluster to ask.
fn offline_spec(
    args: &RunArgs,
    strategy: Strategy,
    profile: &str,
    namespace: String,
    tolerations: Vec<Taint>,
    msgs: &Messages,
) -> TestPod {
    let products = if strategy == Strategy::Single {
        let products = placement::catalog_single_products(profile);
        if products.is_empty() {
            msgs.warn(format_args!("no known GPU has a {profile} profile, so the pod does not pin nvidia.com/gpu.product; it may land on any nvidia.com/gpu"));
        }
        products
    } else {
        Vec::new()
    };
    TestPod {
        dra: args.dra,
        name: pod_name(args, Some(DryRun::Client)),
        namespace,
        image: args.image.clone(),
        command: command(args),
        resource: match args.dra {
            true => format!("{}/{profile}", crate::model::dra::MIG_CLASS),
            false => strategy.resource_for(profile),
        },
        count: args.count,
        node: None,
        products,
        tolerations,
        profile: Some(profile.to_string()),
    }
}

/// `--force` without a fitting node: ask for the profile anyway, named by the given strategy,
/// the `--node`'s, or mixed.
fn forced(
    args: &RunArgs,
    fixed: Option<Strategy>,
    report: &crate::model::capacity::Report,
    why: &str,
    msgs: &Messages,
) -> Result<Placement> {
    let profile = args.profile.clone().ok_or_else(|| {
        Error::usage(format!(
            "{why}; --force needs --profile to know what to request"
        ))
    })?;
    let node_strategy = args
        .node
        .as_ref()
        .and_then(|n| report.nodes.iter().find(|r| &r.name == n))
        .map(|r| r.strategy)
        .filter(|s| *s != Strategy::None);
    let strategy = fixed.or(node_strategy).unwrap_or(Strategy::Mixed);
    msgs.warn(format_args!("{why}; creating the pod anyway (--force)"));
    // Single strategy names every device nvidia.com/gpu: pin the product, or the pod could
    // land on a whole GPU or another profile and pass the test on the wrong device.
    let products = if strategy == Strategy::Single {
        placement::catalog_single_products(&profile)
    } else {
        Vec::new()
    };
    Ok(Placement {
        dra: args.dra,
        resource: match args.dra {
            true => format!("{}/{profile}", crate::model::dra::MIG_CLASS),
            false => strategy.resource_for(&profile),
        },
        profile,
        strategy,
        products,
        nodes: Vec::new(),
    })
}

fn print_objects(
    out: &mut dyn Write,
    format: Option<ObjectFormat>,
    objects: &claim::Objects,
) -> Result<()> {
    output::write_objects(out, format.unwrap_or(ObjectFormat::Yaml), &objects.values())
}
