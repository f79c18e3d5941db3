#!/usr/bin/env bash
# Per-node pod lists against one cluster-wide list, as the share of MIG nodes grows: 5,000 nodes,
# 50,000 pods, MIG nodes from 250 to 5,000, on loopback and with 5 ms added to every request.
# Prints a Markdown table (median of 3 runs; the answer is checked every run). About 3 minutes.
# Used to pick PER_NODE_RATIO in src/collect.rs; see BENCHMARKS.md.
#
#   benches/threshold.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release --locked --bin kubectl-mig -p kubectl-mig >&2
cargo build --release --locked --bin fake-apiserver -p fakeapi >&2
MIG="$ROOT/target/release/kubectl-mig"
SRV="$ROOT/target/release/fake-apiserver"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-mig-threshold.XXXXXX")
SRV_PID=""
cleanup() {
    if [[ -n "$SRV_PID" ]]; then kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# run MODE SPEC: median wall (s) and peak RSS (MB) of 3 describe runs, answer checked.
run() {
    local walls=() rss=0
    for _ in 1 2 3; do
        KUBECTL_MIG_POD_LISTING=$1 /usr/bin/time -f '%e %M' -o "$WORK/time" \
            "$MIG" --kubeconfig "$WORK/kc" describe -o json >"$WORK/d.json"
        "$SRV" --synthetic "$2" --check-describe "$WORK/d.json" >/dev/null ||
            { echo "FAILED: wrong answer ($1, $2)" >&2; exit 1; }
        read -r w m <"$WORK/time"
        walls+=("$w")
        ((m > rss)) && rss=$m
    done
    printf '%s %s' "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n 2p)" "$((rss / 1024))"
}

echo "| MIG nodes (of 5,000) | added latency | per-node: wall (s) / RSS (MB) | cluster list: wall (s) / RSS (MB) | faster |"
echo "| ---: | ---: | ---: | ---: | --- |"
for lat in 0 5; do
    for mig in 250 500 1000 2500 5000; do
        spec="nodes=5000,mig=$mig,pods=50000"
        : >"$WORK/url"
        "$SRV" --synthetic "$spec" --kubeconfig-out "$WORK/kc" --latency-ms "$lat" >"$WORK/url" 2>"$WORK/log" &
        SRV_PID=$!
        while [[ ! -s "$WORK/url" ]]; do sleep 0.2; done
        per_node=$(run per-node "$spec")
        cluster=$(run cluster "$spec")
        read -r pw pr <<<"$per_node"
        read -r cw cr <<<"$cluster"
        kill "$SRV_PID"
        wait "$SRV_PID" 2>/dev/null || true
        SRV_PID=""
        faster=$(awk -v p="$pw" -v c="$cw" 'BEGIN {print (p < c) ? sprintf("per-node, %.1f×", c/p) : sprintf("cluster, %.1f×", p/c)}')
        echo "| $mig | $lat ms | $pw / $pr | $cw / $cr | $faster |"
    done
done
