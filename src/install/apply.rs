//! Server-side apply of the plain objects in `manifests`, and reading/deleting them again,
//! through one table of the kinds kubectl mig writes.

use crate::cluster::{Cluster, Op};
use crate::error::{Error, Result};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::GroupVersionKind;
use serde_json::Value;

/// The field manager of everything kubectl mig applies.
pub const FIELD_MANAGER: &str = "kubectl-mig";

/// A kind kubectl mig writes: `(apiVersion, kind, plural, namespaced)`.
pub const KINDS: &[(&str, &str, &str, bool)] = &[
    ("v1", "Namespace", "namespaces", false),
    (
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    ("v1", "ServiceAccount", "serviceaccounts", true),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    ("rbac.authorization.k8s.io/v1", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    ("v1", "ConfigMap", "configmaps", true),
    ("apps/v1", "Deployment", "deployments", true),
    ("apps/v1", "DaemonSet", "daemonsets", true),
];

/// How an object fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It did not exist.
    Created,
    /// It existed and changed.
    Configured,
    /// It existed and the apply changed nothing.
    Unchanged,
}

impl Outcome {
    /// kubectl's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
        }
    }
}

/// Resource facts of a kind from [`KINDS`].
pub fn resource(api_version: &str, kind: &str) -> Option<(ApiResource, bool)> {
    let (av, k, plural, namespaced) = KINDS
        .iter()
        .find(|(av, k, _, _)| *av == api_version && *k == kind)?;
    let (group, version) = av.rsplit_once('/').unwrap_or(("", av));
    let gvk = GroupVersionKind::gvk(group, version, k);
    Some((ApiResource::from_gvk_with_plural(&gvk, plural), *namespaced))
}

/// `kind/name` as kubectl prints objects, e.g. `daemonset.apps/nvidia-device-plugin`.
pub fn display_name(obj: &Value) -> String {
    display(
        obj["apiVersion"].as_str().unwrap_or_default(),
        obj["kind"].as_str().unwrap_or_default(),
        obj["metadata"]["name"].as_str().unwrap_or_default(),
    )
}

/// `kind.group/name` from its parts.
pub fn display(api_version: &str, kind: &str, name: &str) -> String {
    let group = api_version
        .rsplit_once('/')
        .map(|(g, _)| format!(".{g}"))
        .unwrap_or_default();
    format!("{}{group}/{name}", kind.to_lowercase())
}

/// The API for an object's kind and namespace, its name, and the `Op` naming it in errors.
fn api_for<'a>(
    cluster: &Cluster,
    obj: &'a Value,
) -> Result<(Api<DynamicObject>, String, Target<'a>)> {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let kind = obj["kind"].as_str().unwrap_or_default();
    let (ar, namespaced) = resource(api_version, kind).ok_or_else(|| {
        Error::failed(format!(
            "internal: kubectl mig does not know how to write a {kind}"
        ))
    })?;
    let name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let namespace = namespaced.then(|| obj["metadata"]["namespace"].as_str().unwrap_or("default"));
    let api = match namespace {
        Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &ar),
        None => Api::all_with(cluster.client.clone(), &ar),
    };
    let target = Target {
        plural: ar.plural,
        namespace,
    };
    Ok((api, name, target))
}

/// What an object's requests are about, for error messages.
struct Target<'a> {
    plural: String,
    namespace: Option<&'a str>,
}

impl Target<'_> {
    fn op<'b>(&'b self, verb: &'b str) -> Op<'b> {
        match self.namespace {
            Some(ns) => Op::new(verb, &self.plural).in_ns(ns),
            None => Op::new(verb, &self.plural),
        }
    }
}

/// Reads the live copy of an object, if any.
pub async fn get(cluster: &Cluster, obj: &Value) -> Result<Option<DynamicObject>> {
    let (api, name, target) = api_for(cluster, obj)?;
    api.get_opt(&name)
        .await
        .map_err(|e| cluster.error(e, target.op("get")))
}

/// Server-side applies an object (or asks the server to validate it with `dry_run`); returns how
/// it fared and the object as the server answered it.
pub async fn apply(
    cluster: &Cluster,
    obj: &Value,
    before: Option<&DynamicObject>,
    dry_run: bool,
    force: bool,
) -> Result<(Outcome, Value)> {
    let (api, name, target) = api_for(cluster, obj)?;
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.dry_run = dry_run;
    params.force = force;
    let after = match api.patch(&name, &params, &Patch::Apply(obj)).await {
        Ok(after) => after,
        Err(kube::Error::Api(s)) if s.code == 409 => {
            return Err(Error::failed(format!(
                "{} was changed by someone else since kubectl mig applied it ({}); look at the change, then rerun with --force to take the fields back",
                display_name(obj),
                crate::error::one_line(&s.message)
            )))
        }
        Err(e) => return Err(cluster.error(e, target.op("patch"))),
    };
    let outcome = match before {
        None => Outcome::Created,
        Some(b) if b.metadata.resource_version == after.metadata.resource_version => {
            Outcome::Unchanged
        }
        Some(_) => Outcome::Configured,
    };
    let answered = serde_json::to_value(&after).unwrap_or_else(|_| obj.clone());
    Ok((outcome, answered))
}

/// Lists the objects of a kind carrying a label selector, everywhere.
pub async fn list_labelled(
    cluster: &Cluster,
    api_version: &str,
    kind: &str,
    selector: &str,
) -> Result<Vec<DynamicObject>> {
    let (ar, _) = resource(api_version, kind)
        .ok_or_else(|| Error::failed(format!("internal: unknown kind {kind}")))?;
    let api: Api<DynamicObject> = Api::all_with(cluster.client.clone(), &ar);
    let list = api
        .list(&ListParams::default().labels(selector))
        .await
        .map_err(|e| cluster.error(e, Op::new("list", &ar.plural)))?;
    Ok(list.items)
}

/// Deletes one object (background propagation; a missing object is fine).
pub async fn delete(
    cluster: &Cluster,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    dry_run: bool,
) -> Result<()> {
    let (ar, _) = resource(api_version, kind)
        .ok_or_else(|| Error::failed(format!("internal: unknown kind {kind}")))?;
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &ar),
        None => Api::all_with(cluster.client.clone(), &ar),
    };
    let mut params = DeleteParams::background();
    params.dry_run = dry_run;
    match api.delete(name, &params).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(cluster.error(e, Op::new("delete", &ar.plural))),
    }
}
