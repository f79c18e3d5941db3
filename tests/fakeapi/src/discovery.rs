//! Discovery: `/version`, `/api`, `/apis`, group/version resource lists (legacy and aggregated
//! `apidiscovery.k8s.io/v2`), health endpoints.

use crate::api::FakeApi;
use crate::http::{full, Reply, Req};
use crate::resources::{self, Resource, RESOURCES};
use crate::status::{ApiError, ApiResult};
use serde_json::{json, Value};

/// The version the fake server reports.
pub const GIT_VERSION: &str = "v1.32.6";

const AGGREGATED_CT: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

fn version() -> Value {
    json!({
        "major": "1", "minor": "32", "gitVersion": GIT_VERSION,
        "gitCommit": "7148a5e7b8e1e3c8d0b0e3b6a1ac5dbd0f3c2f4e", "gitTreeState": "clean",
        "buildDate": "2025-06-17T18:36:17Z", "goVersion": "go1.23.10", "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn sub_kind(r: &Resource, kind: &'static str) -> &'static str {
    if kind.is_empty() {
        r.kind
    } else {
        kind
    }
}

/// The group and version of a subresource served in another group (`pods/eviction`: policy/v1).
fn sub_group_version(kind: &str) -> Option<(&'static str, &'static str)> {
    (kind == "Eviction").then_some(("policy", "v1"))
}

/// The served groups with their served versions, preferred first.
pub(crate) fn served_groups(api: &FakeApi) -> Vec<(&'static str, Vec<&'static str>)> {
    resources::group_versions()
        .into_iter()
        .filter_map(|(g, vs)| {
            let vs: Vec<&str> = vs
                .into_iter()
                .filter(|v| {
                    RESOURCES
                        .iter()
                        .any(|r| r.group == g && r.version == *v && crate::dra::served(api, r))
                })
                .collect();
            (!vs.is_empty()).then_some((g, vs))
        })
        .collect()
}

fn resource_entries(group: &str, version: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let mut e = json!({
            "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
            "kind": r.kind, "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            e["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            e["categories"] = json!(r.categories);
        }
        out.push(e);
        for (sub, kind, verbs) in r.subresources {
            let mut e = json!({
                "name": format!("{}/{sub}", r.plural), "singularName": "", "namespaced": r.namespaced,
                "kind": sub_kind(r, kind), "verbs": verbs,
            });
            if let Some((g, v)) = sub_group_version(kind) {
                e["group"] = json!(g);
                e["version"] = json!(v);
            }
            out.push(e);
        }
    }
    out
}

fn resource_list(group: &str, version: &str) -> Value {
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resource_entries(group, version)})
}

fn api_group(group: &str, versions: &[&str]) -> Value {
    let gvs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({"name": group, "preferredVersion": gvs[0].clone(), "versions": gvs})
}

fn aggregated_group(group: &str, versions: &[&str]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| json!({"version": v, "resources": aggregated_resources(group, v), "freshness": "Current"}))
        .collect();
    json!({"metadata": {"name": group}, "versions": versions})
}

fn aggregated_resources(group: &str, version: &str) -> Vec<Value> {
    RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            let kind = |k: &str| json!({"group": group, "version": version, "kind": k});
            let mut e = json!({
                "resource": r.plural, "responseKind": kind(r.kind),
                "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                "singularResource": r.singular, "verbs": r.verbs,
            });
            if !r.short_names.is_empty() {
                e["shortNames"] = json!(r.short_names);
            }
            if !r.categories.is_empty() {
                e["categories"] = json!(r.categories);
            }
            if !r.subresources.is_empty() {
                e["subresources"] = r
                    .subresources
                    .iter()
                    .map(|(s, k, v)| {
                        let rk = match sub_group_version(k) {
                            Some((g, ver)) => json!({"group": g, "version": ver, "kind": k}),
                            None => kind(sub_kind(r, k)),
                        };
                        json!({"subresource": s, "responseKind": rk, "verbs": v})
                    })
                    .collect();
            }
            e
        })
        .collect()
}

fn aggregated(api: &FakeApi, legacy: bool) -> Reply {
    let items: Vec<Value> = if legacy {
        vec![aggregated_group("", &["v1"])]
    } else {
        served_groups(api)
            .iter()
            .map(|(g, vs)| aggregated_group(g, vs))
            .collect()
    };
    let doc = json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items});
    Reply::Stream(
        AGGREGATED_CT,
        full(serde_json::to_vec(&doc).unwrap_or_default()),
    )
}

fn wants_aggregated(req: &Req) -> bool {
    req.header("accept").is_some_and(|a| {
        a.split(',').any(|p| {
            p.contains("as=APIGroupDiscoveryList") && p.contains("v=v2") && !p.contains("v=v2beta1")
        })
    })
}

/// Answers discovery and health paths; `None` for other paths.
pub(crate) fn route(api: &FakeApi, segs: &[&str], req: &Req) -> Option<ApiResult<Reply>> {
    let ok = |v: Value| Some(Ok(Reply::Json(200, v)));
    match segs {
        ["version"] => ok(version()),
        ["healthz" | "livez" | "readyz"] => Some(Ok(Reply::Text("ok".into()))),
        ["api"] if wants_aggregated(req) => Some(Ok(aggregated(api, true))),
        ["api"] => ok(json!({
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}],
        })),
        ["api", "v1"] => ok(resource_list("", "v1")),
        ["apis"] if wants_aggregated(req) => Some(Ok(aggregated(api, false))),
        ["apis"] => ok(json!({
            "kind": "APIGroupList", "apiVersion": "v1",
            "groups": served_groups(api).iter().map(|(g, vs)| api_group(g, vs)).collect::<Vec<_>>(),
        })),
        ["apis", g] => match served_groups(api).iter().find(|(x, _)| x == g) {
            Some((g, vs)) => {
                let mut doc = api_group(g, vs);
                doc["kind"] = json!("APIGroup");
                doc["apiVersion"] = json!("v1");
                ok(doc)
            }
            None => Some(Err(ApiError::path_not_found())),
        },
        ["apis", g, v] => {
            if served_groups(api)
                .iter()
                .any(|(x, vs)| x == g && vs.contains(v))
            {
                ok(resource_list(g, v))
            } else {
                Some(Err(ApiError::path_not_found()))
            }
        }
        ["openapi", "v3"] => ok(crate::openapi::index(api)),
        ["openapi", "v3", rest @ ..] => match crate::openapi::document(api, rest) {
            Some(doc) => ok(doc),
            None => Some(Err(ApiError::path_not_found())),
        },
        ["openapi", "v2"] if req.header("accept").is_some_and(|a| a.contains("protobuf")) => {
            Some(Ok(Reply::Stream(
                crate::openapi::V2_PROTO_CT,
                full(crate::openapi::v2_protobuf(api)),
            )))
        }
        ["openapi", ..] | ["swagger.json"] | ["swagger-2.0.0.pb-v1"] => {
            Some(Err(ApiError::path_not_found()))
        }
        _ => None,
    }
}
