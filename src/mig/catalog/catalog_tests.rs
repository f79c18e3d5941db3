use super::*;

#[test]
fn maps_product_labels_to_gpus() {
    let model = |label: &str| gpu_for_product(label).map(|g| g.model);
    assert_eq!(model("NVIDIA-A100-SXM4-40GB"), Some("A100-40GB"));
    assert_eq!(model("A100-SXM4-40GB"), Some("A100-40GB"));
    assert_eq!(model("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"), Some("A100-40GB"));
    assert_eq!(model("NVIDIA-A100-PCIE-40GB"), Some("A100-40GB"));
    assert_eq!(model("NVIDIA-A100-80GB-PCIe"), Some("A100-80GB"));
    assert_eq!(
        model("NVIDIA-A100-SXM4-80GB-MIG-INVALID"),
        Some("A100-80GB")
    );
    assert_eq!(model("NVIDIA-H100-80GB-HBM3"), Some("H100-80GB"));
    assert_eq!(model("NVIDIA H100 80GB HBM3"), Some("H100-80GB"));
    assert_eq!(model("NVIDIA-H100-NVL"), Some("H100-NVL"));
    assert_eq!(
        model("NVIDIA-H100-NVL-MIG-1g.12gb-SHARED"),
        Some("H100-NVL")
    );
    assert_eq!(model("NVIDIA-H100-PCIe"), Some("H100-PCIE"));
    assert_eq!(model("NVIDIA-H200"), Some("H200"));
    assert_eq!(model("NVIDIA-A30"), Some("A30"));
    assert_eq!(model("NVIDIA-B200"), Some("B200"));
    assert_eq!(model("Tesla-T4"), None);
    assert_eq!(model("NVIDIA-A10"), None);
    assert_eq!(model(""), None);
}

#[test]
fn finds_gpus_by_model_alias_or_product() {
    assert_eq!(find_gpu("h100-80gb").unwrap().model, "H100-80GB");
    assert_eq!(find_gpu("A100").unwrap().model, "A100-40GB");
    assert_eq!(find_gpu("H100-94GB").unwrap().model, "H100-NVL");
    assert_eq!(find_gpu("NVIDIA-H200").unwrap().model, "H200");
    assert!(find_gpu("V100").is_none());
}

/// The classic A100 40GB table (NVIDIA MIG User Guide; AKS "Create a multi-instance GPU node
/// pool"): instances per GPU and fractions of SMs and memory.
#[test]
fn a100_40gb_classic_table() {
    let gpu = find_gpu("A100-40GB").unwrap();
    let expected = [
        ("1g.5gb", 7, 1, 1),
        ("2g.10gb", 3, 2, 2),
        ("3g.20gb", 2, 3, 4),
        ("4g.20gb", 1, 4, 4),
        ("7g.40gb", 1, 7, 8),
    ];
    for (name, max, sm_sevenths, memory_eighths) in expected {
        let p = gpu.profile(name).unwrap();
        assert_eq!(p.max_instances, Some(max), "{name}");
        assert_eq!(
            (p.compute_slices, gpu.compute_slices),
            (sm_sevenths, 7),
            "{name}"
        );
        assert_eq!(
            (p.memory_slices, gpu.memory_slices),
            (memory_eighths, 8),
            "{name}"
        );
    }
}

#[test]
fn catalog_is_consistent() {
    for gpu in gpus() {
        assert!(!gpu.profiles.is_empty(), "{}", gpu.model);
        for p in gpu.profiles {
            let parsed = parse_profile_name(p.name).unwrap();
            assert_eq!(parsed.slices, p.compute_slices, "{} {}", gpu.model, p.name);
            assert_eq!(parsed.media_extensions, p.media_extensions());
            assert!(p.compute_slices <= gpu.compute_slices);
            assert!(p.memory_slices <= gpu.memory_slices);
            // Without +me, every start slot is one instance that fits; +me is one per GPU.
            if let Some(starts) = p.placements {
                let fit = if p.media_extensions() {
                    1
                } else {
                    starts.len() as u32
                };
                assert_eq!(p.max_instances, Some(fit), "{} {}", gpu.model, p.name);
                assert!(starts
                    .iter()
                    .all(|s| s + p.memory_slices <= gpu.memory_slices));
            }
            assert!(gpu.profile(&format!("MIG {}", p.name)).is_some());
            // The memory figure of the name is the GPU's total over its memory slices, within
            // rounding (1g.5gb of 40GB is 1/8; 3g.139gb of GB300's 278GB is 4/8).
            let last = gpu.profiles.last().unwrap();
            let whole = parse_profile_name(last.name).unwrap();
            if last.compute_slices == gpu.compute_slices && p.compute_slices < gpu.compute_slices {
                let share = f64::from(parsed.memory_gb) / f64::from(whole.memory_gb);
                let slices = share * f64::from(gpu.memory_slices);
                assert!(
                    (slices - f64::from(p.memory_slices)).abs() < 0.3,
                    "{} {}",
                    gpu.model,
                    p.name
                );
            }
        }
        // A GPU's placements are published for all its profiles or none.
        let placed = gpu
            .profiles
            .iter()
            .filter(|p| p.placements.is_some())
            .count();
        assert!(placed == 0 || placed == gpu.profiles.len(), "{}", gpu.model);
        assert!(gpu.products.iter().all(|p| gpu_for_product(p) == Some(gpu)));
        for (alias, canonical) in gpu.profile_aliases {
            assert_eq!(
                gpu.profile(alias).unwrap().name,
                *canonical,
                "{}",
                gpu.model
            );
            assert!(gpu.profiles.iter().all(|p| p.name != *alias), "{alias}");
        }
        if let Some(ids) = gpu.device_ids {
            for id in ids.ids {
                assert!(
                    id.len() == 10 && id.starts_with("0x") && id.ends_with("10DE"),
                    "{id}"
                );
            }
        }
    }
}

