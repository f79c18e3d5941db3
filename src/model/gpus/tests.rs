use super::*;
use crate::model::capacity::{report_with_dra, Usage};
use crate::model::dra::{Claim, Device, Slice, NVIDIA_DRIVER};
use crate::model::node::PodUsage;
use std::sync::Arc;

fn node(name: &str, labels: &[(&str, &str)], alloc: &[(&str, i64)]) -> NodeInfo {
    let map = |kv: &[(&str, i64)]| kv.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    NodeInfo {
        name: name.into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        capacity: map(alloc),
        allocatable: map(alloc),
        ready: Some(true),
        ..Default::default()
    }
}

fn pod(node: &str, resource: &str, n: i64) -> PodUsage {
    PodUsage {
        namespace: "ml".into(),
        name: format!("p-{n}"),
        node_name: node.into(),
        phase: "Running".into(),
        requests: [(resource.to_string(), n)].into(),
        malformed: Vec::new(),
    }
}

fn picture_of(n: NodeInfo, pods: Vec<PodUsage>, sources: &Sources<'_>) -> NodeGpus {
    let mut usage = Usage::for_nodes([n.name.as_str()]);
    for p in pods {
        usage.add(p);
    }
    let dra = sources.dra.cloned().unwrap_or_default();
    let nodes = [n];
    let mut report = report_with_dra(&nodes, &usage, &dra, &Default::default());
    attach(&mut report, &nodes, sources);
    report.nodes[0].gpus.clone().unwrap()
}

const AKS_SINGLE: &[(&str, &str)] = &[
    ("kubernetes.azure.com/accelerator", "nvidia"),
    ("node.kubernetes.io/instance-type", "Standard_ND96asr_v4"),
    ("nvidia.com/mig.strategy", "single"),
    ("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"),
    ("nvidia.com/gpu.count", "56"),
];

#[test]
fn an_aks_pool_is_cut_uniformly_and_counts_decide_use_only_at_the_ends() {
    let n = || node("aks-0", AKS_SINGLE, &[("nvidia.com/gpu", 56)]);
    let idle = picture_of(n(), vec![], &Sources::default());
    assert_eq!(idle.layout_source, LayoutSource::Aks);
    assert_eq!(idle.gpus.len(), 8);
    let starts: Vec<u32> = idle.gpus[0].instances.iter().map(|i| i.start).collect();
    assert_eq!(starts, [0, 1, 2, 3, 4, 5, 6]);
    assert!(idle.gpus[0].instances.iter().all(|i| i.used == Some(false)));
    assert_eq!(idle.gpus[0].free_slices.as_ref().unwrap().len(), 8);
    assert_eq!(idle.largest_free_profile.as_deref(), Some("7g.40gb"));
    assert_eq!(idle.stranded_slices, Some(0));

    let busy = picture_of(
        n(),
        vec![pod("aks-0", "nvidia.com/gpu", 4)],
        &Sources::default(),
    );
    assert!(busy.gpus[0].instances.iter().all(|i| i.used.is_none()));
    assert_eq!(busy.gpus[0].free_slices, None);
    assert_eq!(busy.stranded_slices, None);
    assert_eq!(
        busy.profile_use,
        [ProfileUse {
            profile: "1g.5gb".into(),
            total: 56,
            used: 4
        }]
    );
    assert!(busy.layout_note.unwrap().contains("unknown (?)"));
}

#[test]
fn an_aks_pool_missing_devices_falls_back_to_counts() {
    let n = node("aks-0", AKS_SINGLE, &[("nvidia.com/gpu", 49)]);
    let p = picture_of(n, vec![], &Sources::default());
    assert_eq!(p.layout_source, LayoutSource::Gfd);
    assert!(p.gpus.is_empty());
    assert!(p.layout_note.unwrap().contains("advertises 49"));
    assert_eq!(p.profile_use[0].total, 49);
}

fn default_config() -> Arc<Config> {
    let file = include_str!("../../../tests/fixtures/mig-manager/default-mig-parted-config.yaml");
    let cm: serde_yaml::Value = serde_yaml::from_str(file).unwrap();
    Arc::new(crate::mig::mig_parted::parse(cm["data"]["config.yaml"].as_str().unwrap()).unwrap())
}

#[test]
fn the_mig_managers_layout_is_placed_on_the_catalog_gpu() {
    let labels = [
        ("nvidia.com/mig.strategy", "mixed"),
        ("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"),
        ("nvidia.com/gpu.count", "2"),
        ("nvidia.com/mig.config", "all-balanced"),
        ("nvidia.com/mig.config.state", "success"),
    ];
    let alloc = [
        ("nvidia.com/mig-1g.5gb", 4),
        ("nvidia.com/mig-2g.10gb", 2),
        ("nvidia.com/mig-3g.20gb", 2),
    ];
    let mut sources = Sources::default();
    sources.layouts.insert(
        "dgx".into(),
        Ok(("gpu-operator/x".into(), default_config())),
    );
    let pods = vec![pod("dgx", "nvidia.com/mig-3g.20gb", 2)];
    let p = picture_of(node("dgx", &labels, &alloc), pods, &sources);
    assert_eq!(
        p.layout_source,
        LayoutSource::MigManager,
        "{:?}",
        p.layout_note
    );
    let layout: Vec<(String, u32, u32, Option<bool>)> = p.gpus[1]
        .instances
        .iter()
        .map(|i| (i.profile.clone(), i.start, i.size, i.used))
        .collect();
    assert_eq!(
        layout,
        [
            ("2g.10gb".to_string(), 0, 2, Some(false)),
            ("1g.5gb".to_string(), 2, 1, Some(false)),
            ("1g.5gb".to_string(), 3, 1, Some(false)),
            ("3g.20gb".to_string(), 4, 4, Some(true)),
        ]
    );
    // Slices 0-3 are free beside a 3g (3 of 7 compute slices): a 4g.20gb fits there.
    assert_eq!(p.gpus[1].free_slices.as_deref(), Some(&[0, 1, 2, 3][..]));
    assert_eq!(p.largest_free_profile.as_deref(), Some("4g.20gb"));
    assert_eq!(p.stranded_slices, Some(0));

    let mut failed = labels;
    failed[4].1 = "failed";
    let p = picture_of(node("dgx", &failed, &alloc), vec![], &sources);
    assert_eq!(p.layout_source, LayoutSource::Gfd);
    assert!(p.layout_note.unwrap().contains("state failed"));
}

