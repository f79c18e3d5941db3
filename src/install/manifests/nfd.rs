//! Node Feature Discovery, as much of it as GFD needs: the NodeFeature CRDs, nfd-master (turns
//! NodeFeature objects into node labels, allowing the `nvidia.com` namespace), nfd-worker (reads
//! the feature files GFD writes on each node) and nfd-gc (drops NodeFeatures of deleted nodes).
//! Modelled on NFD's own chart, v0.19.

use super::NFD_IMAGE;
use super::{restricted_security_context, selector};
use serde_json::{json, Value};

fn labels(name: &str, role: &str) -> Value {
    super::labels(name, &format!("nfd-{role}"))
}

fn meta(name: &str, ns: Option<&str>, role: &str) -> Value {
    super::meta(name, ns, &format!("nfd-{role}"))
}

/// A CRD of NFD's API group. The schema keeps unknown fields: NFD validates its own objects.
fn crd(plural: &str, kind: &str, scope: &str) -> Value {
    let open = json!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true });
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": meta(&format!("{plural}.nfd.k8s-sigs.io"), None, "crd"),
        "spec": {
            "group": "nfd.k8s-sigs.io",
            "names": {
                "kind": kind,
                "listKind": format!("{kind}List"),
                "plural": plural,
                "singular": kind.to_lowercase(),
            },
            "scope": scope,
            "versions": [{
                "name": "v1alpha1",
                "served": true,
                "storage": true,
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": { "spec": open.clone(), "status": open },
                    "required": ["spec"],
                }},
            }],
        }
    })
}

fn service_account(name: &str, ns: &str, role: &str) -> Value {
    json!({ "apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name, Some(ns), role) })
}

fn rule(group: &str, resources: &[&str], verbs: &[&str]) -> Value {
    json!({ "apiGroups": [group], "resources": resources, "verbs": verbs })
}

fn binding(kind: &str, name: &str, ns: &str, role: &str, sa: &str) -> Value {
    let role_kind = kind.trim_end_matches("Binding");
    let namespaced = kind == "RoleBinding";
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": meta(name, namespaced.then_some(ns), role),
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": name },
        "subjects": [{ "kind": "ServiceAccount", "name": sa, "namespace": ns }],
    })
}

/// The GPU taints the NVIDIA daemons tolerate, and the control plane's: NFD labels every node.
fn tolerations() -> Value {
    let mut t = super::gpu_tolerations();
    if let Some(list) = t.as_array_mut() {
        list.push(json!({ "key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule" }));
    }
    t
}

fn env_field(name: &str, path: &str) -> Value {
    json!({ "name": name, "valueFrom": { "fieldRef": { "fieldPath": path } } })
}

fn host(name: &str, path: &str) -> Value {
    json!({ "name": name, "hostPath": { "path": path } })
}

fn master(ns: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta("nfd-master", Some(ns), "master"),
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": selector("nfd-master") },
            "template": {
                "metadata": { "labels": labels("nfd-master", "master") },
                "spec": {
                    "serviceAccountName": "nfd-master",
                    "enableServiceLinks": false,
                    "tolerations": tolerations(),
                    "containers": [{
                        "name": "master",
                        "image": NFD_IMAGE,
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["nfd-master"],
                        "args": ["-crd-controller=true", "-metrics=8081"],
                        "env": [env_field("NODE_NAME", "spec.nodeName")],
                        "securityContext": restricted_security_context(),
                        "volumeMounts": [{ "name": "nfd-master-conf", "mountPath": "/etc/kubernetes/node-feature-discovery", "readOnly": true }],
                    }],
                    "volumes": [{ "name": "nfd-master-conf", "configMap": { "name": "nfd-master-conf", "items": [{ "key": "nfd-master.conf", "path": "nfd-master.conf" }] } }],
                }
            }
        }
    })
}

