//! kubectl columns of the DRA kinds, as `pkg/printers/internalversion/printers.go` prints them.

use serde_json::{json, Value};

fn col(name: &str, description: &str) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": "string", "format": format, "description": description, "priority": 0})
}

const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// Whether the plural has DRA columns.
pub(crate) fn has_columns(plural: &str) -> bool {
    matches!(
        plural,
        "deviceclasses" | "resourceclaims" | "resourceclaimtemplates" | "resourceslices"
    )
}

/// The column definitions.
pub(crate) fn columns(plural: &str) -> Vec<Value> {
    match plural {
        "resourceclaims" => vec![
            col("Name", NAME_DOC),
            col(
                "State",
                "A summary of the current state (allocated, pending, reserved, etc.).",
            ),
            col("Age", AGE_DOC),
        ],
        "resourceslices" => vec![
            col("Name", NAME_DOC),
            col("Node", "NodeName identifies the node which provides the resources in this pool. A field selector can be used to list only ResourceSlice objects belonging to a certain node."),
            col("Driver", "Driver identifies the DRA driver providing the capacity information. A field selector can be used to list only ResourceSlice objects with a certain driver name."),
            col("Pool", "Name is used to identify the pool. For node-local devices, this is often the node name, but this is not required."),
            col("Age", AGE_DOC),
        ],
        _ => vec![col("Name", NAME_DOC), col("Age", AGE_DOC)],
    }
}

/// `resourceClaimState`: deleted / pending / allocated(,reserved).
pub(crate) fn claim_state(o: &Value) -> String {
    let mut states = Vec::new();
    let deleted = o.pointer("/metadata/deletionTimestamp").is_some();
    if deleted {
        states.push("deleted");
    }
    match o.pointer("/status/allocation").filter(|a| !a.is_null()) {
        None => {
            if !deleted {
                states.push("pending");
            }
        }
        Some(_) => {
            states.push("allocated");
            if o.pointer("/status/reservedFor")
                .and_then(Value::as_array)
                .is_some_and(|r| !r.is_empty())
            {
                states.push("reserved");
            }
        }
    }
    states.join(",")
}

/// The cells of one object; `age` is the formatted age.
pub(crate) fn cells(plural: &str, o: &Value, age: String) -> Vec<Value> {
    let name = json!(o["metadata"]["name"]);
    let s = |p: &str| json!(o.pointer(p).and_then(Value::as_str).unwrap_or(""));
    match plural {
        "resourceclaims" => vec![name, json!(claim_state(o)), json!(age)],
        "resourceslices" => vec![
            name,
            s("/spec/nodeName"),
            s("/spec/driver"),
            s("/spec/pool/name"),
            json!(age),
        ],
        _ => vec![name, json!(age)],
    }
}
