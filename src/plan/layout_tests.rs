use super::*;

fn request(
    layout: &str,
    gpu: Option<&str>,
    size: Option<&str>,
    nodes: Option<u32>,
) -> LayoutRequest {
    LayoutRequest {
        layout: layout.to_string(),
        gpu: gpu.map(str::to_string),
        vm_size: size.map(str::to_string),
        node_count: nodes,
        ..Default::default()
    }
}

#[test]
fn counts_per_gpu_node_and_pool() {
    let plan = build_layout(&request(
        "1g.10gb=2,2g.20gb=1,3g.40gb=1",
        None,
        Some("Standard_ND96isr_H100_v5"),
        Some(3),
    ))
    .unwrap();
    assert_eq!(plan.status, Status::Fits);
    assert_eq!(plan.layout, "3g.40gb=1,2g.20gb=1,1g.10gb=2");
    let small = &plan.profiles[2];
    assert_eq!(
        (small.per_gpu, small.per_node, small.pool),
        (2, Some(16), Some(48))
    );
    assert!(!plan.strategies[0].supported);
    assert_eq!(
        plan.strategies[1].resources[2].name,
        "nvidia.com/mig-1g.10gb"
    );
    assert_eq!(plan.strategies[1].resources[2].per_node, Some(16));
    // AKS documents no MIG<n>g mapping on H100: no migProfiles request.
    let aks = plan.aks.unwrap();
    assert_eq!(aks.mig_profiles, None);
    assert_eq!(aks.undocumented_profiles, ["3g.40gb", "2g.20gb", "1g.10gb"]);
    assert!(aks.managed_gpu.arm.is_none());
    assert!(plan
        .mig_parted
        .unwrap()
        .label_command
        .contains("custom-3g.40gb-1.2g.20gb-1.1g.10gb-2"));
}

#[test]
fn a100_40gb_layouts_map_to_documented_aks_values() {
    let plan = build_layout(&request(
        "1g.5gb=2,2g.10gb=1,3g.20gb=1",
        Some("A100-40GB"),
        Some("Standard_ND96asr_v4"),
        None,
    ))
    .unwrap();
    let aks = plan.aks.unwrap();
    assert_eq!(
        aks.mig_profiles.unwrap(),
        ["MIG3g", "MIG2g", "MIG1g", "MIG1g"]
    );
    let body = &aks.managed_gpu.arm.unwrap().body;
    assert_eq!(
        body["properties"]["gpuProfile"]["nvidia"]["migStrategy"],
        "Mixed"
    );
    let plan = build_layout(&request(
        "1g.10gb=2,3g.20gb=1",
        None,
        Some("Standard_ND96asr_v4"),
        None,
    ))
    .unwrap();
    assert_eq!(plan.aks.unwrap().undocumented_profiles, ["1g.10gb"]);
}

#[test]
fn one_profile_serves_single_too() {
    let plan = build_layout(&request("3g.39gb=2", Some("A100-80GB"), None, None)).unwrap();
    assert_eq!(plan.layout, "3g.40gb=2");
    assert!(plan.strategies[0].supported);
    assert_eq!(plan.strategies[0].resources[0].name, "nvidia.com/gpu");
    assert_eq!(plan.strategies[0].resources[0].per_node, None);
    assert!(plan.aks.is_none());
}

#[test]
fn a_layout_that_does_not_fit_has_its_reason_and_the_nearest() {
    let plan = build_layout(&request(
        "7g.40gb=1,1g.5gb=1",
        Some("A100-40GB"),
        None,
        None,
    ))
    .unwrap();
    assert_eq!(plan.status, Status::DoesNotFit);
    assert_eq!(plan.nearest[0].layout, "7g.40gb=1");
    assert!(plan.mig_parted.is_none() && plan.placement.is_none());
}

#[test]
fn usage_errors() {
    let err = |r: LayoutRequest| {
        let e = build_layout(&r).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        e.to_string()
    };
    assert!(err(request("1g.5gb=2", None, None, None)).contains("add --gpu MODEL"));
    assert!(err(request("1g.5gb=2", Some("A100-40GB"), None, Some(2))).contains("needs --vm-size"));
    assert!(err(request(
        "1g.5gb=2",
        Some("H100-80GB"),
        Some("Standard_ND96asr_v4"),
        None
    ))
    .contains("does not match"));
    assert!(err(request("1g.12gb=1", Some("A100-40GB"), None, None))
        .starts_with("A100-40GB has no MIG profile 1g.12gb; its profiles: 1g.5gb"));
    assert!(err(request("1g.5gb=x", Some("A100-40GB"), None, None)).starts_with("invalid --layout"));
    assert!(err(request("1g.5gb", Some("V100"), None, None)).contains("unknown GPU model"));
}
