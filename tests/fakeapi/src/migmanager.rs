//! The NVIDIA GPU Operator's MIG manager (`nvidia-mig-manager`, NVIDIA/mig-parted
//! `cmd/nvidia-mig-manager` + `pkg/mig/reconfigure`), simulated: it watches every node's
//! `nvidia.com/mig.config` label and, when the value changes, walks the same steps as the real
//! one (validate the layout, `pending`, pause the GPU clients' `gpu.deploy.*` labels, apply,
//! restore, `success` / `failed`), writing the node labels, the device plugin's resources and
//! GFD's labels for the new layout, and the manager pod's log. Fault knobs: `fail`, `wedge`
//! (gpu-operator#2833) and `delay`.

use crate::api::{yaml_to_json, FakeApi};
use crate::store::ChangeType;
use crate::util;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The label the manager watches.
pub const CONFIG_LABEL: &str = "nvidia.com/mig.config";
/// The label it reports its state in: `pending`, `success`, `failed` (`rebooting` is not modelled).
pub const STATE_LABEL: &str = "nvidia.com/mig.config.state";
/// The value the GPU clients' deploy labels hold while the manager works.
pub const PAUSED: &str = "paused-for-mig-change";
/// The labels paused while a layout is applied (`shutdownKubernetesGPUClients`).
pub const PAUSED_LABELS: [&str; 5] = [
    "nvidia.com/gpu.deploy.device-plugin",
    "nvidia.com/gpu.deploy.gpu-feature-discovery",
    "nvidia.com/gpu.deploy.dcgm-exporter",
    "nvidia.com/gpu.deploy.dcgm",
    "nvidia.com/gpu.deploy.nvsm",
];
const CLIENT_LABEL: &str = "nvidia.com/gpu.deploy.client";
const DEFAULT_CONFIG: &str = "default-mig-parted-config";
const DEFAULT_NAMESPACE: &str = "gpu-operator";
const DEFAULT_DELAY: Duration = Duration::from_millis(300);

/// The fixtures of `FakeApi::seed_mig_manager()`, in load order.
pub const MIG_MANAGER_FILES: &[(&str, &str)] = &[
    (
        "clusterpolicy.yaml",
        include_str!("../../fixtures/mig-manager/clusterpolicy.yaml"),
    ),
    (
        "default-mig-parted-config.yaml",
        include_str!("../../fixtures/mig-manager/default-mig-parted-config.yaml"),
    ),
    (
        "nodes.yaml",
        include_str!("../../fixtures/mig-manager/nodes.yaml"),
    ),
    (
        "mig-manager.yaml",
        include_str!("../../fixtures/mig-manager/mig-manager.yaml"),
    ),
];

/// An injected MIG manager failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigFault {
    /// Applying the layout fails: the labels are restored and the state ends `failed`.
    Fail,
    /// Waiting for the GPU clients to shut down times out: the manager gives up without setting
    /// a state, leaving `pending` and every `gpu.deploy.*` label paused (gpu-operator#2833).
    Wedge,
}

/// MIG manager knobs, global or per node (a node's `Some` fields override the global ones).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MigManagerKnobs {
    /// Time between `pending` and the apply (the GPU clients' shutdown and the repartitioning);
    /// 300 ms when unset.
    pub delay: Option<Duration>,
    /// A failure to inject.
    pub fault: Option<MigFault>,
    /// Time the device plugin and GFD take to publish the new resources and labels after the
    /// manager restored the labels and reported `success` (0 when unset: published first).
    pub plugin_lag: Option<Duration>,
}

#[derive(Default)]
struct Knobs {
    global: MigManagerKnobs,
    nodes: HashMap<String, MigManagerKnobs>,
}

