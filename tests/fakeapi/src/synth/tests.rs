use super::*;
use crate::scheduler::pod_requests;

#[test]
fn spec_parses_and_prints() {
    let spec: Spec = "nodes=10, mig=3,pods=7,seed=9".parse().unwrap();
    assert_eq!(
        spec,
        Spec {
            nodes: 10,
            mig_nodes: 3,
            pods: 7,
            seed: 9,
            dra_nodes: 0
        }
    );
    assert_eq!(spec.to_string().parse::<Spec>().unwrap(), spec);
    assert!("nodes=1,mig=2".parse::<Spec>().is_err());
    assert!("gpus=1".parse::<Spec>().is_err());
}

/// The expected answer, recounted from the pods with the fake scheduler's own rule.
#[test]
fn expected_matches_the_scheduler_rule() {
    let spec: Spec = "nodes=60,mig=12,pods=3000,seed=3".parse().unwrap();
    let cluster = objects(&spec);
    assert_eq!(cluster.nodes.len(), 60);
    assert_eq!(cluster.pods.len(), 3000);
    assert_eq!(cluster.expected.nodes.len(), 12);
    let mut requested: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut holding = 0;
    for pod in &cluster.pods {
        let node = pod["spec"]["nodeName"].as_str().unwrap_or("");
        let phase = pod["status"]["phase"].as_str().unwrap_or("");
        if node.is_empty() || phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        let mut holds = false;
        for (r, n) in pod_requests(pod)
            .into_iter()
            .filter(|(r, _)| r.starts_with("nvidia.com/"))
        {
            *requested.entry((node.to_string(), r)).or_default() += n as i64;
            holds = true;
        }
        holding += usize::from(holds);
    }
    assert_eq!(holding, cluster.expected.holding_pods);
    for (node, resources) in &cluster.expected.nodes {
        for (r, a) in resources {
            let want = requested.remove(&(node.clone(), r.clone())).unwrap_or(0);
            assert_eq!(a.requested, want, "{node} {r}");
            assert!(a.requested <= a.allocatable, "{node} {r} overcommitted");
        }
    }
    assert!(
        requested.is_empty(),
        "requests on unexpected nodes: {requested:?}"
    );
    let total: i64 = cluster.expected.summary.iter().map(|r| r.requested).sum();
    assert!(total > 300, "too few devices in use: {total}");
    let shapes = [
        "initContainers",
        "restartPolicy\":\"Always",
        "\"limits\":{\"memory\":\"4Gi\",\"nvidia.com",
    ];
    let text: Vec<String> = cluster.pods.iter().map(|p| p.to_string()).collect();
    for s in shapes {
        assert!(text.iter().any(|t| t.contains(s)), "no pod with {s}");
    }
}

#[test]
fn pods_and_nodes_weigh_what_real_ones_weigh() {
    let cluster = objects(&"nodes=20,mig=4,pods=400".parse().unwrap());
    let sizes: Vec<usize> = cluster.pods.iter().map(|p| p.to_string().len()).collect();
    let mean = sizes.iter().sum::<usize>() / sizes.len();
    eprintln!(
        "pod sizes: mean {mean}, min {:?}, max {:?}",
        sizes.iter().min(),
        sizes.iter().max()
    );
    assert!((4000..=6000).contains(&mean), "mean pod size {mean}");
    let node = cluster
        .nodes
        .iter()
        .map(|n| n.to_string().len())
        .max()
        .unwrap();
    assert!(node > 5000, "node size {node}");
}

#[test]
fn check_accepts_the_answer_and_names_differences() {
    let cluster = objects(&"nodes=10,mig=3,pods=200".parse().unwrap());
    let expected = cluster.expected;
    let nodes: Vec<Value> = expected
        .nodes
        .iter()
        .map(|(n, rs)| {
            let rs: Vec<Value> = rs
                .iter()
                .map(|(r, a)| json!({"name": r, "allocatable": a.allocatable, "requested": a.requested}))
                .collect();
            json!({"name": n, "resources": rs})
        })
        .collect();
    let summary = expected.to_json()["summary"].clone();
    let mut describe = json!({"nodes": nodes, "summary": summary});
    assert_eq!(expected.check(&describe), Ok(()));
    describe["nodes"][0]["resources"][1]["requested"] = json!(99);
    let diffs = expected.check(&describe).unwrap_err();
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert!(diffs[0].contains("requested: 99"), "{diffs:?}");
}

#[test]
fn generate_serves_the_cluster_as_built() {
    let (api, expected) = generate(&"nodes=30,mig=5,pods=300".parse().unwrap());
    assert_eq!(api.list("nodes").len(), 30);
    assert_eq!(api.list("pods").len(), 300);
    assert_eq!(expected.nodes.len(), 5);
    assert!(!api.scheduler_enabled());
}

#[test]
fn dra_nodes_come_with_slices_and_classes() {
    let spec: Spec = "nodes=4,mig=1,pods=10,dra=3".parse().unwrap();
    assert_eq!(spec.dra_nodes, 3);
    assert_eq!(spec.to_string(), "nodes=4,mig=1,pods=10,seed=1,dra=3");
    let plain: Spec = "nodes=4,mig=1,pods=10".parse().unwrap();
    assert_eq!(plain.to_string(), "nodes=4,mig=1,pods=10,seed=1");
    assert_eq!(objects(&spec).expected, objects(&plain).expected);
    let (api, _) = generate(&spec);
    assert_eq!(api.list("nodes").len(), 7);
    assert_eq!(api.list("deviceclasses").len(), 3);
    let slices = api.list("resourceslices");
    assert_eq!(slices.len(), 3);
    let uuids: std::collections::HashSet<String> = slices
        .iter()
        .flat_map(|s| s["spec"]["devices"].as_array().unwrap().clone())
        .map(|d| {
            d["attributes"]["uuid"]["string"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(uuids.len(), 12);
    assert_eq!(
        slices[0]["spec"]["pool"]["name"],
        slices[0]["spec"]["nodeName"]
    );
}
