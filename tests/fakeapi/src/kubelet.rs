//! A fake kubelet: runs bound pods (Pending → Running → Succeeded/Failed), writes container
//! statuses, events and the logs of a tiny command interpreter (`echo`, `sleep`, `exit`,
//! `nvidia-smi -L`).

use crate::api::FakeApi;
use crate::events::{self, Source};
use crate::scheduler::{container_requests, set_condition};
use crate::util::{self, fnv, Prng};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

/// What a fake container does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Program {
    /// Everything it prints.
    pub output: String,
    /// Its exit code.
    pub exit_code: i64,
    /// How long it runs beyond the kubelet's run delay.
    pub sleep: Duration,
}

/// The GPU product name `nvidia-smi` prints for a GFD product label.
fn display_model(product: &str) -> String {
    let base = product.split("-MIG-").next().unwrap_or(product);
    match base {
        "NVIDIA-H100-80GB-HBM3" => "NVIDIA H100 80GB HBM3".into(),
        "NVIDIA-H100-NVL" => "NVIDIA H100 NVL".into(),
        "NVIDIA-H200" => "NVIDIA H200".into(),
        "NVIDIA-A100-80GB-PCIe" => "NVIDIA A100 80GB PCIe".into(),
        other => other.replacen('-', " ", 1),
    }
}

/// `nvidia-smi -L` for the devices a container was given on a node with this product label.
pub(crate) fn nvidia_smi_list(
    product: &str,
    resources: &[(String, u64)],
    seed: &str,
) -> Option<String> {
    let model = display_model(product);
    let uuid = |tag: &str, i: u64| Prng::new(fnv(&format!("{seed}/{tag}/{i}"))).uuid();
    let mut migs: Vec<String> = Vec::new();
    let mut whole = 0;
    for (name, n) in resources {
        // A time-sliced slot (`.shared`) shows its device as an exclusive one does.
        let name = name.strip_suffix(".shared").unwrap_or(name);
        if let Some(profile) = name.strip_prefix("nvidia.com/mig-") {
            migs.extend((0..*n).map(|_| profile.to_string()));
        } else if name == "nvidia.com/gpu" {
            match product.split_once("-MIG-") {
                Some((_, profile)) => migs.extend((0..*n).map(|_| profile.to_string())),
                None => whole += n,
            }
        }
    }
    if migs.is_empty() && whole == 0 {
        return None;
    }
    let mut out = String::new();
    for i in 0..whole {
        out.push_str(&format!(
            "GPU {i}: {model} (UUID: GPU-{})\n",
            uuid("gpu", i)
        ));
    }
    if !migs.is_empty() {
        out.push_str(&format!(
            "GPU {whole}: {model} (UUID: GPU-{})\n",
            uuid("mig-parent", 0)
        ));
        for (j, profile) in migs.iter().enumerate() {
            out.push_str(&format!(
                "  MIG {profile:<11} Device {j:>2}: (UUID: MIG-{})\n",
                uuid("mig", j as u64)
            ));
        }
    }
    Some(out)
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// Interprets a container's command line (command + args joined by spaces).
pub(crate) fn run_program(cmdline: &str, smi: impl Fn() -> Option<String>) -> Program {
    let mut p = Program {
        output: String::new(),
        exit_code: 0,
        sleep: Duration::ZERO,
    };
    let normalized = cmdline
        .replace("&&", ";")
        .replace("||", ";")
        .replace('\n', ";");
    for seg in normalized.split(';').map(str::trim) {
        let smi_at = seg.find("nvidia-smi -L");
        let echo_at = seg.find("echo ");
        let sleep_at = seg.find("sleep ");
        let exit_at = seg.find("exit ");
        let first = [smi_at, echo_at, sleep_at, exit_at]
            .into_iter()
            .flatten()
            .min();
        match first {
            None => {}
            Some(i) if Some(i) == smi_at => match smi() {
                Some(list) => p.output.push_str(&list),
                None => {
                    p.output.push_str("No devices were found\n");
                    p.exit_code = 6;
                    return p;
                }
            },
            Some(i) if Some(i) == echo_at => {
                p.output.push_str(unquote(&seg[i + 5..]));
                p.output.push('\n');
            }
            Some(i) if Some(i) == sleep_at => {
                let secs: f64 = unquote(&seg[i + 6..])
                    .split_whitespace()
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0.0);
                p.sleep += Duration::from_secs_f64(secs.clamp(0.0, 86_400.0));
            }
            Some(i) => {
                p.exit_code = seg[i + 5..]
                    .split_whitespace()
                    .next()
                    .and_then(|s| s.trim_matches(|c| c == '"' || c == '\'').parse().ok())
                    .unwrap_or(0);
                return p;
            }
        }
    }
    p
}

