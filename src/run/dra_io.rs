//! The DRA objects of a test pod in the cluster: its ResourceClaimTemplate (created before the
//! pod, in `resource.k8s.io/v1` or, on 1.33, `v1beta2`) and, once the pod is gone, the claim the
//! template generated for it. Only objects this run created are ever deleted (UID preconditions).

use crate::cluster::{Cluster, Op};
use crate::error::Result;
use crate::output::messages::Messages;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, PostParams, Preconditions,
};
use kube::ResourceExt;
use serde_json::Value;

fn resource(version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: "resource.k8s.io".into(),
        version: version.into(),
        api_version: format!("resource.k8s.io/{version}"),
        kind: kind.into(),
        plural: plural.into(),
    }
}

/// Creates the template (or has the server validate it, `dry_run`), in the newest version the
/// cluster serves; returns what the server answered.
pub async fn create_template(cluster: &Cluster, template: &Value, dry_run: bool) -> Result<Value> {
    let op = Op::new("create", "resourceclaimtemplates.resource.k8s.io").in_ns(&cluster.namespace);
    let params = PostParams {
        dry_run,
        field_manager: Some("kubectl-mig".into()),
    };
    let mut last = None;
    for version in ["v1", "v1beta2"] {
        let ar = resource(version, "ResourceClaimTemplate", "resourceclaimtemplates");
        let mut body = template.clone();
        body["apiVersion"] = Value::String(ar.api_version.clone());
        let obj: DynamicObject = serde_json::from_value(body).map_err(|e| {
            crate::error::Error::failed(format!("cannot encode the claim template: {e}"))
        })?;
        let api: Api<DynamicObject> =
            Api::namespaced_with(cluster.client.clone(), &cluster.namespace, &ar);
        match api.create(&params, &obj).await {
            Ok(created) => return Ok(serde_json::to_value(created).unwrap_or_default()),
            Err(kube::Error::Api(s)) if s.code == 404 => last = Some(kube::Error::Api(s)),
            Err(e) => return Err(cluster.error(e, op)),
        }
    }
    Err(match last {
        Some(_) => crate::error::Error::failed(
            "the cluster serves no resource.k8s.io v1 or v1beta2 (Dynamic Resource Allocation, Kubernetes 1.33 and later), so a MIG device cannot be claimed through DRA; drop --dra to use the device plugin's resources",
        ),
        None => crate::error::Error::failed("the claim template was not created"),
    })
}

/// Deletes the template this run created (and only it: UID precondition).
pub async fn delete_template(cluster: &Cluster, created: &Value, msgs: &Messages) {
    let name = created["metadata"]["name"].as_str().unwrap_or_default();
    let version = created["apiVersion"]
        .as_str()
        .and_then(|v| v.strip_prefix("resource.k8s.io/"))
        .unwrap_or("v1");
    let ar = resource(version, "ResourceClaimTemplate", "resourceclaimtemplates");
    let api: Api<DynamicObject> =
        Api::namespaced_with(cluster.client.clone(), &cluster.namespace, &ar);
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            uid: created["metadata"]["uid"].as_str().map(str::to_string),
            resource_version: None,
        }),
        ..Default::default()
    };
    match api.delete(name, &params).await {
        Ok(_) => msgs.say(format_args!("resourceclaimtemplate/{name} deleted")),
        Err(kube::Error::Api(s)) if s.code == 404 => {}
        Err(err) => msgs.warn(format_args!(
            "could not delete resourceclaimtemplate/{name} ({}); delete it with: kubectl delete resourceclaimtemplate {name} -n {}",
            cluster.error(err, Op::new("delete", "resourceclaimtemplates.resource.k8s.io").in_ns(&cluster.namespace)),
            cluster.namespace
        )),
    }
}

/// Deletes the claims the template generated for `pod` (owned by it), once the pod is gone:
/// Kubernetes' resourceclaim controller does it too; this makes sure nothing is left.
pub async fn delete_claims_of(cluster: &Cluster, pod: &Pod, version: &str, msgs: &Messages) {
    let Some(uid) = pod.uid() else { return };
    let ar = resource(version, "ResourceClaim", "resourceclaims");
    let api: Api<DynamicObject> =
        Api::namespaced_with(cluster.client.clone(), &cluster.namespace, &ar);
    let Ok(list) = api.list(&ListParams::default()).await else {
        return;
    };
    for claim in list.items {
        let owned = claim
            .metadata
            .owner_references
            .iter()
            .flatten()
            .any(|o| o.uid == uid && o.kind == "Pod");
        if !owned {
            continue;
        }
        let name = claim.name_any();
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                uid: claim.uid(),
                resource_version: None,
            }),
            ..Default::default()
        };
        match api.delete(&name, &params).await {
            Ok(_) => msgs.say(format_args!("resourceclaim/{name} deleted")),
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(err) => msgs.warn(format_args!(
                "could not delete resourceclaim/{name} ({}); delete it with: kubectl delete resourceclaim {name} -n {}",
                cluster.error(err, Op::new("delete", "resourceclaims.resource.k8s.io").in_ns(&cluster.namespace)),
                cluster.namespace
            )),
        }
    }
}
