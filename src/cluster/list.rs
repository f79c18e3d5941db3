//! Paged listing that folds each page as it arrives, so memory does not grow with the number of
//! objects, and that restarts the list when the server expires its continue token (410).

use super::{Cluster, Op};
use crate::error::Result;
use kube::api::ListParams;
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;
use std::marker::PhantomData;

/// How many times an expired list is started over page by page; after that it is read in one
/// piece, as client-go's pager does, so a slow reader still finishes.
const PAGED_RESTARTS: u32 = 2;

/// Restarts in all, after which the list fails: a server that expires every continue token,
/// even of an unpaged list it pages anyway, would otherwise be asked forever.
const MAX_RESTARTS: u32 = PAGED_RESTARTS + 2;

/// What a list page says about the list, besides its items.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageMeta {
    #[serde(default, rename = "continue")]
    continue_token: Option<String>,
    #[serde(default)]
    resource_version: Option<String>,
    #[serde(default)]
    remaining_item_count: Option<u64>,
}

/// Decodes one page of a list response, folding each item as it is decoded (items decode only
/// into the fields `T` names, and no page of them is ever held): the page's metadata is
/// returned.
struct PageSeed<'a, T, A, F> {
    acc: &'a mut A,
    fold: &'a mut F,
    item: PhantomData<fn() -> T>,
}

impl<'de, T, A, F> DeserializeSeed<'de> for PageSeed<'_, T, A, F>
where
    T: Deserialize<'de>,
    F: FnMut(&mut A, T),
{
    type Value = PageMeta;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<PageMeta, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T, A, F> Visitor<'de> for PageSeed<'_, T, A, F>
where
    T: Deserialize<'de>,
    F: FnMut(&mut A, T),
{
    type Value = PageMeta;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> std::result::Result<PageMeta, M::Error> {
        let mut meta = PageMeta::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "metadata" => meta = map.next_value::<Option<PageMeta>>()?.unwrap_or_default(),
                "items" => map.next_value_seed(ItemsSeed {
                    acc: &mut *self.acc,
                    fold: &mut *self.fold,
                    item: PhantomData,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(meta)
    }
}

/// The `items` of a page (`null` or an array), folded one by one.
struct ItemsSeed<'a, T, A, F> {
    acc: &'a mut A,
    fold: &'a mut F,
    item: PhantomData<fn() -> T>,
}

impl<'de, T, A, F> DeserializeSeed<'de> for ItemsSeed<'_, T, A, F>
where
    T: Deserialize<'de>,
    F: FnMut(&mut A, T),
{
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T, A, F> Visitor<'de> for ItemsSeed<'_, T, A, F>
where
    T: Deserialize<'de>,
    F: FnMut(&mut A, T),
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of items")
    }

    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> std::result::Result<(), S::Error> {
        while let Some(item) = seq.next_element::<T>()? {
            (self.fold)(self.acc, item);
        }
        Ok(())
    }
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
    init: impl FnMut() -> A,
    fold: impl FnMut(&mut A, T),
) -> Result<(A, String)>
where
    T: DeserializeOwned,
{
    fold_list_paged(cluster, path, params, op, init, fold, |_, _| ()).await
}

/// Like [`fold_list_versioned`], calling `page` after each page's items with how many items the
/// server says are left (`remainingItemCount`: only for lists without selectors, and not from
/// every server), e.g. to start work on the items read so far before the list ends.
pub async fn fold_list_paged<T, A>(
    cluster: &Cluster,
    path: &str,
    params: &ListParams,
    op: Op<'_>,
    mut init: impl FnMut() -> A,
    mut fold: impl FnMut(&mut A, T),
    mut page: impl FnMut(&mut A, Option<u64>),
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
            let text = match cluster.client.request_text(request).await {
                Ok(text) => text,
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
            let seed = PageSeed {
                acc: &mut acc,
                fold: &mut fold,
                item: PhantomData,
            };
            let mut de = serde_json::Deserializer::from_str(&text);
            let meta = seed
                .deserialize(&mut de)
                .and_then(|meta| de.end().map(|()| meta))
                .map_err(|e| cluster.error(kube::Error::SerdeError(e), op))?;
            drop(text);
            page(&mut acc, meta.remaining_item_count);
            match meta.continue_token.filter(|t| !t.is_empty()) {
                Some(token) => params.continue_token = Some(token),
                None => return Ok((acc, meta.resource_version.unwrap_or_default())),
            }
        }
    }
}
