use super::*;
use crate::mig::catalog;
use crate::mig::mig_parted::parse;

fn default_config() -> Config {
    let file = include_str!("../../tests/fixtures/mig-manager/default-mig-parted-config.yaml");
    let cm: serde_yaml::Value = serde_yaml::from_str(file).unwrap();
    parse(cm["data"]["config.yaml"].as_str().unwrap()).unwrap()
}

fn a100_node(strategy: &str, product: &str, count: &str, layout: &str) -> NodeInfo {
    NodeInfo {
        name: "dgx-a100-01".into(),
        labels: [
            ("nvidia.com/mig.strategy", strategy),
            ("nvidia.com/gpu.product", product),
            ("nvidia.com/gpu.count", count),
            ("nvidia.com/mig.config", layout),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        ..Default::default()
    }
}

#[test]
fn mixed_node_gets_one_resource_per_profile() {
    let node = a100_node("mixed", "NVIDIA-A100-SXM4-40GB", "8", "all-1g.5gb");
    let e = evaluate(&node, &default_config(), "all-balanced").unwrap();
    assert_eq!(e.model, "A100-40GB");
    assert_eq!(e.gpus.len(), 8);
    assert!(!e.invalid);
    let want: BTreeMap<String, i64> = [
        ("nvidia.com/gpu", 0),
        ("nvidia.com/mig-1g.5gb", 16),
        ("nvidia.com/mig-2g.10gb", 8),
        ("nvidia.com/mig-3g.20gb", 8),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(e.advertised, want);
}

#[test]
fn single_node_counts_gpus_from_its_current_layout() {
    let node = a100_node(
        "single",
        "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb",
        "56",
        "all-1g.5gb",
    );
    assert_eq!(physical_gpus(&node, &default_config()), Some(8));
    let e = evaluate(&node, &default_config(), "all-3g.20gb").unwrap();
    assert_eq!(e.advertised["nvidia.com/gpu"], 16);
    assert!(!e.invalid);
    let balanced = evaluate(&node, &default_config(), "all-balanced").unwrap();
    assert!(balanced.invalid);
    assert_eq!(balanced.advertised["nvidia.com/gpu"], 0);
    let off = evaluate(&node, &default_config(), "all-disabled").unwrap();
    assert_eq!(off.advertised["nvidia.com/gpu"], 8);
}

#[test]
fn layouts_that_do_not_fit_say_why() {
    let node = a100_node("mixed", "NVIDIA-A100-SXM4-40GB", "8", "all-1g.5gb");
    let config = default_config();
    let err = evaluate(&node, &config, "all-1g.10gb.me").unwrap_err();
    assert!(
        err.contains("no entry")
            || err.contains("no 1g.10gb+me")
            || err.contains("no MIG profile 1g.10gb+me"),
        "{err}"
    );
    let err = evaluate(&node, &config, "all-7g.80gb").unwrap_err();
    assert!(err.contains("7g.80gb"), "{err}");
    let err = evaluate(&node, &config, "nope").unwrap_err();
    assert!(err.contains("no layout \"nope\""), "{err}");
    let too_many = parse(
        "version: v1\nmig-configs:\n  x:\n    - devices: all\n      mig-enabled: true\n      mig-devices: {\"3g.20gb\": 3}\n",
    )
    .unwrap();
    let err = evaluate(&node, &too_many, "x").unwrap_err();
    assert!(err.contains("only 2 x 3g.20gb fit"), "{err}");
    let h100_only = parse(
        "version: v1\nmig-configs:\n  x:\n    - device-filter: [\"0x233010DE\"]\n      devices: all\n      mig-enabled: true\n      mig-devices: {\"1g.10gb\": 7}\n",
    )
    .unwrap();
    let err = evaluate(&node, &h100_only, "x").unwrap_err();
    assert!(err.contains("no entry for a"), "{err}");
}

#[test]
fn fits_gpu_adds_up_slices() {
    let gpu = catalog::find_gpu("A100-40GB").unwrap();
    let layout = |pairs: &[(&str, u32)]| -> BTreeMap<String, u32> {
        pairs.iter().map(|(p, n)| (p.to_string(), *n)).collect()
    };
    assert!(fits_gpu(
        gpu,
        &layout(&[("3g.20gb", 1), ("2g.10gb", 1), ("1g.5gb", 2)])
    )
    .is_ok());
    assert!(fits_gpu(
        gpu,
        &layout(&[("4g.20gb", 1), ("3g.20gb", 1), ("1g.5gb", 1)])
    )
    .is_err());
}

#[test]
fn delivers_checks_every_promised_count() {
    let mut node = a100_node("mixed", "NVIDIA-A100-SXM4-40GB", "8", "all-1g.5gb");
    node.allocatable = [
        ("nvidia.com/gpu", 0),
        ("nvidia.com/mig-1g.5gb", 56),
        ("nvidia.com/mig-3g.20gb", 0),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let promised: BTreeMap<String, i64> = [
        ("nvidia.com/gpu".to_string(), 0),
        ("nvidia.com/mig-1g.5gb".to_string(), 56),
    ]
    .into();
    assert!(delivers(&node, &promised));
    node.allocatable.insert("nvidia.com/mig-3g.20gb".into(), 2);
    assert!(!delivers(&node, &promised));
}
