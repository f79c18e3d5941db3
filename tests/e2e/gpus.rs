//! `describe --gpus`: each GPU's instances by slice from the best source a node has (DRA
//! ResourceSlices, the MIG manager's layout, an AKS pool's profile, else GFD's counts), in a
//! table (snapshots) and in JSON, from a cluster and from captures.

use crate::support::*;
use serde_json::Value;

const DRA_STATIC: &str = "aks-a100dra-41736250-vmss000000";
const DRA_DYNAMIC: &str = "aks-a100dyn-58203617-vmss000000";
const AKS_SINGLE: &str = "aks-a100single-31485672-vmss000000";
const MIXED: &str = "aks-a100mixed-27591046-vmss000000";

/// The DRA seed with the fixtures' allocated claims: one static 1g.5gb, one carved 3g.20gb.
fn dra_server() -> TestServer {
    let api = FakeApi::seeded_with_dra();
    api.set_scheduler_enabled(false);
    for file in ["claim-static-mig-pod.yaml", "claim-dynamic-mig.yaml"] {
        api.load_file(format!("{ROOT}/tests/fixtures/dra/{file}"));
    }
    TestServer::start(api)
}

fn gpus_json(server: &TestServer, args: &[&str]) -> Value {
    let mut all = vec!["describe", "--gpus", "-o", "json"];
    all.extend_from_slice(args);
    run(server, &all).json()
}

fn node<'a>(report: &'a Value, name: &str) -> &'a Value {
    named(&report["nodes"], name)
}

#[test]
fn dra_nodes_show_exact_placements_and_allocations() {
    let server = dra_server();
    let out = run(&server, &["describe", "--gpus", DRA_STATIC, DRA_DYNAMIC]).ok();
    assert_snapshot("describe-gpus-dra.txt", &out);

    let report = gpus_json(&server, &[DRA_STATIC, DRA_DYNAMIC]);
    let stat = node(&report, DRA_STATIC);
    assert_eq!(stat["layoutSource"], "dra");
    let gpu = &stat["gpus"][0];
    assert_eq!(gpu["layoutSource"], "dra");
    let instances: Vec<(String, u64, u64, bool)> = gpu["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["profile"].as_str().unwrap().to_string(),
                i["start"].as_u64().unwrap(),
                i["size"].as_u64().unwrap(),
                i["used"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        instances,
        [
            ("2g.10gb".into(), 0, 2, false),
            ("1g.5gb".into(), 2, 1, true),
            ("1g.5gb".into(), 3, 1, false),
            ("3g.20gb".into(), 4, 4, false),
        ]
    );
    assert_eq!(gpu["instances"][1]["pods"][0], "mig-example/mig-pod");
    assert_eq!(gpu["freeSlices"], serde_json::json!([0, 1, 3, 4, 5, 6, 7]));
    assert_eq!(gpu["largestFreeProfile"], "3g.20gb");
    // Pods hold 1g.5gb and 3g.20gb: a 3g.20gb at 4 covers slice 7, so nothing is stranded.
    assert_eq!(stat["strandedSlices"], 0);
    // Described alone, only 1g.5gb is wanted: no 1g.5gb starts at slice 7.
    let alone = gpus_json(&server, &[DRA_STATIC]);
    assert_eq!(node(&alone, DRA_STATIC)["strandedSlices"], 1);

    let dynamic = node(&report, DRA_DYNAMIC);
    let gpu = &dynamic["gpus"][0];
    assert_eq!(gpu["instances"].as_array().unwrap().len(), 1, "{gpu}");
    assert_eq!(gpu["freeSlices"], serde_json::json!([0, 1, 2, 3]));
    assert_eq!(dynamic["largestFreeProfile"], "4g.20gb");
}

#[test]
fn mig_manager_nodes_are_placed_from_their_layout() {
    let api = mig_manager_api(10);
    api.insert(gpu_pod(
        "infer-0",
        DGX_A100,
        "nvidia.com/mig-1g.5gb",
        56,
        None,
    ));
    let server = TestServer::start(api);
    let out = run(&server, &["describe", "--gpus", DGX_A100, HGX_H100]).ok();
    assert_snapshot("describe-gpus-mig-manager.txt", &out);

    let report = gpus_json(&server, &[DGX_A100, HGX_H100]);
    let dgx = node(&report, DGX_A100);
    assert_eq!(dgx["layoutSource"], "mig-manager");
    assert_eq!(dgx["gpus"].as_array().unwrap().len(), 8);
    assert!(dgx["gpus"][0]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["used"] == true && i["size"] == 1));
    assert_eq!(dgx["gpus"][0]["freeSlices"], serde_json::json!([7]));
    // Every 1g.5gb is in use; slice 7 of each GPU takes no 1g.5gb: 8 stranded slices.
    assert_eq!(dgx["strandedSlices"], 8);
    let hgx = node(&report, HGX_H100);
    assert_eq!(hgx["layoutSource"], "mig-manager");
    assert_eq!(hgx["largestFreeProfile"], "7g.80gb");
}

