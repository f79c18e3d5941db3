//! A minimal OpenAPI v3 surface: the `/openapi/v3` index and per group-version documents that
//! declare each resource's operations and query parameters (no schemas). kubectl reads them to
//! learn that the server validates fields itself (`fieldValidation`), so it needs no schemas.

use crate::api::FakeApi;
use crate::discovery::GIT_VERSION;
use crate::resources::{Resource, RESOURCES};
use serde_json::{json, Map, Value};

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn all_gvs(api: &FakeApi) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("", "v1")];
    for (g, vs) in crate::discovery::served_groups(api) {
        out.extend(vs.into_iter().map(|v| (g, v)));
    }
    out
}

/// The `/openapi/v3` index.
pub(crate) fn index(api: &FakeApi) -> Value {
    let mut paths = Map::new();
    for (g, v) in all_gvs(api) {
        let p = gv_path(g, v);
        let url = format!(
            "/openapi/v3/{p}?hash={:016X}",
            crate::util::fnv(&format!("{GIT_VERSION}/{p}"))
        );
        paths.insert(p, json!({"serverRelativeURL": url}));
    }
    json!({"paths": paths})
}

fn param(name: &str) -> Value {
    json!({"name": name, "in": "query", "description": name, "schema": {"type": "string"}, "uniqueItems": true})
}

fn operations(r: &Resource) -> Value {
    let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
    let op = |action: &str, params: &[&str]| {
        json!({
            "tags": [r.plural], "operationId": format!("{action}{}", r.kind),
            "parameters": params.iter().map(|p| param(p)).collect::<Vec<_>>(),
            "responses": {"200": {"description": "OK"}},
            "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk,
        })
    };
    let write = ["dryRun", "fieldManager", "fieldValidation", "pretty"];
    json!({
        "get": op("get", &["pretty"]),
        "put": op("put", &write),
        "patch": op("patch", &["dryRun", "fieldManager", "fieldValidation", "force", "pretty"]),
        "delete": op("delete", &["dryRun", "gracePeriodSeconds", "propagationPolicy", "pretty"]),
    })
}

/// The document of one group-version, or `None` when not served.
pub(crate) fn document(api: &FakeApi, path: &[&str]) -> Option<Value> {
    let (group, version) = match path {
        ["api", v] => ("", *v),
        ["apis", g, v] => (*g, *v),
        _ => return None,
    };
    if !all_gvs(api)
        .iter()
        .any(|(g, v)| *g == group && *v == version)
    {
        return None;
    }
    let prefix = format!("/{}", gv_path(group, version));
    let mut paths = Map::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let item = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{prefix}/{}/{{name}}", r.plural)
        };
        paths.insert(item, operations(r));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

/// Protobuf wire encoding helpers for the gnostic `openapi.v2.Document` kubectl 1.27 reads.
mod pb {
    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// A length-delimited field (strings and embedded messages).
    pub fn bytes(field: u64, data: &[u8], out: &mut Vec<u8>) {
        varint(field << 3 | 2, out);
        varint(data.len() as u64, out);
        out.extend_from_slice(data);
    }

    /// A varint field (bools).
    pub fn uint(field: u64, v: u64, out: &mut Vec<u8>) {
        varint(field << 3, out);
        varint(v, out);
    }

    /// An embedded message built by `f`.
    pub fn msg(field: u64, out: &mut Vec<u8>, f: impl FnOnce(&mut Vec<u8>)) {
        let mut inner = Vec::new();
        f(&mut inner);
        bytes(field, &inner, out);
    }
}

/// Content type of the protobuf OpenAPI v2 document.
pub(crate) const V2_PROTO_CT: &str = "application/octet-stream";

/// The OpenAPI v2 document (protobuf) with one PATCH operation per resource, each declaring
/// its group-version-kind and the `fieldValidation` query parameter.
pub(crate) fn v2_protobuf(api: &FakeApi) -> Vec<u8> {
    let mut doc = Vec::new();
    pb::bytes(1, b"2.0", &mut doc);
    pb::msg(2, &mut doc, |info| {
        pb::bytes(1, b"Kubernetes", info);
        pb::bytes(2, GIT_VERSION.as_bytes(), info);
    });
    pb::msg(8, &mut doc, |paths| {
        for r in RESOURCES.iter().filter(|r| crate::dra::served(api, r)) {
            let prefix = gv_path(r.group, r.version);
            let path = if r.namespaced {
                format!("/{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
            } else {
                format!("/{prefix}/{}/{{name}}", r.plural)
            };
            pb::msg(2, paths, |named| {
                pb::bytes(1, path.as_bytes(), named);
                pb::msg(2, named, |item| {
                    pb::msg(8, item, |op| {
                        pb::bytes(5, format!("patch{}", r.kind).as_bytes(), op);
                        for p in ["dryRun", "fieldManager", "fieldValidation", "force"] {
                            pb::msg(8, op, |pi| {
                                pb::msg(1, pi, |param| {
                                    pb::msg(2, param, |nb| {
                                        pb::msg(3, nb, |q| {
                                            pb::bytes(2, b"query", q);
                                            pb::bytes(4, p.as_bytes(), q);
                                            pb::bytes(6, b"string", q);
                                            pb::uint(20, 1, q);
                                        })
                                    })
                                })
                            });
                        }
                        let gvk = format!(
                            "group: \"{}\"\nkind: {}\nversion: {}\n",
                            r.group, r.kind, r.version
                        );
                        pb::msg(13, op, |ext| {
                            pb::bytes(1, b"x-kubernetes-group-version-kind", ext);
                            pb::msg(2, ext, |any| pb::bytes(2, gvk.as_bytes(), any));
                        });
                    });
                });
            });
        }
    });
    doc
}