/// The program of one container of a pod placed on `node`.
pub(crate) fn program_of(pod: &Value, node: &Value, container: &Value) -> Program {
    let product = node
        .pointer("/metadata/labels/nvidia.com~1gpu.product")
        .and_then(Value::as_str)
        .unwrap_or("");
    let res: Vec<(String, u64)> = container_requests(container)
        .into_iter()
        .map(|(k, v)| (k, v.round() as u64))
        .collect();
    let seed = format!(
        "{}/{}",
        pod["metadata"]["uid"].as_str().unwrap_or(""),
        container["name"].as_str().unwrap_or("")
    );
    run_program(&cmdline(container), || {
        nvidia_smi_list(product, &res, &seed)
    })
}

fn cmdline(c: &Value) -> String {
    ["command", "args"]
        .iter()
        .flat_map(|k| c[*k].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(String::from))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts a kubelet task for every bound, not yet started pod.
pub(crate) fn sync(api: &FakeApi, started: &mut HashSet<String>) {
    let todo: Vec<(String, String, String)> = {
        let store = api.store();
        store
            .list("pods", None)
            .filter(|(_, p)| {
                p.pointer("/spec/nodeName")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.is_empty())
                    && p.pointer("/status/phase")
                        .and_then(Value::as_str)
                        .is_none_or(|s| s == "Pending")
            })
            .map(|((ns, name), p)| {
                (
                    ns.clone(),
                    name.clone(),
                    p["metadata"]["uid"].as_str().unwrap_or("").to_string(),
                )
            })
            .filter(|(_, _, uid)| !started.contains(uid))
            .collect()
    };
    for (ns, name, uid) in todo {
        started.insert(uid.clone());
        tokio::spawn(run_pod(api.clone(), ns, name, uid));
    }
}

fn container_ids(uid: &str, name: &str) -> String {
    format!(
        "containerd://{:016x}{:016x}{:016x}{:016x}",
        fnv(uid),
        fnv(name),
        fnv(&format!("{name}{uid}")),
        fnv(&format!("{uid}/{name}"))
    )
}

async fn run_pod(api: FakeApi, ns: String, name: String, uid: String) {
    let (start_delay, run_delay) = api.kubelet_delays();
    tokio::time::sleep(start_delay).await;
    let Some((programs, restart_always)) = start_pod(&api, &ns, &name, &uid) else {
        return;
    };
    if restart_always {
        return;
    }
    let longest = programs
        .iter()
        .map(|(_, p)| p.sleep)
        .max()
        .unwrap_or_default();
    tokio::time::sleep(run_delay + longest).await;
    finish_pod(&api, &ns, &name, &uid, &programs);
}

