//! The objects of a synthetic cluster, shaped like what AKS, GFD and the kubelet really write:
//! nodes with GFD labels, images and managedFields; pods of 4–6 KB with env, volumes,
//! tolerations, managedFields, conditions and container statuses.

use super::{Phase, Resources, Shape, PROFILES};
use crate::util::{format_time, Prng};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Namespaces the pods are spread over.
pub(crate) const NAMESPACES: &[&str] = &[
    "ml-training",
    "ml-inference",
    "research",
    "batch",
    "web",
    "data",
    "monitoring",
    "platform",
];

const T0: i64 = 1_762_160_000;
const GPUS: i64 = 8;

pub(crate) fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

pub(crate) fn namespace(ns: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
}

/// `status.allocatable` of the `nvidia.com/*` resources, as integers.
pub(crate) fn nvidia_allocatable(node: &Value) -> BTreeMap<String, i64> {
    node["status"]["allocatable"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("nvidia.com/"))
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.parse().ok()?)))
        .collect()
}

fn ts(offset: i64) -> String {
    format_time(T0 + offset)
}

fn hex(prng: &mut Prng, n: usize) -> String {
    prng.string(b"0123456789abcdef", n)
}

fn node_labels(pool: &str, name: &str, vm: &str, zone: u64) -> Map<String, Value> {
    let mut l = Map::new();
    let mut put = |k: &str, v: &str| {
        l.insert(k.to_string(), json!(v));
    };
    for (k, v) in [
        ("agentpool", pool),
        ("beta.kubernetes.io/arch", "amd64"),
        ("beta.kubernetes.io/instance-type", vm),
        ("beta.kubernetes.io/os", "linux"),
        ("failure-domain.beta.kubernetes.io/region", "eastus"),
        ("kubernetes.azure.com/agentpool", pool),
        (
            "kubernetes.azure.com/cluster",
            "MC_rg-bench-eastus_aks-bench_eastus",
        ),
        ("kubernetes.azure.com/mode", "user"),
        (
            "kubernetes.azure.com/node-image-version",
            "AKSUbuntu-2204gen2containerd-202510.19.0",
        ),
        (
            "kubernetes.azure.com/nodepool-type",
            "VirtualMachineScaleSets",
        ),
        ("kubernetes.azure.com/os-sku", "Ubuntu"),
        ("kubernetes.azure.com/role", "agent"),
        ("kubernetes.azure.com/storageprofile", "managed"),
        ("kubernetes.azure.com/storagetier", "Premium_LRS"),
        ("kubernetes.io/arch", "amd64"),
        ("kubernetes.io/hostname", name),
        ("kubernetes.io/os", "linux"),
        ("kubernetes.io/role", "agent"),
        ("node-role.kubernetes.io/agent", ""),
        ("node.kubernetes.io/instance-type", vm),
        ("storageprofile", "managed"),
        ("storagetier", "Premium_LRS"),
        ("topology.disk.csi.azure.com/zone", ""),
        ("topology.kubernetes.io/region", "eastus"),
    ] {
        put(k, v);
    }
    let zone = format!("eastus-{}", zone + 1);
    put("failure-domain.beta.kubernetes.io/zone", &zone);
    put("topology.kubernetes.io/zone", &zone);
    l
}

