//! Per node and profile, what NVIDIA's DRA driver offers: devices listed, allocated to claims,
//! free now and (partitionable devices, dynamic MIG) still carvable from the free counters. Pure:
//! works on the decoded slices and claims of [`super::dra`].

use super::dra::{
    allocations, newest, Claim, Device, Held, Inventory, Slice, GPU_CLASS, MIG_CLASS,
};
use std::collections::{BTreeMap, HashMap};

/// One profile (or whole GPUs) of one node through DRA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileRow {
    /// `mig.nvidia.com/<profile>` or `gpu.nvidia.com`.
    pub name: String,
    /// The MIG profile, or `None` for whole GPUs.
    pub profile: Option<String>,
    /// Devices listed (for partitionable devices: the possible placements).
    pub listed: i64,
    /// Devices allocated to claims.
    pub allocated: i64,
    /// Devices a new claim can get now: unallocated, and for partitionable devices, as many as
    /// the free counters allow at once.
    pub free: i64,
    /// Whether the devices are carved on demand from shared counters (dynamic MIG).
    pub partitionable: bool,
    /// The devices held by claims.
    pub held: Vec<Held>,
}

/// The NVIDIA devices of each node, from the newest complete pool generation.
pub fn rows_by_node(inventory: &Inventory) -> HashMap<String, Vec<ProfileRow>> {
    let allocated = allocations(&inventory.claims);
    let mut by_node: HashMap<String, Vec<&Slice>> = HashMap::new();
    for slice in newest(&inventory.slices) {
        if let Some(node) = &slice.node {
            by_node.entry(node.clone()).or_default().push(slice);
        }
    }
    by_node
        .into_iter()
        .map(|(node, slices)| (node, node_rows(&slices, &allocated)))
        .collect()
}

/// Whole GPUs first, then MIG profiles smallest first.
type GroupKey = (u8, (u32, u32, String));

fn node_rows(
    slices: &[&Slice],
    allocated: &HashMap<(String, String), Vec<&Claim>>,
) -> Vec<ProfileRow> {
    let mut counters: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for s in slices {
        for (set, values) in &s.counters {
            counters
                .entry(set.clone())
                .or_default()
                .extend(values.clone());
        }
    }
    // Counters already consumed by allocated devices.
    let mut used: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut groups: BTreeMap<GroupKey, Vec<(&Slice, &Device)>> = BTreeMap::new();
    for s in slices {
        for d in &s.devices {
            if allocated.contains_key(&(s.pool.clone(), d.name.clone())) {
                consume(&mut used, d);
            }
            let key = match (d.kind(), d.attr("profile")) {
                ("mig", Some(p)) => (1, crate::mig::strategy::profile_order(p)),
                ("gpu", _) => (0, (0, 0, String::new())),
                _ => continue,
            };
            groups.entry(key).or_default().push((s, d));
        }
    }
    groups
        .into_values()
        .map(|devices| profile_row(&devices, allocated, &counters, &used))
        .collect()
}

fn consume(used: &mut BTreeMap<String, BTreeMap<String, i64>>, d: &Device) {
    for (set, amounts) in &d.consumes {
        let entry = used.entry(set.clone()).or_default();
        for (counter, n) in amounts {
            let v = entry.entry(counter.clone()).or_default();
            *v = v.saturating_add(*n);
        }
    }
}

fn fits(
    d: &Device,
    counters: &BTreeMap<String, BTreeMap<String, i64>>,
    used: &BTreeMap<String, BTreeMap<String, i64>>,
) -> bool {
    d.consumes.iter().all(|(set, amounts)| {
        amounts.iter().all(|(counter, n)| {
            let total = counters
                .get(set)
                .and_then(|c| c.get(counter))
                .copied()
                .unwrap_or(0);
            let taken = used
                .get(set)
                .and_then(|c| c.get(counter))
                .copied()
                .unwrap_or(0);
            taken.saturating_add(*n) <= total
        })
    })
}

