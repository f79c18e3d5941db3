//! Following one object by name with a watch: a dropped stream is resumed from the last version
//! seen, and an expired watch (410 Gone) reads the object again and goes on from it.

use super::{Cluster, Op};
use crate::error::Result;
use futures::stream::BoxStream;
use futures::StreamExt;
use kube::api::{Api, WatchEvent, WatchParams};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// What became of the object.
pub enum Event<K> {
    /// Added or changed (or read again after the watch expired): its state now.
    Changed(K),
    /// Deleted.
    Deleted,
}

/// A watch of one named object.
pub struct WatchOne<K> {
    api: Api<K>,
    name: String,
    resource_version: String,
    /// The resource as RBAC names it (`pods`, `nodes`), for errors.
    resource: &'static str,
    namespace: Option<String>,
    stream: Option<BoxStream<'static, kube::Result<WatchEvent<K>>>>,
}

impl<K> WatchOne<K>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    /// Follows `name` through `api` from `resource_version` (the version last read).
    pub fn new(
        api: Api<K>,
        name: &str,
        resource_version: &str,
        resource: &'static str,
        namespace: Option<&str>,
    ) -> Self {
        WatchOne {
            api,
            name: name.to_string(),
            resource_version: resource_version.to_string(),
            resource,
            namespace: namespace.map(String::from),
            stream: None,
        }
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn op<'a>(&'a self, verb: &'a str) -> Op<'a> {
        let op = Op::new(verb, self.resource);
        match &self.namespace {
            Some(ns) => op.in_ns(ns),
            None => op,
        }
    }

    /// The object's next state.
    pub async fn next(&mut self, cluster: &Cluster) -> Result<Event<K>> {
        loop {
            if self.stream.is_none() {
                let params = WatchParams::default()
                    .fields(&format!("metadata.name={}", self.name))
                    .timeout(290);
                let stream = match self.api.watch(&params, &self.resource_version).await {
                    Ok(stream) => stream,
                    Err(e) => return Err(cluster.error(e, self.op("watch"))),
                };
                self.stream = Some(stream.boxed());
            }
            let Some(stream) = self.stream.as_mut() else {
                continue;
            };
            match stream.next().await {
                Some(Ok(WatchEvent::Added(o) | WatchEvent::Modified(o))) => {
                    self.resource_version = o.resource_version().unwrap_or_default();
                    return Ok(Event::Changed(o));
                }
                Some(Ok(WatchEvent::Deleted(_))) => return Ok(Event::Deleted),
                Some(Ok(WatchEvent::Bookmark(b))) => {
                    self.resource_version = b.metadata.resource_version;
                }
                Some(Ok(WatchEvent::Error(status))) if status.code == 410 => {
                    tracing::info!(resource = self.resource, "watch expired; reading it again");
                    let o = match self.api.get(&self.name).await {
                        Ok(o) => o,
                        Err(e) => return Err(cluster.error(e, self.op("get"))),
                    };
                    self.resource_version = o.resource_version().unwrap_or_default();
                    self.stream = None;
                    return Ok(Event::Changed(o));
                }
                Some(Ok(WatchEvent::Error(status))) => {
                    return Err(cluster.error(kube::Error::Api(status), self.op("watch")))
                }
                Some(Err(err)) => {
                    tracing::info!(
                        resource = self.resource,
                        "watch stream failed ({err}); resuming"
                    );
                    self.stream = None;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                None => {
                    tracing::debug!(resource = self.resource, "watch stream ended; resuming");
                    self.stream = None;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}
