//! `kubectl mig uninstall`: delete exactly what `kubectl mig install` created (found by its
//! labels), workloads first, and the namespace only when nothing else lives in it.

use crate::cluster::ConnectOptions;
use crate::cluster::{self, Cluster, Op};
use crate::error::Result;
use crate::install::apply::{self, KINDS};
use crate::k8s::ownership::{MANAGED_BY, PART_OF};
use crate::output;
use crate::output::messages::Messages;
use crate::output::DryRun;
use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::{verbs, Discovery, Scope};
use std::io::Write;

/// Objects kubectl mig installed.
fn selector() -> String {
    format!(
        "{}={},{}={}",
        MANAGED_BY.0, MANAGED_BY.1, PART_OF.0, PART_OF.1
    )
}

/// Runs the uninstall; a client dry run only lists, a server dry run has the server check each
/// delete without doing it.
pub async fn run(
    global: &ConnectOptions,
    dry_run: Option<DryRun>,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let cluster = cluster::connect(global).await?;
    let Some(found) = find_ours(&cluster, global.namespace.as_deref(), msgs).await? else {
        return Ok(());
    };
    let suffix = match dry_run {
        None => "",
        Some(DryRun::Client) => " (dry run)",
        Some(DryRun::Server) => " (server dry run)",
    };
    let mut kept = Vec::new();
    for (api_version, kind, obj) in &found {
        let name = obj.metadata.name.clone().unwrap_or_default();
        if let Some(why) = keep_reason(&cluster, kind, obj).await? {
            kept.push(format!("{}/{name} kept: {why}", kind.to_lowercase()));
            continue;
        }
        let ns = obj.metadata.namespace.as_deref();
        match dry_run {
            None => apply::delete(&cluster, api_version, kind, ns, &name, false).await?,
            Some(DryRun::Server) => {
                apply::delete(&cluster, api_version, kind, ns, &name, true).await?
            }
            Some(DryRun::Client) => {}
        }
        let shown = apply::display(api_version, kind, &name);
        writeln!(out, "{shown} deleted{suffix}").map_err(output::io_error)?;
    }
    for k in kept {
        msgs.say(k);
    }
    Ok(())
}

type Found = Vec<(&'static str, &'static str, DynamicObject)>;

/// kubectl mig's objects, workloads first (reverse apply order), namespaces and CRDs last; with
/// `-n` the install in that namespace. `None` (having said so) when there is nothing to do.
async fn find_ours(
    cluster: &Cluster,
    namespace: Option<&str>,
    msgs: &Messages,
) -> Result<Option<Found>> {
    let selector = selector();
    let mut found: Found = Vec::new();
    for (api_version, kind, _, _) in KINDS.iter().rev() {
        for obj in apply::list_labelled(cluster, api_version, kind, &selector).await? {
            found.push((api_version, kind, obj));
        }
    }
    if let Some(ns) = namespace {
        let everywhere: Vec<String> = found
            .iter()
            .filter(|(_, kind, _)| *kind == "Namespace")
            .filter_map(|(_, _, o)| o.metadata.name.clone())
            .collect();
        found = only_namespace(found, ns);
        if found.is_empty() && !everywhere.is_empty() {
            msgs.say(format_args!(
                "Nothing to uninstall in namespace {ns}: kubectl mig is installed in {}; run kubectl mig uninstall -n {} (or without -n).",
                everywhere.join(", "),
                everywhere[0]
            ));
            return Ok(None);
        }
    }
    if found.is_empty() {
        msgs.say("Nothing to uninstall: no object in the cluster is labelled as installed by kubectl mig.");
        return Ok(None);
    }
    Ok(Some(found))
}

/// Why an object of ours stays: a CRD whose kind other teams use, a namespace that holds
/// objects kubectl mig did not create.
async fn keep_reason(cluster: &Cluster, kind: &str, obj: &DynamicObject) -> Result<Option<String>> {
    let name = obj.metadata.name.clone().unwrap_or_default();
    let foreign = match kind {
        "CustomResourceDefinition" => foreign_custom_objects(cluster, obj).await?,
        "Namespace" => foreign_objects(cluster, &name).await?,
        _ => return Ok(None),
    };
    if foreign.is_empty() {
        return Ok(None);
    }
    Ok(Some(match kind {
        "Namespace" => format!(
            "it also holds {} that kubectl mig did not create",
            foreign.join(", ")
        ),
        _ => format!(
            "deleting it would delete {} that kubectl mig did not create",
            foreign.join(", ")
        ),
    }))
}

/// With `-n`, the install in that namespace: its namespaced objects and the namespace itself,
/// and the cluster-wide ones (CRDs, cluster roles) only when no other namespace holds an install.
fn only_namespace(found: Found, ns: &str) -> Found {
    let elsewhere = found.iter().any(|(_, kind, o)| {
        o.metadata.namespace.as_deref().is_some_and(|n| n != ns)
            || (*kind == "Namespace" && o.metadata.name.as_deref() != Some(ns))
    });
    found
        .into_iter()
        .filter(|(_, kind, o)| match (&o.metadata.namespace, *kind) {
            (Some(n), _) => n == ns,
            (None, "Namespace") => o.metadata.name.as_deref() == Some(ns),
            (None, _) => !elsewhere,
        })
        .collect()
}

