//! `kubectl mig run`: generate or run a test pod with the resource name that fits the strategy.

use crate::cli::GlobalArgs;
use crate::cluster::{self, Cluster, Op};
use crate::error::{Error, Result};
use crate::follow::{self, Start};
use crate::manifests::{self, pod::TestPod};
use crate::model::{NodeInfo, Taint};
use crate::output::{self, ObjectFormat};
use crate::placement::{self, NoPlacement, Placement};
use crate::strategy::Strategy;
use crate::{capacity, collect, signals};
use clap::Args;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, PostParams, Preconditions};
use kube::ResourceExt;
use std::io::Write;
use std::time::Duration;

/// Examples shown in `kubectl mig run --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Run nvidia-smi -L on the smallest free MIG device, stream its output, clean up
  kubectl mig run

  # A 3g.20gb device on a given node, keep the pod afterwards
  kubectl mig run --profile 3g.20gb --node aks-migpool-12345678-vmss000000 --keep

  # Print the pod for a mixed-strategy cluster without talking to any cluster
  kubectl mig run --strategy mixed --profile 1g.5gb --dry-run -o yaml

  # Your own image and command
  kubectl mig run --profile 1g.10gb --image nvcr.io/nvidia/pytorch:24.10-py3 -- python -c 'import torch; print(torch.cuda.get_device_name())'";

/// `--strategy` of `run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StrategyArg {
    /// Detect from the cluster.
    Auto,
    /// Every MIG device is nvidia.com/gpu.
    Single,
    /// Each profile is nvidia.com/mig-<profile>.
    Mixed,
}

/// `--dry-run` values, as kubectl spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DryRun {
    /// Only print what would be sent.
    Client,
    /// Ask the server to validate without persisting.
    Server,
    /// Do it for real (kubectl's default).
    None,
}

/// Flags of `kubectl mig run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pod's name (default: generated, mig-test-xxxxx).
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// The MIG profile to request (e.g. 1g.5gb); default: the smallest one with free capacity.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// How many MIG devices to request.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub count: u32,
    /// Run on this node (uses its strategy).
    #[arg(long, value_name = "NODE")]
    pub node: Option<String>,
    /// How MIG devices are named: auto (from the cluster), single or mixed.
    #[arg(long, value_enum, default_value_t = StrategyArg::Auto)]
    pub strategy: StrategyArg,
    /// Container image.
    #[arg(long, value_name = "IMAGE", default_value = crate::commands::run::DEFAULT_IMAGE)]
    pub image: String,
    /// Only print the pod (client), or have the server validate it (server).
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "client", value_name = "MODE")]
    pub dry_run: Option<DryRun>,
    /// Output format of the pod with --dry-run.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<ObjectFormat>,
    /// Keep the pod when it ends.
    #[arg(long)]
    pub keep: bool,
    /// How long to wait for the pod to be scheduled and started.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::duration::parse)]
    pub timeout: Duration,
    /// Extra toleration KEY[=VALUE]:EFFECT (repeatable).
    #[arg(long = "toleration", value_name = "KEY[=VALUE]:EFFECT")]
    pub tolerations: Vec<String>,
    /// Create the pod even when no node seems to offer the profile.
    #[arg(long)]
    pub force: bool,
    /// Command and arguments (default: nvidia-smi -L).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// The CUDA base image test pods use by default.
pub const DEFAULT_IMAGE: &str = "nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04";

