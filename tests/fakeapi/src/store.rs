//! The object store: every object as JSON keyed by (plural, namespace, name), one global
//! resourceVersion counter, and a bounded history of changes feeding watches. Big lists stay
//! cheap: each object keeps its list-item JSON once serialized, and pods are indexed by
//! `spec.nodeName`.

use crate::util::{self, Prng};
use bytes::Bytes;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, OnceLock};
use tokio::sync::{broadcast, Notify};

/// `(namespace, name)`; the namespace is `""` for cluster-scoped objects.
pub type Key = (String, String);

/// Kind of a change, as named in watch events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    /// Object created.
    Added,
    /// Object updated.
    Modified,
    /// Object deleted.
    Deleted,
}

/// One committed change.
#[derive(Debug, Clone)]
pub struct Change {
    /// What happened.
    pub kind: ChangeType,
    /// Resource plural.
    pub plural: String,
    /// resourceVersion of the change.
    pub rv: u64,
    /// The object after the change (for deletes: the last state, with the new resourceVersion).
    pub object: Arc<Value>,
    /// The object before the change, for updates.
    pub old: Option<Arc<Value>>,
}

/// Default number of changes kept for watch resumption.
pub const DEFAULT_HISTORY: usize = 10_000;

/// A stored object and, once a list has shown it, its list-item JSON (without apiVersion and
/// kind), so the next list copies bytes instead of cloning and serializing the object again.
pub struct Entry {
    /// The object.
    pub obj: Value,
    item_json: OnceLock<Bytes>,
}

impl Entry {
    fn new(obj: Value) -> Self {
        Entry {
            obj,
            item_json: OnceLock::new(),
        }
    }

    /// The object as a list item of a built-in type: without apiVersion and kind.
    pub fn item_json(&self) -> &Bytes {
        self.item_json.get_or_init(|| {
            let mut item = serde_json::Map::new();
            if let Value::Object(m) = &self.obj {
                for (k, v) in m {
                    if k != "apiVersion" && k != "kind" {
                        item.insert(k.clone(), v.clone());
                    }
                }
            }
            Bytes::from(serde_json::to_vec(&item).unwrap_or_default())
        })
    }
}

