//! Renders entries of the GPU Operator MIG manager's config (mig-parted `version: v1`,
//! `mig-configs`) for a layout: one named config, one entry per GPU model with NVIDIA's PCI
//! `device-filter` ids. Pure; the parser of the same format lives elsewhere.
//!
//! Format (NVIDIA/mig-parted `api/spec/v1/spec.go` @ bd7160f): `device-filter` is a string or a
//! list of `0x<device><vendor>` ids, `devices` is `all` or GPU indexes, `mig-enabled` is required,
//! `mig-devices` maps profile names (as the driver reports them, `+` kept) to counts.

use crate::mig::catalog::Gpu;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// A whole config file with one named config (what goes under the ConfigMap's `config.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedConfig {
    /// Always `v1`.
    pub version: &'static str,
    /// The config name and its entries.
    #[serde(rename = "mig-configs", serialize_with = "one_config")]
    pub mig_configs: (String, Vec<RenderedEntry>),
}

/// One entry of a named config: the GPUs it applies to and their layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedEntry {
    /// PCI ids of the GPU models it applies to; absent means every GPU.
    #[serde(rename = "device-filter", skip_serializing_if = "Vec::is_empty")]
    pub device_filter: Vec<String>,
    /// `all`, or the node-wide GPU indexes.
    #[serde(serialize_with = "devices")]
    pub devices: Option<Vec<u32>>,
    /// Whether MIG is on.
    #[serde(rename = "mig-enabled")]
    pub mig_enabled: bool,
    /// Profile name -> instances per GPU, in the layout's order.
    #[serde(rename = "mig-devices", serialize_with = "ordered_map")]
    pub mig_devices: Vec<(String, u32)>,
}

/// The entry that cuts every GPU of `gpu`'s model (by NVIDIA's device ids, when published) into
/// `layout`.
pub fn render_entry(gpu: &Gpu, layout: &[(&str, u32)]) -> RenderedEntry {
    RenderedEntry {
        device_filter: gpu
            .device_ids
            .map(|d| d.ids.iter().map(|id| id.to_string()).collect())
            .unwrap_or_default(),
        devices: None,
        mig_enabled: true,
        mig_devices: layout.iter().map(|(p, c)| (p.to_string(), *c)).collect(),
    }
}

/// A config file holding `entries` under `name`.
pub fn render_config(name: &str, entries: Vec<RenderedEntry>) -> RenderedConfig {
    RenderedConfig {
        version: "v1",
        mig_configs: (name.to_string(), entries),
    }
}

/// A config name for a layout, usable as the `nvidia.com/mig.config` label value:
/// `custom-1g.10gb-2.2g.20gb-1` (mig-parted writes `+` as `.` in names), or `custom-layout`
/// when that would pass the 63 characters a label value may have.
pub fn config_name(layout: &[(&str, u32)]) -> String {
    let parts: Vec<String> = layout
        .iter()
        .map(|(p, c)| format!("{}-{c}", p.replace('+', ".")))
        .collect();
    let name = format!("custom-{}", parts.join("."));
    if name.len() <= 63 {
        name
    } else {
        "custom-layout".to_string()
    }
}

/// The config as YAML text.
pub fn to_yaml(config: &RenderedConfig) -> String {
    serde_yaml::to_string(config).unwrap_or_default()
}

fn one_config<S: Serializer>(
    config: &(String, Vec<RenderedEntry>),
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(1))?;
    map.serialize_entry(&config.0, &config.1)?;
    map.end()
}

fn devices<S: Serializer>(devices: &Option<Vec<u32>>, s: S) -> Result<S::Ok, S::Error> {
    match devices {
        None => s.serialize_str("all"),
        Some(list) => list.serialize(s),
    }
}

fn ordered_map<S: Serializer>(pairs: &[(String, u32)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mig::catalog::find_gpu;

    #[test]
    fn renders_one_entry_per_gpu_model() {
        let layout = [("3g.40gb", 1), ("2g.20gb", 1), ("1g.10gb", 2)];
        let name = config_name(&layout);
        assert_eq!(name, "custom-3g.40gb-1.2g.20gb-1.1g.10gb-2");
        let gpu = find_gpu("H100-80GB").unwrap();
        let config = render_config(&name, vec![render_entry(gpu, &layout)]);
        assert_eq!(
            to_yaml(&config),
            "version: v1\n\
             mig-configs:\n  \
               custom-3g.40gb-1.2g.20gb-1.1g.10gb-2:\n  \
               - device-filter:\n    \
                 - '0x233010DE'\n    - '0x233110DE'\n    - '0x232210DE'\n    - '0x20B210DE'\n    \
                 - '0x20B510DE'\n    - '0x20F310DE'\n    - '0x20F510DE'\n    - '0x232410DE'\n    \
                 devices: all\n    \
                 mig-enabled: true\n    \
                 mig-devices:\n      \
                   3g.40gb: 1\n      2g.20gb: 1\n      1g.10gb: 2\n"
        );
        // What mig-parted reads back: the structure of its spec.
        let v: serde_yaml::Value = serde_yaml::from_str(&to_yaml(&config)).unwrap();
        let entry = &v["mig-configs"][name.as_str()][0];
        assert_eq!(entry["devices"], "all");
        assert_eq!(entry["mig-enabled"], true);
        assert_eq!(entry["mig-devices"]["1g.10gb"], 2);
    }

    #[test]
    fn names_fit_a_label_value() {
        assert_eq!(
            config_name(&[("1g.24gb+me.all", 1), ("2g.48gb-me", 1)]),
            "custom-1g.24gb.me.all-1.2g.48gb-me-1"
        );
        let long: Vec<(&str, u32)> = [
            "1g.5gb",
            "1g.10gb",
            "2g.10gb",
            "3g.20gb",
            "4g.20gb",
            "1g.5gb+me",
            "7g.40gb",
        ]
        .iter()
        .map(|p| (*p, 1))
        .collect();
        assert_eq!(config_name(&long), "custom-layout");
    }

    #[test]
    fn per_gpu_devices_render_as_a_list() {
        let mut entry = render_entry(find_gpu("A30").unwrap(), &[("4g.24gb", 1)]);
        entry.devices = Some(vec![0, 1]);
        let text = serde_yaml::to_string(&entry).unwrap();
        assert!(text.contains("devices:\n- 0\n- 1\n"), "{text}");
        assert!(text.contains("- '0x20B710DE'"), "{text}");
    }
}
