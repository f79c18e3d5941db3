//! Runs the real `kubectl-mig` binary for `profiles` and `plan` and checks what a user sees.

use std::process::{Command, Output};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/fixtures/nvidia-smi/"
);

fn kubectl_mig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-mig"))
        .args(args)
        // Keep a developer's cluster out of commands that never need one.
        .env("KUBECONFIG", "/nonexistent")
        .output()
        .expect("binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = kubectl_mig(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    assert!(stderr.is_empty(), "{args:?} wrote to stderr: {stderr}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs a command that must fail with exit code 2 and one `error:` line; returns that line.
fn usage_error(args: &[&str]) -> String {
    let out = kubectl_mig(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
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
    assert!(!text.contains('|'), "no box borders");
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
    let text = ok(&["profiles", "--gpu", "NVIDIA-H100-80GB-HBM3", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
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
    let v: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(v["gpus"][0]["source"], "nvidia-smi");
    assert_eq!(v["gpus"][0]["name"], serde_json::Value::Null);
    assert_eq!(v["gpus"][0]["profiles"][6]["name"], "7g.141gb");
    assert_eq!(v["gpus"][0]["profiles"][6]["memoryGiB"], 140.0);
}

#[test]
fn profiles_errors() {
    let e = usage_error(&["profiles", "--gpu", "V100"]);
    assert!(
        e.contains("unknown GPU model \"V100\"") && e.contains("H100-80GB"),
        "{e}"
    );
    // An unreadable file is a failure (exit 1), not bad usage.
    let out = kubectl_mig(&["profiles", "--from-nvidia-smi", "/nonexistent/lgip.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains(
            "cannot read /nonexistent/lgip.txt (no such file); give a file saved from nvidia-smi"
        ),
        "{e}"
    );
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    // Content that is not a capture is a failure (exit 1), like an unreadable file.
    let out = kubectl_mig(&["profiles", "--from-nvidia-smi", manifest]);
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("is not the output of `nvidia-smi mig -lgip`"),
        "{e}"
    );
}

#[test]
fn gpu_prefix_shows_every_matching_model() {
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["profiles", "--gpu", "a100", "-o", "json"])).unwrap();
    let models: Vec<&str> = json["gpus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["A100-40GB", "A100-80GB"]);
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "profiles",
        "--gpu",
        "NVIDIA-A100-SXM4-80GB",
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["gpus"].as_array().unwrap().len(), 1);
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
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
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
    let text = ok(&[
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
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
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
    assert_eq!(v["arm"]["apiVersion"], "2021-08-01");
    assert_eq!(v["arm"]["body"]["properties"]["count"], 2);
    assert_eq!(
        v["arm"]["body"]["properties"]["vmSize"],
        "Standard_NC96ads_A100_v4"
    );
    assert_eq!(
        v["arm"]["body"]["properties"]["gpuInstanceProfile"],
        "MIG2g"
    );
    assert!(v["azCommand"]
        .as_str()
        .unwrap()
        .contains("--resource-group <resource-group>"));
}

#[test]
fn plan_errors() {
    let plan = |size: &str, profile: &str| {
        usage_error(&["plan", "--vm-size", size, "--gpu-instance-profile", profile])
    };
    let e = plan("Standard_Nope", "MIG1g");
    assert!(
        e.contains("unknown VM size \"Standard_Nope\"") && e.contains("Standard_ND96isr_H100_v5"),
        "{e}"
    );
    let e = plan("Standard_NC4as_T4_v3", "MIG1g");
    assert!(e.contains("T4") && e.contains("no MIG"), "{e}");
    let e = plan("Standard_ND96asr_v4", "MIG6g");
    assert!(e.contains("MIG1g, MIG2g, MIG3g, MIG4g, MIG7g"), "{e}");
    let e = usage_error(&[
        "plan",
        "--vm-size",
        "Standard_ND96asr_v4",
        "--gpu-instance-profile",
        "MIG1g",
        "--name",
        "MyMigPool",
    ]);
    assert!(e.contains("node pool name \"MyMigPool\""), "{e}");
    // A missing required flag is clap's own usage error, also exit 2.
    let out = kubectl_mig(&["plan", "--vm-size", "Standard_ND96asr_v4"]);
    assert_eq!(out.status.code(), Some(2));
}