fn mig(name: &str, profile: &str, consumes: Option<(u32, u32)>) -> Device {
    Device {
        name: name.into(),
        attributes: [
            ("type", "mig"),
            ("profile", profile),
            ("productName", "NVIDIA A100-SXM4-40GB"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        consumes: consumes
            .map(|(start, size)| {
                let counters = (start..start + size)
                    .map(|i| (format!("memory-slice-{i}"), 1))
                    .collect();
                vec![("gpu-0-counter-set".to_string(), counters)]
            })
            .unwrap_or_default(),
    }
}

fn inventory(devices: Vec<Device>, allocated: &[&str]) -> Inventory {
    Inventory {
        slices: vec![Slice {
            driver: NVIDIA_DRIVER.into(),
            node: Some("dra".into()),
            pool: "dra".into(),
            generation: 1,
            devices,
            counters: Default::default(),
        }],
        claims: allocated
            .iter()
            .map(|d| Claim {
                namespace: "ml".into(),
                name: format!("c-{d}"),
                reserved_for: vec!["infer".into()],
                allocated: vec![(NVIDIA_DRIVER.into(), "dra".into(), d.to_string())],
                is_allocated: true,
                ..Default::default()
            })
            .collect(),
        unavailable: None,
    }
}

#[test]
fn dra_devices_give_exact_placements_and_allocations() {
    let inv = inventory(
        vec![
            mig("gpu-0-mig-3g20gb-9-4", "3g.20gb", None),
            mig("gpu-0-mig-2g10gb-14-0", "2g.10gb", None),
            mig("gpu-0-mig-1g5gb-19-2", "1g.5gb", None),
            mig("gpu-0-mig-1g5gb-19-3", "1g.5gb", None),
        ],
        &["gpu-0-mig-2g10gb-14-0", "gpu-0-mig-1g5gb-19-3"],
    );
    let sources = Sources {
        dra: Some(&inv),
        ..Default::default()
    };
    let p = picture_of(node("dra", &[], &[]), vec![], &sources);
    assert_eq!(p.layout_source, LayoutSource::Dra);
    let g = &p.gpus[0];
    let used: Vec<(u32, Option<bool>)> = g.instances.iter().map(|i| (i.start, i.used)).collect();
    assert_eq!(
        used,
        [
            (0, Some(true)),
            (2, Some(false)),
            (3, Some(true)),
            (4, Some(false))
        ]
    );
    assert_eq!(g.instances[0].pods, ["ml/infer"]);
    assert_eq!(g.free_slices.as_deref(), Some(&[2, 4, 5, 6, 7][..]));
    assert_eq!(g.largest_free_profile.as_deref(), Some("3g.20gb"));
    // Pods hold 1g.5gb and 2g.10gb: no 1g.5gb starts at 7 and the 2g.10gb that could cover
    // it would start at 6, which is no 2g.10gb start: slice 7 is stranded.
    assert_eq!(p.stranded_slices, Some(1));
    let use_of = |name: &str| {
        p.profile_use
            .iter()
            .find(|u| u.profile == name)
            .unwrap()
            .clone()
    };
    assert_eq!((use_of("1g.5gb").total, use_of("1g.5gb").used), (2, 1));
}

#[test]
fn carved_dra_devices_exist_only_while_allocated() {
    let inv = inventory(
        vec![
            mig("gpu-0-mig-1g5gb-19-0", "1g.5gb", Some((0, 1))),
            mig("gpu-0-mig-1g5gb-19-1", "1g.5gb", Some((1, 1))),
            mig("gpu-0-mig-3g20gb-9-4", "3g.20gb", Some((4, 4))),
        ],
        &["gpu-0-mig-3g20gb-9-4"],
    );
    let sources = Sources {
        dra: Some(&inv),
        ..Default::default()
    };
    let p = picture_of(node("dra", &[], &[]), vec![], &sources);
    let g = &p.gpus[0];
    assert_eq!(g.instances.len(), 1);
    assert_eq!((g.instances[0].start, g.instances[0].size), (4, 4));
    assert_eq!(g.free_slices.as_deref(), Some(&[0, 1, 2, 3][..]));
    assert_eq!(g.largest_free_profile.as_deref(), Some("4g.20gb"));
}

#[test]
fn gfd_counts_alone_leave_the_placement_unknown() {
    let labels = [
        ("nvidia.com/mig.strategy", "mixed"),
        ("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"),
        ("nvidia.com/gpu.count", "8"),
    ];
    let alloc = [("nvidia.com/mig-1g.5gb", 28), ("nvidia.com/mig-3g.20gb", 4)];
    let pods = vec![pod("n", "nvidia.com/mig-1g.5gb", 3)];
    let p = picture_of(node("n", &labels, &alloc), pods, &Sources::default());
    assert_eq!(p.layout_source, LayoutSource::Gfd);
    assert!(p.gpus.is_empty());
    assert_eq!((p.profile_use[0].total, p.profile_use[0].used), (28, 3));
    assert_eq!(p.stranded_slices, None);
}
