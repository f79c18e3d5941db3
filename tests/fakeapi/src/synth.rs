//! Synthetic clusters for benchmarks: `nodes` AKS-like nodes, `mig` of them A100 MIG nodes as GFD
//! labels them (mixed strategy, all-balanced: 1g.5gb, 2g.10gb and 3g.20gb), and `pods` pods that
//! weigh what real pods weigh, with the answer `kubectl mig describe` must give.

mod objects;

use crate::api::FakeApi;
use crate::store::DEFAULT_HISTORY;
use crate::util::Prng;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What to generate: `nodes=5000,mig=500,pods=50000[,seed=N]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// All nodes.
    pub nodes: usize,
    /// MIG nodes among them (the rest have no GPU).
    pub mig_nodes: usize,
    /// Pods, bound all over the cluster, a few unbound.
    pub pods: usize,
    /// PRNG seed: the same spec and seed give the same cluster.
    pub seed: u64,
    /// Extra DRA-only A100 nodes (static MIG, one ResourceSlice each) with the NVIDIA
    /// DeviceClasses; they add nothing to the device-plugin answer (`dra=N`, default 0).
    pub dra_nodes: usize,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            nodes: 5000,
            mig_nodes: 500,
            pods: 50_000,
            seed: 1,
            dra_nodes: 0,
        }
    }
}

impl FromStr for Spec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut spec = Spec::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("expected key=value, got {part:?}"))?;
            let n: u64 = v
                .parse()
                .map_err(|_| format!("{k}: {v:?} is not a number"))?;
            match k {
                "nodes" => spec.nodes = n as usize,
                "mig" => spec.mig_nodes = n as usize,
                "pods" => spec.pods = n as usize,
                "seed" => spec.seed = n,
                "dra" => spec.dra_nodes = n as usize,
                _ => return Err(format!("unknown key {k:?} (nodes, mig, pods, seed, dra)")),
            }
        }
        if spec.mig_nodes > spec.nodes || spec.nodes == 0 {
            return Err("need 0 <= mig <= nodes and nodes > 0".into());
        }
        Ok(spec)
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "nodes={},mig={},pods={},seed={}",
            self.nodes, self.mig_nodes, self.pods, self.seed
        )?;
        if self.dra_nodes > 0 {
            write!(f, ",dra={}", self.dra_nodes)?;
        }
        Ok(())
    }
}

/// What describe must report for one resource of one node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Amounts {
    /// `status.allocatable`.
    pub allocatable: i64,
    /// Effective requests of the live pods bound to the node.
    pub requested: i64,
}

/// One row of describe's summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryRow {
    /// Resource name.
    pub name: String,
    /// MIG profile (`None` for `nvidia.com/gpu` on mixed nodes).
    pub profile: Option<String>,
    /// Nodes with allocatable > 0.
    pub nodes: usize,
    /// Total allocatable.
    pub allocatable: i64,
    /// Total requested.
    pub requested: i64,
    /// Sum over nodes of `max(allocatable - requested, 0)`.
    pub free: i64,
}

/// The right answer for a synthetic cluster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expected {
    /// Per GPU node, per NVIDIA resource.
    pub nodes: BTreeMap<String, BTreeMap<String, Amounts>>,
    /// Cluster totals.
    pub summary: Vec<SummaryRow>,
    /// Pods that hold MIG devices (bound, live, requesting some).
    pub holding_pods: usize,
}

/// The objects of a synthetic cluster and its expected answer.
pub struct Cluster {
    /// Namespaces the pods live in.
    pub namespaces: Vec<Value>,
    /// Every node.
    pub nodes: Vec<Value>,
    /// Every pod.
    pub pods: Vec<Value>,
    /// What describe must report.
    pub expected: Expected,
    /// DeviceClasses, DRA nodes and their ResourceSlices (`dra=N`).
    pub dra: Vec<Value>,
}

/// Builds the objects of a synthetic cluster.
pub fn objects(spec: &Spec) -> Cluster {
    let mut prng = Prng::new(spec.seed);
    let mut expected = Expected::default();
    let mut nodes = Vec::with_capacity(spec.nodes);
    // MIG nodes spread evenly among the others, as pools mix in a name-ordered list.
    let mig_at =
        |i: usize| spec.mig_nodes > 0 && (i * spec.mig_nodes) % spec.nodes < spec.mig_nodes;
    let mut budgets: Vec<Option<BTreeMap<String, i64>>> = Vec::with_capacity(spec.nodes);
    let (mut mig_count, mut cpu_count) = (0, 0);
    for i in 0..spec.nodes {
        if mig_at(i) {
            let node = objects::mig_node(mig_count, &mut prng);
            mig_count += 1;
            let name = objects::name_of(&node).to_string();
            let alloc = objects::nvidia_allocatable(&node);
            let resources = alloc
                .iter()
                .map(|(r, a)| {
                    let amounts = Amounts {
                        allocatable: *a,
                        requested: 0,
                    };
                    (r.clone(), amounts)
                })
                .collect();
            expected.nodes.insert(name, resources);
            budgets.push(Some(alloc));
            nodes.push(node);
        } else {
            nodes.push(objects::cpu_node(cpu_count, &mut prng));
            cpu_count += 1;
            budgets.push(None);
        }
    }
    let namespaces: Vec<Value> = objects::NAMESPACES
        .iter()
        .map(|ns| objects::namespace(ns))
        .collect();
    let mut pods = Vec::with_capacity(spec.pods);
    for i in 0..spec.pods {
        let ns = objects::NAMESPACES[i % objects::NAMESPACES.len()];
        // About 2% wait unbound; the rest land anywhere.
        if prng.next_f64() < 0.02 {
            pods.push(objects::pod(i, ns, None, Shape::pending_mig(), &mut prng));
            continue;
        }
        let n = (prng.next_u64() % spec.nodes as u64) as usize;
        let node_name = objects::name_of(&nodes[n]).to_string();
        let phase = Phase::pick(&mut prng);
        let shape = match &mut budgets[n] {
            Some(free) => Shape::pick_mig(&mut prng, free, phase.holds()),
            None => Shape::Cpu,
        };
        let requests = shape.effective();
        if phase.holds() && !requests.is_empty() {
            let node = expected.nodes.get_mut(&node_name).expect("MIG node");
            for (r, n) in &requests {
                node.entry(r.clone()).or_default().requested += n;
            }
            expected.holding_pods += 1;
        }
        pods.push(objects::pod(
            i,
            ns,
            Some((&node_name, phase)),
            shape,
            &mut prng,
        ));
    }
    expected.summary = summarize(&expected.nodes);
    Cluster {
        namespaces,
        nodes,
        pods,
        expected,
        dra: crate::dra::synth::objects(spec.dra_nodes, spec.seed),
    }
}

/// A fake API server holding a synthetic cluster, and its expected answer. The scheduler and
/// kubelet are off so the cluster stays as generated (they would bind the pending pods).
pub fn generate(spec: &Spec) -> (FakeApi, Expected) {
    let cluster = objects(spec);
    let api = FakeApi::new();
    api.set_scheduler_enabled(false);
    // Loading is not a change anyone watches; keeping no history saves a copy of every object.
    api.set_watch_history_limit(0);
    for obj in cluster
        .namespaces
        .into_iter()
        .chain(cluster.nodes)
        .chain(cluster.pods)
        .chain(cluster.dra)
    {
        api.insert(obj);
    }
    api.set_watch_history_limit(DEFAULT_HISTORY);
    // Serialize every list item now, so the first client is not the one paying for it.
    let store = api.store();
    for plural in ["nodes", "pods"] {
        for (_, entry) in store.entries_after(plural, None, None) {
            entry.item_json();
        }
    }
    drop(store);
    (api, cluster.expected)
}

fn summarize(nodes: &BTreeMap<String, BTreeMap<String, Amounts>>) -> Vec<SummaryRow> {
    let mut rows: BTreeMap<String, SummaryRow> = BTreeMap::new();
    for (name, a) in nodes.values().flatten() {
        let row = rows.entry(name.clone()).or_insert_with(|| SummaryRow {
            name: name.clone(),
            profile: name.strip_prefix("nvidia.com/mig-").map(String::from),
            nodes: 0,
            allocatable: 0,
            requested: 0,
            free: 0,
        });
        row.nodes += usize::from(a.allocatable > 0);
        row.allocatable += a.allocatable;
        row.requested += a.requested;
        row.free += (a.allocatable - a.requested).max(0);
    }
    rows.into_values().collect()
}

/// Pod phases, by how often they show up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Running,
    /// Bound, containers still being created: holds its devices.
    Pending,
    Succeeded,
    Failed,
}

impl Phase {
    fn pick(prng: &mut Prng) -> Phase {
        match prng.next_f64() {
            x if x < 0.85 => Phase::Running,
            x if x < 0.90 => Phase::Pending,
            x if x < 0.96 => Phase::Succeeded,
            _ => Phase::Failed,
        }
    }

    /// Whether the scheduler counts the pod against its node.
    fn holds(self) -> bool {
        matches!(self, Phase::Running | Phase::Pending)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Phase::Running => "Running",
            Phase::Pending => "Pending",
            Phase::Succeeded => "Succeeded",
            Phase::Failed => "Failed",
        }
    }
}

/// The MIG profiles of an all-balanced A100 40GB, and how many each GPU has.
pub(crate) const PROFILES: [(&str, i64); 3] = [("1g.5gb", 2), ("2g.10gb", 1), ("3g.20gb", 1)];

/// How a pod asks for MIG devices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// No NVIDIA resource.
    Cpu,
    /// One container, requests = limits.
    Plain(String, i64),
    /// One container with limits only (the API server defaults requests to them).
    LimitsOnly(String, i64),
    /// A plain init container asking for `init` 1g.5gb devices, then the app's request.
    Init(i64, String, i64),
    /// A sidecar (restartable init container) with one 1g.5gb device beside the app.
    Sidecar(String, i64),
    /// Two app containers, each with its own profile.
    Two(String, i64, String, i64),
}

fn mig(profile: &str) -> String {
    format!("nvidia.com/mig-{profile}")
}

impl Shape {
    fn pending_mig() -> Shape {
        Shape::Plain(mig("3g.20gb"), 1)
    }

    /// A GPU pod that fits what is free on its node (when it will hold it), else a CPU pod.
    fn pick_mig(prng: &mut Prng, free: &mut BTreeMap<String, i64>, holds: bool) -> Shape {
        if prng.next_f64() < 0.2 {
            return Shape::Cpu;
        }
        let profile = |prng: &mut Prng| mig(PROFILES[(prng.next_u64() % 3) as usize].0);
        let count = |prng: &mut Prng| 1 + (prng.next_u64() % 2) as i64;
        let shape = match prng.next_f64() {
            x if x < 0.55 => Shape::Plain(profile(prng), count(prng)),
            x if x < 0.70 => Shape::LimitsOnly(profile(prng), count(prng)),
            x if x < 0.80 => Shape::Init(2, profile(prng), 1),
            x if x < 0.90 => Shape::Sidecar(profile(prng), 1),
            _ => Shape::Two(mig("1g.5gb"), 1, mig("2g.10gb"), 1),
        };
        if !holds {
            return shape;
        }
        let wants = shape.effective();
        if wants
            .iter()
            .any(|(r, n)| free.get(r).copied().unwrap_or(0) < *n)
        {
            return Shape::Cpu;
        }
        for (r, n) in wants {
            *free.get_mut(&r).expect("checked") -= n;
        }
        shape
    }

    /// Container requests: `(init containers, app containers)`.
    pub(crate) fn containers(&self) -> (Vec<Init>, Vec<Resources>) {
        let one = |r: &str, n: i64| BTreeMap::from([(r.to_string(), n)]);
        match self {
            Shape::Cpu => (vec![], vec![Resources::both(BTreeMap::new())]),
            Shape::Plain(r, n) => (vec![], vec![Resources::both(one(r, *n))]),
            Shape::LimitsOnly(r, n) => (vec![], vec![Resources::limits(one(r, *n))]),
            Shape::Init(i, r, n) => (
                vec![(one(&mig("1g.5gb"), *i), false)],
                vec![Resources::both(one(r, *n))],
            ),
            Shape::Sidecar(r, n) => (
                vec![(one(&mig("1g.5gb"), 1), true)],
                vec![Resources::both(one(r, *n))],
            ),
            Shape::Two(a, m, b, n) => (
                vec![],
                vec![Resources::both(one(a, *m)), Resources::both(one(b, *n))],
            ),
        }
    }

    /// The pod's effective request by the scheduler's rule, worked out by hand per shape.
    fn effective(&self) -> BTreeMap<String, i64> {
        let one = |r: &str, n: i64| BTreeMap::from([(r.to_string(), n)]);
        match self {
            Shape::Cpu => BTreeMap::new(),
            Shape::Plain(r, n) | Shape::LimitsOnly(r, n) => one(r, *n),
            Shape::Init(i, r, n) => {
                let small = mig("1g.5gb");
                if *r == small {
                    one(r, (*i).max(*n))
                } else {
                    BTreeMap::from([(small, *i), (r.clone(), *n)])
                }
            }
            Shape::Sidecar(r, n) => {
                let mut out = one(&mig("1g.5gb"), 1);
                *out.entry(r.clone()).or_default() += n;
                out
            }
            Shape::Two(a, m, b, n) => BTreeMap::from([(a.clone(), *m), (b.clone(), *n)]),
        }
    }
}

/// An init container's NVIDIA requests, and whether it is a sidecar (restartPolicy Always).
pub(crate) type Init = (BTreeMap<String, i64>, bool);

/// NVIDIA requests and limits of one app container (CPU and memory are added when rendered).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resources {
    pub requests: BTreeMap<String, i64>,
    pub limits: BTreeMap<String, i64>,
}

impl Resources {
    fn both(m: BTreeMap<String, i64>) -> Self {
        Resources {
            requests: m.clone(),
            limits: m,
        }
    }

    fn limits(m: BTreeMap<String, i64>) -> Self {
        Resources {
            requests: BTreeMap::new(),
            limits: m,
        }
    }
}

impl Expected {
    /// The expected answer as JSON (`--expected-out`).
    pub fn to_json(&self) -> Value {
        let nodes: serde_json::Map<String, Value> = self
            .nodes
            .iter()
            .map(|(n, rs)| {
                let rs: serde_json::Map<String, Value> = rs
                    .iter()
                    .map(|(r, a)| {
                        (
                            r.clone(),
                            json!({"allocatable": a.allocatable, "requested": a.requested}),
                        )
                    })
                    .collect();
                (n.clone(), Value::Object(rs))
            })
            .collect();
        let summary: Vec<Value> = self
            .summary
            .iter()
            .map(|r| {
                json!({"name": r.name, "profile": r.profile, "nodes": r.nodes,
                    "allocatable": r.allocatable, "requested": r.requested, "free": r.free})
            })
            .collect();
        json!({"nodes": nodes, "summary": summary, "holdingPods": self.holding_pods})
    }

    /// Compares `kubectl mig describe -o json` output with the expected answer; every
    /// difference (the first 20) is one line.
    pub fn check(&self, describe: &Value) -> Result<(), Vec<String>> {
        let mut diffs = Vec::new();
        let mut seen = BTreeMap::new();
        for node in describe["nodes"].as_array().into_iter().flatten() {
            let name = node["name"].as_str().unwrap_or("").to_string();
            let got: BTreeMap<String, Amounts> = node["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    let n = |k: &str| r[k].as_i64().unwrap_or(-1);
                    let amounts = Amounts {
                        allocatable: n("allocatable"),
                        requested: n("requested"),
                    };
                    (r["name"].as_str().unwrap_or("").to_string(), amounts)
                })
                .collect();
            seen.insert(name, got);
        }
        for name in self.nodes.keys().filter(|n| !seen.contains_key(*n)) {
            diffs.push(format!("node {name} is missing"));
        }
        for (name, got) in &seen {
            match self.nodes.get(name) {
                None => diffs.push(format!("node {name} is not a MIG node")),
                Some(want) if want != got => {
                    diffs.push(format!("node {name}: want {want:?}, got {got:?}"))
                }
                Some(_) => {}
            }
        }
        let rows: Vec<SummaryRow> = describe["summary"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let n = |k: &str| r[k].as_i64().unwrap_or(-1);
                SummaryRow {
                    name: r["name"].as_str().unwrap_or("").to_string(),
                    profile: r["profile"].as_str().map(String::from),
                    nodes: r["nodes"].as_u64().unwrap_or(u64::MAX) as usize,
                    allocatable: n("allocatable"),
                    requested: n("requested"),
                    free: n("free"),
                }
            })
            .collect();
        let key = |r: &SummaryRow| (r.name.clone(), r.profile.clone());
        let want: BTreeMap<_, _> = self.summary.iter().map(|r| (key(r), r)).collect();
        let got: BTreeMap<_, _> = rows.iter().map(|r| (key(r), r)).collect();
        if want != got {
            diffs.push(format!("summary: want {want:?}, got {got:?}"));
        }
        if diffs.is_empty() {
            Ok(())
        } else {
            let total = diffs.len();
            diffs.truncate(20);
            if total > 20 {
                diffs.push(format!("... and {} more", total - 20));
            }
            Err(diffs)
        }
    }
}

#[cfg(test)]
mod tests;
