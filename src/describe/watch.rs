//! `describe --watch`: one read, then the cluster's changes as they happen. Nodes, live pods and
//! DRA slices and claims are each listed once and then followed with a watch (resumed where it
//! stopped when a stream drops, listed again only when the server answers 410 Gone); the view is
//! redrawn in place on a terminal, otherwise each change prints a new JSON document or the table
//! rows that changed. Ctrl-C ends it cleanly.

use crate::cluster::{fold_list_versioned, Cluster, Op};
use crate::error::{Error, Result};
use crate::model::capacity::{report_with_dra, Report, Usage};
use crate::model::dra::Inventory;
use crate::model::node::{NodeInfo, PodUsage, RawNode, RawPod};
use crate::output::messages::Messages;
use crate::output::style::Style;
use crate::output::{self, Format};
use crate::snapshot::{dra, live};
use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, WatchEvent, WatchParams};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often a changed view is drawn at most.
const REDRAW: Duration = Duration::from_millis(100);

/// What is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Nodes,
    Pods,
    Slices,
    Claims,
}

/// A change from one feed.
enum Change {
    /// An object was added or modified.
    Applied(Kind, Value),
    /// An object was deleted (or left the watch's selection).
    Deleted(Kind, Value),
    /// The kind was listed (first, or again after 410 Gone): these are all its objects now.
    Replaced(Kind, Items),
    /// The feed stopped for good.
    Failed(Error),
}

/// A kind's objects as the view keeps them, decoded while they are listed: only the fields
/// describe reads, and only the pods that hold GPU resources, so memory follows the GPU nodes
/// and pods, not the cluster.
enum Items {
    Nodes(Vec<NodeInfo>),
    /// Pods by `namespace/name`.
    Pods(Vec<(String, PodUsage)>),
    Values(Vec<Value>),
}

/// Whether the view keeps a pod: only pods holding GPU resources count.
fn kept(pod: &PodUsage) -> bool {
    pod.holds_resources() && !pod.requests.is_empty()
}

/// What describe's scope keeps.
pub struct Scope {
    /// Only these nodes (all when empty).
    pub nodes: Vec<String>,
    /// Label selector of the nodes.
    pub selector: Option<String>,
    /// Every node, not only GPU nodes.
    pub all: bool,
}

/// Everything the view is made of, kept up to date by the feeds.
#[derive(Default)]
struct State {
    nodes: BTreeMap<String, NodeInfo>,
    pods: HashMap<String, PodUsage>,
    slices: HashMap<String, Value>,
    claims: HashMap<String, Value>,
}

fn key(v: &Value) -> String {
    let meta = &v["metadata"];
    format!(
        "{}/{}",
        meta["namespace"].as_str().unwrap_or_default(),
        meta["name"].as_str().unwrap_or_default()
    )
}

impl State {
    fn apply(&mut self, change: Change, scope: &Scope) -> Result<()> {
        match change {
            Change::Applied(kind, v) => self.put(kind, v, scope),
            Change::Deleted(kind, v) => self.remove(kind, &v),
            Change::Replaced(kind, items) => {
                match kind {
                    Kind::Nodes => self.nodes.clear(),
                    Kind::Pods => self.pods.clear(),
                    Kind::Slices => self.slices.clear(),
                    Kind::Claims => self.claims.clear(),
                }
                match items {
                    Items::Nodes(nodes) => {
                        for node in nodes {
                            self.put_node(node, scope);
                        }
                    }
                    Items::Pods(pods) => self.pods.extend(pods),
                    Items::Values(values) => {
                        for v in values {
                            self.put(kind, v, scope);
                        }
                    }
                }
            }
            Change::Failed(e) => return Err(e),
        }
        Ok(())
    }

