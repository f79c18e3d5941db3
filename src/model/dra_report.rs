//! DRA devices in the describe report: rows beside the device plugin's resources, the problems
//! of a node that serves GPUs both ways, and claims still waiting for a device.

use crate::model::dra::{self, Inventory};
use crate::model::dra_rows::ProfileRow;
use crate::model::problems::{problem, Problem, Severity};
use crate::model::report::{DeviceSource, DraDetail, PendingClaim, PodClaim, ResourceReport};

/// The report rows of a node's DRA devices.
pub fn resources(rows: &[ProfileRow]) -> Vec<ResourceReport> {
    rows.iter()
        .map(|r| {
            let mut pods: Vec<PodClaim> = Vec::new();
            for held in &r.held {
                for pod in &held.pods {
                    let (namespace, name) = pod.split_once('/').unwrap_or(("", pod));
                    match pods
                        .iter_mut()
                        .find(|p| p.namespace == namespace && p.name == name)
                    {
                        Some(p) => p.count += 1,
                        None => pods.push(PodClaim {
                            namespace: namespace.to_string(),
                            name: name.to_string(),
                            count: 1,
                        }),
                    }
                }
            }
            pods.sort();
            ResourceReport {
                name: r.name.clone(),
                profile: r.profile.clone(),
                capacity: r.listed,
                // Carved devices: what can be held at once, not every possible placement.
                allocatable: if r.partitionable {
                    r.allocated.saturating_add(r.free)
                } else {
                    r.listed
                },
                requested: r.allocated,
                free: r.free,
                pods,
                sharing: None,
                source: DeviceSource::Dra,
                dra: Some(DraDetail {
                    partitionable: r.partitionable,
                    devices: r.held.clone(),
                }),
            }
        })
        .collect()
}

/// What is wrong with a node's DRA devices, given its device-plugin resources.
pub fn problems(
    node: &str,
    inventory: &Inventory,
    device_plugin: &[ResourceReport],
    dra_rows: &[ProfileRow],
) -> Vec<Problem> {
    let mut out = Vec::new();
    if dra_rows.is_empty() {
        return out;
    }
    let plugin: Vec<String> = device_plugin
        .iter()
        .filter(|r| r.allocatable > 0)
        .map(|r| format!("{} ({})", r.name, r.allocatable))
        .collect();
    if !plugin.is_empty() {
        out.push(problem(
            "DRA_AND_DEVICE_PLUGIN",
            Severity::Error,
            format!("the node's GPUs are published both by NVIDIA's DRA driver and by a device plugin ({}): the scheduler can hand the same GPU to a claim and to a pod's extended resource", plugin.join(", ")),
            format!("serve this node one way only: keep the device plugin off DRA nodes (a node selector or label on its DaemonSet) or remove the DRA driver's kubelet plugin from {node}"),
        ));
    }
    let whole = dra::whole_beside_mig(&inventory.slices, node);
    if !whole.is_empty() {
        out.push(problem(
            "DRA_WHOLE_GPU_BESIDE_MIG",
            Severity::Warning,
            format!("the DRA driver publishes whole GPUs ({}) beside their own MIG devices without shared counters: a claim for the GPU and one for its MIG devices can both be allocated", whole.join(", ")),
            "upgrade the NVIDIA DRA driver (recent releases publish only the MIG devices of a MIG-enabled GPU, or counters that tie them together)".into(),
        ));
    }
    if dra::old_driver_attributes(&inventory.slices, node) {
        out.push(problem(
            "DRA_DRIVER_OLD",
            Severity::Info,
            "the node's ResourceSlices come from an NVIDIA DRA driver release older than v25.12 (device attributes pcieBusID / index): device names and attributes differ from current releases".into(),
            "selectors that match on attributes keep working; upgrade the driver (kubernetes-sigs/dra-driver-nvidia-gpu) to get the attributes and names current Kubernetes expects".into(),
        ));
    }
    out
}

/// Claims for NVIDIA device classes with no device allocated; `reasons` gives the scheduler's
/// word per pod (`namespace/name`) when known.
pub fn pending(
    inventory: &Inventory,
    reasons: &std::collections::HashMap<String, String>,
) -> Vec<PendingClaim> {
    let nvidia = |c: &str| c == dra::MIG_CLASS || c == dra::GPU_CLASS || c.ends_with(".nvidia.com");
    let mut out: Vec<PendingClaim> = inventory
        .claims
        .iter()
        .filter(|c| !c.is_allocated && c.classes.iter().any(|k| nvidia(k)))
        .map(|c| {
            let pod = c.owner_pod.as_ref().map(|p| format!("{}/{p}", c.namespace));
            PendingClaim {
                claim: format!("{}/{}", c.namespace, c.name),
                reason: pod.as_ref().and_then(|p| reasons.get(p).cloned()),
                pod,
                classes: c.classes.clone(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.claim.cmp(&b.claim));
    out
}