/// The MIG manager's share of the server state (knobs).
#[derive(Default)]
pub(crate) struct State {
    knobs: Mutex<Knobs>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// ---- GPU facts ----

/// One MIG profile: name, memory MiB (GFD `.memory`), SMs (`.multiprocessors`), GI = CI slices.
type Profile = (&'static str, u64, u64, u64);

/// A GPU model: GFD product name, PCI device id (what `device-filter` matches), whole-GPU memory
/// MiB (GFD `gpu.memory`), its MIG profiles.
struct Model {
    product: &'static str,
    pci: &'static str,
    memory: u64,
    profiles: &'static [Profile],
}

/// Per-model facts. A100: memory from NVIDIA's go-nvml mock (`pkg/nvml/mock/dgxa100`,
/// `gpus/a100.go`), SMs from it and real GFD labels (7g.40gb: 98 SMs, 40192 MiB, prem-operator#39);
/// PCI ids from go-nvml and the default mig-parted config. H100 80GB HBM3 and H200: the real
/// `nvidia-smi mig -lgip` captures in /work/shared/fixtures/nvidia-smi (GiB × 1024; nvidia-smi
/// prints x.625 as x.62), whole-GPU memory from k8s-device-plugin#1501 (H100) and the H200's
/// `--query-gpu` capture; PCI ids from the default mig-parted config and that capture.
static MODELS: &[Model] = &[
    Model {
        product: "NVIDIA-A100-SXM4-40GB",
        pci: "0x20B010DE",
        memory: 40960,
        profiles: &[
            ("1g.5gb", 4864, 14, 1),
            ("1g.5gb+me", 4864, 14, 1),
            ("1g.10gb", 9856, 14, 1),
            ("2g.10gb", 9856, 28, 2),
            ("3g.20gb", 19968, 42, 3),
            ("4g.20gb", 19968, 56, 4),
            ("7g.40gb", 40192, 98, 7),
        ],
    },
    Model {
        product: "NVIDIA-A100-SXM4-80GB",
        pci: "0x20B210DE",
        memory: 81920,
        profiles: &[
            ("1g.10gb", 9856, 14, 1),
            ("1g.10gb+me", 9856, 14, 1),
            ("1g.20gb", 19968, 14, 1),
            ("2g.20gb", 19968, 28, 2),
            ("3g.40gb", 40192, 42, 3),
            ("4g.40gb", 40192, 56, 4),
            ("7g.80gb", 80384, 98, 7),
        ],
    },
    Model {
        product: "NVIDIA-H100-80GB-HBM3",
        pci: "0x233010DE",
        memory: 81559,
        profiles: &[
            ("1g.10gb", 9984, 16, 1),
            ("1g.10gb+me", 9984, 16, 1),
            ("1g.20gb", 20096, 26, 1),
            ("2g.20gb", 20096, 32, 2),
            ("3g.40gb", 40448, 60, 3),
            ("4g.40gb", 40448, 64, 4),
            ("7g.80gb", 81152, 132, 7),
        ],
    },
    Model {
        product: "NVIDIA-H200",
        pci: "0x233510DE",
        memory: 143771,
        profiles: &[
            ("1g.18gb", 16384, 16, 1),
            ("1g.18gb+me", 16384, 16, 1),
            ("1g.35gb", 33280, 26, 1),
            ("2g.35gb", 33280, 32, 2),
            ("3g.71gb", 71424, 60, 3),
            ("4g.71gb", 71424, 64, 4),
            ("7g.141gb", 143360, 132, 7),
        ],
    },
];

fn model_of(product: &str) -> Option<&'static Model> {
    let base = product.split("-MIG-").next().unwrap_or(product);
    let base = base.strip_suffix("-SHARED").unwrap_or(base);
    MODELS
        .iter()
        .find(|m| m.product == base || m.product.strip_prefix("NVIDIA-") == Some(base))
}

/// The resource / label name of a profile (`+` becomes `.`, as the device plugin and GFD do).
fn resource_profile(p: &str) -> String {
    p.replace('+', ".")
}

// ---- layouts (mig-parted config, `api/spec/v1`) ----

/// The layout state of one GPU.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Gpu {
    mig: bool,
    devices: BTreeMap<String, u64>,
}

/// Parses a mig-parted config file: `version: v1` and `mig-configs`.
fn parse_config(text: &str) -> Result<Map<String, Value>, String> {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| format!("unmarshal error: {e}"))?;
    let v = yaml_to_json(yaml).unwrap_or(Value::Null);
    match v.get("version").and_then(Value::as_str) {
        None => return Err("unmarshal error: unable to parse with missing 'version' field".into()),
        Some("v1") => {}
        Some(other) => return Err(format!("unmarshal error: unknown version: {other}")),
    }
    v.get("mig-configs")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| "unmarshal error: at least one entry in 'mig-configs' is required".into())
}

fn matches_filter(entry: &Value, pci: Option<&str>) -> bool {
    let ids: Vec<&str> = match entry.get("device-filter") {
        None | Some(Value::Null) => return true,
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(_) => return false,
    };
    pci.is_some_and(|p| ids.iter().any(|id| id.eq_ignore_ascii_case(p)))
}

fn matches_devices(entry: &Value, i: usize) -> bool {
    match entry.get("devices") {
        Some(Value::String(s)) => s == "all",
        Some(Value::Array(a)) => a.iter().any(|d| d.as_u64() == Some(i as u64)),
        _ => false,
    }
}