/// Profile names that changed across drivers find the catalog's profile.
#[test]
fn aliases_find_profiles() {
    let gpu = |m| find_gpu(m).unwrap();
    assert_eq!(gpu("A100-80GB").profile("3g.39gb").unwrap().name, "3g.40gb");
    assert_eq!(
        gpu("A100-80GB").profile("MIG 7g.79gb").unwrap().name,
        "7g.80gb"
    );
    assert_eq!(gpu("A100-40GB").profile("3g.21gb").unwrap().name, "3g.20gb");
    assert_eq!(gpu("GB200").profile("1g.24gb").unwrap().name, "1g.23gb");
    assert_eq!(
        gpu("GB200").profile("1g.24gb+me").unwrap().name,
        "1g.23gb+me"
    );
    assert_eq!(gpu("A100-80GB").aliases_of("3g.40gb"), ["3g.39gb"]);
    // An alias is per GPU: 3g.39gb means nothing on an H100.
    assert!(gpu("H100-80GB").profile("3g.39gb").is_none());
}

/// The GPUs added from NVIDIA's published data (research/layouts.md §1): what is published is
/// there, what is not stays `None`.
#[test]
fn newer_gpus() {
    let gb200 = find_gpu("NVIDIA-GB200").unwrap();
    let p = gb200.profile("2g.47gb").unwrap();
    assert_eq!(
        (p.id, p.multiprocessors, p.memory_gib),
        (Some(14), Some(38), Some(45.5))
    );
    let p = gb200.profile("7g.186gb").unwrap();
    assert_eq!((p.id, p.multiprocessors, p.engines), (Some(0), None, None));
    assert!(gb200.profiles.iter().all(|p| p.placements.is_none()));
    let rtx = find_gpu("NVIDIA-RTX-PRO-6000-Blackwell-Server-Edition").unwrap();
    assert_eq!((rtx.compute_slices, rtx.memory_slices), (4, 4));
    let p = rtx.profile("1g.24gb+me.all").unwrap();
    assert_eq!(p.variant(), Variant::AllMediaEngines);
    assert_eq!(p.engines.unwrap().decoders, 4);
    assert_eq!(
        rtx.profile("2g.48gb-me").unwrap().engines.unwrap().decoders,
        0
    );
    assert_eq!(find_gpu("B300-SXM6-AC").unwrap().model, "B300");
    assert_eq!(
        find_gpu("gb300")
            .unwrap()
            .profile("1g.35gb")
            .unwrap()
            .memory_slices,
        1
    );
    // 1g.35gb is one memory slice on GB300 but two on H200: names mean nothing without the GPU.
    assert_eq!(
        find_gpu("H200")
            .unwrap()
            .profile("1g.35gb")
            .unwrap()
            .memory_slices,
        2
    );
    let h20 = find_gpu("NVIDIA-H20").unwrap();
    assert!(h20
        .profiles
        .iter()
        .all(|p| p.max_instances.is_none() && p.id.is_none()));
    let gh = find_gpu("GH200-144GB").unwrap();
    assert_eq!(gh.profile("1g.18gb").unwrap().multiprocessors, Some(16));
    assert_eq!(gh.profile("7g.144gb").unwrap().id, None);
    // GH200 144GB and H200 share 1g.18gb; the product label tells them apart.
    assert_eq!(gpu_for_product("NVIDIA-H200").unwrap().model, "H200");
}
