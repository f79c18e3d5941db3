//! The scheduler's DynamicResources plugin with structured parameters: a pod's ResourceClaims
//! are allocated from the ResourceSlices of one node (DeviceClass and request CEL selectors,
//! devices not allocated to other claims, partitionable devices' shared counters, `ExactCount` /
//! `All`, `firstAvailable`, `matchAttribute` / `distinctAttribute` constraints), then reserved
//! for the pod when it is bound.

use super::cel;
use crate::store::Store;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Why a pod cannot use a node, or why its scheduling attempt fails altogether.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    /// This node cannot satisfy the claims (the reason the scheduler counts per node).
    Unschedulable(String),
    /// An error of the whole attempt (e.g. a CEL runtime error).
    Error(String),
}

/// A device in a complete pool that a node can reach.
struct Cand {
    driver: String,
    pool: String,
    node_local: bool,
    device: Value,
}

/// One published pool (slices of its newest generation).
struct Pool {
    driver: String,
    name: String,
    node_name: Option<String>,
    all_nodes: bool,
    node_selector: Option<Value>,
    devices: Vec<Value>,
    counters: HashMap<(String, String), f64>,
}

type DeviceId = (String, String, String);
type CounterId = (String, String, String, String);
/// `((counter set, counter), amount)` a device consumes.
type Consumption = Vec<((String, String), f64)>;

/// Everything a pod's claims need, read once per scheduling attempt.
pub(crate) struct PodDra {
    pod_ns: String,
    /// The pod's claims (as stored), in `spec.resourceClaims` order.
    claims: Vec<Value>,
    classes: HashMap<String, Value>,
    pools: Vec<Pool>,
    in_use: HashSet<DeviceId>,
    counters_used: HashMap<CounterId, f64>,
}

/// The allocations one node would give a pod's unallocated claims: `(claim index, allocation)`.
pub(crate) struct Plan(Vec<(usize, Value)>);

/// The claim name a pod's `spec.resourceClaims` entry refers to, if known yet.
pub(crate) fn claim_name_of(pod: &Value, entry: &Value) -> Option<String> {
    if let Some(n) = entry["resourceClaimName"].as_str() {
        return Some(n.to_string());
    }
    let name = entry["name"].as_str()?;
    pod.pointer("/status/resourceClaimStatuses")
        .and_then(Value::as_array)?
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["resourceClaimName"].as_str())
        .map(String::from)
}

fn quantity(v: &Value) -> f64 {
    crate::util::quantity_of(v).unwrap_or(0.0)
}

