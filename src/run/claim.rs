//! A test pod's MIG device through Dynamic Resource Allocation: a ResourceClaimTemplate asking
//! NVIDIA's `mig.nvidia.com` class for the profile with a CEL selector, and the pod's reference
//! to it. Pure: builds the objects.

use crate::k8s::ownership::MANAGED_BY;
use crate::model::dra::{MIG_CLASS, NVIDIA_DRIVER};
use k8s_openapi::api::core::v1::{Pod, PodResourceClaim, ResourceClaim};
use serde_json::{json, Value};

/// The claim's name inside the pod and its request's name in the template.
pub const CLAIM: &str = "mig";

/// The ResourceClaimTemplate for `count` devices of `profile`, in `api_version`
/// (`resource.k8s.io/v1`, or `v1beta2` on 1.33, same shape).
pub fn template(
    name: &str,
    namespace: &str,
    profile: &str,
    count: u32,
    api_version: &str,
) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": "ResourceClaimTemplate",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {MANAGED_BY.0: MANAGED_BY.1, super::pod::COMPONENT.0: super::pod::COMPONENT.1},
        },
        "spec": {"spec": {"devices": {"requests": [{
            "name": CLAIM,
            "exactly": {
                "deviceClassName": MIG_CLASS,
                "allocationMode": "ExactCount",
                "count": count,
                "selectors": [{"cel": {"expression": format!(
                    "device.attributes['{NVIDIA_DRIVER}'].profile == '{profile}'"
                )}}],
            },
        }]}}},
    })
}

/// What `run` creates: the pod, and for a DRA device the claim template before it.
pub struct Objects {
    /// The ResourceClaimTemplate, for a DRA device.
    pub template: Option<Value>,
    /// The pod.
    pub pod: Pod,
}

impl Objects {
    /// The objects for a test pod spec; a DRA spec gets a template named like the pod.
    pub fn build(spec: &super::pod::TestPod) -> Objects {
        let mut pod = super::pod::build(spec);
        let template = match (spec.dra, &spec.name, &spec.profile) {
            (true, Some(name), Some(profile)) => {
                attach(&mut pod, name);
                Some(template(
                    name,
                    &spec.namespace,
                    profile,
                    spec.count,
                    "resource.k8s.io/v1",
                ))
            }
            _ => None,
        };
        Objects { template, pod }
    }

    /// The objects as JSON values, template first (the order to apply them in).
    pub fn values(&self) -> Vec<Value> {
        let mut out: Vec<Value> = self.template.iter().cloned().collect();
        out.push(serde_json::to_value(&self.pod).unwrap_or_default());
        out
    }
}

/// Makes the pod take its device from the claim the template generates, instead of an extended
/// resource.
pub fn attach(pod: &mut Pod, template: &str) {
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    spec.resource_claims = Some(vec![PodResourceClaim {
        name: CLAIM.into(),
        resource_claim_template_name: Some(template.into()),
        ..Default::default()
    }]);
    for c in &mut spec.containers {
        let resources = c.resources.get_or_insert_with(Default::default);
        resources.limits = None;
        resources.requests = None;
        resources.claims = Some(vec![ResourceClaim {
            name: CLAIM.into(),
            ..Default::default()
        }]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_asks_the_mig_class_for_the_profile() {
        let t = template("mig-test-abcde", "ml", "1g.5gb", 2, "resource.k8s.io/v1");
        let request = &t["spec"]["spec"]["devices"]["requests"][0];
        assert_eq!(request["exactly"]["deviceClassName"], "mig.nvidia.com");
        assert_eq!(request["exactly"]["count"], 2);
        assert_eq!(
            request["exactly"]["selectors"][0]["cel"]["expression"],
            "device.attributes['gpu.nvidia.com'].profile == '1g.5gb'"
        );
        assert_eq!(
            t["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "kubectl-mig"
        );
    }
}
