//! `FakeApi`: the shared server state (store, knobs, request log) and its direct, synchronous API.

use crate::resources;
use crate::store::{key_of, Store};
use crate::util::Prng;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;

/// Injected failures and limits. Shares are fractions of requests in `[0, 1]`.
#[derive(Clone, Default, Debug)]
pub struct Faults {
    /// Share of non-watch resource requests answered 500 or 503.
    pub error_5xx_share: f64,
    /// Share of non-watch resource requests answered 429.
    pub error_429_share: f64,
    /// Retry-After header and `details.retryAfterSeconds` of 429 answers.
    pub retry_after_seconds: u32,
    /// Delay added before every request is served.
    pub latency: Duration,
    /// Caps a list request's `limit` (only when the client sends one).
    pub max_page_size: Option<usize>,
    /// Watch streams are cut abruptly after this many events.
    pub drop_watch_after_events: Option<usize>,
    /// A list with a continue token gets 410 Expired (once per token).
    pub expire_continue_tokens: bool,
    /// Resource plurals answered 403 Forbidden.
    pub forbidden: Vec<String>,
    /// Seed of the PRNG deciding which requests fail.
    pub seed: u64,
    /// Non-streaming answers are sent in 16-byte pieces with this pause between them, as a slow
    /// server or proxy would.
    pub trickle: Option<Duration>,
    /// Lists are paged (by `max_page_size`, else 1) even when the client asks for no limit.
    pub endless_paging: bool,
    /// Non-streaming answers share one link of this many bytes per second (all connections
    /// together, as on one network path); watches and followed logs are not paced.
    pub bandwidth: Option<u64>,
}

/// One served request, as recorded by the server.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// URL path.
    pub path: String,
    /// Raw query string (may be empty).
    pub query: String,
    /// Status code answered.
    pub status: u16,
    /// `Content-Type` of the request, if any.
    pub content_type: Option<String>,
    /// `User-Agent` of the request, if any.
    pub user_agent: Option<String>,
    /// Bytes of the answer's body (`None` for streams: watches, followed logs).
    pub bytes: Option<u64>,
}

pub(crate) struct FaultState {
    pub faults: Faults,
    pub prng: Prng,
    pub expired_tokens: HashSet<String>,
}

pub(crate) struct Inner {
    pub store: Mutex<Store>,
    pub faults: Mutex<FaultState>,
    pub requests: Mutex<Vec<RequestRecord>>,
    pub request_log: Mutex<Option<std::fs::File>>,
    /// When the shared link of `Faults::bandwidth` is free again.
    pub link: Mutex<std::time::Instant>,
    pub auth_token: Mutex<Option<String>>,
    pub delays: Mutex<(Duration, Duration)>,
    pub scheduler_enabled: AtomicBool,
    pub wake: Arc<Notify>,
    pub logs: Mutex<HashMap<String, String>>,
    pub controllers_started: AtomicBool,
    pub migmanager: crate::migmanager::State,
    pub dra: crate::dra::DraState,
}

/// Shared, thread-safe store + knobs. Clone = same server state.
#[derive(Clone)]
pub struct FakeApi {
    pub(crate) inner: Arc<Inner>,
}

impl Default for FakeApi {
    fn default() -> Self {
        Self::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The plural a `kind` is stored under (known types, else the lowercase kind + `s`).
pub(crate) fn plural_of(obj: &Value) -> String {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    match resources::by_kind(api_version, kind) {
        Some(r) => r.plural.to_string(),
        None => format!("{}s", kind.to_lowercase()),
    }
}

/// Converts a YAML document to JSON.
pub(crate) fn yaml_to_json(v: serde_yaml::Value) -> Option<Value> {
    serde_json::to_value(v).ok()
}

impl FakeApi {
    /// An empty cluster with the namespaces default, kube-system, kube-public and kube-node-lease.
    pub fn new() -> Self {
        let wake = Arc::new(Notify::new());
        let api = FakeApi {
            inner: Arc::new(Inner {
                store: Mutex::new(Store::new(wake.clone())),
                faults: Mutex::new(FaultState {
                    faults: Faults::default(),
                    prng: Prng::new(0),
                    expired_tokens: HashSet::new(),
                }),
                requests: Mutex::new(Vec::new()),
                request_log: Mutex::new(None),
                link: Mutex::new(std::time::Instant::now()),
                auth_token: Mutex::new(None),
                delays: Mutex::new((Duration::from_millis(150), Duration::from_millis(300))),
                scheduler_enabled: AtomicBool::new(true),
                wake,
                logs: Mutex::new(HashMap::new()),
                controllers_started: AtomicBool::new(false),
                migmanager: Default::default(),
                dra: Default::default(),
            }),
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            api.insert(serde_json::json!({
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}, "creationTimestamp": "2025-11-01T08:00:00Z"},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }));
        }
        api
    }