fn profile_row(
    devices: &[(&Slice, &Device)],
    allocated: &HashMap<(String, String), Vec<&Claim>>,
    counters: &BTreeMap<String, BTreeMap<String, i64>>,
    used: &BTreeMap<String, BTreeMap<String, i64>>,
) -> ProfileRow {
    let first = devices[0].1;
    let profile = (first.kind() == "mig")
        .then(|| first.attr("profile").map(str::to_string))
        .flatten();
    let partitionable = devices.iter().any(|(_, d)| !d.consumes.is_empty());
    let mut held = Vec::new();
    let mut free = 0;
    // As many of this profile as fit at once in what the allocated devices leave, taken in
    // placement order (greedy is exact for one profile's aligned placements).
    let mut tentative = used.clone();
    for (s, d) in devices {
        match allocated.get(&(s.pool.clone(), d.name.clone())) {
            Some(claims) => held.extend(claims.iter().map(|c| {
                Held {
                    device: d.name.clone(),
                    uuid: d.attr("uuid").map(str::to_string),
                    parent_uuid: d.attr("parentUUID").map(str::to_string),
                    claim: format!("{}/{}", c.namespace, c.name),
                    pods: c
                        .reserved_for
                        .iter()
                        .map(|p| format!("{}/{p}", c.namespace))
                        .collect(),
                }
            })),
            None if !partitionable => free += 1,
            None if fits(d, counters, &tentative) => {
                consume(&mut tentative, d);
                free += 1;
            }
            None => {}
        }
    }
    held.sort();
    let allocated_n = held
        .iter()
        .map(|h| h.device.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    ProfileRow {
        name: match &profile {
            Some(p) => format!("{MIG_CLASS}/{p}"),
            None => GPU_CLASS.to_string(),
        },
        profile,
        listed: i64::try_from(devices.len()).unwrap_or(i64::MAX),
        allocated: i64::try_from(allocated_n).unwrap_or(i64::MAX),
        free,
        partitionable,
        held,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dra::NVIDIA_DRIVER;

    fn mig(name: &str, profile: &str, consumes: &[(&str, i64)]) -> Device {
        Device {
            name: name.into(),
            attributes: [("type", "mig"), ("profile", profile), ("uuid", name)]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            consumes: if consumes.is_empty() {
                Vec::new()
            } else {
                vec![(
                    "gpu-0".into(),
                    consumes.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                )]
            },
        }
    }

    fn claim(device: &str) -> Claim {
        Claim {
            namespace: "ml".into(),
            name: format!("c-{device}"),
            reserved_for: vec!["p".into()],
            allocated: vec![(NVIDIA_DRIVER.into(), "n1".into(), device.into())],
            is_allocated: true,
            ..Default::default()
        }
    }

    #[test]
    fn static_devices_count_listed_allocated_and_free() {
        let slice = Slice {
            driver: NVIDIA_DRIVER.into(),
            node: Some("n1".into()),
            pool: "n1".into(),
            generation: 1,
            devices: vec![
                mig("a", "1g.5gb", &[]),
                mig("b", "1g.5gb", &[]),
                mig("c", "3g.20gb", &[]),
            ],
            counters: BTreeMap::new(),
        };
        let inv = Inventory {
            slices: vec![slice],
            claims: vec![claim("a")],
            unavailable: None,
        };
        let rows = &rows_by_node(&inv)["n1"];
        let small = rows
            .iter()
            .find(|r| r.profile.as_deref() == Some("1g.5gb"))
            .unwrap();
        assert_eq!((small.listed, small.allocated, small.free), (2, 1, 1));
        assert_eq!(small.held[0].claim, "ml/c-a");
        assert_eq!(small.name, "mig.nvidia.com/1g.5gb");
    }

    #[test]
    fn partitionable_devices_count_what_the_free_counters_allow() {
        // Four memory slices; 1g takes one, 2g two, 4g all four.
        let slot = |i: i64| format!("memory-slice-{i}");
        let set: BTreeMap<String, i64> = (0..4).map(|i| (slot(i), 1)).collect();
        let one = |i: i64| mig(&format!("1g-{i}"), "1g.5gb", &[(&slot(i), 1)]);
        let two = |i: i64| {
            let a = slot(i);
            let b = slot(i + 1);
            mig(
                &format!("2g-{i}"),
                "2g.10gb",
                &[(a.as_str(), 1), (b.as_str(), 1)],
            )
        };
        let slice = Slice {
            driver: NVIDIA_DRIVER.into(),
            node: Some("n1".into()),
            pool: "n1".into(),
            generation: 1,
            devices: vec![one(0), one(1), one(2), one(3), two(0), two(2)],
            counters: [("gpu-0".to_string(), set)].into(),
        };
        let inv = Inventory {
            slices: vec![slice],
            claims: vec![claim("1g-0")],
            unavailable: None,
        };
        let rows = &rows_by_node(&inv)["n1"];
        let small = rows
            .iter()
            .find(|r| r.profile.as_deref() == Some("1g.5gb"))
            .unwrap();
        assert_eq!(
            (
                small.listed,
                small.allocated,
                small.free,
                small.partitionable
            ),
            (4, 1, 3, true)
        );
        let big = rows
            .iter()
            .find(|r| r.profile.as_deref() == Some("2g.10gb"))
            .unwrap();
        assert_eq!(
            (big.allocated, big.free),
            (0, 1),
            "slices 0-1 are half taken"
        );
    }
}