    fn put(&mut self, kind: Kind, v: Value, scope: &Scope) {
        let k = key(&v);
        match kind {
            Kind::Nodes => {
                let Ok(raw) = serde_json::from_value::<RawNode>(v) else {
                    return;
                };
                self.put_node(live::keep_labels(NodeInfo::from(raw)), scope);
            }
            Kind::Pods => {
                let Ok(raw) = serde_json::from_value::<RawPod>(v) else {
                    return;
                };
                let pod = PodUsage::from(raw);
                // Only pods that hold GPU resources are kept: memory follows the GPU pods.
                if kept(&pod) {
                    self.pods.insert(k, pod);
                } else {
                    self.pods.remove(&k);
                }
            }
            Kind::Slices => {
                self.slices.insert(k, v);
            }
            Kind::Claims => {
                self.claims.insert(k, v);
            }
        }
    }

    fn put_node(&mut self, node: NodeInfo, scope: &Scope) {
        if scope.nodes.is_empty() || scope.nodes.contains(&node.name) {
            self.nodes.insert(node.name.clone(), node);
        }
    }

    fn remove(&mut self, kind: Kind, v: &Value) {
        let k = key(v);
        match kind {
            Kind::Nodes => {
                self.nodes
                    .remove(v["metadata"]["name"].as_str().unwrap_or_default());
            }
            Kind::Pods => {
                self.pods.remove(&k);
            }
            Kind::Slices => {
                self.slices.remove(&k);
            }
            Kind::Claims => {
                self.claims.remove(&k);
            }
        }
    }

    fn report(&self, scope: &Scope) -> Report {
        let inventory = Inventory {
            slices: self.slices.values().filter_map(dra::slice).collect(),
            claims: self.claims.values().filter_map(dra::claim).collect(),
            unavailable: None,
        };
        let dra_nodes = crate::model::dra::dra_nodes(&inventory);
        let nodes: Vec<NodeInfo> = self
            .nodes
            .values()
            .filter(|n| scope.all || live::is_gpu_node(n) || dra_nodes.contains(&n.name))
            .cloned()
            .collect();
        let mut usage = Usage::for_nodes(nodes.iter().map(|n| n.name.as_str()));
        for pod in self.pods.values() {
            usage.add(pod.clone());
        }
        report_with_dra(&nodes, &usage, &inventory, &HashMap::new())
    }
}

/// Where a kind is read from.
fn resource(kind: Kind, dra_version: &str) -> (ApiResource, String) {
    let dra = |k: &str, plural: &str| ApiResource {
        group: "resource.k8s.io".into(),
        version: dra_version.into(),
        api_version: format!("resource.k8s.io/{dra_version}"),
        kind: k.into(),
        plural: plural.into(),
    };
    match kind {
        Kind::Nodes => (
            ApiResource::erase::<k8s_openapi::api::core::v1::Node>(&()),
            "/api/v1/nodes".into(),
        ),
        Kind::Pods => (
            ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()),
            "/api/v1/pods".into(),
        ),
        Kind::Slices => (
            dra("ResourceSlice", "resourceslices"),
            format!("/apis/resource.k8s.io/{dra_version}/resourceslices"),
        ),
        Kind::Claims => (
            dra("ResourceClaim", "resourceclaims"),
            format!("/apis/resource.k8s.io/{dra_version}/resourceclaims"),
        ),
    }
}

/// The selectors a kind is listed and watched with.
fn selectors(kind: Kind, scope: &Scope) -> (Option<String>, Option<String>) {
    match kind {
        Kind::Nodes => (scope.selector.clone(), None),
        Kind::Pods => (None, Some(live::LIVE_PODS.to_string())),
        _ => (None, None),
    }
}

