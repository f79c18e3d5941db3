use super::*;
use crate::model::capacity::{self, Usage};
use crate::model::node::PodUsage;

fn node(name: &str, labels: &[(&str, &str)], alloc: &[(&str, i64)]) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        allocatable: alloc.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        capacity: alloc.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        ready: Some(true),
        ..Default::default()
    }
}

fn cluster() -> Vec<NodeInfo> {
    vec![
        node(
            "single",
            &[
                ("nvidia.com/mig.strategy", "single"),
                ("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"),
            ],
            &[("nvidia.com/gpu", 56)],
        ),
        node(
            "mixed",
            &[("nvidia.com/mig.strategy", "mixed")],
            &[
                ("nvidia.com/gpu", 2),
                ("nvidia.com/mig-2g.10gb", 3),
                ("nvidia.com/mig-3g.20gb", 2),
            ],
        ),
    ]
}

fn offers_with(pods: &[(&str, &str, i64)]) -> Vec<Offer> {
    let nodes = cluster();
    let mut usage = Usage::for_nodes(nodes.iter().map(|n| n.name.as_str()));
    for (i, (node, res, n)) in pods.iter().enumerate() {
        usage.add(PodUsage {
            namespace: "ml".into(),
            name: format!("p{i}"),
            node_name: node.to_string(),
            phase: "Running".into(),
            requests: [(res.to_string(), *n)].into(),
            malformed: Vec::new(),
        });
    }
    offers(&capacity::report(&nodes, &usage))
}

#[test]
fn whole_gpus_are_not_mig_offers() {
    let o = offers_with(&[]);
    assert!(o.iter().all(|o| o.profile != "gpu"));
    assert_eq!(o.len(), 3);
}

#[test]
fn single_needs_gpu_resource_and_product_pin() {
    let p = choose(&offers_with(&[]), Some("1g.5gb"), 1, None).unwrap();
    assert_eq!(p.resource, "nvidia.com/gpu");
    assert_eq!(p.strategy, Strategy::Single);
    assert_eq!(p.products, ["NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"]);
    assert_eq!(p.nodes, ["single"]);
}

#[test]
fn mixed_names_the_profile() {
    let p = choose(&offers_with(&[]), Some("3g.20gb"), 2, None).unwrap();
    assert_eq!(p.resource, "nvidia.com/mig-3g.20gb");
    assert!(p.products.is_empty());
}

#[test]
fn smallest_free_profile_is_picked() {
    let p = choose(
        &offers_with(&[("single", "nvidia.com/gpu", 56)]),
        None,
        1,
        None,
    )
    .unwrap();
    assert_eq!(p.profile, "2g.10gb");
}

#[test]
fn unknown_profile_lists_offers() {
    let err = choose(&offers_with(&[]), Some("7g.40gb"), 1, None).unwrap_err();
    assert_eq!(
        err.why,
        "no node offers MIG profile 7g.40gb (offered: 1g.5gb (56 free), 2g.10gb (3 free), 3g.20gb (2 free))"
    );
}

#[test]
fn count_above_free_is_explained() {
    let err = choose(
        &offers_with(&[("mixed", "nvidia.com/mig-3g.20gb", 2)]),
        Some("3g.20gb"),
        1,
        None,
    )
    .unwrap_err();
    assert!(err.why.starts_with("no node has 1 free nvidia.com/mig-3g.20gb (the most on one node is 0 on mixed: 2 allocatable, 2 requested"), "{}", err.why);
}

#[test]
fn pending_reason_names_the_other_strategy() {
    let o = offers_with(&[]);
    let place = |profile: &str, strategy: Strategy| Placement {
        dra: false,
        profile: profile.into(),
        strategy,
        resource: strategy.resource_for(profile),
        products: vec![],
        nodes: vec![],
    };
    let why = explain_pending(&o, &place("1g.5gb", Strategy::Mixed), 1);
    assert!(
        why.starts_with("no node advertises 1g.5gb as nvidia.com/mig-1g.5gb"),
        "{why}"
    );
    assert!(
        why.contains("run the single strategy offer 1g.5gb as nvidia.com/gpu (56 free)"),
        "{why}"
    );
    // Single: only the nodes cut into that profile count, and mixed nodes are pointed at.
    let why = explain_pending(&o, &place("2g.10gb", Strategy::Single), 1);
    assert!(
        why.starts_with("no node advertises 2g.10gb as nvidia.com/gpu"),
        "{why}"
    );
    assert!(
        why.contains("run the mixed strategy offer 2g.10gb as nvidia.com/mig-2g.10gb (3 free)"),
        "{why}"
    );
    assert_eq!(
        explain_pending(&o, &place("3g.20gb", Strategy::Mixed), 3),
        "no node has 3 free nvidia.com/mig-3g.20gb (2 allocatable, 0 requested)"
    );
}

#[test]
fn tolerations_parse() {
    assert_eq!(
        parse_toleration("sku=gpu:NoSchedule").unwrap(),
        Taint {
            key: "sku".into(),
            value: Some("gpu".into()),
            effect: "NoSchedule".into()
        }
    );
    assert_eq!(
        parse_toleration("nvidia.com/gpu:NoSchedule").unwrap().value,
        None
    );
    assert!(parse_toleration("sku=gpu").is_err());
    assert!(parse_toleration("sku:Sometimes").is_err());
}

#[test]
fn no_mig_at_all_says_how_to_get_some() {
    let err = choose(&[], None, 1, None).unwrap_err();
    assert_eq!(err.why, "no node offers any MIG device");
    assert!(err.next.contains("kubectl mig install"));
}
