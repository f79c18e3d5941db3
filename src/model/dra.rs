//! MIG through Dynamic Resource Allocation: the devices NVIDIA's DRA driver (`gpu.nvidia.com`)
//! publishes in ResourceSlices and the claims holding them, as decoded, and what can be asked of
//! them directly; the counts per node and profile are in `dra_rows`. Pure.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// NVIDIA's DRA driver.
pub const NVIDIA_DRIVER: &str = "gpu.nvidia.com";
/// The DeviceClass of MIG devices.
pub const MIG_CLASS: &str = "mig.nvidia.com";
/// The DeviceClass of whole GPUs.
pub const GPU_CLASS: &str = "gpu.nvidia.com";

/// One device of a ResourceSlice, with its attributes flattened to text (domain-qualified keys
/// of the driver's own domain lose the domain: `gpu.nvidia.com/profile` is `profile`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Device {
    /// The device's name in its pool.
    pub name: String,
    /// Attributes as text.
    pub attributes: BTreeMap<String, String>,
    /// Counters consumed from shared counter sets: `(set, counter) -> amount`.
    pub consumes: Vec<(String, BTreeMap<String, i64>)>,
}

impl Device {
    /// An attribute's value.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }

    /// `mig`, `gpu`, `vfio`, ...
    pub fn kind(&self) -> &str {
        self.attr("type").unwrap_or("gpu")
    }
}

/// A ResourceSlice as describe needs it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Slice {
    /// `spec.driver`.
    pub driver: String,
    /// `spec.nodeName`, when the slice belongs to one node.
    pub node: Option<String>,
    /// `spec.pool.name`.
    pub pool: String,
    /// `spec.pool.generation`.
    pub generation: i64,
    /// `spec.devices`.
    pub devices: Vec<Device>,
    /// `spec.sharedCounters`: `set -> counter -> amount`.
    pub counters: BTreeMap<String, BTreeMap<String, i64>>,
}

/// A ResourceClaim as describe needs it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claim {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The pod that owns it (generated from a template), if any.
    pub owner_pod: Option<String>,
    /// Pods it is reserved for (`status.reservedFor`).
    pub reserved_for: Vec<String>,
    /// Allocated devices: `(driver, pool, device)`.
    pub allocated: Vec<(String, String, String)>,
    /// Whether `status.allocation` is set.
    pub is_allocated: bool,
    /// Device class names its requests ask for.
    pub classes: Vec<String>,
}

/// Everything read about DRA.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inventory {
    /// ResourceSlices of every driver.
    pub slices: Vec<Slice>,
    /// ResourceClaims of every namespace.
    pub claims: Vec<Claim>,
    /// Why DRA objects could not be read (no `resource.k8s.io`, no permission), if so.
    pub unavailable: Option<String>,
}

/// A device a claim holds, for wide and JSON output.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct Held {
    /// The device's name in its pool.
    pub device: String,
    /// Its UUID (`MIG-...`), when the driver publishes it.
    pub uuid: Option<String>,
    /// The parent GPU's UUID.
    pub parent_uuid: Option<String>,
    /// `namespace/name` of the claim.
    pub claim: String,
    /// The pods using it.
    pub pods: Vec<String>,
}

/// Slices of NVIDIA's driver from the newest generation of each pool.
pub fn newest(slices: &[Slice]) -> Vec<&Slice> {
    let mut generation: HashMap<&str, i64> = HashMap::new();
    for s in slices.iter().filter(|s| s.driver == NVIDIA_DRIVER) {
        let g = generation.entry(&s.pool).or_insert(s.generation);
        *g = (*g).max(s.generation);
    }
    slices
        .iter()
        .filter(|s| {
            s.driver == NVIDIA_DRIVER && generation.get(s.pool.as_str()) == Some(&s.generation)
        })
        .collect()
}

/// `(pool, device) -> claims holding it`.
pub fn allocations(claims: &[Claim]) -> HashMap<(String, String), Vec<&Claim>> {
    let mut out: HashMap<(String, String), Vec<&Claim>> = HashMap::new();
    for claim in claims {
        for (driver, pool, device) in &claim.allocated {
            if driver == NVIDIA_DRIVER {
                out.entry((pool.clone(), device.clone()))
                    .or_default()
                    .push(claim);
            }
        }
    }
    out
}

/// Whole GPUs a node publishes beside their own MIG devices without shared counters: both could
/// be allocated at once.
pub fn whole_beside_mig(slices: &[Slice], node: &str) -> Vec<String> {
    let ours: Vec<&Slice> = newest(slices)
        .into_iter()
        .filter(|s| s.node.as_deref() == Some(node))
        .collect();
    let parents: Vec<&str> = ours
        .iter()
        .flat_map(|s| &s.devices)
        .filter(|d| d.kind() == "mig" && d.consumes.is_empty())
        .filter_map(|d| d.attr("parentUUID"))
        .collect();
    ours.iter()
        .flat_map(|s| &s.devices)
        .filter(|d| d.kind() == "gpu" && d.consumes.is_empty())
        .filter(|d| d.attr("uuid").is_some_and(|u| parents.contains(&u)))
        .map(|d| d.name.clone())
        .collect()
}

/// Nodes that publish NVIDIA devices through DRA.
pub fn dra_nodes(inventory: &Inventory) -> Vec<String> {
    let mut nodes: Vec<String> = inventory
        .slices
        .iter()
        .filter(|s| s.driver == NVIDIA_DRIVER && !s.devices.is_empty())
        .filter_map(|s| s.node.clone())
        .collect();
    nodes.sort();
    nodes.dedup();
    nodes
}

/// Whether a node's slices come from an NVIDIA DRA driver release older than v25.12 (they name
/// the PCI bus `pcieBusID` in the driver's own domain, and v25.3 adds `index`).
pub fn old_driver_attributes(slices: &[Slice], node: &str) -> bool {
    slices
        .iter()
        .filter(|s| s.driver == NVIDIA_DRIVER && s.node.as_deref() == Some(node))
        .flat_map(|s| &s.devices)
        .any(|d| d.attributes.contains_key("pcieBusID") || d.attributes.contains_key("index"))
}
