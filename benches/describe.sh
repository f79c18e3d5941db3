#!/usr/bin/env bash
# Scale benchmark of `kubectl mig describe` against a synthetic cluster served on loopback by the
# fake API server (tests/fakeapi, `--synthetic`), side by side with the real kubectl fetching the
# same objects and, when installed, kubectl-view-allocations. Checks describe's answer against the
# generator's expected answer (exits 1 when wrong), prints the ratios and records them in
# BENCHMARKS.md (between the results markers).
#
#   benches/describe.sh            # full run (about 5 minutes on 2 cores, plus builds)
#   benches/describe.sh --quick    # main case only, fewer repetitions, nothing recorded
#   NO_RECORD=1 benches/describe.sh
#
# Needs: cargo, kubectl, /usr/bin/time (GNU time); optional: hyperfine, kubectl-view-allocations
# (installed with `cargo install kubectl-view-allocations` when missing; skipped if that fails).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
RECORD=$((1 - QUICK))
[[ -n "${NO_RECORD:-}" ]] && RECORD=0
REPS=$((QUICK ? 3 : 5))
MAIN_SPEC="nodes=5000,mig=500,pods=50000"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-mig-bench.XXXXXX")
SRV_PID=""
cleanup() {
    if [[ -n "$SRV_PID" ]]; then kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '%s\n' "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }

[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed for peak RSS"
command -v kubectl >/dev/null || die "kubectl is needed on PATH"

say "== building release binaries (kubectl-mig, fake-apiserver)"
cargo build --release --locked --bin kubectl-mig -p kubectl-mig >&2
cargo build --release --locked --bin fake-apiserver -p fakeapi >&2
MIG="$ROOT/target/release/kubectl-mig"
SRV="$ROOT/target/release/fake-apiserver"

PEER=""
if command -v kubectl-view-allocations >/dev/null; then
    PEER=$(command -v kubectl-view-allocations)
elif [[ $QUICK == 0 ]]; then
    say "== kubectl-view-allocations is missing; trying cargo install kubectl-view-allocations"
    if cargo install kubectl-view-allocations >&2; then
        PEER=$(command -v kubectl-view-allocations || echo "$HOME/.cargo/bin/kubectl-view-allocations")
    else
        say "   (install failed; the peer comparison is skipped)"
    fi
fi

# start_server SPEC [fake-apiserver flags...]: serves a synthetic cluster; sets KC and SPEC.
start_server() {
    SPEC=$1
    shift
    stop_server
    : >"$WORK/url"
    "$SRV" --synthetic "$SPEC" --kubeconfig-out "$WORK/kc" --expected-out "$WORK/expected.json" "$@" \
        >"$WORK/url" 2>"$WORK/server.log" &
    SRV_PID=$!
    for _ in $(seq 1 600); do
        [[ -s "$WORK/url" ]] && break
        kill -0 "$SRV_PID" 2>/dev/null || die "fake-apiserver exited: $(cat "$WORK/server.log")"
        sleep 0.2
    done
    [[ -s "$WORK/url" ]] || die "fake-apiserver did not start"
    KC="$WORK/kc"
    say "== $SPEC $* served at $(cat "$WORK/url") ($(cat "$WORK/server.log"))"
}

stop_server() {
    if [[ -n "$SRV_PID" ]]; then
        kill "$SRV_PID" 2>/dev/null || true
        wait "$SRV_PID" 2>/dev/null || true
        SRV_PID=""
    fi
}

# measure REPS OUT CMD...: runs CMD REPS times (stdout to OUT); sets WALL (median, seconds) and
# RSS (largest peak RSS, MB).
measure() {
    local reps=$1 out=$2
    shift 2
    local walls=() rss=0
    for _ in $(seq 1 "$reps"); do
        /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >"$out" 2>"$WORK/stderr" ||
            die "$* failed: $(tail -3 "$WORK/stderr")"
        read -r w m <"$WORK/time"
        walls+=("$w")
        ((m > rss)) && rss=$m
    done
    WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    RSS=$(awk -v k="$rss" 'BEGIN {printf "%.0f", k/1024}')
}

# describe_check LABEL [env...]: measures describe -o json and checks its answer.
ROWS=()
describe_check() {
    local label=$1
    shift
    measure "$REPS" "$WORK/describe.json" env "$@" "$MIG" --kubeconfig "$KC" describe -o json
    "$SRV" --synthetic "$SPEC" --check-describe "$WORK/describe.json" >&2 ||
        die "kubectl mig describe gave a wrong answer on $SPEC ($label); see above"
    say "   $label: ${WALL}s, ${RSS} MB"
    ROWS+=("| $SPEC | $label | $WALL | $RSS |")
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }

# ---- main case: 5,000 nodes (500 MIG), 50,000 pods --------------------------------------------
start_server "$MAIN_SPEC"
URL=$(cat "$WORK/url")
measure 3 /dev/null curl -sf -o /dev/null "$URL/api/v1/pods"
SERVER_PODS=$WALL
say "   server alone, every pod in one list (curl): ${SERVER_PODS}s"
describe_check "describe (auto)"
D_WALL=$WALL D_RSS=$RSS
describe_check "describe, per-node lists" KUBECTL_MIG_POD_LISTING=per-node
describe_check "describe, one cluster list" KUBECTL_MIG_POD_LISTING=cluster

say "   kubectl get nodes -o json; kubectl get pods -A -o json"
measure 1 /dev/null kubectl --kubeconfig "$KC" get nodes -o json
K_NODES=$WALL K_NODES_RSS=$RSS
measure 1 /dev/null kubectl --kubeconfig "$KC" get pods -A -o json
K_PODS=$WALL K_PODS_RSS=$RSS
K_WALL=$(awk -v a="$K_NODES" -v b="$K_PODS" 'BEGIN {print a+b}')
K_RSS=$((K_NODES_RSS > K_PODS_RSS ? K_NODES_RSS : K_PODS_RSS))
say "   kubectl: nodes ${K_NODES}s (${K_NODES_RSS} MB), pods ${K_PODS}s (${K_PODS_RSS} MB)"

P_WALL="" P_RSS=""
if [[ -n "$PEER" ]]; then
    measure 1 "$WORK/peer.txt" "$PEER" --kubeconfig "$KC" -r nvidia.com
    P_WALL=$WALL P_RSS=$RSS
    say "   kubectl-view-allocations -r nvidia.com: ${P_WALL}s (${P_RSS} MB)"
fi

# ---- cold start and size -----------------------------------------------------------------------
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 20 --runs 300 --export-json "$WORK/hf.json" "$MIG --version" >&2
    COLD=$(jq '.results[0].median * 1000' "$WORK/hf.json")
    COLD_TOOL="hyperfine, 300 runs"
else
    for _ in $(seq 1 300); do
        s=$(date +%s%N)
        "$MIG" --version >/dev/null
        echo $(($(date +%s%N) - s))
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1e6}' >"$WORK/cold"
    COLD=$(cat "$WORK/cold")
    COLD_TOOL="shell loop, 300 runs (includes fork/exec of date)"
fi
COLD=$(awk -v c="$COLD" 'BEGIN {printf "%.2f", c}')
SIZE=$(stat -c %s "$MIG")
SIZE_MB=$(awk -v s="$SIZE" 'BEGIN {printf "%.1f", s/1048576}')

# ---- scaling: 500 and 5,000 MIG nodes, 500 to 50,000 pods ---------------------------------------
if [[ $QUICK == 0 ]]; then
    REPS=3
    for pods in 500 5000; do
        start_server "nodes=5000,mig=500,pods=$pods"
        describe_check "describe (auto)"
    done
    for pods in 500 5000 50000; do
        start_server "nodes=5000,mig=5000,pods=$pods"
        describe_check "describe (auto)"
        if [[ $pods == 50000 ]]; then
            describe_check "describe, per-node lists" KUBECTL_MIG_POD_LISTING=per-node
        fi
    done
    # A remote API server: 5 ms added to every request (a cloud round trip).
    for mig in 500 5000; do
        start_server "nodes=5000,mig=$mig,pods=50000" --latency-ms 5
        SPEC="$SPEC" # rows name the latency below
        describe_check "per-node lists, +5 ms/request" KUBECTL_MIG_POD_LISTING=per-node
        describe_check "one cluster list, +5 ms/request" KUBECTL_MIG_POD_LISTING=cluster
    done
fi
stop_server

# ---- report ------------------------------------------------------------------------------------
R_KUBECTL=$(ratio "$D_WALL" "$K_WALL")
R_PEER="n/a"
[[ -n "$P_WALL" ]] && R_PEER=$(ratio "$D_WALL" "$P_WALL")
verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v != "n/a" && v <= t) ? "met" : (v == "n/a" ? "not measured" : "MISSED")}'; }
CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
KVER=$(kubectl version --client -o json 2>/dev/null | jq -r .clientVersion.gitVersion)
PVER=$([[ -n "$PEER" ]] && "$PEER" --version 2>/dev/null | head -1 || echo "not installed")