/// Walks a layout over the node's GPUs (`WalkSelectedMigConfigForEachGPU`): later entries win;
/// GPUs no entry matches keep their state. Returns the new states and whether every GPU matched.
fn walk(
    entries: &[Value],
    gpus: &[Gpu],
    model: Option<&Model>,
) -> Result<(Vec<Gpu>, bool), String> {
    let mut out = gpus.to_vec();
    let mut matched = vec![false; gpus.len()];
    for entry in entries {
        for (i, gpu) in out.iter_mut().enumerate() {
            if !matches_filter(entry, model.map(|m| m.pci)) || !matches_devices(entry, i) {
                continue;
            }
            matched[i] = true;
            let mig = entry["mig-enabled"].as_bool().unwrap_or(false);
            let mut devices = BTreeMap::new();
            for (p, n) in entry["mig-devices"].as_object().into_iter().flatten() {
                let n = n.as_u64().unwrap_or(0);
                if n == 0 {
                    continue;
                }
                if let Some(m) = model {
                    if !m.profiles.iter().any(|(name, ..)| name == p) {
                        return Err(format!(
                            "Error applying MIG configuration with hooks: MIG profile {p} is not supported on GPU {i} ({})",
                            m.product
                        ));
                    }
                }
                devices.insert(p.clone(), n);
            }
            *gpu = Gpu { mig, devices };
        }
    }
    Ok((out, matched.iter().all(|m| *m)))
}

// ---- runtime state per node ----

#[derive(Default)]
struct NodeRt {
    /// The label value last seen.
    seen: Option<String>,
    /// The config applied when the manager first saw the node (to work out the GPUs' state).
    baseline: Option<String>,
    model: Option<&'static str>,
    count: Option<usize>,
    gpus: Option<Vec<Gpu>>,
    running: bool,
    queued: Option<String>,
    /// The mig-manager pod whose process already restored the labels once: its package-level
    /// `NoRestartK8sDaemonsetsOnExit` stays true for the rest of its life.
    no_restart_pod: Option<String>,
}

type Nodes = Arc<Mutex<HashMap<String, NodeRt>>>;

fn label<'a>(node: &'a Value, k: &str) -> Option<&'a str> {
    node.pointer("/metadata/labels")
        .and_then(|l| l.get(k))
        .and_then(Value::as_str)
}

impl FakeApi {
    /// `seeded()`'s cluster plus the GPU Operator MIG fixtures of `tests/fixtures/mig-manager`:
    /// namespace `gpu-operator`, ClusterPolicy `cluster-policy`, the real `default-mig-parted-config`,
    /// nodes `dgx-a100-01` (8 × A100-SXM4-40GB, all-1g.5gb) and `hgx-h100-01` (8 × H100 80GB HBM3,
    /// all-1g.10gb), the `nvidia-mig-manager` DaemonSet and its pod on each.
    pub fn seed_mig_manager(&self) {
        for (_, text) in MIG_MANAGER_FILES {
            self.load_yaml(text);
        }
    }

    /// Global MIG manager knobs.
    pub fn set_mig_manager(&self, knobs: MigManagerKnobs) {
        lock(&self.inner.migmanager.knobs).global = knobs;
    }

    /// MIG manager knobs for one node (its `Some` fields override the global knobs).
    pub fn set_mig_manager_for_node(&self, node: &str, knobs: MigManagerKnobs) {
        lock(&self.inner.migmanager.knobs)
            .nodes
            .insert(node.to_string(), knobs);
    }

    /// The log of the mig-manager pod on `node` (container `nvidia-mig-manager`).
    pub fn mig_manager_log(&self, node: &str) -> Option<String> {
        let pod = manager_pod(self, node)?;
        self.log_of(pod["metadata"]["uid"].as_str()?, "nvidia-mig-manager")
    }

    fn mig_knobs(&self, node: &str) -> MigManagerKnobs {
        let k = lock(&self.inner.migmanager.knobs);
        let n = k.nodes.get(node).cloned().unwrap_or_default();
        MigManagerKnobs {
            delay: n.delay.or(k.global.delay),
            fault: n.fault.or(k.global.fault),
            plugin_lag: n.plugin_lag.or(k.global.plugin_lag),
        }
    }
}

