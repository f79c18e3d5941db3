//! The resource types the fake server knows: group, version, kind, scope, verbs, short names.

/// One served resource type.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// API group, `""` for core.
    pub group: &'static str,
    /// API version within the group.
    pub version: &'static str,
    /// Plural resource name (the storage key).
    pub plural: &'static str,
    /// Singular name.
    pub singular: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// kubectl short names.
    pub short_names: &'static [&'static str],
    /// Categories (e.g. `all`).
    pub categories: &'static [&'static str],
    /// Subresources other than the main one: `(name, kind, verbs)`.
    pub subresources: &'static [(&'static str, &'static str, &'static [&'static str])],
    /// Verbs of the main resource.
    pub verbs: &'static [&'static str],
}

impl Resource {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether `metadata.generation` is maintained for this type (all but pods, events and a few core types).
    pub fn has_generation(&self) -> bool {
        !matches!(
            self.plural,
            "pods" | "events" | "nodes" | "namespaces" | "configmaps" | "secrets" | "leases"
        )
    }

    /// Whether the type has a `/status` subresource (so `status` is ignored on main-resource writes).
    pub fn has_status(&self) -> bool {
        self.subresources.iter().any(|(n, _, _)| *n == "status")
    }
}

const RW: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const NS_VERBS: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const STATUS: &[(&str, &str, &[&str])] = &[("status", "", &["get", "patch", "update"])];

macro_rules! res {
    ($g:expr, $v:expr, $p:expr, $s:expr, $k:expr, $ns:expr, $short:expr, $cat:expr, $sub:expr) => {
        res!($g, $v, $p, $s, $k, $ns, $short, $cat, $sub, RW)
    };
    ($g:expr, $v:expr, $p:expr, $s:expr, $k:expr, $ns:expr, $short:expr, $cat:expr, $sub:expr, $verbs:expr) => {
        Resource {
            group: $g,
            version: $v,
            plural: $p,
            singular: $s,
            kind: $k,
            namespaced: $ns,
            short_names: $short,
            categories: $cat,
            subresources: $sub,
            verbs: $verbs,
        }
    };
}

const POD_SUB: &[(&str, &str, &[&str])] = &[
    ("binding", "Binding", &["create"]),
    ("eviction", "Eviction", &["create"]),
    ("log", "Pod", &["get"]),
    ("status", "", &["get", "patch", "update"]),
];

