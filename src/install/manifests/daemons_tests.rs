use super::*;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

fn cfg(strategy: &str) -> InstallConfig {
    InstallConfig {
        strategy: Strategy::from_label(strategy).expect("a strategy"),
        version: "v0.20.0".into(),
        namespace: DEFAULT_NAMESPACE.into(),
        gfd: true,
        nfd: true,
        runtime_class: None,
        node_selector: BTreeMap::new(),
    }
}

fn env(ds: &DaemonSet, name: &str) -> Option<String> {
    let c = &ds.spec.as_ref()?.template.spec.as_ref()?.containers[0];
    c.env
        .as_ref()?
        .iter()
        .find(|e| e.name == name)?
        .value
        .clone()
}

#[test]
fn every_object_is_a_valid_typed_object_and_labelled() {
    for obj in objects(&cfg("mixed")) {
        let labels = &obj["metadata"]["labels"];
        assert_eq!(
            labels["app.kubernetes.io/managed-by"], "kubectl-mig",
            "{obj}"
        );
        assert_eq!(labels["app.kubernetes.io/part-of"], "kubectl-mig", "{obj}");
        match obj["kind"].as_str().unwrap() {
            "DaemonSet" => {
                serde_json::from_value::<DaemonSet>(obj.clone()).unwrap();
            }
            "Deployment" => {
                serde_json::from_value::<Deployment>(obj.clone()).unwrap();
            }
            "CustomResourceDefinition" => {
                serde_json::from_value::<CustomResourceDefinition>(obj.clone()).unwrap();
            }
            _ => {}
        }
    }
}

#[test]
fn strategy_reaches_both_daemons() {
    for strategy in ["single", "mixed"] {
        let c = cfg(strategy);
        for ds in [device_plugin(&c), gpu_feature_discovery(&c)] {
            let ds: DaemonSet = serde_json::from_value(ds).unwrap();
            assert_eq!(env(&ds, "MIG_STRATEGY").as_deref(), Some(strategy));
            assert_eq!(
                env(&ds, "NVIDIA_MIG_MONITOR_DEVICES").as_deref(),
                Some("all")
            );
        }
    }
}

#[test]
fn device_plugin_is_node_critical_tolerates_gpu_taints_and_mounts_the_kubelet_dir() {
    let ds = device_plugin(&cfg("single"));
    let spec = &ds["spec"]["template"]["spec"];
    assert_eq!(spec["priorityClassName"], "system-node-critical");
    assert_eq!(
        spec["containers"][0]["image"],
        "nvcr.io/nvidia/k8s-device-plugin:v0.20.0"
    );
    let tolerations = spec["tolerations"].as_array().unwrap();
    assert!(tolerations
        .iter()
        .any(|t| t["key"] == "sku" && t["value"] == "gpu"));
    assert!(tolerations.iter().any(|t| t["key"] == "nvidia.com/gpu"));
    assert_eq!(
        spec["volumes"][0]["hostPath"]["path"],
        "/var/lib/kubelet/device-plugins"
    );
    assert!(spec["affinity"]["nodeAffinity"].is_object());
}

#[test]
fn options_change_the_set() {
    let mut c = cfg("mixed");
    c.gfd = false;
    c.nfd = false;
    c.runtime_class = Some("nvidia".into());
    c.node_selector = [("agentpool".to_string(), "gpu".to_string())].into();
    let objs = objects(&c);
    let kinds: Vec<&str> = objs.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Namespace", "ServiceAccount", "DaemonSet"]);
    let spec = &objs[2]["spec"]["template"]["spec"];
    assert_eq!(spec["runtimeClassName"], "nvidia");
    assert_eq!(spec["nodeSelector"]["agentpool"], "gpu");
    assert!(spec.get("affinity").is_none());
}

#[test]
fn nfd_allows_nvidia_labels() {
    let objs = objects(&cfg("mixed"));
    let conf = objs
        .iter()
        .find(|o| o["metadata"]["name"] == "nfd-master-conf")
        .unwrap();
    assert!(conf["data"]["nfd-master.conf"]
        .as_str()
        .unwrap()
        .contains("nvidia.com"));
}

#[test]
fn helm_equivalent() {
    let cmds = helm_commands(&cfg("mixed"), None);
    let last = cmds.last().unwrap().join(" ");
    assert!(
        last.contains("upgrade --install nvdp nvdp/nvidia-device-plugin"),
        "{last}"
    );
    assert!(last.contains("--version 0.20.0"), "{last}");
    assert!(
        last.contains("migStrategy=mixed,gfd.enabled=true"),
        "{last}"
    );
}

#[test]
fn namespace_admits_the_privileged_daemons() {
    let ns = &objects(&cfg("mixed"))[0];
    assert_eq!(ns["kind"], "Namespace");
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
}

#[test]
fn helm_waits_when_asked() {
    let cmds = helm_commands(&cfg("single"), Some(std::time::Duration::from_secs(300)));
    assert!(cmds
        .last()
        .unwrap()
        .join(" ")
        .ends_with("--wait --timeout 300s"));
}