/// Runs `kubectl mig run`.
pub async fn run(global: &GlobalArgs, args: &RunArgs, out: &mut dyn Write) -> Result<()> {
    let extra: Vec<Taint> = args
        .tolerations
        .iter()
        .map(|t| placement::parse_toleration(t).map_err(Error::usage))
        .collect::<Result<_>>()?;
    if let Some(name) = &args.name {
        manifests::check_name("pod name", name).map_err(Error::usage)?;
    }
    if args.output.is_some() && args.dry_run.is_none() {
        return Err(Error::usage(
            "-o prints the pod only with --dry-run; add --dry-run (or --dry-run=server)",
        ));
    }
    let dry_run = args.dry_run.unwrap_or(DryRun::None);
    let fixed = match args.strategy {
        StrategyArg::Auto => None,
        StrategyArg::Single => Some(Strategy::Single),
        StrategyArg::Mixed => Some(Strategy::Mixed),
    };
    if let (DryRun::Client, Some(strategy), Some(profile), None) =
        (dry_run, fixed, &args.profile, &args.node)
    {
        if crate::catalog::parse_profile_name(profile).is_none() {
            return Err(Error::usage(format!(
                "invalid --profile {profile:?}: MIG profiles look like 1g.5gb or 3g.40gb (see kubectl mig profiles)"
            )));
        }
        if let Some(spec) = spec_from_cluster(global, args, strategy, profile, &extra).await {
            return print_pod(out, args.output, &manifests::pod::build(&spec));
        }
        let namespace = global.namespace.clone().unwrap_or_else(|| "default".into());
        let mut tolerations = placement::common_gpu_tolerations();
        tolerations.extend(extra);
        let spec = offline_spec(args, strategy, profile, namespace, tolerations);
        return print_pod(out, args.output, &manifests::pod::build(&spec));
    }

    let cluster = cluster::connect(global).await?;
    let names: Vec<String> = args.node.iter().cloned().collect();
    let snapshot = collect::snapshot(&cluster, &names, None, false).await?;
    if let Some(node) = snapshot.missing.first() {
        return Err(Error::failed(format!(
            "node {node:?} not found; check the name with kubectl get nodes"
        )));
    }
    let report = capacity::report(&snapshot.nodes, &snapshot.usage);
    let offers = placement::offers(&report);
    if let (Some(node), true, false) = (&args.node, offers.is_empty(), args.force) {
        return Err(Error::failed(format!(
            "node {node} offers no MIG device; pick a node that does (kubectl mig describe lists them)"
        )));
    }
    let count = i64::from(args.count);
    let place = match placement::choose(&offers, args.profile.as_deref(), count, fixed) {
        Ok(place) => place,
        Err(NoPlacement { why, .. }) if args.force => forced(args, fixed, &report, &why)?,
        Err(NoPlacement { why, next }) => return Err(Error::failed(format!("{why}; {next}"))),
    };
    if args.profile.is_none() {
        let n = place.nodes.len();
        eprintln!(
            "Using MIG profile {} ({} on {n} node{} with room): the smallest with a free device.",
            place.profile,
            place.resource,
            if n == 1 { "" } else { "s" }
        );
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
        name: pod_name(args, dry_run),
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
    let pod = manifests::pod::build(&spec);
    match dry_run {
        DryRun::Client => print_pod(out, args.output, &pod),
        DryRun::Server => {
            let api: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
            let params = PostParams {
                dry_run: true,
                ..Default::default()
            };
            let accepted = api.create(&params, &pod).await.map_err(|e| {
                cluster.error(e, Op::new("create", "pods").in_ns(&cluster.namespace))
            })?;
            match args.output {
                Some(_) => print_pod(out, args.output, &accepted),
                None => writeln!(out, "pod/{} created (server dry run)", accepted.name_any())
                    .map_err(output::io_error),
            }
        }
        DryRun::None => execute(&cluster, pod, args, &offers, &place, out).await,
    }
}

/// NAME, or for a printed pod a generated one, so the output works with `kubectl apply -f`
/// (which refuses `generateName`); a created pod lets the server pick (`generateName`).
fn pod_name(args: &RunArgs, dry_run: DryRun) -> Option<String> {
    args.name
        .clone()
        .or_else(|| (dry_run == DryRun::Client).then(manifests::pod::generated_name))
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
    global: &GlobalArgs,
    args: &RunArgs,
    strategy: Strategy,
    profile: &str,
    extra: &[Taint],
) -> Option<TestPod> {
    let mut quick = global.clone();
    quick.request_timeout = Some(
        global
            .request_timeout
            .filter(|t| !t.is_zero())
            .map_or(Duration::from_secs(3), |t| t.min(Duration::from_secs(3))),
    );
    let cluster = cluster::connect(&quick).await.ok()?;
    let snapshot = match collect::snapshot(&cluster, &[], None, false).await {
        Ok(snapshot) => snapshot,
        Err(err) => {
            eprintln!("note: could not ask the cluster ({err}); using the catalog's product names");
            return None;
        }
    };
    let report = capacity::report(&snapshot.nodes, &snapshot.usage);
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
        name: pod_name(args, DryRun::Client),
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
) -> TestPod {
    let products = if strategy == Strategy::Single {
        let products = placement::catalog_single_products(profile);
        if products.is_empty() {
            eprintln!("warning: no known GPU has a {profile} profile, so the pod does not pin nvidia.com/gpu.product; it may land on any nvidia.com/gpu");
        }
        products
    } else {
        Vec::new()
    };
    TestPod {
        name: pod_name(args, DryRun::Client),
        namespace,
        image: args.image.clone(),
        command: command(args),
        resource: strategy.resource_for(profile),
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
    report: &crate::capacity::Report,
    why: &str,
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
    eprintln!("warning: {why}; creating the pod anyway (--force)");
    // Single strategy names every device nvidia.com/gpu: pin the product, or the pod could
    // land on a whole GPU or another profile and pass the test on the wrong device.
    let products = if strategy == Strategy::Single {
        placement::catalog_single_products(&profile)
    } else {
        Vec::new()
    };
    Ok(Placement {
        resource: strategy.resource_for(&profile),
        profile,
        strategy,
        products,
        nodes: Vec::new(),
    })
}

fn print_pod(out: &mut dyn Write, format: Option<ObjectFormat>, pod: &Pod) -> Result<()> {
    let value = serde_json::to_value(pod)
        .map_err(|e| Error::failed(format!("cannot encode the pod: {e}")))?;
    output::write_objects(out, format.unwrap_or(ObjectFormat::Yaml), &[value])
}

/// Creates the pod, follows it to its end, and deletes it whatever happens (unless --keep).
async fn execute(
    cluster: &Cluster,
    pod: Pod,
    args: &RunArgs,
    offers: &[placement::Offer],
    place: &Placement,
    out: &mut dyn Write,
) -> Result<()> {
    let ns = cluster.namespace.clone();
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), &ns);
    // Listen before creating: a Ctrl-C during the create is acted on once the pod exists.
    let mut interrupts = signals::Interrupts::arm();
    let autoscaler = collect::has_cluster_autoscaler(cluster).await;
    let created = api
        .create(&PostParams::default(), &pod)
        .await
        .map_err(|e| create_error(cluster, e))?;
    let name = created.name_any();
    eprintln!(
        "pod/{name} created in namespace {ns}, requesting {} × {}",
        args.count, place.resource
    );
    let followed = Followed {
        cluster,
        api: &api,
        args,
        offers,
        place,
        autoscaler,
    };
    let outcome = tokio::select! {
        result = follow_pod(&followed, &created, out) => result,
        code = interrupts.next() => {
            eprintln!("Interrupted.");
            Err(Error::Exit { code, message: String::new() })
        }
    };
    if args.keep {
        eprintln!("pod/{name} kept; delete it with: kubectl delete pod {name} -n {ns}");
        return outcome;
    }
    tokio::select! {
        () = cleanup(cluster, &api, &created) => outcome,
        code = interrupts.next() => Err(Error::Exit {
            code,
            message: format!(
                "interrupted again while deleting pod/{name}; delete it with: kubectl delete pod {name} -n {ns}"
            ),
        }),
    }
}