    /// `new()` plus the AKS-like MIG cluster of `tests/fixtures/cluster/*.yaml`.
    pub fn seeded() -> Self {
        let api = Self::new();
        crate::seed::load_seed(&api);
        api
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner.store)
    }

    /// Stores any object with apiVersion/kind/metadata (replacing one with the same key); sets
    /// uid, resourceVersion and creationTimestamp if absent; namespaced objects default to `default`.
    pub fn insert(&self, mut obj: Value) {
        let plural = plural_of(&obj);
        let namespaced = resources::by_plural(&plural).is_none_or(|r| r.namespaced);
        if namespaced
            && obj
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .is_none()
        {
            obj["metadata"]["namespace"] = Value::String("default".into());
        }
        self.store().put(&plural, obj);
    }

    /// Loads YAML or JSON text: several documents, `kind: List` / `*List` items expanded.
    pub fn load_yaml(&self, text: &str) {
        for doc in serde_yaml::Deserializer::from_str(text) {
            let Ok(v) = <serde_yaml::Value as serde::Deserialize>::deserialize(doc) else {
                panic!("fakeapi: invalid YAML document");
            };
            let Some(v) = yaml_to_json(v) else { continue };
            self.load_value(v);
        }
    }

    fn load_value(&self, v: Value) {
        if v.is_null() {
            return;
        }
        let is_list = v
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"));
        if is_list {
            for item in v
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                self.load_value(item);
            }
        } else {
            self.insert(v);
        }
    }

    /// Loads a YAML or JSON file (see `load_yaml`). Panics when unreadable.
    pub fn load_file(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("fakeapi: cannot read {}: {e}", path.display()));
        self.load_yaml(&text);
    }

    /// One object by plural (e.g. `pods`), namespace (None for cluster-scoped) and name.
    pub fn get(&self, plural: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        self.store()
            .get(plural, namespace.unwrap_or(""), name)
            .cloned()
    }

    /// Every object of a plural, in (namespace, name) order.
    pub fn list(&self, plural: &str) -> Vec<Value> {
        self.store()
            .list(plural, None)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Deletes an object (a namespace takes its objects along). No-op when absent.
    pub fn delete(&self, plural: &str, namespace: Option<&str>, name: &str) {
        let mut store = self.store();
        delete_cascading(&mut store, plural, namespace.unwrap_or(""), name);
    }

    /// Replaces the injected faults (and restarts the fault PRNG from `f.seed`).
    pub fn set_faults(&self, f: Faults) {
        let mut st = lock(&self.inner.faults);
        st.prng = Prng::new(f.seed);
        st.faults = f;
        st.expired_tokens.clear();
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultState> {
        lock(&self.inner.faults)
    }

    /// Every request served so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.inner.requests).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.inner.requests).clear();
    }

    pub(crate) fn record(&self, r: RequestRecord) {
        if let Some(file) = lock(&self.inner.request_log).as_mut() {
            use std::io::Write;
            let bytes = r.bytes.map_or_else(|| "-".to_string(), |b| b.to_string());
            // One line per request, written whole so the file can be read while serving.
            let line = format!(
                "{} {} {} {} {}\n",
                r.method,
                r.path,
                if r.query.is_empty() { "-" } else { &r.query },
                r.status,
                bytes
            );
            let _ = file.write_all(line.as_bytes());
        }
        lock(&self.inner.requests).push(r);
    }

    /// Appends every request served from now on to `path`, one line each:
    /// `METHOD PATH QUERY|- STATUS BYTES|-` (BYTES is the answer's body, `-` for streams).
    pub fn set_request_log(&self, path: &Path) -> std::io::Result<()> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        *lock(&self.inner.request_log) = Some(file);
        Ok(())
    }

    /// Reserves the shared link for `bytes` at `per_second`: when their last byte has gone.
    pub(crate) fn link_slot(&self, bytes: usize, per_second: u64) -> std::time::Instant {
        let mut free = lock(&self.inner.link);
        let now = std::time::Instant::now();
        let start = (*free).max(now);
        let secs = bytes as f64 / per_second.max(1) as f64;
        *free = start + Duration::from_secs_f64(secs);
        *free
    }

    /// When `Some`, requests without `Authorization: Bearer <token>` get 401.
    pub fn set_auth_token(&self, token: Option<&str>) {
        *lock(&self.inner.auth_token) = token.map(String::from);
    }

    pub(crate) fn auth_token(&self) -> Option<String> {
        lock(&self.inner.auth_token).clone()
    }

    /// Fake kubelet timing: bound pod → Running after `start`, Running → terminated after `run`.
    pub fn set_kubelet_delays(&self, start: Duration, run: Duration) {
        *lock(&self.inner.delays) = (start, run);
    }

    pub(crate) fn kubelet_delays(&self) -> (Duration, Duration) {
        *lock(&self.inner.delays)
    }

    /// Turns the fake scheduler (and so the fake kubelet for new pods) on or off.
    pub fn set_scheduler_enabled(&self, on: bool) {
        self.inner.scheduler_enabled.store(on, Ordering::SeqCst);
        self.inner.wake.notify_one();
    }

    pub(crate) fn scheduler_enabled(&self) -> bool {
        self.inner.scheduler_enabled.load(Ordering::SeqCst)
    }

    /// Number of changes kept for watch resumption (older resourceVersions get 410 Expired).
    pub fn set_watch_history_limit(&self, n: usize) {
        self.store().set_history_limit(n);
    }

    /// The current resourceVersion of the store.
    pub fn resource_version(&self) -> u64 {
        self.store().rv()
    }

    /// The log text of a pod's container, as the fake kubelet produced it.
    pub fn pod_log(&self, namespace: &str, pod: &str, container: &str) -> Option<String> {
        let uid = self.get("pods", Some(namespace), pod)?;
        let uid = uid.pointer("/metadata/uid")?.as_str()?.to_string();
        lock(&self.inner.logs)
            .get(&format!("{uid}/{container}"))
            .cloned()
    }

    pub(crate) fn set_log(&self, uid: &str, container: &str, text: String) {
        lock(&self.inner.logs).insert(format!("{uid}/{container}"), text);
    }

    /// Appends a line to a container's log, in one step (writers never lose each other's lines).
    pub(crate) fn append_log(&self, uid: &str, container: &str, line: &str) {
        let mut logs = lock(&self.inner.logs);
        let text = logs.entry(format!("{uid}/{container}")).or_default();
        text.push_str(line);
        text.push('\n');
    }

    pub(crate) fn log_of(&self, uid: &str, container: &str) -> Option<String> {
        lock(&self.inner.logs)
            .get(&format!("{uid}/{container}"))
            .cloned()
    }
}

/// Removes an object, its dependents (by ownerReferences) and, for namespaces, their content.
pub(crate) fn delete_cascading(
    store: &mut Store,
    plural: &str,
    ns: &str,
    name: &str,
) -> Option<Value> {
    let removed = store.remove(plural, ns, name)?;
    if plural == "namespaces" {
        for p in store.plurals() {
            let keys: Vec<_> = store.list(&p, Some(name)).map(|(k, _)| k.clone()).collect();
            for (kns, kname) in keys {
                store.remove(&p, &kns, &kname);
            }
        }
    }
    let uid = removed
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut dependents = Vec::new();
    let plurals = if store.has_dependents(&uid) {
        store.plurals()
    } else {
        Vec::new()
    };
    for p in plurals {
        for (_, obj) in store.list(&p, None) {
            let owned = obj
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|refs| {
                    refs.iter()
                        .any(|r| r.get("uid").and_then(Value::as_str) == Some(&uid))
                });
            if owned {
                let (kns, kname) = key_of(obj);
                dependents.push((p.clone(), kns, kname));
            }
        }
    }
    for (p, kns, kname) in dependents {
        delete_cascading(store, &p, &kns, &kname);
    }
    Some(removed)
}
