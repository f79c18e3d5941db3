//! Reading DRA objects (`resource.k8s.io`): ResourceSlices and ResourceClaims, from a live
//! cluster (`v1`, else `v1beta2` as 1.33 serves it) or from capture files, decoded to the few
//! fields describe and run use.

use crate::cluster::{fold_list, Cluster, Op};

use crate::model::dra::{Claim, Device, Inventory, Slice};
use crate::text::one_line;
use kube::api::ListParams;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The versions of `resource.k8s.io` read, newest first.
pub const VERSIONS: &[&str] = &["v1", "v1beta2", "v1beta1"];

/// A slice from its JSON (any served version: `v1beta1` wraps each device in `basic`).
pub fn slice(v: &Value) -> Option<Slice> {
    let spec = v.get("spec")?;
    let driver = spec["driver"].as_str()?.to_string();
    let devices = spec["devices"]
        .as_array()
        .map(|ds| ds.iter().filter_map(|d| device(d, &driver)).collect())
        .unwrap_or_default();
    let mut counters = BTreeMap::new();
    for set in spec["sharedCounters"].as_array().into_iter().flatten() {
        if let Some(name) = set["name"].as_str() {
            counters.insert(name.to_string(), amounts(&set["counters"]));
        }
    }
    Some(Slice {
        node: spec["nodeName"].as_str().map(str::to_string),
        pool: spec["pool"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        generation: spec["pool"]["generation"].as_i64().unwrap_or(0),
        driver,
        devices,
        counters,
    })
}

fn device(d: &Value, driver: &str) -> Option<Device> {
    let body = d.get("basic").unwrap_or(d);
    let own = format!("{driver}/");
    let attributes = body["attributes"]
        .as_object()
        .map(|attrs| {
            attrs
                .iter()
                .filter_map(|(k, v)| {
                    let value = ["string", "version", "int", "bool"]
                        .iter()
                        .find_map(|t| v.get(*t))
                        .map(|x| match x {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })?;
                    let key = k.strip_prefix(&own).unwrap_or(k).to_string();
                    Some((key, value))
                })
                .collect()
        })
        .unwrap_or_default();
    let consumes = body["consumesCounters"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| {
                    Some((
                        c["counterSet"].as_str()?.to_string(),
                        amounts(&c["counters"]),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Device {
        name: d["name"].as_str()?.to_string(),
        attributes,
        consumes,
    })
}

/// `{name: {value: quantity}}` as whole numbers (memory in bytes).
fn amounts(v: &Value) -> BTreeMap<String, i64> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, q)| {
                    Some((
                        k.clone(),
                        crate::k8s::quantity::parse(q["value"].as_str()?)?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A claim from its JSON (`v1`/`v1beta2` `exactly`, `firstAvailable`, or `v1beta1` requests).
pub fn claim(v: &Value) -> Option<Claim> {
    let meta = v.get("metadata")?;
    let requests = v["spec"]["devices"]["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut classes: Vec<String> = Vec::new();
    for r in &requests {
        let candidates = std::iter::once(&r["exactly"])
            .chain(std::iter::once(r))
            .chain(r["firstAvailable"].as_array().into_iter().flatten());
        for c in candidates {
            if let Some(class) = c["deviceClassName"].as_str() {
                classes.push(class.to_string());
            }
        }
    }
    classes.sort();
    classes.dedup();
    let status = &v["status"];
    let allocated = status["allocation"]["devices"]["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter_map(|r| {
                    Some((
                        r["driver"].as_str()?.to_string(),
                        r["pool"].as_str()?.to_string(),
                        r["device"].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let reserved_for = status["reservedFor"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter(|r| r["resource"] == "pods")
                .filter_map(|r| r["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let owner_pod = meta["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["kind"] == "Pod")
        .and_then(|o| o["name"].as_str())
        .map(str::to_string);
    Some(Claim {
        namespace: meta["namespace"].as_str().unwrap_or_default().to_string(),
        name: meta["name"].as_str()?.to_string(),
        owner_pod,
        reserved_for,
        allocated,
        is_allocated: !status["allocation"].is_null(),
        classes,
    })
}

/// Reads every ResourceSlice and ResourceClaim; what cannot be read is said in `unavailable`,
/// never failed on (describe still shows the device plugin's resources).
pub async fn read(cluster: &Cluster) -> Inventory {
    let mut inventory = Inventory::default();
    for version in VERSIONS {
        let slices = list(cluster, version, "resourceslices").await;
        match slices {
            Listed::Items(items) => {
                inventory.slices = items.iter().filter_map(slice).collect();
                inventory.claims = match list(cluster, version, "resourceclaims").await {
                    Listed::Items(items) => items.iter().filter_map(claim).collect(),
                    Listed::NotServed => Vec::new(),
                    Listed::Refused(why) => {
                        inventory.unavailable = Some(format!(
                            "{}; DRA devices show as free",
                            why.replace(
                                "DRA devices are not shown",
                                "DRA claims could not be read"
                            )
                        ));
                        Vec::new()
                    }
                };
                return inventory;
            }
            Listed::NotServed => continue,
            Listed::Refused(why) => {
                inventory.unavailable = Some(why);
                return inventory;
            }
        }
    }
    inventory.unavailable = Some(
        "the cluster serves no resource.k8s.io API (Dynamic Resource Allocation, Kubernetes 1.32 and later), so only device-plugin resources are shown".into(),
    );
    inventory
}

enum Listed {
    Items(Vec<Value>),
    NotServed,
    Refused(String),
}

async fn list(cluster: &Cluster, version: &str, plural: &str) -> Listed {
    let path = format!("/apis/resource.k8s.io/{version}/{plural}");
    let params = ListParams::default().limit(500);
    let op = Op::new("list", plural);
    let result =
        fold_list::<Value, _>(cluster, &path, &params, op, Vec::new, |acc, v| acc.push(v)).await;
    match result {
        Ok(items) => Listed::Items(items),
        Err(err) if crate::cluster::status_code(&err) == Some(404) => Listed::NotServed,
        Err(err) => Listed::Refused(format!(
            "DRA devices are not shown: {}",
            one_line(&err.to_string())
        )),
    }
}

/// The `resource.k8s.io` version to read ResourceSlices in (`v1`, else `v1beta2`); `Err` with
/// the note to give when DRA objects cannot be read (not served, or forbidden).
pub async fn served_version(cluster: &Cluster) -> std::result::Result<String, String> {
    for version in ["v1", "v1beta2"] {
        match list_one(cluster, version).await {
            Listed::Items(_) => return Ok(version.to_string()),
            Listed::NotServed => continue,
            Listed::Refused(why) => return Err(why),
        }
    }
    Err("the cluster serves no resource.k8s.io API (Dynamic Resource Allocation, Kubernetes 1.32 and later), so only device-plugin resources are shown".into())
}

async fn list_one(cluster: &Cluster, version: &str) -> Listed {
    let path = format!("/apis/resource.k8s.io/{version}/resourceslices");
    let request = match kube::core::Request::new(&path).list(&ListParams::default().limit(1)) {
        Ok(r) => r,
        Err(e) => return Listed::Refused(e.to_string()),
    };
    match cluster.client.request::<Value>(request).await {
        Ok(v) => Listed::Items(vec![v]),
        Err(kube::Error::Api(s)) if s.code == 404 => Listed::NotServed,
        Err(e) => Listed::Refused(format!(
            "DRA devices are not shown: {}",
            one_line(
                &cluster
                    .error(e, Op::new("list", "resourceslices"))
                    .to_string()
            )
        )),
    }
}

/// The scheduler's reason for each pod waiting on one of `claims` (`namespace/name` -> text),
/// from the pod's `PodScheduled` condition; at most 20 pods are asked about.
pub async fn pending_reasons(cluster: &Cluster, claims: &[Claim]) -> HashMap<String, String> {
    use k8s_openapi::api::core::v1::Pod;
    let mut out = HashMap::new();
    let waiting = claims
        .iter()
        .filter(|c| !c.is_allocated)
        .filter_map(|c| Some((c.namespace.clone(), c.owner_pod.clone()?)))
        .take(20);
    for (ns, name) in waiting {
        let api: kube::Api<Pod> = kube::Api::namespaced(cluster.client.clone(), &ns);
        let Ok(Some(pod)) = api.get_opt(&name).await else {
            continue;
        };
        let reason = pod
            .status
            .and_then(|s| s.conditions)
            .into_iter()
            .flatten()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
            .and_then(|c| c.message);
        if let Some(reason) = reason {
            out.insert(format!("{ns}/{name}"), one_line(&reason));
        }
    }
    out
}