/// What following a created pod needs to know.
struct Followed<'a> {
    cluster: &'a Cluster,
    api: &'a Api<Pod>,
    args: &'a RunArgs,
    offers: &'a [placement::Offer],
    place: &'a Placement,
    autoscaler: bool,
}

async fn follow_pod(f: &Followed<'_>, created: &Pod, out: &mut dyn Write) -> Result<()> {
    let Followed {
        cluster,
        api,
        args,
        offers,
        place,
        autoscaler,
    } = *f;
    let name = created.name_any();
    let start = tokio::time::timeout(
        args.timeout,
        follow::wait_for_start(cluster, api, created, autoscaler),
    )
    .await;
    let started = match start {
        Err(_) => {
            let why = placement::explain_pending(offers, place, i64::from(args.count));
            return Err(Error::failed(format!(
                "pod/{name} did not start within {}: {why}; see kubectl describe pod {name} -n {} or raise --timeout",
                crate::duration::human(args.timeout),
                cluster.namespace
            )));
        }
        Ok(result) => result?,
    };
    let pod = match started {
        Start::Started(pod) => *pod,
        Start::Unschedulable(message) => {
            let why = placement::explain_pending(offers, place, i64::from(args.count));
            return Err(Error::failed(format!(
                "pod/{name} cannot be scheduled: {why} (scheduler: {message})"
            )));
        }
        Start::Stuck(reason) => {
            return Err(Error::failed(format!(
                "pod/{name} cannot start its container ({reason}); check --image and the node's access to the registry"
            )))
        }
    };
    follow::stream_logs(cluster, api, &name, out).await?;
    let ended = follow::wait_for_end(cluster, api, pod).await?;
    match follow::outcome(&ended) {
        Ok(0) => Ok(()),
        Ok(code) => Err(Error::Exit {
            code,
            message: format!("the container of pod/{name} exited with code {code}"),
        }),
        Err(reason) => Err(Error::failed(format!("pod/{name} failed: {reason}"))),
    }
}