/// The operator namespace: the ClusterPolicy's `status.namespace`, else `gpu-operator`.
fn operator_namespace(api: &FakeApi) -> (String, Option<Value>) {
    let cp = api.list("clusterpolicies").into_iter().next();
    let ns = cp
        .as_ref()
        .and_then(|c| c.pointer("/status/namespace"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_NAMESPACE)
        .to_string();
    (ns, cp)
}

fn manager_pod(api: &FakeApi, node: &str) -> Option<Value> {
    let (ns, _) = operator_namespace(api);
    let store = api.store();
    let pod = store
        .pods_on_node(node, Some(&ns), None)
        .map(|(_, e)| &e.obj)
        .find(|p| {
            p.pointer("/metadata/labels/app").and_then(Value::as_str) == Some("nvidia-mig-manager")
        })
        .cloned();
    pod
}

/// Appends logrus-style lines (`time=… level=… msg=…`) or plain ones to the manager pod's log.
struct Log<'a> {
    api: &'a FakeApi,
    node: &'a str,
}

impl Log<'_> {
    fn raw(&self, line: &str) {
        let Some(pod) = manager_pod(self.api, self.node) else {
            return;
        };
        let uid = pod["metadata"]["uid"].as_str().unwrap_or("");
        self.api.append_log(uid, "nvidia-mig-manager", line);
    }

    fn at(&self, level: &str, msg: &str) {
        let msg = msg.replace('\\', "\\\\").replace('"', "\\\"");
        self.raw(&format!(
            "time=\"{}\" level={level} msg=\"{msg}\"",
            util::now()
        ));
    }

    fn info(&self, msg: &str) {
        self.at("info", msg);
    }
}

/// Merges labels into a node (a `null` value removes one); returns the stored node.
fn patch_node(api: &FakeApi, name: &str, f: impl FnOnce(&mut Value)) -> Option<Value> {
    let mut store = api.store();
    let mut node = store.get("nodes", "", name)?.clone();
    let before = node.clone();
    f(&mut node);
    if node == before {
        return Some(node);
    }
    Some(store.put("nodes", node))
}

fn set_labels(api: &FakeApi, name: &str, labels: &[(&str, Option<String>)]) {
    patch_node(api, name, |n| {
        if !n["metadata"]["labels"].is_object() {
            n["metadata"]["labels"] = json!({});
        }
        let m = n["metadata"]["labels"].as_object_mut().expect("object");
        for (k, v) in labels {
            match v {
                Some(v) => {
                    m.insert(k.to_string(), json!(v));
                }
                None => {
                    m.remove(*k);
                }
            }
        }
    });
}

fn is_nvidia_resource(k: &str) -> bool {
    k == "nvidia.com/gpu" || k.starts_with("nvidia.com/mig-")
}

/// Sets allocatable of every NVIDIA resource to 0 (the device plugin is gone: kubelet marks its
/// devices unhealthy) or back to capacity (it registered again).
fn plugin_present(node: &mut Value, present: bool) {
    let cap = node["status"]["capacity"].clone();
    if let Some(alloc) = node["status"]["allocatable"].as_object_mut() {
        for (k, v) in cap.as_object().into_iter().flatten() {
            if is_nvidia_resource(k) {
                alloc.insert(k.clone(), if present { v.clone() } else { json!("0") });
            }
        }
    }
}