/// Objects in `ns` that kubectl mig did not create, of every namespaced kind the cluster serves
/// (what Kubernetes and kubectl mig's own daemons put there does not count). When a kind cannot
/// be listed, the namespace counts as not empty: keeping it is the safe mistake.
async fn foreign_objects(cluster: &Cluster, ns: &str) -> Result<Vec<String>> {
    let discovery = Discovery::new(cluster.client.clone())
        .run()
        .await
        .map_err(|e| cluster.error(e, Op::new("discover", "API resources")))?;
    let mut out = Vec::new();
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            if caps.scope != Scope::Namespaced
                || !caps.supports_operation(verbs::LIST)
                || IGNORED_KINDS.contains(&ar.plural.as_str())
            {
                continue;
            }
            let api: Api<DynamicObject> = Api::namespaced_with(cluster.client.clone(), ns, &ar);
            let items = match api.list(&ListParams::default()).await {
                Ok(list) => list.items,
                Err(e) => {
                    tracing::info!(kind = %ar.plural, error = %e, "cannot list; keeping the namespace");
                    out.push(format!("{} (which kubectl mig may not list)", ar.plural));
                    continue;
                }
            };
            for obj in items {
                if !is_ours_or_default(&ar.plural, &obj) {
                    out.push(format!(
                        "{}/{}",
                        ar.plural,
                        obj.metadata.name.unwrap_or_default()
                    ));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The objects of a CRD's kind that kubectl mig did not create (at most a few named): deleting
/// a CRD deletes every object of its kind, other teams' included. When they cannot be listed,
/// the CRD counts as in use: keeping it is the safe mistake.
async fn foreign_custom_objects(cluster: &Cluster, crd: &DynamicObject) -> Result<Vec<String>> {
    let spec = &crd.data["spec"];
    let group = spec["group"].as_str().unwrap_or_default();
    let plural = spec["names"]["plural"].as_str().unwrap_or_default();
    let kind = spec["names"]["kind"].as_str().unwrap_or_default();
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    let version = versions
        .iter()
        .find(|v| v["storage"].as_bool() == Some(true))
        .or_else(|| versions.first())
        .and_then(|v| v["name"].as_str())
        .unwrap_or_default();
    if plural.is_empty() || version.is_empty() {
        return Ok(Vec::new());
    }
    let ar = kube::discovery::ApiResource {
        group: group.to_string(),
        version: version.to_string(),
        api_version: format!("{group}/{version}"),
        kind: kind.to_string(),
        plural: plural.to_string(),
    };
    let api: Api<DynamicObject> = Api::all_with(cluster.client.clone(), &ar);
    let items = match api.list(&ListParams::default()).await {
        Ok(list) => list.items,
        Err(kube::Error::Api(s)) if s.code == 404 => return Ok(Vec::new()),
        Err(e) => {
            tracing::info!(kind = %plural, error = %e, "cannot list; keeping the CRD");
            return Ok(vec![format!("{plural} (which kubectl mig may not list)")]);
        }
    };
    let foreign: Vec<String> = items
        .into_iter()
        .filter(|o| !is_ours_or_default(plural, o))
        .map(|o| match o.metadata.namespace {
            Some(ns) => format!("{plural}/{} in {ns}", o.metadata.name.unwrap_or_default()),
            None => format!("{plural}/{}", o.metadata.name.unwrap_or_default()),
        })
        .collect();
    Ok(name_a_few(foreign))
}

/// Up to three names, then how many more.
fn name_a_few(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    if names.len() > 3 {
        let more = names.len() - 3;
        names.truncate(3);
        names.push(format!("{more} more"));
    }
    names
}

/// Kinds whose objects never keep a namespace alive: records about other objects.
const IGNORED_KINDS: &[&str] = &[
    "events",
    "endpoints",
    "endpointslices",
    "controllerrevisions",
];

/// Labelled as ours (our pods and ReplicaSets carry the template's labels), made by our own
/// daemons (NFD's NodeFeatures and leader lease), or put in every namespace by Kubernetes.
fn is_ours_or_default(plural: &str, obj: &DynamicObject) -> bool {
    let name = obj.metadata.name.as_deref().unwrap_or_default();
    let labels = obj.metadata.labels.clone().unwrap_or_default();
    crate::k8s::ownership::is_ours(Some(&labels))
        || labels
            .get("app.kubernetes.io/instance")
            .is_some_and(|v| v == "kubectl-mig")
        || (plural == "configmaps" && name == "kube-root-ca.crt")
        || (plural == "serviceaccounts" && name == "default")
        || (plural == "leases" && name == "nfd-master.nfd.kubernetes.io")
        || plural == "nodefeatures"
}
