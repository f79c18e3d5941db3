//! What install checks in the cluster before applying anything: daemons it did not install
//! (a second device plugin would advertise the same GPUs), an NFD to reuse, GPU nodes.

use super::components::{Component, Found, Owner};
use super::manifests::daemons::InstallConfig;
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::mig::strategy::Strategy;
use crate::output::messages::Messages;

/// An NFD that kubectl mig did not install (nor the helm release `--helm` manages) is used as
/// it is.
pub(super) fn reuse_nfd(
    found: &[Found],
    config: &mut InstallConfig,
    helm_release: Option<&str>,
    msgs: &Messages,
) {
    if !config.nfd {
        return;
    }
    let ours = |owner: &Owner| match owner {
        Owner::KubectlMig => true,
        Owner::Helm { release } => Some(release.as_str()) == helm_release,
        _ => false,
    };
    if let Some(nfd) = found
        .iter()
        .find(|f| f.component == Component::NfdWorker && !ours(&f.owner))
    {
        msgs.say(format_args!(
            "Reusing Node Feature Discovery in namespace {} (DaemonSet {}, installed by {}); make sure its master allows the nvidia.com label namespace (extraLabelNs).",
            nfd.namespace, nfd.name, nfd.owner
        ));
        config.nfd = false;
    }
}

/// Refuses to install next to a device plugin or GFD that kubectl mig does not own (the helm
/// release `--helm` upgrades is its own), naming each and how to set the strategy through it.
pub(super) fn check_foreign(
    found: &[Found],
    force: bool,
    strategy: Strategy,
    helm_release: Option<&str>,
    msgs: &Messages,
) -> Result<()> {
    let foreign: Vec<&Found> = found
        .iter()
        .filter(|f| matches!(f.component, Component::DevicePlugin | Component::GpuFeatureDiscovery))
        .filter(|f| f.owner != Owner::KubectlMig)
        .filter(|f| !matches!((&f.owner, helm_release), (Owner::Helm { release }, Some(ours)) if release == ours))
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let what: Vec<String> = foreign
        .iter()
        .map(|f| {
            format!(
                "{} DaemonSet {}/{} installed by {}",
                f.component, f.namespace, f.name, f.owner
            )
        })
        .collect();
    if force {
        msgs.warn(format_args!(
            "installing next to {} because of --force; GPUs will be advertised and labelled twice",
            what.join(", ")
        ));
        return Ok(());
    }
    let first = foreign[0];
    let how = match &first.owner {
        Owner::Helm { release } => format!(
            "set the strategy through that release (helm upgrade {release} <chart> --reuse-values --set migStrategy={strategy})"
        ),
        Owner::GpuOperator => format!(
            "set the strategy through the GPU Operator (kubectl patch clusterpolicies.nvidia.com cluster-policy --type merge -p '{{\"spec\":{{\"mig\":{{\"strategy\":\"{strategy}\"}}}}}}')"
        ),
        Owner::HelmTemplate { app } => format!(
            "it is rendered from a helm chart by a GitOps tool{}, so set migStrategy={strategy} in that application's values",
            app.as_deref().map(|a| format!(" (application {a})")).unwrap_or_default()
        ),
        Owner::Aks => "it is managed by AKS, so set the strategy there or remove the add-on first".to_string(),
        Owner::Gke => "it is GKE's own device plugin, which serves MIG partitions as nvidia.com/gpu (set the partition size on the node pool); to run NVIDIA's instead, label the nodes gke-no-default-nvidia-gpu-device-plugin=true first".to_string(),
        Owner::KubectlMig | Owner::Unknown => format!(
            "remove it first (kubectl delete daemonset -n {} {})",
            first.namespace, first.name
        ),
    };
    Err(Error::failed(format!(
        "NVIDIA GPU software is already running ({}); a second copy would advertise or label the same GPUs twice, so {how}, or pass --force",
        what.join(", ")
    )))
}

/// Warns when no node has GPUs yet, or when GPU nodes already advertise devices that no device
/// plugin kubectl mig recognises serves; refuses (unless `force`) next to AKS's managed one.
pub(super) async fn warn_without_gpu_nodes(
    cluster: &Cluster,
    found: &[Found],
    force: bool,
    msgs: &Messages,
) -> Result<()> {
    let (nodes, _) = crate::snapshot::live::gpu_nodes(cluster, None).await?;
    if nodes.is_empty() {
        msgs.warn(format_args!(
            "no node has NVIDIA GPUs or GPU labels yet; the daemons will start when GPU nodes join"
        ));
    }
    let known_plugin = found.iter().any(|f| f.component == Component::DevicePlugin);
    let aks_managed: Vec<&str> = nodes
        .iter()
        .filter(|n| {
            n.labels
                .get(crate::mig::labels::AKS_DCGM_EXPORTER)
                .is_some_and(|v| v == "enabled")
                || !n.gpu_conditions.is_empty()
        })
        .map(|n| n.name.as_str())
        .collect();
    if !known_plugin && !aks_managed.is_empty() && !force {
        return Err(Error::failed(format!(
            "{} GPU node{} ({}) belong to AKS managed GPU node pools, where AKS runs the NVIDIA device plugin itself; set the MIG strategy on the node pool (its gpuProfile) instead, or pass --force to install a second device plugin anyway",
            aks_managed.len(),
            if aks_managed.len() == 1 { " is" } else { "s are" },
            aks_managed[0]
        )));
    }
    let advertising: Vec<&str> = nodes
        .iter()
        .filter(|n| {
            n.allocatable
                .iter()
                .any(|(name, count)| crate::mig::strategy::is_gpu_resource(name) && *count > 0)
        })
        .map(|n| n.name.as_str())
        .collect();
    if !known_plugin && !advertising.is_empty() {
        msgs.warn(format_args!(
            "{} node{} already advertise{} GPU or MIG devices although no device plugin kubectl mig recognises runs (e.g. {}); if another device plugin serves them (cloud-managed, or a host service), two would advertise the same GPUs",
            advertising.len(),
            if advertising.len() == 1 { "" } else { "s" },
            if advertising.len() == 1 { "s" } else { "" },
            advertising[0]
        ));
    }
    Ok(())
}