/// Every served resource, in discovery order.
pub static RESOURCES: &[Resource] = &[
    res!(
        "",
        "v1",
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        &["cm"],
        &[],
        &[]
    ),
    res!(
        "",
        "v1",
        "endpoints",
        "endpoints",
        "Endpoints",
        true,
        &["ep"],
        &[],
        &[]
    ),
    res!(
        "",
        "v1",
        "events",
        "event",
        "Event",
        true,
        &["ev"],
        &[],
        &[]
    ),
    res!(
        "",
        "v1",
        "namespaces",
        "namespace",
        "Namespace",
        false,
        &["ns"],
        &[],
        STATUS,
        NS_VERBS
    ),
    res!(
        "",
        "v1",
        "nodes",
        "node",
        "Node",
        false,
        &["no"],
        &[],
        STATUS
    ),
    res!(
        "",
        "v1",
        "pods",
        "pod",
        "Pod",
        true,
        &["po"],
        &["all"],
        POD_SUB
    ),
    res!("", "v1", "secrets", "secret", "Secret", true, &[], &[], &[]),
    res!(
        "",
        "v1",
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        &["sa"],
        &[],
        &[]
    ),
    res!(
        "",
        "v1",
        "services",
        "service",
        "Service",
        true,
        &["svc"],
        &["all"],
        STATUS
    ),
    res!(
        "apps",
        "v1",
        "controllerrevisions",
        "controllerrevision",
        "ControllerRevision",
        true,
        &[],
        &[],
        &[]
    ),
    res!(
        "apps",
        "v1",
        "daemonsets",
        "daemonset",
        "DaemonSet",
        true,
        &["ds"],
        &["all"],
        STATUS
    ),
    res!(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        true,
        &["deploy"],
        &["all"],
        STATUS
    ),
    res!(
        "apps",
        "v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        true,
        &["rs"],
        &["all"],
        STATUS
    ),
    res!(
        "apps",
        "v1",
        "statefulsets",
        "statefulset",
        "StatefulSet",
        true,
        &["sts"],
        &["all"],
        STATUS
    ),
    res!(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
        false,
        &[],
        &[],
        &[],
        &["create"]
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
        &[],
        &[],
        &[]
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
        &[],
        &[],
        &[]
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
        &[],
        &[],
        &[]
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "role",
        "Role",
        true,
        &[],
        &[],
        &[]
    ),
    res!(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
        &[],
        STATUS
    ),
    res!(
        "node.k8s.io",
        "v1",
        "runtimeclasses",
        "runtimeclass",
        "RuntimeClass",
        false,
        &[],
        &[],
        &[]
    ),
    res!(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "priorityclass",
        "PriorityClass",
        false,
        &["pc"],
        &[],
        &[]
    ),
    res!(
        "coordination.k8s.io",
        "v1",
        "leases",
        "lease",
        "Lease",
        true,
        &[],
        &[],
        &[]
    ),
    res!(
        "events.k8s.io",
        "v1",
        "events",
        "event",
        "Event",
        true,
        &["ev"],
        &[],
        &[]
    ),
    res!(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        true,
        &["pdb"],
        &[],
        STATUS
    ),
    res!(
        "nvidia.com",
        "v1",
        "clusterpolicies",
        "clusterpolicy",
        "ClusterPolicy",
        false,
        &[],
        &[],
        STATUS
    ),
    res!(
        "nfd.k8s-sigs.io",
        "v1alpha1",
        "nodefeaturegroups",
        "nodefeaturegroup",
        "NodeFeatureGroup",
        true,
        &["nfg"],
        &[],
        STATUS
    ),
    res!(
        "nfd.k8s-sigs.io",
        "v1alpha1",
        "nodefeaturerules",
        "nodefeaturerule",
        "NodeFeatureRule",
        false,
        &["nfr"],
        &[],
        &[]
    ),
    res!(
        "nfd.k8s-sigs.io",
        "v1alpha1",
        "nodefeatures",
        "nodefeature",
        "NodeFeature",
        true,
        &[],
        &[],
        &[]
    ),
    // Dynamic Resource Allocation: v1 (preferred) then v1beta2, one storage (src/dra/mod.rs).
    res!(
        "resource.k8s.io",
        "v1",
        "deviceclasses",
        "deviceclass",
        "DeviceClass",
        false,
        &[],
        &[],
        &[]
    ),
    res!(
        "resource.k8s.io",
        "v1",
        "resourceclaims",
        "resourceclaim",
        "ResourceClaim",
        true,
        &[],
        &[],
        STATUS
    ),
    res!(
        "resource.k8s.io",
        "v1",
        "resourceclaimtemplates",
        "resourceclaimtemplate",
        "ResourceClaimTemplate",
        true,
        &[],
        &[],
        &[]
    ),
    res!(
        "resource.k8s.io",
        "v1",
        "resourceslices",
        "resourceslice",
        "ResourceSlice",
        false,
        &[],
        &[],
        &[]
    ),
    res!(
        "resource.k8s.io",
        "v1beta2",
        "deviceclasses",
        "deviceclass",
        "DeviceClass",
        false,
        &[],
        &[],
        &[]
    ),
    res!(
        "resource.k8s.io",
        "v1beta2",
        "resourceclaims",
        "resourceclaim",
        "ResourceClaim",
        true,
        &[],
        &[],
        STATUS
    ),
    res!(
        "resource.k8s.io",
        "v1beta2",
        "resourceclaimtemplates",
        "resourceclaimtemplate",
        "ResourceClaimTemplate",
        true,
        &[],
        &[],
        &[]
    ),
    res!(
        "resource.k8s.io",
        "v1beta2",
        "resourceslices",
        "resourceslice",
        "ResourceSlice",
        false,
        &[],
        &[],
        &[]
    ),
];

/// Whether a group is served from CustomResourceDefinitions (list items keep apiVersion/kind).
pub fn is_custom_group(group: &str) -> bool {
    group.contains(".k8s-sigs.io") || group == "nvidia.com"
}

/// Every API group with its versions, preferred first, in discovery order (core excluded).
pub fn group_versions() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, vs)) if !vs.contains(&r.version) => vs.push(r.version),
            Some(_) => {}
            None => out.push((r.group, vec![r.version])),
        }
    }
    out
}

/// The resource served at `group`/`version` with this plural.
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The storage resource for a plural (core group preferred when a plural is served twice).
pub fn by_plural(plural: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.plural == plural)
}

/// The resource for an `apiVersion` + `kind` pair, if known.
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.kind == kind && r.api_version() == api_version)
        .or_else(|| RESOURCES.iter().find(|r| r.kind == kind))
}

#[cfg(test)]
mod tests {
    #[test]
    fn lookups() {
        assert_eq!(super::by_plural("events").unwrap().group, "");
        assert_eq!(
            super::by_kind("apps/v1", "DaemonSet").unwrap().plural,
            "daemonsets"
        );
        assert!(super::group_versions()
            .iter()
            .any(|(g, _)| *g == "nfd.k8s-sigs.io"));
        assert!(super::group_versions().contains(&("resource.k8s.io", vec!["v1", "v1beta2"])));
    }
}