/// GFD's labels of an A100 40GB node under the mixed strategy, all-balanced.
fn gfd_labels(l: &mut Map<String, Value>) {
    let mut put = |k: String, v: String| {
        l.insert(k, json!(v));
    };
    for (k, v) in [
        ("kubernetes.azure.com/accelerator", "nvidia"),
        ("nvidia.com/cuda.driver-version.full", "550.127.08"),
        ("nvidia.com/cuda.driver-version.major", "550"),
        ("nvidia.com/cuda.driver-version.minor", "127"),
        ("nvidia.com/cuda.driver-version.revision", "08"),
        ("nvidia.com/cuda.driver.major", "550"),
        ("nvidia.com/cuda.driver.minor", "127"),
        ("nvidia.com/cuda.driver.rev", "08"),
        ("nvidia.com/cuda.runtime-version.full", "12.4"),
        ("nvidia.com/cuda.runtime-version.major", "12"),
        ("nvidia.com/cuda.runtime-version.minor", "4"),
        ("nvidia.com/cuda.runtime.major", "12"),
        ("nvidia.com/cuda.runtime.minor", "4"),
        ("nvidia.com/gfd.timestamp", "1762161300"),
        ("nvidia.com/gpu.compute.major", "8"),
        ("nvidia.com/gpu.compute.minor", "0"),
        ("nvidia.com/gpu.family", "ampere"),
        ("nvidia.com/gpu.machine", "Virtual-Machine"),
        ("nvidia.com/gpu.mode", "compute"),
        ("nvidia.com/gpu.present", "true"),
        ("nvidia.com/mig.capable", "true"),
        ("nvidia.com/mps.capable", "false"),
        ("nvidia.com/gpu.sharing-strategy", "none"),
        ("nvidia.com/mig.strategy", "mixed"),
        ("nvidia.com/mig.config", "all-balanced"),
        ("nvidia.com/mig.config.state", "success"),
        ("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"),
        ("nvidia.com/gpu.count", "8"),
        ("nvidia.com/gpu.memory", "40960"),
        ("nvidia.com/gpu.replicas", "1"),
    ] {
        put(k.into(), v.into());
    }
    for (p, per_gpu) in PROFILES {
        let slices = &p[..1];
        let (mem, sms) = match slices {
            "1" => ("4864", "14"),
            "2" => ("9856", "28"),
            _ => ("20096", "42"),
        };
        let base = format!("nvidia.com/mig-{p}");
        for (k, v) in [
            ("count", (per_gpu * GPUS).to_string()),
            ("memory", mem.into()),
            ("multiprocessors", sms.into()),
            ("slices.gi", slices.into()),
            ("slices.ci", slices.into()),
            ("engines.copy", slices.into()),
            (
                "engines.decoder",
                if slices == "1" { "0" } else { "1" }.into(),
            ),
            ("engines.encoder", "0".into()),
            ("engines.jpeg", "0".into()),
            ("engines.ofa", "0".into()),
            ("product", format!("NVIDIA-A100-SXM4-40GB-MIG-{p}")),
            ("replicas", "1".into()),
            ("sharing-strategy", "none".into()),
        ] {
            put(format!("{base}.{k}"), v);
        }
    }
}

fn resources(base: &[(&str, &str)], extra: &[(String, String)]) -> Value {
    let mut m: Map<String, Value> = base
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    for (k, v) in extra {
        m.insert(k.clone(), json!(v));
    }
    Value::Object(m)
}

fn conditions(hb: &str) -> Value {
    let c = |t: &str, s: &str, r: &str, m: &str| {
        json!({"type": t, "status": s, "reason": r, "message": m,
            "lastHeartbeatTime": hb, "lastTransitionTime": ts(0)})
    };
    json!([
        c(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available"
        ),
        c(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure"
        ),
        c(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available"
        ),
        c(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status"
        ),
    ])
}

fn images(prng: &mut Prng, gpu: bool) -> Value {
    let mut names = vec![
        "mcr.microsoft.com/oss/kubernetes/kube-proxy",
        "mcr.microsoft.com/containernetworking/azure-cns",
        "mcr.microsoft.com/oss/kubernetes-csi/azuredisk-csi",
        "mcr.microsoft.com/oss/kubernetes-csi/azurefile-csi",
        "mcr.microsoft.com/oss/kubernetes-csi/csi-node-driver-registrar",
        "mcr.microsoft.com/oss/kubernetes-csi/livenessprobe",
        "mcr.microsoft.com/oss/kubernetes/pause",
        "mcr.microsoft.com/azuremonitor/containerinsights/ciprod",
    ];
    if gpu {
        names.extend([
            "nvcr.io/nvidia/k8s-device-plugin",
            "nvcr.io/nvidia/pytorch",
            "nvcr.io/nvidia/tritonserver",
        ]);
    }
    let list: Vec<Value> = names
        .into_iter()
        .map(|n| {
            let digest = format!("{n}@sha256:{}", hex(prng, 64));
            json!({"names": [digest, format!("{n}:v1.{}.{}", prng.next_u64() % 30, prng.next_u64() % 9)],
                "sizeBytes": 20_000_000 + prng.next_u64() % 4_000_000_000})
        })
        .collect();
    Value::Array(list)
}

