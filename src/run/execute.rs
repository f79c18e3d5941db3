//! Running the test pod of `kubectl mig run`: create it, follow it to its end, and delete it
//! whatever happens (unless `--keep`), never touching a pod it did not create.

use crate::cluster::{Cluster, Op};
use crate::error::{Error, Result};
use crate::output::messages::Messages;
use crate::run::follow::{self, Start};
use crate::run::placement::{self, Placement};
use crate::run::RunArgs;
use crate::signals;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, PostParams, Preconditions};
use kube::ResourceExt;
use std::io::Write;

/// Creates the pod, follows it to its end, and deletes it whatever happens (unless --keep).
pub async fn execute(
    cluster: &Cluster,
    objects: super::claim::Objects,
    args: &RunArgs,
    offers: &[placement::Offer],
    place: &Placement,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let ns = cluster.namespace.clone();
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), &ns);
    // Listen before creating: a Ctrl-C during the create is acted on once the pod exists.
    let mut interrupts = signals::Interrupts::arm();
    let autoscaler = has_cluster_autoscaler(cluster).await;
    let template = match &objects.template {
        Some(t) => Some(super::dra_io::create_template(cluster, t, false).await?),
        None => None,
    };
    let created = match api.create(&PostParams::default(), &objects.pod).await {
        Ok(pod) => pod,
        Err(e) => {
            if let Some(t) = &template {
                super::dra_io::delete_template(cluster, t, msgs).await;
            }
            return Err(create_error(cluster, e));
        }
    };
    let name = created.name_any();
    msgs.say(format_args!(
        "pod/{name} created in namespace {ns}, requesting {} × {}",
        args.count, place.resource
    ));
    let followed = Followed {
        cluster,
        api: &api,
        args,
        offers,
        place,
        autoscaler,
        msgs,
    };
    let outcome = tokio::select! {
        result = follow_pod(&followed, &created, out) => result,
        code = interrupts.next() => {
            msgs.say(format_args!("Interrupted."));
            Err(Error::Exit { code, message: String::new() })
        }
    };
    if args.keep {
        msgs.say(format_args!(
            "pod/{name} kept; delete it with: kubectl delete pod {name} -n {ns}"
        ));
        if template.is_some() {
            msgs.say(format_args!(
                "resourceclaimtemplate/{name} kept; delete it with: kubectl delete resourceclaimtemplate {name} -n {ns}"
            ));
        }
        return outcome;
    }
    let cleaned = async {
        cleanup(cluster, &api, &created, msgs).await;
        if let Some(t) = &template {
            let version = t["apiVersion"]
                .as_str()
                .and_then(|v| v.strip_prefix("resource.k8s.io/"))
                .unwrap_or("v1");
            super::dra_io::delete_claims_of(cluster, &created, version, msgs).await;
            super::dra_io::delete_template(cluster, t, msgs).await;
        }
    };
    tokio::select! {
        () = cleaned => outcome,
        code = interrupts.next() => Err(Error::Exit {
            code,
            message: format!(
                "interrupted again while deleting pod/{name}; delete it with: kubectl delete pod {name} -n {ns}"
            ),
        }),
    }
}

/// What following a created pod needs to know.
struct Followed<'a> {
    cluster: &'a Cluster,
    api: &'a Api<Pod>,
    args: &'a RunArgs,
    offers: &'a [placement::Offer],
    place: &'a Placement,
    autoscaler: bool,
    msgs: &'a Messages,
}

async fn follow_pod(f: &Followed<'_>, created: &Pod, out: &mut dyn Write) -> Result<()> {
    let Followed {
        cluster,
        api,
        args,
        offers,
        place,
        autoscaler,
        msgs,
    } = *f;
    let name = created.name_any();
    let mut last = created.clone();
    let start = tokio::time::timeout(
        args.timeout,
        follow::wait_for_start(cluster, api, &mut last, autoscaler, msgs),
    )
    .await;
    let started = match start {
        Err(_) => {
            let warning = latest_pod_warning(cluster, &last).await;
            let why = follow::not_started_reason(&last, warning.as_deref()).unwrap_or_else(|| {
                let why = placement::explain_pending(offers, place, i64::from(args.count));
                match follow::scheduler_message(&last) {
                    Some(message) => format!("{why} (scheduler: {message})"),
                    None => why,
                }
            });
            return Err(Error::failed(format!(
                "pod/{name} did not start within {}: {why}; see kubectl describe pod {name} -n {} or raise --timeout",
                crate::k8s::duration::human(args.timeout),
                cluster.namespace
            )));
        }
        Ok(result) => result?,
    };
    let pod = match started {
        Start::Started(pod) => *pod,
        Start::Unschedulable(message) => {
            let why = placement::explain_pending(offers, place, i64::from(args.count));
            return Err(Error::failed(format!(
                "pod/{name} cannot be scheduled: {why} (scheduler: {message})"
            )));
        }
        Start::Stuck(reason) => {
            return Err(Error::failed(format!(
                "pod/{name} cannot start its container ({reason}); check --image and the node's access to the registry"
            )))
        }
    };
    follow::stream_logs(cluster, api, &name, out).await?;
    let ended = follow::wait_for_end(cluster, api, pod).await?;
    match follow::outcome(&ended) {
        Ok(0) => Ok(()),
        Ok(code) => Err(Error::Exit {
            code,
            message: format!("the container of pod/{name} exited with code {code}"),
        }),
        Err(reason) => Err(Error::failed(format!("pod/{name} failed: {reason}"))),
    }
}

