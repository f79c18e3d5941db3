//! How much of each resource a pod holds on its node, by the scheduler's rules.

use std::collections::BTreeMap;

/// A pod's effective request per resource, by the scheduler's rule: the larger of (app
/// containers + restartable init containers, i.e. sidecars) and, for each plain init
/// container, its own request plus the sidecars started before it.
pub fn effective_requests(
    app: &[BTreeMap<String, i64>],
    init: &[(BTreeMap<String, i64>, bool)],
) -> BTreeMap<String, i64> {
    let mut running: BTreeMap<String, i64> = BTreeMap::new();
    let mut init_peak: BTreeMap<String, i64> = BTreeMap::new();
    for (requests, sidecar) in init {
        if *sidecar {
            add_into(&mut running, requests);
        } else {
            let mut during = running.clone();
            add_into(&mut during, requests);
            max_into(&mut init_peak, &during);
        }
    }
    for requests in app {
        add_into(&mut running, requests);
    }
    max_into(&mut running, &init_peak);
    running.retain(|_, v| *v != 0);
    running
}

fn add_into(acc: &mut BTreeMap<String, i64>, more: &BTreeMap<String, i64>) {
    for (k, v) in more {
        let total = acc.entry(k.clone()).or_default();
        *total = total.saturating_add(*v);
    }
}

fn max_into(acc: &mut BTreeMap<String, i64>, other: &BTreeMap<String, i64>) {
    for (k, v) in other {
        let e = acc.entry(k.clone()).or_default();
        *e = (*e).max(*v);
    }
}