fn pools(store: &Store) -> Vec<Pool> {
    let mut by_pool: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    for (_, s) in store.list("resourceslices", None) {
        let driver = s["spec"]["driver"].as_str().unwrap_or("").to_string();
        let pool = s["spec"]["pool"]["name"].as_str().unwrap_or("").to_string();
        by_pool.entry((driver, pool)).or_default().push(s);
    }
    let mut out = Vec::new();
    for ((driver, name), slices) in by_pool {
        let generation = |s: &Value| s["spec"]["pool"]["generation"].as_i64().unwrap_or(0);
        let newest = slices.iter().map(|s| generation(s)).max().unwrap_or(0);
        let current: Vec<&Value> = slices
            .into_iter()
            .filter(|s| generation(s) == newest)
            .collect();
        let expected = current[0]["spec"]["pool"]["resourceSliceCount"]
            .as_u64()
            .unwrap_or(1) as usize;
        if current.len() != expected {
            continue; // an incomplete pool is not used
        }
        let spec = &current[0]["spec"];
        let mut pool = Pool {
            driver: driver.clone(),
            name,
            node_name: spec["nodeName"].as_str().map(String::from),
            all_nodes: spec["allNodes"] == true,
            node_selector: spec.get("nodeSelector").filter(|v| !v.is_null()).cloned(),
            devices: Vec::new(),
            counters: HashMap::new(),
        };
        for s in current {
            for set in s["spec"]["sharedCounters"].as_array().into_iter().flatten() {
                let set_name = set["name"].as_str().unwrap_or("").to_string();
                for (c, v) in set["counters"].as_object().into_iter().flatten() {
                    pool.counters
                        .insert((set_name.clone(), c.clone()), quantity(&v["value"]));
                }
            }
            pool.devices.extend(
                s["spec"]["devices"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
        out.push(pool);
    }
    out
}

fn expr_matches(e: &Value, value: Option<&str>) -> bool {
    let values: Vec<&str> = e["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    match e["operator"].as_str().unwrap_or("") {
        "In" => value.is_some_and(|v| values.contains(&v)),
        "NotIn" => !value.is_some_and(|v| values.contains(&v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        _ => false,
    }
}

/// Whether a v1 NodeSelector selects the node.
pub(crate) fn node_selector_matches(sel: &Value, node: &Value) -> bool {
    let labels = &node["metadata"]["labels"];
    let name = node["metadata"]["name"].as_str();
    sel["nodeSelectorTerms"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|term| {
            let exprs = term["matchExpressions"].as_array().into_iter().flatten();
            let fields = term["matchFields"].as_array().into_iter().flatten();
            exprs
                .clone()
                .all(|e| expr_matches(e, labels[e["key"].as_str().unwrap_or("")].as_str()))
                && fields
                    .clone()
                    .all(|e| e["key"] == "metadata.name" && expr_matches(e, name))
                && (exprs.count() + fields.count() > 0)
        })
}

fn device_id(driver: &str, pool: &str, device: &str) -> DeviceId {
    (driver.into(), pool.into(), device.into())
}

/// A device's counter consumption: `((set, counter), amount)`.
fn consumption(device: &Value) -> Consumption {
    let mut out = Vec::new();
    for c in device["consumesCounters"].as_array().into_iter().flatten() {
        let set = c["counterSet"].as_str().unwrap_or("").to_string();
        for (name, v) in c["counters"].as_object().into_iter().flatten() {
            out.push(((set.clone(), name.clone()), quantity(&v["value"])));
        }
    }
    out
}

/// Prepares the DRA part of scheduling a pod: `Ok(None)` when it has no claims, `Err` with the
/// PreFilter message when a claim or class is missing.
pub(crate) fn prefilter(store: &Store, pod: &Value) -> Result<Option<PodDra>, String> {
    let entries = pod["spec"]["resourceClaims"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if entries.is_empty() {
        return Ok(None);
    }
    let ns = pod["metadata"]["namespace"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or("");
    let mut claims = Vec::new();
    for e in &entries {
        let Some(name) = claim_name_of(pod, e) else {
            let guess = format!("{pod_name}-{}", e["name"].as_str().unwrap_or(""));
            return Err(format!(
                "waiting for dynamic resource controller to create the resourceclaim \"{guess}\""
            ));
        };
        let claim = store
            .get("resourceclaims", &ns, &name)
            .ok_or_else(|| format!("resourceclaim \"{name}\" not found"))?;
        if claim.pointer("/metadata/deletionTimestamp").is_some() {
            return Err(format!("resourceclaim \"{name}\" is being deleted"));
        }
        claims.push(claim.clone());
    }
    let classes: HashMap<String, Value> = store
        .list("deviceclasses", None)
        .map(|((_, n), v)| (n.clone(), v.clone()))
        .collect();
    for c in claims
        .iter()
        .filter(|c| c.pointer("/status/allocation").is_none_or(Value::is_null))
    {
        for r in c["spec"]["devices"]["requests"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for alt in alternatives(r) {
                let class = alt.1["deviceClassName"].as_str().unwrap_or("");
                if !classes.contains_key(class) {
                    return Err(format!(
                        "request {}: device class {class} does not exist",
                        alt.0
                    ));
                }
            }
        }
    }
    let pools = pools(store);
    let mut dra = PodDra {
        pod_ns: ns,
        claims,
        classes,
        pools,
        in_use: HashSet::new(),
        counters_used: HashMap::new(),
    };
    let devices: HashMap<DeviceId, Consumption> = dra
        .pools
        .iter()
        .flat_map(|p| {
            p.devices.iter().map(|d| {
                (
                    device_id(&p.driver, &p.name, d["name"].as_str().unwrap_or("")),
                    consumption(d),
                )
            })
        })
        .collect();
    for (_, c) in store.list("resourceclaims", None) {
        for r in c
            .pointer("/status/allocation/devices/results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            let id = device_id(&s("driver"), &s("pool"), &s("device"));
            if let Some(cons) = devices.get(&id) {
                for ((set, counter), v) in cons {
                    *dra.counters_used
                        .entry((id.0.clone(), id.1.clone(), set.clone(), counter.clone()))
                        .or_default() += v;
                }
            }
            dra.in_use.insert(id);
        }
    }
    Ok(Some(dra))
}

/// A request's alternatives: `(result request name, exact request)`.
fn alternatives(r: &Value) -> Vec<(String, &Value)> {
    let name = r["name"].as_str().unwrap_or("");
    if let Some(subs) = r["firstAvailable"].as_array().filter(|s| !s.is_empty()) {
        return subs
            .iter()
            .map(|s| (format!("{name}/{}", s["name"].as_str().unwrap_or("")), s))
            .collect();
    }
    let exact = r.get("exactly").filter(|e| e.is_object()).unwrap_or(r);
    vec![(name.to_string(), exact)]
}

/// The qualified attribute of a device (`domain/name`; the driver's domain may be implied).
fn attribute<'a>(driver: &str, device: &'a Value, qualified: &str) -> Option<&'a Value> {
    let attrs = &device["attributes"];
    attrs.get(qualified).or_else(|| {
        let (domain, id) = qualified.rsplit_once('/')?;
        (domain == driver).then(|| attrs.get(id)).flatten()
    })
}

struct Search<'a> {
    dra: &'a PodDra,
    claim: &'a Value,
    cands: Vec<Cand>,
    /// Devices taken by this attempt (other claims of the pod included).
    taken: HashSet<DeviceId>,
    counters: HashMap<CounterId, f64>,
    picks: Vec<(String, usize)>,
    steps: usize,
}

const MAX_STEPS: usize = 200_000;

impl Search<'_> {
    fn selectors_match(&self, alt: &Value, cand: &Cand) -> Result<bool, Failure> {
        let class_name = alt["deviceClassName"].as_str().unwrap_or("");
        let class = &self.dra.classes[class_name];
        let env = cel::device_env(&cand.driver, &cand.device);
        let check = |list: &Value, who: &str| -> Result<bool, Failure> {
            for (i, s) in list.as_array().into_iter().flatten().enumerate() {
                let Some(expr) = s.pointer("/cel/expression").and_then(Value::as_str) else {
                    continue;
                };
                match cel::matches(expr, &env) {
                    Ok(true) => {}
                    Ok(false) => return Ok(false),
                    Err(e) => {
                        return Err(Failure::Error(format!(
                            "{who}: selector #{i}: CEL runtime error: {e}"
                        )))
                    }
                }
            }
            Ok(true)
        };
        if !check(&class["spec"]["selectors"], &format!("class {class_name}"))? {
            return Ok(false);
        }
        let claim = format!(
            "claim {}/{}",
            self.dra.pod_ns,
            self.claim["metadata"]["name"].as_str().unwrap_or("")
        );
        check(&alt["selectors"], &claim)
    }

    fn free(&self, i: usize) -> bool {
        let c = &self.cands[i];
        let id = device_id(&c.driver, &c.pool, c.device["name"].as_str().unwrap_or(""));
        !self.dra.in_use.contains(&id) && !self.taken.contains(&id)
    }

    fn counters_fit(&self, i: usize) -> bool {
        let c = &self.cands[i];
        let Some(pool) = self
            .dra
            .pools
            .iter()
            .find(|p| p.driver == c.driver && p.name == c.pool)
        else {
            return false;
        };
        consumption(&c.device).iter().all(|((set, counter), v)| {
            let key = (
                c.driver.clone(),
                c.pool.clone(),
                set.clone(),
                counter.clone(),
            );
            let used = self.dra.counters_used.get(&key).copied().unwrap_or(0.0)
                + self.counters.get(&key).copied().unwrap_or(0.0);
            pool.counters
                .get(&(set.clone(), counter.clone()))
                .is_some_and(|cap| used + v <= cap + 1e-9)
        })
    }

    fn take(&mut self, request: &str, i: usize, on: bool) {
        let c = &self.cands[i];
        let id = device_id(&c.driver, &c.pool, c.device["name"].as_str().unwrap_or(""));
        let sign = if on { 1.0 } else { -1.0 };
        for ((set, counter), v) in consumption(&c.device) {
            *self
                .counters
                .entry((c.driver.clone(), c.pool.clone(), set, counter))
                .or_default() += sign * v;
        }
        if on {
            self.taken.insert(id);
            self.picks.push((request.to_string(), i));
        } else {
            self.taken.remove(&id);
            self.picks.pop();
        }
    }

    fn constraints_hold(&self) -> bool {
        for c in self.claim["spec"]["devices"]["constraints"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let reqs: Vec<&str> = c["requests"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let applies = |r: &str| {
                reqs.is_empty()
                    || reqs
                        .iter()
                        .any(|q| *q == r || r.split('/').next() == Some(*q))
            };
            let values: Vec<Option<&Value>> = self
                .picks
                .iter()
                .filter(|(r, _)| applies(r))
                .map(|(_, i)| {
                    let cand = &self.cands[*i];
                    let attr = c["matchAttribute"]
                        .as_str()
                        .or(c["distinctAttribute"].as_str())
                        .unwrap_or("");
                    attribute(&cand.driver, &cand.device, attr)
                })
                .collect();
            if c["matchAttribute"].is_string()
                && (values.iter().any(Option::is_none) || values.windows(2).any(|w| w[0] != w[1]))
            {
                return false;
            }
            if c["distinctAttribute"].is_string() {
                if values.iter().any(Option::is_none) {
                    return false;
                }
                for (a, x) in values.iter().enumerate() {
                    if values[a + 1..].contains(x) {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Allocates requests `ri..` (backtracking); `true` when all fit.
    fn requests(&mut self, reqs: &[Value], ri: usize) -> Result<bool, Failure> {
        if ri == reqs.len() {
            return Ok(self.constraints_hold());
        }
        for (rname, alt) in alternatives(&reqs[ri]) {
            let mut matching = Vec::new();
            for i in 0..self.cands.len() {
                if self.selectors_match(alt, &self.cands[i])? {
                    matching.push(i);
                }
            }
            if alt["allocationMode"] == "All" {
                if matching.is_empty() || !matching.iter().all(|i| self.free(*i)) {
                    continue;
                }
                let mut ok = true;
                let mut done = Vec::new();
                for &i in &matching {
                    if !self.counters_fit(i) {
                        ok = false;
                        break;
                    }
                    self.take(&rname, i, true);
                    done.push(i);
                }
                if ok && self.requests(reqs, ri + 1)? {
                    return Ok(true);
                }
                for &i in done.iter().rev() {
                    self.take(&rname, i, false);
                }
                continue;
            }
            let count = alt["count"].as_u64().unwrap_or(1) as usize;
            if self.pick(reqs, ri, &rname, &matching, 0, count)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn pick(
        &mut self,
        reqs: &[Value],
        ri: usize,
        rname: &str,
        matching: &[usize],
        from: usize,
        left: usize,
    ) -> Result<bool, Failure> {
        if left == 0 {
            return self.requests(reqs, ri + 1);
        }
        for (k, &i) in matching.iter().enumerate().skip(from) {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return Ok(false);
            }
            if !self.free(i) || !self.counters_fit(i) {
                continue;
            }
            self.take(rname, i, true);
            if self.pick(reqs, ri, rname, matching, k + 1, left - 1)? {
                return Ok(true);
            }
            self.take(rname, i, false);
        }
        Ok(false)
    }
}

impl PodDra {
    fn candidates(&self, node: &Value) -> Vec<Cand> {
        let name = node["metadata"]["name"].as_str().unwrap_or("");
        let mut out = Vec::new();
        for p in &self.pools {
            let local = p.node_name.as_deref() == Some(name);
            let reachable = local
                || p.all_nodes
                || p.node_selector
                    .as_ref()
                    .is_some_and(|s| node_selector_matches(s, node));
            if !reachable {
                continue;
            }
            for d in &p.devices {
                out.push(Cand {
                    driver: p.driver.clone(),
                    pool: p.name.clone(),
                    node_local: local || p.node_selector.is_some(),
                    device: d.clone(),
                });
            }
        }
        out
    }

    /// The Filter step for one node: the allocations it would give, or why it cannot.
    pub(crate) fn filter(&self, node: &Value) -> Result<Plan, Failure> {
        let node_name = node["metadata"]["name"].as_str().unwrap_or("");
        let mut plan = Vec::new();
        let mut taken: HashSet<DeviceId> = HashSet::new();
        let mut counters: HashMap<CounterId, f64> = HashMap::new();
        let cands = self.candidates(node);
        for (ci, claim) in self.claims.iter().enumerate() {
            if let Some(alloc) = claim.pointer("/status/allocation").filter(|a| !a.is_null()) {
                let fits = alloc
                    .get("nodeSelector")
                    .filter(|s| !s.is_null())
                    .is_none_or(|s| node_selector_matches(s, node));
                if !fits {
                    return Err(Failure::Unschedulable(
                        "resourceclaim not available on the node".into(),
                    ));
                }
                continue;
            }
            let reqs = claim["spec"]["devices"]["requests"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut search = Search {
                dra: self,
                claim,
                cands: Vec::new(),
                taken: std::mem::take(&mut taken),
                counters: std::mem::take(&mut counters),
                picks: Vec::new(),
                steps: 0,
            };
            search.cands = cands
                .iter()
                .map(|c| Cand {
                    driver: c.driver.clone(),
                    pool: c.pool.clone(),
                    node_local: c.node_local,
                    device: c.device.clone(),
                })
                .collect();
            if !search.requests(&reqs, 0)? {
                return Err(Failure::Unschedulable("cannot allocate all claims".into()));
            }
            plan.push((ci, self.allocation(claim, &search, node_name)));
            taken = search.taken;
            counters = search.counters;
        }
        Ok(Plan(plan))
    }

    fn allocation(&self, claim: &Value, search: &Search<'_>, node_name: &str) -> Value {
        let results: Vec<Value> = search
            .picks
            .iter()
            .map(|(r, i)| {
                let c = &search.cands[*i];
                json!({"request": r, "driver": c.driver, "pool": c.pool, "device": c.device["name"]})
            })
            .collect();
        let mut config = Vec::new();
        let mut by_class: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in claim["spec"]["devices"]["requests"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for (rname, alt) in alternatives(r) {
                if search.picks.iter().any(|(p, _)| *p == rname) {
                    let class = alt["deviceClassName"].as_str().unwrap_or("").to_string();
                    by_class.entry(class).or_default().push(rname);
                }
            }
        }
        for (class, reqs) in by_class {
            for c in self.classes[&class]["spec"]["config"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let mut e = c.clone();
                e["source"] = json!("FromClass");
                e["requests"] = json!(reqs);
                config.push(e);
            }
        }
        for c in claim["spec"]["devices"]["config"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let mut e = c.clone();
            e["source"] = json!("FromClaim");
            config.push(e);
        }
        let mut devices = json!({"results": results});
        if !config.is_empty() {
            devices["config"] = json!(config);
        }
        let mut out = json!({"devices": devices});
        if search
            .picks
            .iter()
            .any(|(_, i)| search.cands[*i].node_local)
            || results.is_empty()
        {
            out["nodeSelector"] = json!({"nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": [node_name]}]}]});
        }
        out
    }

    /// PreBind: writes the plan's allocations and reserves every claim for the pod.
    pub(crate) fn commit(&self, store: &mut Store, pod: &Value, plan: Plan) {
        let reference = json!({"resource": "pods", "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]});
        for (ci, claim) in self.claims.iter().enumerate() {
            let (ns, name) = crate::store::key_of(claim);
            let Some(mut current) = store.get("resourceclaims", &ns, &name).cloned() else {
                continue;
            };
            if let Some((_, alloc)) = plan.0.iter().find(|(i, _)| *i == ci) {
                current["status"]["allocation"] = alloc.clone();
                let fin = json!("resource.kubernetes.io/delete-protection");
                let meta = &mut current["metadata"];
                match meta["finalizers"].as_array_mut() {
                    Some(list) if list.contains(&fin) => {}
                    Some(list) => list.push(fin),
                    None => meta["finalizers"] = json!([fin]),
                }
            }
            if !current["status"].is_object() {
                current["status"] = json!({});
            }
            let reserved = current["status"]
                .as_object_mut()
                .expect("object")
                .entry("reservedFor")
                .or_insert_with(|| json!([]));
            if let Some(list) = reserved.as_array_mut() {
                if !list.iter().any(|r| r["uid"] == reference["uid"]) {
                    list.push(reference.clone());
                }
            }
            store.put("resourceclaims", current);
        }
    }
}