/// The newest warning event about the pod, if the events can be read (best effort, 3 s).
async fn latest_pod_warning(cluster: &Cluster, pod: &Pod) -> Option<String> {
    use k8s_openapi::api::core::v1::Event;
    let events: Api<Event> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let params = kube::api::ListParams::default().fields(&format!(
        "involvedObject.name={},involvedObject.kind=Pod",
        pod.name_any()
    ));
    let list = tokio::time::timeout(std::time::Duration::from_secs(3), events.list(&params))
        .await
        .ok()?
        .ok()?;
    list.items
        .into_iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .filter(|e| e.involved_object.uid.is_none() || e.involved_object.uid == pod.metadata.uid)
        .max_by_key(|e| {
            e.last_timestamp
                .as_ref()
                .map(|t| t.0)
                .or(e.event_time.as_ref().map(|t| t.0))
        })
        .and_then(|e| e.message)
}

/// Whether a cluster autoscaler runs: it keeps its status in this ConfigMap (AKS included).
pub async fn has_cluster_autoscaler(cluster: &Cluster) -> bool {
    let api: Api<k8s_openapi::api::core::v1::ConfigMap> =
        Api::namespaced(cluster.client.clone(), "kube-system");
    matches!(api.get_opt("cluster-autoscaler-status").await, Ok(Some(_)))
}

/// Admission refusals are not missing permissions: say which policy refused the pod.
fn create_error(cluster: &Cluster, err: kube::Error) -> Error {
    if let kube::Error::Api(status) = &err {
        if let Some(why) = admission_refusal(status.code, &status.message, &cluster.namespace) {
            return Error::failed(why);
        }
    }
    cluster.error(err, Op::new("create", "pods").in_ns(&cluster.namespace))
}

/// The sentence for a 403 that a namespace policy (Pod Security, ResourceQuota) gave.
fn admission_refusal(code: u16, message: &str, ns: &str) -> Option<String> {
    let message = crate::error::one_line(message);
    if code != 403 {
        return None;
    }
    if message.contains("PodSecurity") {
        return Some(format!(
            "namespace {ns}'s Pod Security policy refuses the test pod ({message}); run it in a namespace that allows it with -n, or use --dry-run -o yaml and adapt the pod"
        ));
    }
    if message.contains("exceeded quota") {
        return Some(format!(
            "namespace {ns}'s ResourceQuota leaves no room for the test pod ({message}); free some quota or run it in another namespace with -n"
        ));
    }
    None
}

/// Deletes the pod we created, and only it (the uid precondition guards a same-name pod).
async fn cleanup(cluster: &Cluster, api: &Api<Pod>, created: &Pod, msgs: &Messages) {
    let name = created.name_any();
    // The default grace period: the scheduler keeps counting the pod's devices until the
    // kubelet has really stopped the container.
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            uid: created.uid(),
            resource_version: None,
        }),
        ..Default::default()
    };
    match api.delete(&name, &params).await {
        Ok(_) => msgs.say(format_args!("pod/{name} deleted")),
        Err(kube::Error::Api(s)) if s.code == 404 => {}
        Err(err) => msgs.warn(format_args!(
            "could not delete pod/{name} ({}); delete it with: kubectl delete pod {name} -n {}",
            cluster.error(err, Op::new("delete", "pods").in_ns(&cluster.namespace)),
            cluster.namespace
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::admission_refusal;

    #[test]
    fn policy_refusals_are_named() {
        let psa = admission_refusal(403, "pods \"mig-test-x\" is forbidden: violates PodSecurity \"restricted:latest\": runAsNonRoot != true", "ml").unwrap();
        assert!(
            psa.starts_with("namespace ml's Pod Security policy refuses the test pod"),
            "{psa}"
        );
        let quota = admission_refusal(403, "pods \"x\" is forbidden: exceeded quota: gpu, requested: requests.nvidia.com/mig-1g.5gb=1", "ml").unwrap();
        assert!(quota.contains("ResourceQuota leaves no room"), "{quota}");
        assert!(admission_refusal(
            403,
            "pods is forbidden: User \"u\" cannot create resource \"pods\"",
            "ml"
        )
        .is_none());
        assert!(admission_refusal(409, "PodSecurity", "ml").is_none());
    }
}