#[test]
fn aks_pools_are_cut_uniformly_and_gfd_counts_leave_placement_unknown() {
    let server = TestServer::start(FakeApi::seeded());
    let out = run(&server, &["describe", "--gpus", AKS_SINGLE]).ok();
    assert_snapshot("describe-gpus-aks.txt", &out);
    let out = run(&server, &["describe", "--gpus", MIXED]).ok();
    assert_snapshot("describe-gpus-gfd.txt", &out);

    let report = gpus_json(&server, &[AKS_SINGLE, MIXED]);
    let aks = node(&report, AKS_SINGLE);
    assert_eq!(aks["layoutSource"], "aks");
    assert_eq!(aks["gpus"].as_array().unwrap().len(), 8);
    // 4 of 56 devices in use: which ones the device plugin does not say.
    assert!(aks["gpus"][0]["instances"][0]["used"].is_null());
    assert!(aks["gpus"][0]["freeSlices"].is_null());
    assert_eq!(aks["profileUse"][0]["used"], 4);
    let mixed = node(&report, MIXED);
    assert_eq!(mixed["layoutSource"], "gfd");
    assert_eq!(mixed["gpus"], serde_json::json!([]));
    assert!(mixed["strandedSlices"].is_null());
    assert_eq!(mixed["profileUse"][0]["profile"], "1g.5gb");
    assert_eq!(mixed["profileUse"][0]["used"], 3);

    // Plain describe JSON stays as it was.
    let plain = run(&server, &["describe", "-o", "json", MIXED]).json();
    assert!(node(&plain, MIXED).get("layoutSource").is_none());
}

#[test]
fn captures_with_the_configmap_give_the_mig_managers_placements() {
    let api = mig_manager_api(10);
    let server = TestServer::start(api);
    let capture = kubectl(
        &server,
        &[
            "get",
            "nodes,pods,clusterpolicies,configmaps",
            "-A",
            "-o",
            "yaml",
        ],
    )
    .ok();
    let dir = temp_dir("gpus-capture");
    let file = dir.path().join("cluster.yaml");
    std::fs::write(&file, capture).unwrap();
    let path = file.to_str().unwrap();
    let report = run_plain(
        dir.path(),
        &["describe", "--gpus", "-o", "json", "-f", path, DGX_A100],
    )
    .json();
    assert_eq!(node(&report, DGX_A100)["layoutSource"], "mig-manager");

    let nodes_only = kubectl(&server, &["get", "nodes", "-o", "yaml"]).ok();
    std::fs::write(&file, nodes_only).unwrap();
    let report = run_plain(
        dir.path(),
        &["describe", "--gpus", "-o", "json", "-f", path, DGX_A100],
    )
    .json();
    let dgx = node(&report, DGX_A100);
    assert_eq!(dgx["layoutSource"], "gfd");
    assert_contains!(
        dgx["layoutNote"].as_str().unwrap(),
        "no MIG manager ConfigMap"
    );
}
