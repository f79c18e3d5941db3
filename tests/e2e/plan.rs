//! Runs the real `kubectl-mig` binary for `profiles` and `plan` and checks what a user sees.

use crate::support::*;
use serde_json::Value;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/fixtures/nvidia-smi/"
);

/// Runs a command that must succeed without a word on stderr; returns stdout.
#[track_caller]
fn ok(args: &[&str]) -> String {
    let r = run_offline(args);
    assert_ok!(r, "{args:?}");
    assert!(
        r.stderr.is_empty(),
        "{args:?} wrote to stderr: {}",
        r.stderr
    );
    r.stdout
}

/// Like [`ok`], the JSON on stdout.
#[track_caller]
fn ok_json(args: &[&str]) -> Value {
    let out = ok(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Runs a command that must fail with exit code 2 and one `error:` line; returns that line.
#[track_caller]
fn usage_error(args: &[&str]) -> String {
    let r = run_offline(args);
    assert!(r.stdout.is_empty(), "{args:?} wrote to stdout: {r:#?}");
    error_line(&r, 2).to_string()
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}{name}")
}

fn cells(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[test]
fn profiles_lists_every_gpu() {
    let text = ok(&["profiles"]);
    let mut lines = text.lines();
    assert_eq!(
        cells(lines.next().unwrap()),
        [
            "GPU",
            "PROFILE",
            "ID",
            "COMPUTE",
            "MEMORY",
            "GIB",
            "SMS",
            "MAX",
            "PLACEMENTS"
        ]
    );
    for model in [
        "A100-40GB",
        "A100-80GB",
        "A30",
        "H100-80GB",
        "H100-NVL",
        "H200",
        "B200",
    ] {
        assert!(text.lines().any(|l| l.starts_with(model)), "{model}");
    }
    assert_lacks!(text, '|', "no box borders");
}

#[test]
fn profiles_for_one_gpu() {
    let text = ok(&["profiles", "--gpu", "A100-40GB"]);
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(cells).collect();
    let max: Vec<(&str, &str)> = rows.iter().map(|r| (r[1], r[7])).collect();
    // The classic A100 40GB table: instances per GPU of each profile.
    assert_eq!(
        max,
        [
            ("1g.5gb", "7"),
            ("1g.5gb+me", "1"),
            ("1g.10gb", "4"),
            ("2g.10gb", "3"),
            ("3g.20gb", "2"),
            ("4g.20gb", "1"),
            ("7g.40gb", "1")
        ]
    );
    assert_eq!(rows[0][3..5], ["1/7", "1/8"]);
}

#[test]
fn profiles_json_for_a_product_label() {
    let v = ok_json(&["profiles", "--gpu", "NVIDIA-H100-80GB-HBM3", "-o", "json"]);
    let gpu = &v["gpus"][0];
    assert_eq!(gpu["model"], "H100-80GB");
    assert_eq!(gpu["source"], "catalog");
    assert_eq!(gpu["profiles"][6]["name"], "7g.80gb");
    assert_eq!(gpu["profiles"][6]["multiprocessors"], 132);
    assert_eq!(gpu["profiles"][6]["memoryGiB"], 79.25);
}

#[test]
fn profiles_from_nvidia_smi_captures() {
    let (lgip, lgipp, list) = (
        fixture("h100-80gb-hbm3.lgip.txt"),
        fixture("h100-80gb-hbm3.lgipp.txt"),
        fixture("h100-80gb-hbm3.L.txt"),
    );
    let text = ok(&[
        "profiles",
        "--from-nvidia-smi",
        &lgip,
        "--from-nvidia-smi",
        &lgipp,
        "--from-nvidia-smi",
        &list,
    ]);
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(cells).collect();
    assert_eq!(rows.len(), 7);
    assert_eq!(
        rows[2],
        [
            "H100-80GB",
            "1g.20gb",
            "15",
            "1/7",
            "2/8",
            "19.62",
            "26",
            "4",
            "{0,2,4,6}:2"
        ]
    );

    // Without -L the GPU has no name; the numbers are the capture's own.
    let text = ok(&[
        "profiles",
        "--from-nvidia-smi",
        &fixture("h200-141gb.lgip.txt"),
        "-o",
        "yaml",
    ]);
    let v: Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(v["gpus"][0]["source"], "nvidia-smi");
    assert_eq!(v["gpus"][0]["name"], Value::Null);
    assert_eq!(v["gpus"][0]["profiles"][6]["name"], "7g.141gb");
    assert_eq!(v["gpus"][0]["profiles"][6]["memoryGiB"], 140.0);
}

#[test]
fn profiles_errors() {
    let e = usage_error(&["profiles", "--gpu", "V100"]);
    assert_contains!(e, "unknown GPU model \"V100\"");
    assert_contains!(e, "H100-80GB");
    // An unreadable file is a failure (exit 1), not bad usage.
    let r = run_offline(&["profiles", "--from-nvidia-smi", "/nonexistent/lgip.txt"]);
    assert_exit!(r, 1);
    assert_contains!(
        r.stderr,
        "cannot read /nonexistent/lgip.txt (no such file); give a file saved from nvidia-smi"
    );
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    // Content that is not a capture is a failure (exit 1), like an unreadable file.
    let r = run_offline(&["profiles", "--from-nvidia-smi", manifest]);
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "is not the output of `nvidia-smi mig -lgip`");
}

#[test]
fn gpu_prefix_shows_every_matching_model() {
    let json = ok_json(&["profiles", "--gpu", "a100", "-o", "json"]);
    let models: Vec<&str> = items(&json["gpus"])
        .iter()
        .map(|g| g["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["A100-40GB", "A100-80GB"]);
    let json = ok_json(&["profiles", "--gpu", "NVIDIA-A100-SXM4-80GB", "-o", "json"]);
    assert_eq!(items(&json["gpus"]).len(), 1);
}

#[test]
fn plan_table() {
    let text = ok(&[
        "plan",
        "--vm-size",
        "Standard_ND96asr_v4",
        "--gpu-instance-profile",
        "MIG1g",
        "--node-count",
        "3",
        "--resource-group",
        "my-rg",
        "--cluster-name",
        "my-aks",
        "--name",
        "mig1g",
    ]);
    for expected in [
        "MIG1g -> MIG 1g.5gb (profile ID 19)",
        "1/7 of the SMs (14 SMs), 1/8 of the memory (4.75 GiB)",
        "7 per GPU, 56 per node, 168 in the pool (3 nodes)",
        "nvidia.com/gpu: 56",
        "nvidia.com/mig-1g.5gb: 56",
        "az aks nodepool add --resource-group my-rg --cluster-name my-aks --name mig1g \
         --node-vm-size Standard_ND96asr_v4 --node-count 3 --gpu-instance-profile MIG1g",
        "PUT /subscriptions/<subscription-id>/resourceGroups/my-rg/providers/\
         Microsoft.ContainerService/managedClusters/my-aks/agentPools/mig1g?api-version=2021-08-01",
        "\"gpuInstanceProfile\": \"MIG1g\"",
        "kubectl mig install --strategy single && kubectl mig run --profile 1g.5gb",
        "kubectl mig install --strategy mixed && kubectl mig run --profile 1g.5gb",
    ] {
        assert_contains!(text, expected);
    }
    let strategy_rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with("single ") || l.starts_with("mixed "))
        .map(cells)
        .collect();
    assert_eq!(
        strategy_rows,
        [
            vec!["single", "nvidia.com/gpu:", "56", "nvidia.com/gpu:", "1"],
            vec![
                "mixed",
                "nvidia.com/mig-1g.5gb:",
                "56",
                "nvidia.com/mig-1g.5gb:",
                "1"
            ],
        ]
    );
}

#[test]
fn plan_json() {
    let v = ok_json(&[
        "plan",
        "--vm-size",
        "nc96ads_a100_v4",
        "--gpu-instance-profile",
        "mig2g",
        "--node-count",
        "2",
        "-o",
        "json",
    ]);
    assert_eq!(v["vmSize"], "Standard_NC96ads_A100_v4");
    assert_eq!(v["gpu"]["model"], "A100-80GB");
    assert_eq!(v["gpu"]["count"], 4);
    assert_eq!(v["gpuInstanceProfile"], "MIG2g");
    assert_eq!(v["migProfile"]["name"], "2g.20gb");
    assert_eq!(v["migProfile"]["smFraction"], "2/7");
    assert_eq!(v["migProfile"]["memoryFraction"], "2/8");
    assert_eq!(
        v["instances"],
        serde_json::json!({"perGpu": 3, "perNode": 12, "pool": 24})
    );
    assert_eq!(v["strategies"][1]["resource"], "nvidia.com/mig-2g.20gb");
    assert_eq!(v["strategies"][1]["allocatablePerNode"], 12);
    let arm = &v["arm"];
    assert_eq!(arm["apiVersion"], "2021-08-01");
    assert_eq!(arm["body"]["properties"]["count"], 2);
    assert_eq!(
        arm["body"]["properties"]["vmSize"],
        "Standard_NC96ads_A100_v4"
    );
    assert_eq!(arm["body"]["properties"]["gpuInstanceProfile"], "MIG2g");
    assert_contains!(
        v["azCommand"].as_str().unwrap(),
        "--resource-group <resource-group>"
    );
}

#[test]
fn plan_errors() {
    let plan = |size: &str, profile: &str| {
        usage_error(&["plan", "--vm-size", size, "--gpu-instance-profile", profile])
    };
    let e = plan("Standard_Nope", "MIG1g");
    assert_contains!(e, "unknown VM size \"Standard_Nope\"");
    assert_contains!(e, "Standard_ND96isr_H100_v5");
    let e = plan("Standard_NC4as_T4_v3", "MIG1g");
    assert_contains!(e, "T4");
    assert_contains!(e, "no MIG");
    let e = plan("Standard_ND96asr_v4", "MIG6g");
    assert_contains!(e, "MIG1g, MIG2g, MIG3g, MIG4g, MIG7g");
    let e = usage_error(&[
        "plan",
        "--vm-size",
        "Standard_ND96asr_v4",
        "--gpu-instance-profile",
        "MIG1g",
        "--name",
        "MyMigPool",
    ]);
    assert_contains!(e, "node pool name \"MyMigPool\"");
    // A missing required flag is clap's own usage error, also exit 2.
    let r = run_offline(&["plan", "--vm-size", "Standard_ND96asr_v4"]);
    assert_exit!(r, 2);
}

#[test]
fn profiles_for_newer_gpus_print_dashes_for_unpublished_numbers() {
    let text = ok(&["profiles", "--gpu", "GB200"]);
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(cells).collect();
    assert_eq!(
        rows[3],
        ["GB200", "2g.47gb", "14", "2/7", "2/8", "45.50", "38", "3", "-"]
    );
    assert_eq!(
        rows[6],
        ["GB200", "7g.186gb", "0", "7/7", "8/8", "-", "-", "1", "-"]
    );
    let text = ok(&["profiles", "--gpu", "RTX-PRO-6000", "-o", "wide"]);
    assert_contains!(text, "1g.24gb+me.all");
    assert_contains!(text, "2g.48gb-me");
    let v = ok_json(&["profiles", "--gpu", "A100-80GB", "-o", "json"]);
    let gpu = &v["gpus"][0];
    assert_eq!(gpu["profiles"][4]["name"], "3g.40gb");
    assert_eq!(
        gpu["profiles"][4]["aliases"],
        serde_json::json!(["3g.39gb"])
    );
    assert!(
        gpu["profiles"][0].get("aliases").is_none(),
        "omitted when none"
    );
    let v = ok_json(&["profiles", "--gpu", "B300", "-o", "json"]);
    assert_contains!(v["gpus"][0]["sources"].as_str().unwrap(), "not published");
    assert_eq!(v["gpus"][0]["profiles"][0]["id"], Value::Null);
    assert_eq!(v["gpus"][0]["profiles"][0]["maxInstances"], 7);
}

#[test]
fn plan_layout_that_fits() {
    let text = ok(&[
        "plan",
        "--layout",
        "1g.10gb=2,2g.20gb=1,3g.40gb=1",
        "--gpu",
        "H100-80GB",
    ]);
    for expected in [
        "Layout:     3g.40gb=1,2g.20gb=1,1g.10gb=2 fits",
        "Placement:  2g.20gb@0 (slices 0-1), 1g.10gb@2 (slice 2), 1g.10gb@3 (slice 3), \
         3g.40gb@4 (slices 4-7)",
        "Uses:       7/7 compute slices, 8/8 memory slices",
        "single: cannot serve this layout",
        "mixed:  nvidia.com/mig-3g.40gb: 1 per GPU, nvidia.com/mig-2g.20gb: 1 per GPU, \
         nvidia.com/mig-1g.10gb: 2 per GPU",
        "kubectl label node <node> nvidia.com/mig.config=custom-3g.40gb-1.2g.20gb-1.1g.10gb-2",
        "      mig-devices:\n        3g.40gb: 1\n        2g.20gb: 1\n        1g.10gb: 2\n",
        "- '0x233010DE'",
    ] {
        assert_contains!(text, expected);
    }
    // Without a VM size there is no node, pool or AKS section.
    assert_lacks!(text, "PER NODE");
    assert_lacks!(text, "AKS");
}

#[test]
fn plan_layout_per_node_and_pool_with_the_aks_request() {
    let text = ok(&[
        "plan",
        "--layout",
        "1g.5gb=2,2g.10gb=1,3g.20gb=1",
        "--vm-size",
        "Standard_ND96asr_v4",
        "--node-count",
        "2",
        "--name",
        "mixed",
    ]);
    let row = text.lines().find(|l| l.starts_with("1g.5gb ")).unwrap();
    assert_eq!(
        cells(row),
        ["1g.5gb", "1/7", "1/8", "4.75", "2", "16", "32"]
    );
    for expected in [
        "VM size:    Standard_ND96asr_v4 (8 GPUs per node, 2 nodes)",
        "nvidia.com/mig-1g.5gb: 16 per node",
        "agentPools/mixed?api-version=2026-07-02-preview",
        "\"migStrategy\": \"Mixed\"",
        "ManagedGPUExperiencePreview",
        "cluster autoscaler is not supported",
    ] {
        assert_contains!(text, expected);
    }
    // An H100 pool: AKS documents no MIG<n>g mapping there, so no migProfiles request.
    let text = ok(&[
        "plan",
        "--layout",
        "1g.10gb=2,2g.20gb=1,3g.40gb=1",
        "--vm-size",
        "Standard_ND96isr_H100_v5",
    ]);
    assert_contains!(
        text,
        "AKS documents no MIG<n>g value that becomes 3g.40gb, 2g.20gb, 1g.10gb"
    );
    assert_lacks!(text, "migProfiles\"");
}

#[test]
fn plan_layout_that_does_not_fit_explains_and_exits_1() {
    let r = run_offline(&[
        "plan",
        "--layout",
        "3g.20gb=2,1g.5gb=1",
        "--gpu",
        "A100-40GB",
    ]);
    let line = error_line(&r, 1);
    assert_contains!(
        line,
        "layout 3g.20gb=2,1g.5gb=1 does not fit an A100-40GB: the instances need 9 memory slices \
         but an A100-40GB has 8; try one of the nearest layouts printed"
    );
    assert_contains!(r.stdout, "Why:        the instances need 9 memory slices");
    let nearest: Vec<Vec<&str>> = r
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("LAYOUT"))
        .skip(1)
        .map(cells)
        .collect();
    assert_eq!(nearest[1], ["3g.20gb=2", "drop", "1", "x", "1g.5gb"]);
    assert_lacks!(r.stdout, "mig-devices");

    let r = run_offline(&[
        "plan",
        "--layout",
        "7g.40gb=1,1g.5gb=1",
        "--gpu",
        "A100-40GB",
        "-o",
        "json",
    ]);
    assert_exit!(r, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["status"], "doesNotFit");
    assert_eq!(v["nearest"][0]["layout"], "7g.40gb=1");
    assert_eq!(v["nearest"][0]["change"], "drop 1 x 1g.5gb");
    assert_eq!(v["migParted"], Value::Null);
}

#[test]
fn plan_layout_json() {
    let v = ok_json(&[
        "plan",
        "--layout",
        "4g.20gb=1,3g.20gb=1",
        "--gpu",
        "A100-40GB",
        "-o",
        "json",
    ]);
    assert_eq!(v["status"], "fits");
    assert_eq!(v["placement"]["instances"][1]["profile"], "3g.20gb");
    assert_eq!(v["placement"]["instances"][1]["start"], 4);
    assert_eq!(v["profiles"][0]["perGpu"], 1);
    assert_eq!(v["strategies"][0]["supported"], false);
    let config = &v["migParted"]["config"];
    assert_eq!(config["version"], "v1");
    let entry = &config["mig-configs"]["custom-4g.20gb-1.3g.20gb-1"][0];
    assert_eq!(entry["devices"], "all");
    assert_eq!(entry["mig-devices"]["4g.20gb"], 1);
    assert_eq!(entry["device-filter"][0], "0x20B010DE");
    // A GPU without published placements: planned, but marked unchecked.
    let v = ok_json(&[
        "plan",
        "--layout",
        "1g.23gb=2,2g.45gb=1,3g.90gb=1",
        "--gpu",
        "B200",
        "-o",
        "json",
    ]);
    assert_eq!(v["status"], "unchecked");
    assert_contains!(
        v["reason"].as_str().unwrap(),
        "NVIDIA publishes no placements"
    );
}

#[test]
fn plan_layout_usage_errors() {
    let e = usage_error(&["plan", "--layout", "1g.5gb=2"]);
    assert_contains!(e, "--layout needs the GPU");
    let e = usage_error(&["plan", "--layout", "1g.12gb=1", "--gpu", "A100-40GB"]);
    assert_contains!(e, "A100-40GB has no MIG profile 1g.12gb");
    let e = usage_error(&[
        "plan",
        "--layout",
        "1g.5gb=2",
        "--gpu",
        "A100-40GB",
        "--node-count",
        "2",
    ]);
    assert_contains!(e, "--node-count needs --vm-size");
    let r = run_offline(&[
        "plan",
        "--layout",
        "1g.5gb=2",
        "--vm-size",
        "Standard_ND96asr_v4",
        "--gpu-instance-profile",
        "MIG1g",
    ]);
    assert_exit!(r, 2);
}

#[test]
fn plan_prints_every_way_to_create_the_pool() {
    let text = ok(&[
        "plan",
        "--vm-size",
        "Standard_NC24ads_A100_v4",
        "--gpu-instance-profile",
        "MIG1g",
        "--name",
        "mig1g",
    ]);
    for expected in [
        "--gpu-instance-profile MIG1g --enable-managed-gpu=true --gpu-mig-strategy Single",
        "--gpu-instance-profile MIG1g --enable-managed-gpu=true --gpu-mig-strategy Mixed",
        "agentPools/mig1g?api-version=2026-07-02-preview",
        "Azure CLI 2.85.0 or later; the aks-preview extension 19.0.0b29 or later",
        "resource \"azurerm_kubernetes_cluster_node_pool\" \"mig1g\" {",
        "    gpu_instance          = \"MIG1g\"",
    ] {
        assert_contains!(text, expected);
    }
    // AKS documents MIG1g on A100 80GB: no note that the mapping is kubectl mig's reading.
    assert_lacks!(text, "Note:");
    let v = ok_json(&[
        "plan",
        "--vm-size",
        "Standard_ND96isr_H200_v5",
        "--gpu-instance-profile",
        "MIG2g",
        "-o",
        "json",
    ]);
    assert_eq!(v["migProfile"]["documented"], false);
    assert_eq!(
        v["managedGpu"]["arm"]["body"]["properties"]["gpuProfile"]["nvidia"]["migProfiles"],
        serde_json::json!(["MIG2g"])
    );
    assert_contains!(
        v["terraform"].as_str().unwrap(),
        "gpu_instance          = \"MIG2g\""
    );
    assert_contains!(v["vmSizeSource"].as_str().unwrap(), "8 x H200");
}
