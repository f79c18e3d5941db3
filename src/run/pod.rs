//! The test pod of `kubectl mig run`.

use crate::k8s::ownership::MANAGED_BY;
use crate::model::node::Taint;
use k8s_openapi::api::core::v1::{
    Affinity, Container, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm,
    Pod, PodSpec, ResourceRequirements, Toleration,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// `app.kubernetes.io/component` of test pods.
pub const COMPONENT: (&str, &str) = ("app.kubernetes.io/component", "mig-test");

/// Everything that varies between test pods.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestPod {
    /// Fixed name, or `None` for `generateName: mig-test-`.
    pub name: Option<String>,
    /// Namespace.
    pub namespace: String,
    /// Container image.
    pub image: String,
    /// Command and arguments.
    pub command: Vec<String>,
    /// Resource to request (requests = limits).
    pub resource: String,
    /// How many.
    pub count: u32,
    /// Pin to one node (by `metadata.name`, as DaemonSets do, so the scheduler still checks room).
    pub node: Option<String>,
    /// `nvidia.com/gpu.product` values allowed (single strategy).
    pub products: Vec<String>,
    /// Tolerations to add.
    pub tolerations: Vec<Taint>,
    /// The MIG profile, recorded as an annotation for people reading the pod.
    pub profile: Option<String>,
    /// Take the device from a DRA claim (a ResourceClaimTemplate of the pod's name).
    pub dra: bool,
}

/// `mig-test-` and five random lowercase letters and digits, as the API server would pick.
pub fn generated_name() -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut bits = hasher.finish();
    let suffix: String = (0..5)
        .map(|_| {
            let c = ALPHABET[(bits % ALPHABET.len() as u64) as usize] as char;
            bits /= ALPHABET.len() as u64;
            c
        })
        .collect();
    format!("mig-test-{suffix}")
}

/// Builds the Pod.
// Long: one pod manifest written out field by field, read top to bottom like its YAML.
pub fn build(spec: &TestPod) -> Pod {
    let labels = BTreeMap::from([
        (MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string()),
        (COMPONENT.0.to_string(), COMPONENT.1.to_string()),
    ]);
    let annotations = spec
        .profile
        .as_ref()
        .map(|p| BTreeMap::from([("kubectl-mig/profile".to_string(), p.clone())]));
    let amount = BTreeMap::from([(spec.resource.clone(), Quantity(spec.count.to_string()))]);
    let mut node_selector = None;
    let mut required: Vec<NodeSelectorTerm> = Vec::new();
    match spec.products.as_slice() {
        [] => {}
        [one] => {
            node_selector = Some(BTreeMap::from([(
                crate::mig::strategy::PRODUCT_LABEL.to_string(),
                one.clone(),
            )]))
        }
        many => required.push(NodeSelectorTerm {
            match_expressions: Some(vec![NodeSelectorRequirement {
                key: crate::mig::strategy::PRODUCT_LABEL.into(),
                operator: "In".into(),
                values: Some(many.to_vec()),
            }]),
            ..Default::default()
        }),
    }
    if let Some(node) = &spec.node {
        let pin = NodeSelectorRequirement {
            key: "metadata.name".into(),
            operator: "In".into(),
            values: Some(vec![node.clone()]),
        };
        match required.first_mut() {
            Some(term) => term.match_fields = Some(vec![pin]),
            None => required.push(NodeSelectorTerm {
                match_fields: Some(vec![pin]),
                ..Default::default()
            }),
        }
    }
    let affinity = (!required.is_empty()).then(|| Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: required,
            }),
            ..Default::default()
        }),
        ..Default::default()
    });
    let tolerations = spec
        .tolerations
        .iter()
        .map(|t| Toleration {
            key: Some(t.key.clone()),
            operator: Some(if t.value.is_some() { "Equal" } else { "Exists" }.into()),
            value: t.value.clone(),
            effect: Some(t.effect.clone()),
            ..Default::default()
        })
        .collect::<Vec<_>>();
    Pod {
        metadata: ObjectMeta {
            name: spec.name.clone(),
            generate_name: spec.name.is_none().then(|| "mig-test-".to_string()),
            namespace: Some(spec.namespace.clone()),
            labels: Some(labels),
            annotations,
            ..Default::default()
        },
        spec: Some(PodSpec {
            restart_policy: Some("Never".into()),
            containers: vec![Container {
                name: "mig-test".into(),
                image: Some(spec.image.clone()),
                command: Some(spec.command.clone()),
                resources: Some(ResourceRequirements {
                    requests: Some(amount.clone()),
                    limits: Some(amount),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            node_selector,
            affinity,
            tolerations: (!tolerations.is_empty()).then_some(tolerations),
            ..Default::default()
        }),
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TestPod {
        TestPod {
            namespace: "default".into(),
            image: "img".into(),
            command: vec!["nvidia-smi".into(), "-L".into()],
            resource: "nvidia.com/gpu".into(),
            count: 1,
            products: vec!["NVIDIA-A100-SXM4-40GB-MIG-1g.5gb".into()],
            tolerations: vec![Taint {
                key: "sku".into(),
                value: Some("gpu".into()),
                effect: "NoSchedule".into(),
            }],
            profile: Some("1g.5gb".into()),
            ..Default::default()
        }
    }

    #[test]
    fn single_pod_pins_the_product() {
        let pod = build(&spec());
        let v = serde_json::to_value(&pod).unwrap();
        assert_eq!(v["metadata"]["generateName"], "mig-test-");
        assert_eq!(
            v["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "kubectl-mig"
        );
        assert_eq!(
            v["metadata"]["labels"]["app.kubernetes.io/component"],
            "mig-test"
        );
        assert_eq!(v["spec"]["restartPolicy"], "Never");
        assert_eq!(
            v["spec"]["nodeSelector"]["nvidia.com/gpu.product"],
            "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"
        );
        let res = &v["spec"]["containers"][0]["resources"];
        assert_eq!(res["requests"]["nvidia.com/gpu"], "1");
        assert_eq!(res["limits"]["nvidia.com/gpu"], "1");
        assert_eq!(v["spec"]["tolerations"][0]["operator"], "Equal");
    }

    #[test]
    fn node_pin_and_several_products_use_affinity() {
        let mut s = spec();
        s.products.push("A100-SXM4-40GB-MIG-1g.5gb".into());
        s.node = Some("n1".into());
        let v = serde_json::to_value(build(&s)).unwrap();
        let term = &v["spec"]["affinity"]["nodeAffinity"]
            ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0];
        assert_eq!(
            term["matchExpressions"][0]["values"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(term["matchFields"][0]["key"], "metadata.name");
        assert!(v["spec"].get("nodeSelector").is_none());
    }
}
