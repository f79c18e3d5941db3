#!/usr/bin/env bash
# DRA at scale: `kubectl mig describe -o json` on the benchmark cluster (5,000 nodes, 500 MIG
# device-plugin nodes, 50,000 pods) without and with 500 more nodes whose MIG devices NVIDIA's DRA
# driver publishes in ResourceSlices (fake-apiserver `--synthetic ...,dra=500`), served on loopback
# one after the other; prints wall time (median) and peak RSS of both and their ratio (target:
# within 1.5x), and checks that describe shows every DRA node.
#
#   benches/dra.sh        (about 2 minutes on 2 cores, plus the release builds)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
REPS=${REPS:-5}
BASE="nodes=5000,mig=500,pods=50000"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-mig-dra.XXXXXX")
SRV_PID=""
cleanup() {
    [[ -n "$SRV_PID" ]] && { kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '%s\n' "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed for peak RSS"

cargo build --release --locked --bin kubectl-mig -p kubectl-mig >&2
cargo build --release --locked --bin fake-apiserver -p fakeapi >&2
MIG="$ROOT/target/release/kubectl-mig"
SRV="$ROOT/target/release/fake-apiserver"

serve() {
    [[ -n "$SRV_PID" ]] && { kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; }
    : >"$WORK/url"
    "$SRV" --synthetic "$1" --kubeconfig-out "$WORK/kc" >"$WORK/url" 2>"$WORK/server.log" &
    SRV_PID=$!
    for _ in $(seq 1 600); do [[ -s "$WORK/url" ]] && break; sleep 0.2; done
    [[ -s "$WORK/url" ]] || die "fake-apiserver did not start: $(cat "$WORK/server.log")"
}

# measure: sets WALL (median s) and RSS (max MB) of describe -o json, output in $WORK/out.json
measure() {
    local walls=() rss=0
    for _ in $(seq 1 "$REPS"); do
        /usr/bin/time -f '%e %M' -o "$WORK/time" "$MIG" --kubeconfig "$WORK/kc" describe -o json \
            >"$WORK/out.json" 2>"$WORK/err" || die "describe failed: $(tail -3 "$WORK/err")"
        read -r w m <"$WORK/time"
        walls+=("$w")
        ((m > rss)) && rss=$m
    done
    WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    RSS=$(awk -v k="$rss" 'BEGIN {printf "%.0f", k/1024}')
}

serve "$BASE"
measure
B_WALL=$WALL B_RSS=$RSS
say "device plugin only ($BASE): ${B_WALL}s, ${B_RSS} MB"
serve "$BASE,dra=500"
measure
D_WALL=$WALL D_RSS=$RSS
DRA_NODES=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sum(1 for n in r["nodes"] if any(x.get("source")=="dra" for x in n["resources"])))' "$WORK/out.json")
[[ "$DRA_NODES" == 500 ]] || die "describe shows $DRA_NODES DRA nodes, not 500"
say "with 500 DRA nodes: ${D_WALL}s, ${D_RSS} MB (describe shows all $DRA_NODES)"
awk -v a="$D_WALL" -v b="$B_WALL" -v c="$D_RSS" -v d="$B_RSS" \
    'BEGIN {printf "ratio: wall %.2fx, RSS %.2fx (target: wall <= 1.5x)\n", a/b, c/d}'