/// Lists a kind; its objects and the version to watch from.
async fn list(
    cluster: &Cluster,
    kind: Kind,
    dra_version: &str,
    scope: &Scope,
) -> Result<(Items, String)> {
    let (_, path) = resource(kind, dra_version);
    let (labels, fields) = selectors(kind, scope);
    let mut params = ListParams::default().limit(500);
    if let Some(l) = &labels {
        params = params.labels(l);
    }
    if let Some(f) = &fields {
        params = params.fields(f);
    }
    let op = Op::new("list", "objects");
    match kind {
        Kind::Nodes => {
            let (nodes, version) = fold_list_versioned(
                cluster,
                &path,
                &params,
                op,
                Vec::new,
                |acc, raw: RawNode| acc.push(live::keep_labels(NodeInfo::from(raw))),
            )
            .await?;
            Ok((Items::Nodes(nodes), version))
        }
        Kind::Pods => {
            let (pods, version) =
                fold_list_versioned(cluster, &path, &params, op, Vec::new, |acc, raw: RawPod| {
                    let pod = PodUsage::from(raw);
                    if kept(&pod) {
                        acc.push((format!("{}/{}", pod.namespace, pod.name), pod));
                    }
                })
                .await?;
            Ok((Items::Pods(pods), version))
        }
        Kind::Slices | Kind::Claims => {
            let (values, version) =
                fold_list_versioned(cluster, &path, &params, op, Vec::new, |acc, v: Value| {
                    acc.push(v)
                })
                .await?;
            Ok((Items::Values(values), version))
        }
    }
}