fn node(
    name: &str,
    labels: Map<String, Value>,
    alloc: Value,
    cap: Value,
    index: usize,
    prng: &mut Prng,
) -> Value {
    let gpu = labels.contains_key("nvidia.com/gpu.product");
    let pool = labels["agentpool"].as_str().unwrap_or("").to_string();
    let ip = format!("10.224.{}.{}", index / 250, 4 + index % 250);
    let mut taints = vec![];
    if gpu {
        taints.push(json!({"key": "sku", "value": "gpu", "effect": "NoSchedule"}));
    }
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": name, "uid": prng.uuid(), "creationTimestamp": ts(0), "labels": labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                "csi.volume.kubernetes.io/nodeid": format!("{{\"disk.csi.azure.com\":\"{name}\",\"file.csi.azure.com\":\"{name}\"}}"),
            },
            "managedFields": [
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": ts(60),
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": {".": {},
                    "f:node.alpha.kubernetes.io/ttl": {}, "f:volumes.kubernetes.io/controller-managed-attach-detach": {}},
                    "f:labels": {".": {}, "f:kubernetes.io/arch": {}, "f:kubernetes.io/hostname": {}, "f:kubernetes.io/os": {}}},
                    "f:spec": {"f:providerID": {}}}},
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": ts(3600),
                 "fieldsType": "FieldsV1", "subresource": "status", "fieldsV1": {"f:status": {
                    "f:allocatable": {}, "f:capacity": {}, "f:conditions": {}, "f:images": {}, "f:nodeInfo": {}}}},
            ],
        },
        "spec": {
            "podCIDR": format!("10.244.{}.0/24", index % 256),
            "podCIDRs": [format!("10.244.{}.0/24", index % 256)],
            "providerID": format!("azure:///subscriptions/6b1f6e3a-2f5c-4d8e-9a41-0c7d2e5b9f13/resourceGroups/mc_rg-bench-eastus_aks-bench_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-{pool}-vmss/virtualMachines/{index}"),
            "taints": taints,
        },
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "allocatable": alloc, "capacity": cap,
            "conditions": conditions(&ts(86_400)),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": images(prng, gpu),
            "nodeInfo": {"architecture": "amd64", "bootID": prng.uuid(),
                "containerRuntimeVersion": "containerd://1.7.27-1", "kernelVersion": "5.15.0-1092-azure",
                "kubeProxyVersion": "v1.32.6", "kubeletVersion": "v1.32.6", "machineID": hex(prng, 32),
                "operatingSystem": "linux", "osImage": "Ubuntu 22.04.5 LTS", "systemUUID": prng.uuid()},
        },
    })
}

/// MIG node `i`: 8 × A100 40GB, all-balanced. Every 25th has one GPU out (allocatable below
/// capacity), as after an Xid error.
pub(crate) fn mig_node(i: usize, prng: &mut Prng) -> Value {
    let pool = format!("migpool{}", i / 1000);
    let name = format!("aks-{pool}-31485672-vmss{i:06}");
    let vm = "Standard_ND96asr_v4";
    let mut labels = node_labels(&pool, &name, vm, i as u64 % 3);
    gfd_labels(&mut labels);
    let healthy = if i % 25 == 24 { GPUS - 1 } else { GPUS };
    let per = |gpus: i64| -> Vec<(String, String)> {
        let mut v = vec![("nvidia.com/gpu".to_string(), "0".to_string())];
        v.extend(
            PROFILES
                .iter()
                .map(|(p, n)| (format!("nvidia.com/mig-{p}"), (n * gpus).to_string())),
        );
        v
    };
    let alloc = resources(
        &[
            ("cpu", "95110m"),
            ("ephemeral-storage", "239585747288"),
            ("hugepages-1Gi", "0"),
            ("hugepages-2Mi", "0"),
            ("memory", "866015616Ki"),
            ("pods", "110"),
        ],
        &per(healthy),
    );
    let cap = resources(
        &[
            ("cpu", "96"),
            ("ephemeral-storage", "259966828Ki"),
            ("hugepages-1Gi", "0"),
            ("hugepages-2Mi", "0"),
            ("memory", "928471936Ki"),
            ("pods", "110"),
        ],
        &per(GPUS),
    );
    node(&name, labels, alloc, cap, i, prng)
}

