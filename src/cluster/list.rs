//! Paged listing that folds each page as it arrives, so memory does not grow with the number of
//! objects, and that restarts the list when the server expires its continue token (410).

use super::{Cluster, Op};
use crate::error::Result;
use kube::api::ListParams;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// How many times an expired list is started over page by page; after that it is read in one
/// piece, as client-go's pager does, so a slow reader still finishes.
const PAGED_RESTARTS: u32 = 2;

/// Restarts in all, after which the list fails: a server that expires every continue token,
/// even of an unpaged list it pages anyway, would otherwise be asked forever.
const MAX_RESTARTS: u32 = PAGED_RESTARTS + 2;

/// One page of a list response; items decode only into the fields `T` names.
#[derive(Deserialize)]
struct Page<T> {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageMeta {
    #[serde(default, rename = "continue")]
    continue_token: Option<String>,
    #[serde(default)]
    resource_version: Option<String>,
}

/// Lists `path` (e.g. `/api/v1/pods`) page by page, folding every item into an accumulator made
/// by `init`. When a continue token expires (410), the accumulator is made anew and the list
/// restarts; after a few such restarts the list is read in one request.
pub async fn fold_list<T, A>(
    cluster: &Cluster,
    path: &str,
    params: &ListParams,
    op: Op<'_>,
    init: impl FnMut() -> A,
    fold: impl FnMut(&mut A, T),
) -> Result<A>
where
    T: DeserializeOwned,
{
    fold_list_versioned(cluster, path, params, op, init, fold)
        .await
        .map(|(acc, _)| acc)
}

/// Like [`fold_list`], also returning the list's `resourceVersion`, from which a watch of the
/// same objects starts.
pub async fn fold_list_versioned<T, A>(
    cluster: &Cluster,
    path: &str,
    params: &ListParams,
    op: Op<'_>,
    mut init: impl FnMut() -> A,
    mut fold: impl FnMut(&mut A, T),
) -> Result<(A, String)>
where
    T: DeserializeOwned,
{
    let mut restarts = 0;
    'restart: loop {
        let mut acc = init();
        let mut params = params.clone();
        params.continue_token = None;
        if restarts > PAGED_RESTARTS {
            params.limit = None;
        }
        loop {
            let request = kube::core::Request::new(path).list(&params).map_err(|e| {
                crate::error::Error::failed(format!("cannot build the list request: {e}"))
            })?;
            let page: Page<T> = match cluster.client.request(request).await {
                Ok(page) => page,
                Err(kube::Error::Api(status))
                    if status.code == 410 && params.continue_token.is_some() =>
                {
                    restarts += 1;
                    if restarts > MAX_RESTARTS {
                        return Err(crate::error::Error::failed(format!(
                            "the API server expired the list of {} {restarts} times while it was being read (410 Expired); the cluster is changing too fast or the server pages oddly: try again later, or narrow the request (e.g. -l, or name the nodes)",
                            op.resource
                        )));
                    }
                    tracing::info!(
                        path,
                        restarts,
                        "continue token expired; restarting the list"
                    );
                    continue 'restart;
                }
                Err(err) => return Err(cluster.error(err, op)),
            };
            for item in page.items {
                fold(&mut acc, item);
            }
            match page.metadata.continue_token.filter(|t| !t.is_empty()) {
                Some(token) => params.continue_token = Some(token),
                None => return Ok((acc, page.metadata.resource_version.unwrap_or_default())),
            }
        }
    }
}
