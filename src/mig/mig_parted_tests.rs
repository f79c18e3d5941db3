use super::*;

/// The `config.yaml` of the real `default-mig-parted-config` (tests/fixtures/mig-manager).
fn default_config() -> Config {
    let file = include_str!("../../tests/fixtures/mig-manager/default-mig-parted-config.yaml");
    let cm: serde_yaml::Value = serde_yaml::from_str(file).unwrap();
    parse(cm["data"][CONFIG_KEY].as_str().unwrap()).unwrap()
}

#[test]
fn reads_the_gpu_operators_default_layouts() {
    let config = default_config();
    for name in [
        "all-disabled",
        "all-enabled",
        "all-1g.5gb",
        "all-balanced",
        "all-1g.10gb",
    ] {
        assert!(config.layouts.contains_key(name), "{name}");
    }
    let disabled = &config.layouts["all-disabled"][0];
    assert!(!disabled.mig_enabled && disabled.mig_devices.is_empty());
    assert_eq!(disabled.devices, Devices::All);
    let me = &config.layouts["all-1g.5gb.me"][0];
    assert_eq!(me.mig_devices["1g.5gb+me"], 1);
    // device-filter as a list and as a string (the A30 entry)
    let balanced = &config.layouts["all-balanced"];
    assert!(balanced.iter().any(|e| e.device_filter == ["0x20B710DE"]));
    assert!(balanced.iter().any(|e| e.device_filter.len() == 4));
}

#[test]
fn walks_the_layout_over_a_nodes_gpus() {
    let config = default_config();
    let a100 = ["0x20B010DE"];
    let gpus = walk(&config.layouts["all-balanced"], 8, &a100);
    assert_eq!(gpus.len(), 8);
    let g = gpus[0].as_ref().unwrap();
    assert!(g.mig_enabled);
    assert_eq!(
        g.devices,
        BTreeMap::from([
            ("1g.5gb".into(), 2),
            ("2g.10gb".into(), 1),
            ("3g.20gb".into(), 1)
        ])
    );
    // A layout for 80GB parts only walks no A100 40GB GPU.
    let h100_only = parse(
        "version: v1\nmig-configs:\n  x:\n    - device-filter: \"0x233010DE\"\n      devices: all\n      mig-enabled: true\n      mig-devices: {\"1g.10gb\": 7}\n",
    )
    .unwrap();
    assert!(walk(&h100_only.layouts["x"], 2, &a100)
        .iter()
        .all(Option::is_none));
}

#[test]
fn later_entries_win_and_indexes_select_gpus() {
    let config = parse(
        "version: v1
mig-configs:
  custom:
    - devices: all
      mig-enabled: false
    - devices: [1]
      mig-enabled: true
      mig-devices: {\"1g.5gb\": 7}
",
    )
    .unwrap();
    let gpus = walk(&config.layouts["custom"], 3, &[]);
    assert!(!gpus[0].as_ref().unwrap().mig_enabled);
    assert_eq!(gpus[1].as_ref().unwrap().devices["1g.5gb"], 7);
    assert!(!gpus[2].as_ref().unwrap().mig_enabled);
}

#[test]
fn refuses_what_mig_parted_refuses() {
    let bad = [
        ("mig-configs: {x: [{devices: all, mig-enabled: false}]}", "version"),
        ("version: v2\nmig-configs: {x: [{devices: all, mig-enabled: false}]}", "v2"),
        ("version: v1\nmig-configs: {}", "at least one"),
        ("version: v1\nmig-configs: {x: [{devices: all, mig-enabled: true}]}", "missing"),
        (
            "version: v1\nmig-configs: {x: [{devices: all, mig-enabled: false, mig-devices: {1g.5gb: 1}}]}",
            "mig-enabled is false",
        ),
        ("version: v1\nmig-configs: {x: [{devices: some, mig-enabled: false}]}", "devices"),
        (
            "version: v1\nmig-configs: {x: [{devices: all, mig-enabled: true, mig-devices: {1g.5gb: 0}}]}",
            "0",
        ),
        (
            "version: v1\nmig-configs: {x: [{devices: all, mig-enabled: true, mig-devices: {big: 1}}]}",
            "not a MIG profile",
        ),
        ("version: v1\nmig-configs: {x: [{devices: all, mig-enabled: false, extra: 1}]}", "extra"),
        ("version: v1\nextra: 1\nmig-configs: {}", "extra"),
    ];
    for (text, needle) in bad {
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains(needle), "{text}: {err}");
    }
    let ok = "version: v1\nmig-configs: {x: [{devices: all, mig-enabled: true, mig-devices: {}}]}";
    assert!(parse(ok).unwrap().layouts["x"][0].mig_devices.is_empty());
}

#[test]
fn profile_names_as_mig_parted_accepts_them() {
    for good in [
        "1g.5gb",
        "1g.5gb+me",
        "1c.3g.20gb",
        "1g.24gb-me",
        "1g.24gb+me.all",
        "7g.141gb",
    ] {
        assert!(valid_profile(good), "{good}");
    }
    for bad in ["", "1g", "g.5gb", "1g.gb", "x.5gb", "1g.5gb!"] {
        assert!(!valid_profile(bad), "{bad}");
    }
    assert_eq!(resource_profile("1g.5gb+me"), "1g.5gb.me");
}