/// Admission refusals are not missing permissions: say which policy refused the pod.
fn create_error(cluster: &Cluster, err: kube::Error) -> Error {
    if let kube::Error::Api(status) = &err {
        if let Some(why) = admission_refusal(status.code, &status.message, &cluster.namespace) {
            return Error::failed(why);
        }
    }
    cluster.error(err, Op::new("create", "pods").in_ns(&cluster.namespace))
}

/// The sentence for a 403 that a namespace policy (Pod Security, ResourceQuota) gave.
fn admission_refusal(code: u16, message: &str, ns: &str) -> Option<String> {
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if code != 403 {
        return None;
    }
    if message.contains("PodSecurity") {
        return Some(format!(
            "namespace {ns}'s Pod Security policy refuses the test pod ({message}); run it in a namespace that allows it with -n, or use --dry-run -o yaml and adapt the pod"
        ));
    }
    if message.contains("exceeded quota") {
        return Some(format!(
            "namespace {ns}'s ResourceQuota leaves no room for the test pod ({message}); free some quota or run it in another namespace with -n"
        ));
    }
    None
}

/// Deletes the pod we created, and only it (the uid precondition guards a same-name pod).
async fn cleanup(cluster: &Cluster, api: &Api<Pod>, created: &Pod) {
    let name = created.name_any();
    // The default grace period: the scheduler keeps counting the pod's devices until the
    // kubelet has really stopped the container.
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            uid: created.uid(),
            resource_version: None,
        }),
        ..Default::default()
    };
    match api.delete(&name, &params).await {
        Ok(_) => eprintln!("pod/{name} deleted"),
        Err(kube::Error::Api(s)) if s.code == 404 => {}
        Err(err) => eprintln!(
            "warning: could not delete pod/{name} ({}); delete it with: kubectl delete pod {name} -n {}",
            cluster.error(err, Op::new("delete", "pods").in_ns(&cluster.namespace)),
            cluster.namespace
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::admission_refusal;

    #[test]
    fn policy_refusals_are_named() {
        let psa = admission_refusal(403, "pods \"mig-test-x\" is forbidden: violates PodSecurity \"restricted:latest\": runAsNonRoot != true", "ml").unwrap();
        assert!(
            psa.starts_with("namespace ml's Pod Security policy refuses the test pod"),
            "{psa}"
        );
        let quota = admission_refusal(403, "pods \"x\" is forbidden: exceeded quota: gpu, requested: requests.nvidia.com/mig-1g.5gb=1", "ml").unwrap();
        assert!(quota.contains("ResourceQuota leaves no room"), "{quota}");
        assert!(admission_refusal(
            403,
            "pods is forbidden: User \"u\" cannot create resource \"pods\"",
            "ml"
        )
        .is_none());
        assert!(admission_refusal(409, "PodSecurity", "ml").is_none());
    }
}