REPORT=$(
    cat <<EOF
Recorded $(date -u +%Y-%m-%d) by \`benches/describe.sh\` on $(nproc) cores ($CPU), $MEM RAM,
$(uname -sr), $(rustc --version | cut -d' ' -f1-2), kubectl $KVER, ${PVER}. Loopback, fake API
server (release build) with the synthetic cluster; wall = median of runs, RSS = peak resident.

**Main case: $MAIN_SPEC**

| tool | wall (s) | peak RSS (MB) | describe / tool |
| --- | ---: | ---: | ---: |
| \`kubectl mig describe -o json\` | $D_WALL | $D_RSS | 1 |
| \`kubectl get nodes -o json\` + \`kubectl get pods -A -o json\` | $K_WALL ($K_NODES + $K_PODS) | $K_RSS | $R_KUBECTL |
| \`kubectl-view-allocations -r nvidia.com\` | ${P_WALL:-n/a} | ${P_RSS:-n/a} | $R_PEER |
| server alone: every pod in one list (curl) | $SERVER_PODS | | |

| target | measured | verdict |
| --- | --- | --- |
| describe correct (checked against the generator) | every node, resource and summary row | met |
| wall ≤ 0.2 × kubectl-view-allocations | $R_PEER | $(verdict "$R_PEER" 0.2) |
| wall ≤ 0.1 × kubectl's fetch | $R_KUBECTL | $(verdict "$R_KUBECTL" 0.1) |
| peak RSS ≤ 100 MB | $D_RSS MB | $(verdict "$D_RSS" 100) |
| \`kubectl mig --version\` cold start median ≤ 5 ms | $COLD ms ($COLD_TOOL) | $(verdict "$COLD" 5) |
| release binary size | $SIZE_MB MiB ($SIZE bytes) | reported |

**Every describe run** (answer checked each time)

| cluster | run | wall (s) | peak RSS (MB) |
| --- | --- | ---: | ---: |
$(printf '%s\n' "${ROWS[@]}")
EOF
)
printf '\n%s\n' "$REPORT"

if [[ $RECORD == 1 ]]; then
    FILE="$ROOT/BENCHMARKS.md"
    [[ -f "$FILE" ]] || printf '# Benchmarks\n\n<!-- results:start -->\n<!-- results:end -->\n' >"$FILE"
    printf '%s\n' "$REPORT" >"$WORK/report.md"
    awk -v report="$WORK/report.md" '
        /<!-- results:start -->/ {print; while ((getline line < report) > 0) print line; skip = 1; next}
        /<!-- results:end -->/ {skip = 0}
        !skip {print}' "$FILE" >"$WORK/bench.md"
    mv "$WORK/bench.md" "$FILE"
    say "recorded in BENCHMARKS.md"
fi