/// Pending → Running; returns each app container's program and whether restartPolicy is Always.
fn start_pod(
    api: &FakeApi,
    ns: &str,
    name: &str,
    uid: &str,
) -> Option<(Vec<(String, Program)>, bool)> {
    let mut store = api.store();
    let mut pod = store.get("pods", ns, name).cloned()?;
    if pod["metadata"]["uid"] != uid
        || pod
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("Pending")
            != "Pending"
    {
        return None;
    }
    let node_name = pod["spec"]["nodeName"].as_str().unwrap_or("").to_string();
    let node = store
        .get("nodes", "", &node_name)
        .cloned()
        .unwrap_or(json!({}));
    let host_ip = node
        .pointer("/status/addresses/0/address")
        .and_then(Value::as_str)
        .unwrap_or("10.224.0.4")
        .to_string();
    let now = util::now();
    let pod_ip = format!("10.244.{}.{}", fnv(&node_name) % 200, fnv(uid) % 250 + 2);
    let mut programs = Vec::new();
    let mut statuses = Vec::new();
    let mut init_statuses = Vec::new();
    let mut logs = Vec::new();
    for (list, is_init) in [("initContainers", true), ("containers", false)] {
        for c in pod["spec"][list].as_array().cloned().unwrap_or_default() {
            let cname = c["name"].as_str().unwrap_or("").to_string();
            let prog = crate::dra::kubelet::program(&store, &pod, &c)
                .unwrap_or_else(|| program_of(&pod, &node, &c));
            logs.push((cname.clone(), prog.output.clone()));
            let sidecar = is_init && c["restartPolicy"] == "Always";
            let base = json!({"name": cname, "image": c["image"], "imageID": format!("{}@sha256:{:016x}", c["image"].as_str().unwrap_or(""), fnv(c["image"].as_str().unwrap_or(""))),
                "containerID": container_ids(uid, &cname), "restartCount": 0});
            let mut st = base;
            if is_init && !sidecar {
                st["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now, "containerID": container_ids(uid, &cname)}});
                st["ready"] = json!(true);
                st["started"] = json!(false);
                init_statuses.push(st);
            } else {
                st["state"] = json!({"running": {"startedAt": now}});
                st["ready"] = json!(true);
                st["started"] = json!(true);
                if is_init {
                    init_statuses.push(st)
                } else {
                    statuses.push(st)
                }
            }
            if !is_init {
                programs.push((cname.clone(), prog));
            }
            let src = || Source {
                component: "kubelet",
                host: Some(&node_name),
            };
            let fp = format!("spec.{list}{{{cname}}}");
            let image = c["image"].as_str().unwrap_or("");
            let r = events::reference(&pod, Some(&fp));
            events::record(
                &mut store,
                r.clone(),
                "Normal",
                "Pulled",
                &format!("Container image \"{image}\" already present on machine"),
                src(),
            );
            events::record(
                &mut store,
                r.clone(),
                "Normal",
                "Created",
                &format!("Created container: {cname}"),
                src(),
            );
            events::record(
                &mut store,
                r,
                "Normal",
                "Started",
                &format!("Started container {cname}"),
                src(),
            );
        }
    }
    for (cname, text) in logs {
        api.set_log(uid, &cname, text);
    }
    pod["status"]["phase"] = json!("Running");
    pod["status"]["hostIP"] = json!(host_ip);
    pod["status"]["hostIPs"] = json!([{"ip": host_ip}]);
    pod["status"]["podIP"] = json!(pod_ip);
    pod["status"]["podIPs"] = json!([{"ip": pod_ip}]);
    pod["status"]["startTime"] = json!(now);
    pod["status"]["containerStatuses"] = json!(statuses);
    if !init_statuses.is_empty() {
        pod["status"]["initContainerStatuses"] = json!(init_statuses);
    }
    for c in [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ] {
        set_condition(&mut pod, c, "True", None, None);
    }
    let always = pod["spec"]["restartPolicy"].as_str().unwrap_or("Always") == "Always";
    store.put("pods", pod);
    Some((programs, always))
}

/// Running → Succeeded / Failed.
fn finish_pod(api: &FakeApi, ns: &str, name: &str, uid: &str, programs: &[(String, Program)]) {
    let mut store = api.store();
    let Some(mut pod) = store.get("pods", ns, name).cloned() else {
        return;
    };
    if pod["metadata"]["uid"] != uid || pod["status"]["phase"] != "Running" {
        return;
    }
    let now = util::now();
    let failed = programs.iter().any(|(_, p)| p.exit_code != 0);
    if let Some(list) = pod["status"]["containerStatuses"].as_array_mut() {
        for st in list.iter_mut() {
            let code = programs
                .iter()
                .find(|(n, _)| st["name"] == n.as_str())
                .map(|(_, p)| p.exit_code)
                .unwrap_or(0);
            let started = st
                .pointer("/state/running/startedAt")
                .cloned()
                .unwrap_or(json!(now));
            st["state"] = json!({"terminated": {"exitCode": code, "reason": if code == 0 { "Completed" } else { "Error" },
                "startedAt": started, "finishedAt": now, "containerID": st["containerID"]}});
            st["ready"] = json!(false);
            st["started"] = json!(false);
        }
    }
    let (phase, reason) = if failed {
        ("Failed", "PodFailed")
    } else {
        ("Succeeded", "PodCompleted")
    };
    pod["status"]["phase"] = json!(phase);
    for c in ["Ready", "ContainersReady"] {
        set_condition(&mut pod, c, "False", Some(reason), None);
    }
    set_condition(&mut pod, "PodReadyToStartContainers", "False", None, None);
    store.put("pods", pod);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs() {
        let p = run_program("sh -c echo hello; sleep 2; exit 3", || None);
        assert_eq!(p.output, "hello\n");
        assert_eq!(p.exit_code, 3);
        assert_eq!(p.sleep, Duration::from_secs(2));
        let smi = nvidia_smi_list(
            "NVIDIA-A100-SXM4-40GB",
            &[("nvidia.com/mig-1g.5gb".into(), 2)],
            "x",
        )
        .unwrap();
        let lines: Vec<&str> = smi.lines().collect();
        assert!(
            lines[0].starts_with("GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-"),
            "{smi}"
        );
        assert!(
            lines[1].starts_with("  MIG 1g.5gb      Device  0: (UUID: MIG-"),
            "{smi}"
        );
        assert_eq!(lines.len(), 3);
        let single = nvidia_smi_list(
            "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb",
            &[("nvidia.com/gpu".into(), 1)],
            "x",
        )
        .unwrap();
        assert!(single.contains("MIG 1g.5gb"));
        assert!(run_program("nvidia-smi -L", || None).exit_code == 6);
    }
}