/// CPU node `i` of a general-purpose pool.
pub(crate) fn cpu_node(i: usize, prng: &mut Prng) -> Value {
    let pool = format!("nodepool{}", i / 1000);
    let name = format!("aks-{pool}-19472630-vmss{i:06}");
    let vm = "Standard_D16s_v5";
    let labels = node_labels(&pool, &name, vm, i as u64 % 3);
    let alloc = resources(
        &[
            ("cpu", "15740m"),
            ("ephemeral-storage", "119703055367"),
            ("hugepages-1Gi", "0"),
            ("hugepages-2Mi", "0"),
            ("memory", "56895752Ki"),
            ("pods", "110"),
        ],
        &[],
    );
    let cap = resources(
        &[
            ("cpu", "16"),
            ("ephemeral-storage", "129886128Ki"),
            ("hugepages-1Gi", "0"),
            ("hugepages-2Mi", "0"),
            ("memory", "65838344Ki"),
            ("pods", "110"),
        ],
        &[],
    );
    node(&name, labels, alloc, cap, 100_000 + i, prng)
}

fn quantities(base: &[(&str, &str)], nvidia: &BTreeMap<String, i64>) -> Value {
    let extra: Vec<(String, String)> = nvidia
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    resources(base, &extra)
}

fn container(name: &str, image: &str, res: &Resources, sa_volume: &str, gpu: bool) -> Value {
    let requests = quantities(&[("cpu", "500m"), ("memory", "1Gi")], &res.requests);
    let limits = if gpu {
        quantities(&[("memory", "4Gi")], &res.limits)
    } else {
        quantities(&[("cpu", "1"), ("memory", "1Gi")], &res.limits)
    };
    json!({
        "name": name, "image": image, "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-c"],
        "args": [format!("exec /opt/app/bin/{name} --config /etc/app/config.yaml --port 8080")],
        "env": [
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
            {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "OMP_NUM_THREADS", "value": "4"},
            {"name": "MODEL_STORE", "value": "https://modelstore.blob.core.windows.net/models"},
        ],
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "resources": {"requests": requests, "limits": limits},
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/app", "readOnly": true},
            {"name": "scratch", "mountPath": "/scratch"},
            {"name": sa_volume, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true},
        ],
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
    })
}

fn container_status(name: &str, image: &str, phase: Phase, prng: &mut Prng) -> Value {
    let state = match phase {
        Phase::Running => json!({"running": {"startedAt": ts(7300)}}),
        Phase::Pending => json!({"waiting": {"reason": "ContainerCreating"}}),
        Phase::Succeeded => {
            json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": ts(7300), "finishedAt": ts(9000)}})
        }
        Phase::Failed => {
            json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": ts(7300), "finishedAt": ts(7400)}})
        }
    };
    let started = phase == Phase::Running;
    json!({"name": name, "image": image, "imageID": format!("{image}@sha256:{}", hex(prng, 64)),
        "containerID": format!("containerd://{}", hex(prng, 64)), "ready": started,
        "restartCount": 0, "started": started, "state": state, "lastState": {}})
}