/// Publishes the device plugin's resources and GFD's labels for `gpus` on the node.
fn publish(node: &mut Value, model: &Model, gpus: &[Gpu], strategy: &str) {
    let mut res: BTreeMap<String, u64> = BTreeMap::new();
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    let whole = gpus.iter().filter(|g| !g.mig).count() as u64;
    let n = gpus.len() as u64;
    let mut per_profile: BTreeMap<String, u64> = BTreeMap::new();
    for g in gpus.iter().filter(|g| g.mig) {
        for (p, c) in &g.devices {
            *per_profile.entry(p.clone()).or_default() += c;
        }
    }
    let info = |p: &str| model.profiles.iter().find(|(name, ..)| *name == p).copied();
    labels.insert("nvidia.com/gpu.product".into(), model.product.into());
    labels.insert("nvidia.com/gpu.count".into(), n.to_string());
    labels.insert("nvidia.com/gpu.memory".into(), model.memory.to_string());
    labels.insert("nvidia.com/gpu.replicas".into(), "1".into());
    labels.insert("nvidia.com/gpu.sharing-strategy".into(), "none".into());
    match strategy {
        "mixed" => {
            res.insert("nvidia.com/gpu".into(), whole);
            for (p, c) in &per_profile {
                let rp = resource_profile(p);
                res.insert(format!("nvidia.com/mig-{rp}"), *c);
                let key = |s: &str| format!("nvidia.com/mig-{rp}.{s}");
                labels.insert(key("count"), c.to_string());
                labels.insert(key("product"), format!("{}-MIG-{rp}", model.product));
                labels.insert(key("replicas"), "1".into());
                labels.insert(key("sharing-strategy"), "none".into());
                if let Some((_, mem, sm, slices)) = info(p) {
                    labels.insert(key("memory"), mem.to_string());
                    labels.insert(key("multiprocessors"), sm.to_string());
                    labels.insert(key("slices.gi"), slices.to_string());
                    labels.insert(key("slices.ci"), slices.to_string());
                }
            }
        }
        "single" if gpus.iter().any(|g| g.mig) => {
            let valid =
                gpus.iter().all(|g| g.mig && !g.devices.is_empty()) && per_profile.len() == 1;
            if valid {
                let (p, c) = per_profile.iter().next().expect("one profile");
                let rp = resource_profile(p);
                res.insert("nvidia.com/gpu".into(), *c);
                labels.insert(
                    "nvidia.com/gpu.product".into(),
                    format!("{}-MIG-{rp}", model.product),
                );
                labels.insert("nvidia.com/gpu.count".into(), c.to_string());
                if let Some((_, mem, sm, slices)) = info(p) {
                    labels.insert("nvidia.com/gpu.memory".into(), mem.to_string());
                    labels.insert("nvidia.com/gpu.multiprocessors".into(), sm.to_string());
                    labels.insert("nvidia.com/gpu.slices.gi".into(), slices.to_string());
                    labels.insert("nvidia.com/gpu.slices.ci".into(), slices.to_string());
                }
            } else {
                // newInvalidMigStrategyLabeler; the device plugin refuses to serve the node.
                res.insert("nvidia.com/gpu".into(), 0);
                labels.insert(
                    "nvidia.com/gpu.product".into(),
                    format!("{}-MIG-INVALID", model.product),
                );
                labels.insert("nvidia.com/gpu.count".into(), "0".into());
                labels.insert("nvidia.com/gpu.memory".into(), "0".into());
                labels.insert("nvidia.com/gpu.replicas".into(), "0".into());
                labels.insert("nvidia.com/gpu.sharing-strategy".into(), String::new());
            }
        }
        _ => {
            res.insert("nvidia.com/gpu".into(), n);
        }
    }
    if let Some(m) = node["metadata"]["labels"].as_object_mut() {
        m.retain(|k, _| {
            !(k.starts_with("nvidia.com/mig-")
                || k.starts_with("nvidia.com/gpu.engines.")
                || matches!(
                    k.as_str(),
                    "nvidia.com/gpu.multiprocessors"
                        | "nvidia.com/gpu.slices.gi"
                        | "nvidia.com/gpu.slices.ci"
                ))
        });
        for (k, v) in labels {
            m.insert(k, json!(v));
        }
    }
    for field in ["capacity", "allocatable"] {
        if !node["status"][field].is_object() {
            node["status"][field] = json!({});
        }
        let m = node["status"][field].as_object_mut().expect("object");
        // Resources the plugin stopped advertising stay at 0 (kubelet keeps removed device
        // plugin resources at 0 rather than dropping them).
        for (k, v) in m.iter_mut() {
            if is_nvidia_resource(k) && !res.contains_key(k) {
                *v = json!("0");
            }
        }
        for (k, v) in &res {
            m.insert(k.clone(), json!(v.to_string()));
        }
    }
}

