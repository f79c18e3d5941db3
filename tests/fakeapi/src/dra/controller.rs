//! The resourceclaim controller (kube-controller-manager): creates a pod's ResourceClaims from
//! its templates, drops reservations of pods that are gone or done, deallocates claims nobody
//! uses any more, and deletes generated claims whose pod no longer needs them.

use crate::store::{key_of, Store};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The annotation naming the pod claim a generated claim was made for.
pub const POD_CLAIM_NAME: &str = "resource.kubernetes.io/pod-claim-name";
const FINALIZER: &str = "resource.kubernetes.io/delete-protection";

fn is_done(pod: &Value) -> bool {
    matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    )
}

/// One pass of the controller.
pub(crate) fn sync(store: &mut Store) {
    create_claims(store);
    release_claims(store);
}

fn create_claims(store: &mut Store) {
    let pods: Vec<Value> = store
        .list("pods", None)
        .map(|(_, p)| p)
        .filter(|p| {
            !is_done(p)
                && p.pointer("/metadata/deletionTimestamp").is_none()
                && p["spec"]["resourceClaims"]
                    .as_array()
                    .is_some_and(|c| !c.is_empty())
        })
        .cloned()
        .collect();
    for mut pod in pods {
        let (ns, pod_name) = key_of(&pod);
        let mut changed = false;
        for entry in pod["spec"]["resourceClaims"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let (Some(claim), Some(template)) = (
                entry["name"].as_str(),
                entry["resourceClaimTemplateName"].as_str(),
            ) else {
                continue;
            };
            if super::alloc::claim_name_of(&pod, &entry).is_some() {
                continue;
            }
            let Some(tpl) = store.get("resourceclaimtemplates", &ns, template).cloned() else {
                continue; // retried on the next pass, as the real controller does
            };
            let mut base = format!("{pod_name}-{claim}-");
            base.truncate(57);
            let suffix = store.prng.string(b"bcdfghjklmnpqrstvwxz2456789", 5);
            let name = format!("{base}{suffix}");
            let mut meta = tpl
                .pointer("/spec/metadata")
                .cloned()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!({}));
            meta["name"] = json!(name);
            meta["generateName"] = json!(base);
            meta["namespace"] = json!(ns);
            if !meta["annotations"].is_object() {
                meta["annotations"] = json!({});
            }
            meta["annotations"][POD_CLAIM_NAME] = json!(claim);
            meta["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "Pod", "name": pod_name,
                "uid": pod["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]);
            let obj = json!({"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
                "metadata": meta, "spec": tpl["spec"]["spec"].clone()});
            store.put("resourceclaims", obj);
            if !pod["status"].is_object() {
                pod["status"] = json!({});
            }
            let statuses = pod["status"]
                .as_object_mut()
                .expect("object")
                .entry("resourceClaimStatuses")
                .or_insert_with(|| json!([]));
            if let Some(list) = statuses.as_array_mut() {
                list.push(json!({"name": claim, "resourceClaimName": name}));
            }
            changed = true;
        }
        if changed {
            store.put("pods", pod);
        }
    }
}

fn release_claims(store: &mut Store) {
    let pods: HashMap<String, bool> = store
        .list("pods", None)
        .map(|(_, p)| {
            let uid = p["metadata"]["uid"].as_str().unwrap_or("").to_string();
            let needed = !is_done(p) && p.pointer("/metadata/deletionTimestamp").is_none();
            (uid, needed)
        })
        .collect();
    let needed = |uid: &Value| uid.as_str().and_then(|u| pods.get(u)).copied() == Some(true);
    let claims: Vec<Value> = store
        .list("resourceclaims", None)
        .map(|(_, c)| c.clone())
        .collect();
    for mut claim in claims {
        let owner_pod = claim["metadata"]["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["controller"] == true && o["kind"] == "Pod" && o["apiVersion"] == "v1")
            .map(|o| o["uid"].clone());
        let mut changed = false;
        if let Some(list) = claim
            .pointer_mut("/status/reservedFor")
            .and_then(Value::as_array_mut)
        {
            let before = list.len();
            list.retain(|r| r["resource"] != "pods" || needed(&r["uid"]));
            changed = list.len() != before;
        }
        let reserved = claim
            .pointer("/status/reservedFor")
            .and_then(Value::as_array)
            .is_some_and(|l| !l.is_empty());
        let allocated = claim
            .pointer("/status/allocation")
            .is_some_and(|a| !a.is_null());
        if !reserved && (allocated || changed) {
            if let Some(st) = claim["status"].as_object_mut() {
                st.remove("allocation");
                st.remove("reservedFor");
                st.remove("devices");
            }
            if let Some(f) = claim["metadata"]["finalizers"].as_array_mut() {
                f.retain(|x| x != FINALIZER);
                if f.is_empty() {
                    claim["metadata"]
                        .as_object_mut()
                        .map(|m| m.remove("finalizers"));
                }
            }
            changed = true;
        }
        let (ns, name) = key_of(&claim);
        if owner_pod.as_ref().is_some_and(|uid| !needed(uid)) && !reserved {
            store.remove("resourceclaims", &ns, &name);
        } else if changed {
            store.put("resourceclaims", claim);
        }
    }
}