/// The node a pod is bound to (`""` when unbound).
fn node_of(pod: &Value) -> &str {
    pod.pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The store. Wrap in a mutex; every method is synchronous and quick.
pub struct Store {
    objects: HashMap<String, BTreeMap<Key, Entry>>,
    /// Pod keys by `spec.nodeName` (`""` for unbound pods).
    pods_by_node: HashMap<String, BTreeSet<Key>>,
    /// How many stored objects name each uid in their ownerReferences: a delete looks for
    /// dependents only when some object has the deleted one as owner.
    owners: HashMap<String, usize>,
    rv: u64,
    history: VecDeque<Change>,
    history_limit: usize,
    tx: broadcast::Sender<Change>,
    wake: Arc<Notify>,
    /// Random source for uids and generated names.
    pub prng: Prng,
}

/// The `(namespace, name)` key of an object.
pub fn key_of(obj: &Value) -> Key {
    let s = |p: &str| {
        obj.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (s("/metadata/namespace"), s("/metadata/name"))
}

impl Store {
    /// An empty store; `wake` is notified on every pod or node change (scheduler trigger).
    pub fn new(wake: Arc<Notify>) -> Self {
        let (tx, _) = broadcast::channel(8192);
        Store {
            objects: HashMap::new(),
            pods_by_node: HashMap::new(),
            owners: HashMap::new(),
            rv: 0,
            history: VecDeque::new(),
            history_limit: DEFAULT_HISTORY,
            tx,
            wake,
            prng: Prng::new(0x6b75_6265),
        }
    }

    /// The current (latest) resourceVersion.
    pub fn rv(&self) -> u64 {
        self.rv
    }

    /// Changes the number of changes kept for watches (older ones are dropped at once).
    pub fn set_history_limit(&mut self, n: usize) {
        self.history_limit = n;
        while self.history.len() > n {
            self.history.pop_front();
        }
    }

    /// One object.
    pub fn get(&self, plural: &str, ns: &str, name: &str) -> Option<&Value> {
        self.objects
            .get(plural)?
            .get(&(ns.to_string(), name.to_string()))
            .map(|e| &e.obj)
    }

    /// Objects of a plural in (namespace, name) order, optionally in one namespace.
    pub fn list<'a>(
        &'a self,
        plural: &str,
        ns: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a Key, &'a Value)> + 'a {
        self.entries_after(plural, ns, None)
            .map(|(k, e)| (k, &e.obj))
    }

    /// Entries of a plural in (namespace, name) order, optionally in one namespace, starting
    /// after `after` (a continue point).
    pub fn entries_after<'a>(
        &'a self,
        plural: &str,
        ns: Option<&'a str>,
        after: Option<&Key>,
    ) -> impl Iterator<Item = (&'a Key, &'a Entry)> + 'a {
        let lower = range_start(ns, after);
        self.objects
            .get(plural)
            .into_iter()
            .flat_map(move |m| m.range((lower.clone(), Bound::Unbounded)))
            .take_while(move |(k, _)| ns.is_none_or(|n| k.0 == n))
    }

    /// Pods bound to `node` (`""`: unbound) in (namespace, name) order, optionally in one
    /// namespace, starting after `after`.
    pub fn pods_on_node<'a>(
        &'a self,
        node: &str,
        ns: Option<&'a str>,
        after: Option<&Key>,
    ) -> impl Iterator<Item = (&'a Key, &'a Entry)> + 'a {
        let lower = range_start(ns, after);
        let pods = self.objects.get("pods");
        self.pods_by_node
            .get(node)
            .into_iter()
            .flat_map(move |keys| keys.range((lower.clone(), Bound::Unbounded)))
            .take_while(move |k| ns.is_none_or(|n| k.0 == n))
            .filter_map(move |k| pods.and_then(|m| m.get_key_value(k)))
    }

    /// Every plural that has objects.
    pub fn plurals(&self) -> Vec<String> {
        self.objects.keys().cloned().collect()
    }

    fn commit(&mut self, kind: ChangeType, plural: &str, object: Value, old: Option<Value>) {
        let change = Change {
            kind,
            plural: plural.to_string(),
            rv: self.rv,
            object: Arc::new(object),
            old: old.map(Arc::new),
        };
        if self.history_limit > 0 {
            if self.history.len() >= self.history_limit {
                self.history.pop_front();
            }
            self.history.push_back(change.clone());
        }
        let _ = self.tx.send(change);
        if plural == "pods" || plural == "nodes" {
            self.wake.notify_one();
        }
    }

    /// Stores a new object, assigning resourceVersion and (if absent) uid and creationTimestamp.
    /// Replaces an existing object with the same key (as a modification).
    pub fn put(&mut self, plural: &str, mut obj: Value) -> Value {
        self.rv += 1;
        let meta = obj
            .as_object_mut()
            .expect("object")
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if meta.get("uid").and_then(Value::as_str).is_none() {
            meta["uid"] = Value::String(self.prng.uuid());
        }
        if meta
            .get("creationTimestamp")
            .and_then(Value::as_str)
            .is_none()
        {
            meta["creationTimestamp"] = Value::String(util::now());
        }
        meta["resourceVersion"] = Value::String(self.rv.to_string());
        let key = key_of(&obj);
        if plural == "pods" {
            self.pods_by_node
                .entry(node_of(&obj).to_string())
                .or_default()
                .insert(key.clone());
        }
        let old = self
            .objects
            .entry(plural.to_string())
            .or_default()
            .insert(key.clone(), Entry::new(obj.clone()))
            .map(|e| e.obj);
        self.count_owners(&obj, true);
        if let Some(old) = &old {
            self.count_owners(old, false);
        }
        if let Some(old) = old.as_ref().filter(|_| plural == "pods") {
            let was = node_of(old);
            if was != node_of(&obj) {
                self.unindex_pod(was, &key);
            }
        }
        let kind = if old.is_some() {
            ChangeType::Modified
        } else {
            ChangeType::Added
        };
        self.commit(kind, plural, obj.clone(), old);
        obj
    }

    /// Removes an object; the returned (and announced) last state carries a new resourceVersion.
    pub fn remove(&mut self, plural: &str, ns: &str, name: &str) -> Option<Value> {
        let key = (ns.to_string(), name.to_string());
        let mut obj = self.objects.get_mut(plural)?.remove(&key)?.obj;
        if plural == "pods" {
            self.unindex_pod(node_of(&obj), &key);
        }
        self.count_owners(&obj, false);
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
        self.commit(ChangeType::Deleted, plural, obj.clone(), None);
        Some(obj)
    }

    /// Counts (or uncounts) the owners an object names.
    fn count_owners(&mut self, obj: &Value, add: bool) {
        let refs = obj
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array);
        for uid in refs.into_iter().flatten().filter_map(|r| r["uid"].as_str()) {
            if add {
                *self.owners.entry(uid.to_string()).or_default() += 1;
            } else if let Some(n) = self.owners.get_mut(uid) {
                *n -= 1;
                if *n == 0 {
                    self.owners.remove(uid);
                }
            }
        }
    }

    /// Whether any stored object names `uid` as an owner.
    pub fn has_dependents(&self, uid: &str) -> bool {
        self.owners.contains_key(uid)
    }

    fn unindex_pod(&mut self, node: &str, key: &Key) {
        if let Some(keys) = self.pods_by_node.get_mut(node) {
            keys.remove(key);
            if keys.is_empty() {
                self.pods_by_node.remove(node);
            }
        }
    }

    /// Changes after `rv` (from history) plus a receiver for later ones; `None` when `rv` is
    /// older than the kept history.
    pub fn changes_since(&self, rv: u64) -> Option<(Vec<Change>, broadcast::Receiver<Change>)> {
        let rx = self.tx.subscribe();
        if rv >= self.rv {
            return Some((Vec::new(), rx));
        }
        match self.history.front() {
            Some(first) if first.rv <= rv + 1 => {}
            _ => return None,
        }
        let past = self.history.iter().filter(|c| c.rv > rv).cloned().collect();
        Some((past, rx))
    }

    /// A receiver of future changes only.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }
}

/// The lower bound of a range scan: just after `after`, else the namespace's first key.
fn range_start(ns: Option<&str>, after: Option<&Key>) -> Bound<Key> {
    let first = (ns.unwrap_or("").to_string(), String::new());
    match after {
        Some(a) if *a >= first => Bound::Excluded(a.clone()),
        _ => Bound::Included(first),
    }
}