/// Where the layouts come from: the ClusterPolicy's custom config, else the node's generated
/// `<node>-mig-config`, else `default-mig-parted-config`, all in the operator namespace.
fn load_layouts(api: &FakeApi, node: &str) -> Result<(String, Map<String, Value>), String> {
    let (ns, cp) = operator_namespace(api);
    let custom = cp
        .as_ref()
        .and_then(|c| c.pointer("/spec/migManager/config/name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty() && *n != DEFAULT_CONFIG)
        .map(String::from);
    let generated = format!("{node}-mig-config");
    let name = match custom {
        Some(c) => c,
        None => match api.get("configmaps", Some(&ns), &generated) {
            Some(cm)
                if cm
                    .pointer("/metadata/labels/nvidia.com~1node-name")
                    .and_then(Value::as_str)
                    == Some(node) =>
            {
                generated
            }
            _ => DEFAULT_CONFIG.to_string(),
        },
    };
    let cm = api
        .get("configmaps", Some(&ns), &name)
        .ok_or_else(|| format!("Read error: open /mig-parted-config/config.yaml: no such file or directory (ConfigMap {ns}/{name} not found)"))?;
    let text = cm
        .pointer("/data/config.yaml")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("Read error: ConfigMap {ns}/{name} has no key config.yaml"))?;
    Ok((
        name,
        parse_config(text).map_err(|e| format!("Error parsing config file: {e}"))?,
    ))
}

fn strategy_of(api: &FakeApi, node: &Value) -> String {
    if let Some(s) = label(node, "nvidia.com/mig.strategy") {
        return s.to_string();
    }
    operator_namespace(api)
        .1
        .and_then(|c| {
            c.pointer("/spec/mig/strategy")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_else(|| "none".into())
}

/// Starts the MIG manager simulation (once per server).
pub(crate) fn start(api: &FakeApi) {
    let api = api.clone();
    let nodes: Nodes = Arc::default();
    let mut rx = api.store().subscribe();
    {
        let mut st = lock(&nodes);
        for n in api.list("nodes") {
            remember(&mut st, &n);
        }
    }
    tokio::spawn(async move {
        loop {
            let change = match rx.recv().await {
                Ok(c) => c,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            };
            if change.plural != "nodes" || !api.inner.controllers_started.load(Ordering::SeqCst) {
                continue;
            }
            let node = &*change.object;
            let name = node["metadata"]["name"].as_str().unwrap_or("").to_string();
            let mut st = lock(&nodes);
            match change.kind {
                ChangeType::Deleted => {
                    st.remove(&name);
                }
                ChangeType::Added => remember(&mut st, node),
                ChangeType::Modified => {
                    let rt = st.entry(name.clone()).or_default();
                    let value = label(node, CONFIG_LABEL).map(String::from);
                    if rt.model.is_none() {
                        learn(rt, node);
                    }
                    if value == rt.seen {
                        continue;
                    }
                    rt.seen = value.clone();
                    rt.queued = Some(value.unwrap_or_default());
                    if !rt.running {
                        rt.running = true;
                        tokio::spawn(worker(api.clone(), nodes.clone(), name));
                    }
                }
            }
        }
    });
}

fn learn(rt: &mut NodeRt, node: &Value) {
    let product = label(node, "nvidia.com/gpu.product").unwrap_or("");
    if let Some(m) = model_of(product) {
        rt.model = Some(m.product);
        // Under the single strategy gpu.count counts MIG devices; the GPUs are counted later
        // from the baseline layout (see `current_gpus`).
        if !product.contains("-MIG-") {
            rt.count = label(node, "nvidia.com/gpu.count").and_then(|c| c.parse().ok());
        }
    }
}

fn remember(st: &mut HashMap<String, NodeRt>, node: &Value) {
    let name = node["metadata"]["name"].as_str().unwrap_or("").to_string();
    let rt = st.entry(name).or_default();
    rt.seen = label(node, CONFIG_LABEL).map(String::from);
    rt.baseline = rt.seen.clone();
    learn(rt, node);
}

async fn worker(api: FakeApi, nodes: Nodes, name: String) {
    loop {
        let value = {
            let mut st = lock(&nodes);
            let Some(rt) = st.get_mut(&name) else { return };
            match rt.queued.take() {
                Some(v) => v,
                None => {
                    rt.running = false;
                    return;
                }
            }
        };
        reconfigure(&api, &nodes, &name, &value).await;
    }
}

/// The GPUs' state before this change: remembered, else the baseline layout applied to all-off GPUs.
fn current_gpus(
    nodes: &Nodes,
    name: &str,
    layouts: &Map<String, Value>,
    node: &Value,
) -> (Option<&'static Model>, Vec<Gpu>) {
    let mut st = lock(nodes);
    let rt = st.entry(name.to_string()).or_default();
    let model = rt.model.and_then(model_of);
    if let Some(g) = &rt.gpus {
        return (model, g.clone());
    }
    let baseline = rt
        .baseline
        .clone()
        .and_then(|b| layouts.get(&b).and_then(Value::as_array).cloned());
    let count = rt.count.unwrap_or_else(|| {
        // single strategy: MIG devices / devices per GPU of the baseline layout
        let total: usize = label(node, "nvidia.com/gpu.count")
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let per_gpu = baseline
            .as_ref()
            .and_then(|b| walk(b, &[Gpu::default()], model).ok())
            .map(|(g, _)| g[0].devices.values().sum::<u64>() as usize)
            .filter(|n| *n > 0)
            .unwrap_or(1);
        total / per_gpu
    });
    rt.count = Some(count);
    let off = vec![Gpu::default(); count];
    let gpus = baseline
        .and_then(|b| walk(&b, &off, model).ok())
        .map(|(g, _)| g)
        .unwrap_or(off);
    (model, gpus)
}

/// One run of `Reconfigure.Run()` for `value`.
async fn reconfigure(api: &FakeApi, nodes: &Nodes, name: &str, value: &str) {
    let log = Log { api, node: name };
    let knobs = api.mig_knobs(name);
    log.info(&format!("Updating to MIG config: {value}"));
    let Some(node) = api.get("nodes", None, name) else {
        return;
    };
    let pod_uid = manager_pod(api, name)
        .and_then(|p| p["metadata"]["uid"].as_str().map(String::from))
        .unwrap_or_default();
    let initial: Vec<(&str, String)> = PAUSED_LABELS
        .iter()
        .chain([&CLIENT_LABEL])
        .map(|k| (*k, label(&node, k).unwrap_or("").to_string()))
        .collect();
    for (k, v) in &initial {
        log.info(&format!("Current value of '{k}={v}'"));
    }
    log.info(&format!(
        "Current value of '{STATE_LABEL}={}'",
        label(&node, STATE_LABEL).unwrap_or("")
    ));
    let restore: Vec<(&str, Option<String>)> = initial
        .iter()
        .filter(|(k, v)| *k != CLIENT_LABEL || !v.is_empty())
        .map(|(k, v)| {
            (
                *k,
                Some(if v == "false" {
                    "false".to_string()
                } else {
                    "true".to_string()
                }),
            )
        })
        .collect();
    let set_state = |state: &str| {
        let no_restart = lock(nodes)
            .get(name)
            .and_then(|rt| rt.no_restart_pod.clone())
            .is_some_and(|p| p == pod_uid);
        if !no_restart {
            log.info("Restarting any GPU clients previously shutdown in Kubernetes by reenabling their component-specific nodeSelector labels");
            set_labels(api, name, &restore);
        }
        log.info(&format!(
            "Changing the '{STATE_LABEL}' node label to '{state}'"
        ));
        set_labels(api, name, &[(STATE_LABEL, Some(state.to_string()))]);
    };
    let waiting = || log.info(&format!("Waiting for change to '{CONFIG_LABEL}' label"));

    log.info("Asserting that the requested configuration is present in the configuration file");
    let layouts = load_layouts(api, name).and_then(|(_, l)| {
        if value.is_empty() && l.len() > 1 {
            return Err("Error selecting MIG config: missing required flag 'selected-config' when more than one config available".into());
        }
        let entries = l
            .get(value)
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| format!("Error selecting MIG config: selected mig-config not present: {value}"))?;
        Ok((l, entries))
    });
    let (all, entries) = match layouts {
        Ok(x) => x,
        Err(e) => {
            log.at("fatal", &e);
            set_state("failed");
            log.at(
                "error",
                "Error: failed to validate MIG configuration: exit status 1",
            );
            waiting();
            return;
        }
    };
    log.raw("Selected MIG configuration is valid");
    let (model, before) = current_gpus(nodes, name, &all, &node);
    log.info("Checking if the selected MIG config is currently applied or not");
    let walked = walk(&entries, &before, model);
    if let Ok((after, true)) = &walked {
        if *after == before {
            log.raw("Selected MIG configuration currently applied");
            log.info("Selected MIG config is already applied");
            set_state("success");
            log.info(&format!("Successfully updated to MIG config: {value}"));
            waiting();
            return;
        }
    }
    log.at(
        "fatal",
        "Assertion failure: selected configuration not currently applied",
    );
    log.info("Checking if the MIG mode setting in the selected config is currently applied or not");
    log.info("If the state is 'rebooting', we expect this to always return true");
    set_labels(api, name, &[(STATE_LABEL, Some("pending".into()))]);
    log.info("Shutting down all GPU clients in Kubernetes by disabling their component-specific nodeSelector labels");
    let paused: Vec<(&str, Option<String>)> = initial
        .iter()
        .filter(|(k, v)| *k != CLIENT_LABEL || !v.is_empty())
        .map(|(k, v)| {
            (
                *k,
                Some(if v == "false" {
                    "false".to_string()
                } else {
                    PAUSED.to_string()
                }),
            )
        })
        .collect();
    set_labels(api, name, &paused);
    patch_node(api, name, |n| plugin_present(n, false));
    log.info("Waiting for the device-plugin to shutdown");
    tokio::time::sleep(knobs.delay.unwrap_or(DEFAULT_DELAY)).await;
    if knobs.fault == Some(MigFault::Wedge) {
        log.at("error", "Error: failed to wait for pods to be deleted: device-plugin pod did not shutdown: context deadline exceeded");
        waiting();
        return;
    }
    for step in [
        "Waiting for gpu-feature-discovery to shutdown",
        "Waiting for dcgm-exporter to shutdown",
        "Waiting for dcgm to shutdown",
        "Waiting for any daemon set pods with nodeSelector key nvidia.com/gpu.deploy.client to shutdown",
        "Removing the cuda-validator pod",
        "Removing the plugin-validator pod",
        "Applying the MIG mode change from the selected config to the node (and double checking it took effect)",
        "If the -r option was passed, the node will be automatically rebooted if this is not successful",
    ] {
        log.info(step);
    }
    log.raw("Selected MIG mode settings from configuration currently applied");
    log.info("Applying the selected MIG config to the node");
    let applied = match (knobs.fault, walked) {
        (Some(MigFault::Fail), _) => Err(
            "Error applying MIG configuration with hooks: fault injected by the fake API server"
                .to_string(),
        ),
        (_, Ok((after, _))) => Ok(after),
        (_, Err(e)) => Err(e),
    };
    let after = match applied {
        Ok(a) => a,
        Err(e) => {
            log.at("fatal", &e);
            patch_node(api, name, |n| plugin_present(n, true));
            set_state("failed");
            log.at(
                "error",
                "Error: failed to apply MIG configuration: exit status 1",
            );
            waiting();
            return;
        }
    };
    log.raw("MIG configuration applied successfully");
    if let Some(rt) = lock(nodes).get_mut(name) {
        rt.gpus = Some(after.clone());
    }
    log.info("Restarting validator pod to re-run all validations");
    log.info("Restarting all GPU clients previously shutdown in Kubernetes by reenabling their component-specific nodeSelector labels");
    if let Some(rt) = lock(nodes).get_mut(name) {
        rt.no_restart_pod = Some(pod_uid.clone());
    }
    let strategy = strategy_of(api, &node);
    let lag = knobs.plugin_lag.unwrap_or(Duration::ZERO);
    patch_node(api, name, |n| {
        let m = n["metadata"]["labels"].as_object_mut();
        if let Some(m) = m {
            for (k, v) in &restore {
                m.insert(k.to_string(), json!(v));
            }
        }
        if lag.is_zero() {
            if let Some(model) = model {
                publish(n, model, &after, &strategy);
            } else {
                plugin_present(n, true);
            }
        }
    });
    set_state("success");
    log.info(&format!("Successfully updated to MIG config: {value}"));
    waiting();
    if !lag.is_zero() {
        tokio::time::sleep(lag).await;
        patch_node(api, name, |n| match model {
            Some(model) => publish(n, model, &after, &strategy),
            None => plugin_present(n, true),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_the_default_layouts() {
        let text = include_str!("../../fixtures/mig-manager/default-mig-parted-config.yaml");
        let yaml: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        let cm = yaml_to_json(yaml).unwrap();
        let layouts = parse_config(cm["data"]["config.yaml"].as_str().unwrap()).unwrap();
        let a100 = model_of("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb");
        assert_eq!(a100.unwrap().pci, "0x20B010DE");
        let off = vec![Gpu::default(); 2];
        let (g, all) = walk(layouts["all-1g.10gb"].as_array().unwrap(), &off, a100).unwrap();
        assert!(all);
        assert_eq!(g[0].devices["1g.10gb"], 4, "the 40GB block");
        let h100 = model_of("NVIDIA-H100-80GB-HBM3");
        let (g, _) = walk(layouts["all-1g.10gb"].as_array().unwrap(), &off, h100).unwrap();
        assert_eq!(g[1].devices["1g.10gb"], 7);
        let (g, all) = walk(layouts["all-balanced"].as_array().unwrap(), &off, h100).unwrap();
        assert!(all);
        assert_eq!(g[0].devices.len(), 3);
        // A layout whose device-filter leaves the GPU out walks nothing.
        let (g, all) = walk(layouts["all-1g.35gb"].as_array().unwrap(), &off, h100).unwrap();
        assert!(!all);
        assert_eq!(g, off);
        // A profile the GPU does not have fails the apply.
        assert!(walk(layouts["all-1g.5gb"].as_array().unwrap(), &off, h100).is_err());
        assert!(parse_config("mig-configs: {}").is_err());
        assert!(parse_config("version: v2\nmig-configs: {}").is_err());
    }
}