fn worker(ns: &str) -> Value {
    let mount =
        |name: &str, path: &str| json!({ "name": name, "mountPath": path, "readOnly": true });
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta("nfd-worker", Some(ns), "worker"),
        "spec": {
            "selector": { "matchLabels": selector("nfd-worker") },
            "template": {
                "metadata": { "labels": labels("nfd-worker", "worker") },
                "spec": {
                    "serviceAccountName": "nfd-worker",
                    "dnsPolicy": "ClusterFirstWithHostNet",
                    "tolerations": tolerations(),
                    "containers": [{
                        "name": "worker",
                        "image": NFD_IMAGE,
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["nfd-worker"],
                        "args": ["-metrics=8081"],
                        "env": [
                            env_field("NODE_NAME", "spec.nodeName"),
                            env_field("POD_NAME", "metadata.name"),
                            env_field("POD_UID", "metadata.uid"),
                        ],
                        "securityContext": restricted_security_context(),
                        "volumeMounts": [
                            mount("host-boot", "/host-boot"),
                            mount("host-os-release", "/host-etc/os-release"),
                            mount("host-sys", "/host-sys"),
                            mount("host-usr-lib", "/host-usr/lib"),
                            mount("host-lib", "/host-lib"),
                            mount("source-d", "/etc/kubernetes/node-feature-discovery/source.d/"),
                            mount("features-d", "/etc/kubernetes/node-feature-discovery/features.d/"),
                            mount("nfd-worker-conf", "/etc/kubernetes/node-feature-discovery"),
                        ],
                    }],
                    "volumes": [
                        host("host-boot", "/boot"),
                        host("host-os-release", "/etc/os-release"),
                        host("host-sys", "/sys"),
                        host("host-usr-lib", "/usr/lib"),
                        host("host-lib", "/lib"),
                        host("source-d", "/etc/kubernetes/node-feature-discovery/source.d/"),
                        host("features-d", "/etc/kubernetes/node-feature-discovery/features.d/"),
                        { "name": "nfd-worker-conf", "configMap": { "name": "nfd-worker-conf", "items": [{ "key": "nfd-worker.conf", "path": "nfd-worker.conf" }] } },
                    ],
                }
            }
        }
    })
}

fn gc(ns: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta("nfd-gc", Some(ns), "gc"),
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": selector("nfd-gc") },
            "template": {
                "metadata": { "labels": labels("nfd-gc", "gc") },
                "spec": {
                    "serviceAccountName": "nfd-gc",
                    "tolerations": tolerations(),
                    "containers": [{
                        "name": "gc",
                        "image": NFD_IMAGE,
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["nfd-gc"],
                        "args": ["-gc-interval=1h"],
                        "env": [env_field("NODE_NAME", "spec.nodeName")],
                        "securityContext": restricted_security_context(),
                    }],
                }
            }
        }
    })
}

fn config_map(name: &str, ns: &str, role: &str, key: &str, body: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(name, Some(ns), role),
        "data": { key: body },
    })
}

/// NFD's objects in namespace `ns`, in apply order.
// Long: NFD's manifests as data, one object after another, like the upstream YAML.
pub fn objects(ns: &str) -> Vec<Value> {
    let cluster_role = |name: &str, role: &str, rules: Value| {
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta(name, None, role),
            "rules": rules,
        })
    };
    vec![
        crd("nodefeatures", "NodeFeature", "Namespaced"),
        crd("nodefeaturerules", "NodeFeatureRule", "Cluster"),
        crd("nodefeaturegroups", "NodeFeatureGroup", "Namespaced"),
        service_account("nfd-master", ns, "master"),
        service_account("nfd-worker", ns, "worker"),
        service_account("nfd-gc", ns, "gc"),
        cluster_role(
            "kubectl-mig-nfd-master",
            "master",
            json!([
                rule("", &["nodes", "nodes/status"], &["get", "patch", "update", "list"]),
                rule("nfd.k8s-sigs.io", &["nodefeatures", "nodefeaturerules", "nodefeaturegroups"], &["get", "list", "watch"]),
                rule("nfd.k8s-sigs.io", &["nodefeaturegroups/status"], &["patch", "update"]),
                rule("coordination.k8s.io", &["leases"], &["create", "get", "update"]),
            ]),
        ),
        binding("ClusterRoleBinding", "kubectl-mig-nfd-master", ns, "master", "nfd-master"),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": meta("nfd-worker", Some(ns), "worker"),
            "rules": [rule("nfd.k8s-sigs.io", &["nodefeatures"], &["create", "get", "update"])],
        }),
        binding("RoleBinding", "nfd-worker", ns, "worker", "nfd-worker"),
        cluster_role(
            "kubectl-mig-nfd-gc",
            "gc",
            json!([
                rule("", &["nodes"], &["list", "watch"]),
                rule("nfd.k8s-sigs.io", &["nodefeatures"], &["delete", "list"]),
            ]),
        ),
        binding("ClusterRoleBinding", "kubectl-mig-nfd-gc", ns, "gc", "nfd-gc"),
        config_map(
            "nfd-master-conf",
            ns,
            "master",
            "nfd-master.conf",
            "# Let GFD's nvidia.com/* labels through.\nextraLabelNs: [\"nvidia.com\"]\n",
        ),
        config_map(
            "nfd-worker-conf",
            ns,
            "worker",
            "nfd-worker.conf",
            "# PCI display/3D controllers by vendor: gives feature.node.kubernetes.io/pci-10de.present on NVIDIA GPU nodes.\nsources:\n  pci:\n    deviceClassWhitelist: [\"02\", \"03\"]\n    deviceLabelFields: [\"vendor\"]\n",
        ),
        master(ns),
        worker(ns),
        gc(ns),
    ]
}
