//! The object store: every object as JSON keyed by (plural, namespace, name), one global
//! resourceVersion counter, and a bounded history of changes feeding watches.

use crate::util::{self, Prng};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
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

/// The store. Wrap in a mutex; every method is synchronous and quick.
pub struct Store {
    objects: HashMap<String, BTreeMap<Key, Value>>,
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
    }

    /// Objects of a plural in (namespace, name) order, optionally in one namespace.
    pub fn list<'a>(
        &'a self,
        plural: &str,
        ns: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a Key, &'a Value)> + 'a {
        self.objects
            .get(plural)
            .into_iter()
            .flat_map(|m| m.iter())
            .filter(move |(k, _)| ns.is_none_or(|n| k.0 == n))
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
        let old = self
            .objects
            .entry(plural.to_string())
            .or_default()
            .insert(key, obj.clone());
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
        let mut obj = self
            .objects
            .get_mut(plural)?
            .remove(&(ns.to_string(), name.to_string()))?;
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
        self.commit(ChangeType::Deleted, plural, obj.clone(), None);
        Some(obj)
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
