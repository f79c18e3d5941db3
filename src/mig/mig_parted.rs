//! The GPU Operator MIG manager's layouts: mig-parted's config file, read as NVIDIA/mig-parted
//! `api/spec/v1/spec.go` reads it (`version: v1`, `mig-configs: {<layout>: [entries]}`, each
//! entry `devices`, `mig-enabled`, `mig-devices` and an optional `device-filter`, a string or a
//! list), and walked over a node's GPUs as `WalkSelectedMigConfigForEachGPU` does. Pure.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The ConfigMap key the MIG manager reads.
pub const CONFIG_KEY: &str = "config.yaml";
/// The GPU Operator's ConfigMap of default layouts.
pub const DEFAULT_CONFIG_MAP: &str = "default-mig-parted-config";
/// The label of the per-node ConfigMap `<node>-mig-config` the MIG manager generates (v0.14+).
pub const NODE_NAME_LABEL: &str = "nvidia.com/node-name";

/// The per-node generated ConfigMap's name.
pub fn node_config_map(node: &str) -> String {
    format!("{node}-mig-config")
}

/// A parsed config file: layouts by name, in name order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `mig-configs`.
    pub layouts: BTreeMap<String, Vec<Entry>>,
}

/// One entry of a layout: which GPUs it applies to and what they become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `device-filter`: PCI ids; empty matches every GPU.
    pub device_filter: Vec<String>,
    /// `devices`.
    pub devices: Devices,
    /// `mig-enabled`.
    pub mig_enabled: bool,
    /// `mig-devices`: profile (as the driver names it, `1g.5gb+me`) → instances per GPU.
    pub mig_devices: BTreeMap<String, u32>,
}

/// `devices: all` or a list of node-wide GPU indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Devices {
    /// Every GPU.
    All,
    /// These GPU indexes.
    Indexes(Vec<u32>),
}

/// What one GPU becomes under a layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuLayout {
    /// MIG mode on.
    pub mig_enabled: bool,
    /// Instances per profile (no zero counts).
    pub devices: BTreeMap<String, u32>,
}

/// A config file mig-parted would refuse, in its words where it has them.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    version: Option<String>,
    #[serde(rename = "mig-configs")]
    mig_configs: Option<BTreeMap<String, Vec<RawEntry>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEntry {
    device_filter: Option<OneOrMany>,
    devices: serde_yaml::Value,
    mig_enabled: bool,
    mig_devices: Option<BTreeMap<String, i64>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Parses a config file.
pub fn parse(text: &str) -> Result<Config, ParseError> {
    let raw: RawSpec = serde_yaml::from_str(text)
        .map_err(|e| ParseError(format!("not a mig-parted config: {e}")))?;
    match raw.version.as_deref() {
        Some("v1") => {}
        None => {
            return Err(ParseError(
                "it has no 'version' field (mig-parted needs version: v1)".into(),
            ))
        }
        Some(other) => {
            return Err(ParseError(format!(
                "unknown version {other:?} (mig-parted reads v1)"
            )))
        }
    }
    let configs = raw.mig_configs.filter(|c| !c.is_empty()).ok_or_else(|| {
        ParseError("it has no layout (at least one entry in 'mig-configs' is required)".into())
    })?;
    let mut layouts = BTreeMap::new();
    for (name, entries) in configs {
        let entries = entries
            .into_iter()
            .map(|e| entry(e).map_err(|why| ParseError(format!("layout {name}: {why}"))))
            .collect::<Result<Vec<_>, _>>()?;
        layouts.insert(name, entries);
    }
    Ok(Config { layouts })
}

fn entry(raw: RawEntry) -> Result<Entry, String> {
    let devices = match &raw.devices {
        serde_yaml::Value::String(s) if s == "all" => Devices::All,
        serde_yaml::Value::Sequence(items) => Devices::Indexes(
            items
                .iter()
                .map(|i| i.as_u64().and_then(|i| u32::try_from(i).ok()))
                .collect::<Option<Vec<u32>>>()
                .ok_or("devices must be \"all\" or a list of GPU indexes")?,
        ),
        _ => return Err("devices must be \"all\" or a list of GPU indexes".into()),
    };
    let mut mig_devices = BTreeMap::new();
    match (raw.mig_enabled, raw.mig_devices) {
        (true, None) => return Err("mig-enabled is true but mig-devices is missing".into()),
        (false, Some(d)) if !d.is_empty() => {
            return Err("mig-devices is set although mig-enabled is false".into())
        }
        (_, Some(d)) => {
            // Only `mig-devices: {}` may be empty; all-zero counts are refused upstream.
            let d_was_empty = d.is_empty();
            for (profile, count) in d {
                if !valid_profile(&profile) {
                    return Err(format!("{profile:?} is not a MIG profile"));
                }
                let count = u32::try_from(count)
                    .map_err(|_| format!("the count of {profile} must be 0 or more"))?;
                if count > 0 {
                    mig_devices.insert(profile, count);
                }
            }
            if mig_devices.is_empty() && !d_was_empty {
                return Err("every count in mig-devices is 0".into());
            }
        }
        (false, None) => {}
    }
    let device_filter = match raw.device_filter {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    };
    Ok(Entry {
        device_filter,
        devices,
        mig_enabled: raw.mig_enabled,
        mig_devices,
    })
}

/// `1g.5gb`, `1g.5gb+me`, `1c.3g.20gb`, `1g.24gb-me`, `1g.24gb+me.all`: digits, `g.`, digits,
/// `gb`, then any suffix of letters, dots, `+` and `-`.
fn valid_profile(name: &str) -> bool {
    let rest = name.split_once("c.").map_or(name, |(c, rest)| {
        if c.bytes().all(|b| b.is_ascii_digit()) && !c.is_empty() {
            rest
        } else {
            name
        }
    });
    let Some((g, rest)) = rest.split_once("g.") else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some(at) = rest.find("gb") else {
        return false;
    };
    let suffix = &rest[at + 2..];
    digits(g)
        && digits(&rest[..at])
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b"+-.".contains(&b))
}

impl Entry {
    /// Whether this entry applies to GPU `index` whose PCI id is one of `ids`.
    pub fn applies_to(&self, ids: &[&str], index: u32) -> bool {
        let filtered = self.device_filter.is_empty()
            || self
                .device_filter
                .iter()
                .any(|f| crate::mig::pci::filter_matches(f, ids));
        let selected = match &self.devices {
            Devices::All => true,
            Devices::Indexes(list) => list.contains(&index),
        };
        filtered && selected
    }
}

/// What each of `gpus` GPUs (PCI ids `ids`) becomes under `entries`: later entries win; `None`
/// for a GPU no entry applies to (mig-parted leaves it as it is).
pub fn walk(entries: &[Entry], gpus: u32, ids: &[&str]) -> Vec<Option<GpuLayout>> {
    (0..gpus)
        .map(|i| {
            entries
                .iter()
                .rfind(|e| e.applies_to(ids, i))
                .map(|e| GpuLayout {
                    mig_enabled: e.mig_enabled,
                    devices: e.mig_devices.clone(),
                })
        })
        .collect()
}

/// The name the device plugin and GFD give a profile: `+` becomes `.` (`1g.5gb+me` → `1g.5gb.me`).
pub fn resource_profile(profile: &str) -> String {
    profile.replace('+', ".")
}

#[cfg(test)]
#[path = "mig_parted_tests.rs"]
mod tests;