fn pod_conditions(phase: Phase, bound: bool) -> Value {
    let c = |t: &str, ok: bool| json!({"type": t, "status": if ok { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": ts(7200)});
    if !bound {
        return json!([{"type": "PodScheduled", "status": "False", "lastProbeTime": null,
            "lastTransitionTime": ts(7200), "reason": "Unschedulable",
            "message": "0/5000 nodes are available: insufficient nvidia.com/mig-3g.20gb. preemption: not eligible due to preemptionPolicy=Never."}]);
    }
    let running = phase == Phase::Running;
    json!([
        c("PodReadyToStartContainers", phase != Phase::Pending),
        c("Initialized", phase != Phase::Pending),
        c("Ready", running),
        c("ContainersReady", running),
        c("PodScheduled", true)
    ])
}

/// Pod `i` in `ns`, bound to a node in a phase (or pending unbound), asking for `shape`.
pub(crate) fn pod(
    i: usize,
    ns: &str,
    bound: Option<(&str, Phase)>,
    shape: Shape,
    prng: &mut Prng,
) -> Value {
    let app = ["trainer", "infer", "notebook", "etl", "api"][i % 5];
    let hash = hex(prng, 10);
    let name = format!(
        "{app}-{i:06}-{hash}-{}",
        prng.string(b"bcdfghjklmnpqrstvwxz2456789", 5)
    );
    let phase = bound.map_or(Phase::Pending, |(_, p)| p);
    let gpu = shape != Shape::Cpu;
    let image = if gpu {
        "nvcr.io/nvidia/pytorch:24.08-py3"
    } else {
        "myregistry.azurecr.io/team/app:1.42.0"
    };
    let sa_volume = format!(
        "kube-api-access-{}",
        prng.string(b"bcdfghjklmnpqrstvwxz2456789", 5)
    );
    let (inits, apps) = shape.containers();
    let containers: Vec<Value> = apps
        .iter()
        .enumerate()
        .map(|(n, r)| container(&format!("{app}-{n}"), image, r, &sa_volume, gpu))
        .collect();
    let init_containers: Vec<Value> = inits
        .iter()
        .enumerate()
        .map(|(n, (req, sidecar))| {
            let res = Resources {
                requests: req.clone(),
                limits: req.clone(),
            };
            let mut c = container(&format!("init-{n}"), image, &res, &sa_volume, true);
            if *sidecar {
                c["restartPolicy"] = json!("Always");
            }
            c
        })
        .collect();
    let mut statuses: Vec<Value> = containers
        .iter()
        .map(|c| container_status(c["name"].as_str().unwrap_or(""), image, phase, prng))
        .collect();
    if bound.is_none() {
        statuses.clear();
    }
    let mut spec = json!({
        "containers": containers,
        "dnsPolicy": "ClusterFirst", "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0, "restartPolicy": if phase == Phase::Running { "Always" } else { "Never" },
        "schedulerName": "default-scheduler", "securityContext": {"runAsNonRoot": true, "fsGroup": 1000},
        "serviceAccount": "default", "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        ],
        "volumes": [
            {"name": "config", "configMap": {"name": format!("{app}-config"), "defaultMode": 420}},
            {"name": "scratch", "emptyDir": {"sizeLimit": "10Gi"}},
            {"name": sa_volume, "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
            ]}},
        ],
    });
    if !init_containers.is_empty() {
        spec["initContainers"] = json!(init_containers);
    }
    let mut status = json!({"phase": phase.as_str(), "conditions": pod_conditions(phase, bound.is_some()), "qosClass": "Burstable"});
    if let Some((node, _)) = bound {
        spec["nodeName"] = json!(node);
        let ip = format!("10.244.{}.{}", (i / 250) % 256, 2 + i % 250);
        status["hostIP"] = json!("10.224.0.4");
        status["hostIPs"] = json!([{"ip": "10.224.0.4"}]);
        status["podIP"] = json!(ip);
        status["podIPs"] = json!([{"ip": ip}]);
        status["startTime"] = json!(ts(7200));
        status["containerStatuses"] = json!(statuses);
    }
    let rs = format!("{app}-{i:06}-{hash}");
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": ns, "uid": prng.uuid(), "creationTimestamp": ts(7200),
            "generateName": format!("{rs}-"),
            "labels": {"app": app, "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": ns,
                "pod-template-hash": hash, "team": ns},
            "annotations": {"kubectl.kubernetes.io/restartedAt": ts(7000), "prometheus.io/scrape": "true", "prometheus.io/port": "8080"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": prng.uuid(),
                "controller": true, "blockOwnerDeletion": true}],
            "managedFields": [
                {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": ts(7200),
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {},
                    "f:app": {}, "f:pod-template-hash": {}}, "f:ownerReferences": {".": {}, "k:{\"uid\":\"0\"}": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"main\"}": {".": {}, "f:env": {}, "f:image": {},
                    "f:imagePullPolicy": {}, "f:name": {}, "f:ports": {}, "f:resources": {".": {}, "f:limits": {}, "f:requests": {}},
                    "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {}, "f:volumeMounts": {}}},
                    "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {},
                    "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}, "f:tolerations": {}, "f:volumes": {}}}},
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": ts(7300), "subresource": "status",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:conditions": {"k:{\"type\":\"ContainersReady\"}": {".": {},
                    "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                    "k:{\"type\":\"Initialized\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                    "k:{\"type\":\"Ready\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}},
                    "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}}},
            ],
        },
        "spec": spec,
        "status": status,
    })
}
