//! `describe --watch`: one read, then the cluster's changes as they happen. Nodes, live pods and
//! DRA slices and claims are each listed once and then followed with a watch (resumed where it
//! stopped when a stream drops, listed again only when the server answers 410 Gone); the view is
//! redrawn in place on a terminal, otherwise each change prints a new JSON document or the table
//! rows that changed. Ctrl-C ends it cleanly.

mod feed;
mod state;
mod view;

use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::output::messages::Messages;
use crate::output::Format;
use crate::snapshot::dra;
use state::{Change, Kind, State};
use std::io::Write;
use std::time::Duration;
use tokio::sync::mpsc;
use view::View;

/// How often a changed view is drawn at most.
const REDRAW: Duration = Duration::from_millis(100);

/// What describe's scope keeps.
pub struct Scope {
    /// Only these nodes (all when empty).
    pub nodes: Vec<String>,
    /// Label selector of the nodes.
    pub selector: Option<String>,
    /// Every node, not only GPU nodes.
    pub all: bool,
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
        let (items, version) = feed::list(cluster, kind, &dra_version, &scope).await?;
        state.apply(Change::Replaced(kind, items), &scope)?;
        tokio::spawn(feed::follow(
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