/// Follows one kind from `version`, sending every change; resumes dropped streams and lists
/// again after 410 Gone.
async fn follow(
    cluster: Cluster,
    kind: Kind,
    dra_version: String,
    scope: std::sync::Arc<Scope>,
    mut version: String,
    tx: mpsc::UnboundedSender<Change>,
) {
    let (ar, _) = resource(kind, &dra_version);
    let api: Api<DynamicObject> = Api::all_with(cluster.client.clone(), &ar);
    let (labels, fields) = selectors(kind, &scope);
    // Bookmarks are on by default: they keep the version to resume from fresh.
    let mut params = WatchParams::default().timeout(290);
    if let Some(l) = &labels {
        params = params.labels(l);
    }
    if let Some(f) = &fields {
        params = params.fields(f);
    }
    loop {
        let stream = match api.watch(&params, &version).await {
            Ok(s) => s,
            Err(kube::Error::Api(s)) if s.code == 410 => {
                match relist(&cluster, kind, &dra_version, &scope, &tx).await {
                    Some(v) => version = v,
                    None => return,
                }
                continue;
            }
            Err(e) => {
                let _ = tx.send(Change::Failed(
                    cluster.error(e, Op::new("watch", "objects")),
                ));
                return;
            }
        };
        let mut stream = stream.boxed();
        while let Some(event) = stream.next().await {
            let sent = match event {
                Ok(WatchEvent::Added(o) | WatchEvent::Modified(o)) => {
                    version = o.metadata.resource_version.clone().unwrap_or(version);
                    tx.send(Change::Applied(
                        kind,
                        serde_json::to_value(o).unwrap_or_default(),
                    ))
                }
                Ok(WatchEvent::Deleted(o)) => {
                    version = o.metadata.resource_version.clone().unwrap_or(version);
                    tx.send(Change::Deleted(
                        kind,
                        serde_json::to_value(o).unwrap_or_default(),
                    ))
                }
                Ok(WatchEvent::Bookmark(b)) => {
                    version = b.metadata.resource_version;
                    Ok(())
                }
                Ok(WatchEvent::Error(s)) if s.code == 410 => {
                    match relist(&cluster, kind, &dra_version, &scope, &tx).await {
                        Some(v) => version = v,
                        None => return,
                    }
                    break;
                }
                Ok(WatchEvent::Error(_)) | Err(_) => break,
            };
            if sent.is_err() {
                return; // the view is gone
            }
        }
        tracing::info!(?kind, "watch stream ended; resuming");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn relist(
    cluster: &Cluster,
    kind: Kind,
    dra_version: &str,
    scope: &Scope,
    tx: &mpsc::UnboundedSender<Change>,
) -> Option<String> {
    tracing::info!(?kind, "watch expired (410 Gone); listing again");
    match list(cluster, kind, dra_version, scope).await {
        Ok((items, version)) => tx
            .send(Change::Replaced(kind, items))
            .ok()
            .map(|()| version),
        Err(e) => {
            let _ = tx.send(Change::Failed(e));
            None
        }
    }
}

/// Runs the watch until Ctrl-C (exit 0) or a feed fails for good.
pub async fn run(
    cluster: &Cluster,
    scope: Scope,
    format: Format,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let scope = std::sync::Arc::new(scope);
    let dra_version = match dra::served_version(cluster).await {
        Ok(v) => Some(v),
        Err(why) => {
            msgs.note(why);
            None
        }
    };
    let mut kinds = vec![Kind::Nodes, Kind::Pods];
    if dra_version.is_some() {
        kinds.extend([Kind::Slices, Kind::Claims]);
    }
    let dra_version = dra_version.unwrap_or_default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut state = State::default();
    for kind in kinds {
        let (items, version) = list(cluster, kind, &dra_version, &scope).await?;
        state.apply(Change::Replaced(kind, items), &scope)?;
        tokio::spawn(follow(
            cluster.clone(),
            kind,
            dra_version.clone(),
            scope.clone(),
            version,
            tx.clone(),
        ));
    }
    drop(tx);
    let mut view = View::new(format, std::io::IsTerminal::is_terminal(&std::io::stdout()));
    view.draw(&state.report(&scope), out)?;
    let mut interrupts = crate::signals::Interrupts::arm();
    // A change is drawn at once when the last drawing is older than REDRAW, else when it
    // becomes so: the view lags a lone change only by its drawing, and a burst of changes by at
    // most REDRAW.
    let mut drawn = tokio::time::Instant::now();
    let mut dirty = false;
    loop {
        tokio::select! {
            change = rx.recv() => match change {
                Some(change) => {
                    state.apply(change, &scope)?;
                    // Whatever else has arrived goes into the same drawing.
                    while let Ok(more) = rx.try_recv() {
                        state.apply(more, &scope)?;
                    }
                    dirty = true;
                }
                None => return Err(Error::failed("every watch of the cluster ended; run the command again")),
            },
            () = tokio::time::sleep_until(drawn + REDRAW), if dirty => {}
            _ = interrupts.next() => {
                view.finish(out)?;
                return Ok(());
            }
        }
        if dirty && drawn.elapsed() >= REDRAW {
            view.draw(&state.report(&scope), out)?;
            drawn = tokio::time::Instant::now();
            dirty = false;
        }
    }
}

/// How the view is drawn: in place on a terminal, else as documents or changed rows.
struct View {
    format: Format,
    terminal: bool,
    previous: Vec<String>,
}

impl View {
    fn new(format: Format, terminal: bool) -> Self {
        View {
            format,
            terminal,
            previous: Vec::new(),
        }
    }

    fn draw(&mut self, report: &Report, out: &mut dyn Write) -> Result<()> {
        match self.format {
            Format::Json | Format::Yaml => output::write_data(out, self.format, report)?,
            Format::Table | Format::Wide => {
                let wide = self.format == Format::Wide;
                let text = super::render::render(report, wide, Style::detect());
                if self.terminal {
                    // Home and clear, then the whole view: the terminal shows the latest state.
                    write!(out, "\x1b[H\x1b[2J{text}").map_err(output::io_error)?;
                } else {
                    let lines: Vec<String> = text.lines().map(str::to_string).collect();
                    for line in lines.iter().filter(|l| !self.previous.contains(l)) {
                        writeln!(out, "{line}").map_err(output::io_error)?;
                    }
                    self.previous = lines;
                }
            }
        }
        out.flush().map_err(output::io_error)
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<()> {
        if self.terminal {
            // Whatever the last frame did, leave the cursor visible on a fresh line.
            writeln!(out, "\x1b[?25h").map_err(output::io_error)?;
        }
        out.flush().map_err(output::io_error)
    }
}
