#!/usr/bin/env bash
# `kubectl mig describe` over a real network's round trips (issue 18): the benchmark cluster of
# benches/describe.sh (5,000 nodes, 500 MIG, 50,000 pods) with 25 ms added to every request; a
# fleet of 20 clusters of 1,000 nodes (100 MIG, 10,000 pods) served at once by 20 fake API
# servers at 25 ms, read with `describe --all-contexts`; and `describe -w` on loopback (event
# latency, memory across 10,000 pod events, no list after the first). Also the read plans side
# by side (per-node lists at several concurrencies and page sizes, one paged cluster-wide list)
# at 0 and 25 ms, with the requests and bytes each costs (from `fake-apiserver --request-log`),
# and, in the full run, both plans behind a 1 Gbit/s link (`--bandwidth-mbps`). Every describe
# answer is checked against the generator's; the machine load is printed with every row.
# Records the results in BENCHMARKS.md between the network markers.
#
#   benches/network.sh           # full run: about 15 minutes on 2 cores, plus release builds
#   benches/network.sh --quick   # targets only (no plan matrix, no bandwidth), nothing recorded
#   NO_RECORD=1 benches/network.sh
#
# Needs: cargo, python3, jq, /usr/bin/time (GNU time); about 19 GB of free memory for the fleet
# (each 10,000-pod fake server takes ~0.8 GB; skipped with a note when memory is short);
# optional: kubectl-view-allocations (installed with `cargo install` when missing).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
RECORD=$((1 - QUICK))
[[ -n "${NO_RECORD:-}" ]] && RECORD=0
REPS=$((QUICK ? 3 : 5))
LAT=25
MAIN_SPEC="nodes=5000,mig=500,pods=50000"
FLEET_SPEC="nodes=1000,mig=100,pods=10000"
FLEET_N=20
WATCH_EVENTS=10000
WATCH_SAMPLES=20

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-mig-network.XXXXXX")
declare -A PID=()
cleanup() {
    for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PID[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '%s\n' "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }
load() { cut -d' ' -f1 /proc/loadavg; }

[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed for peak RSS"
command -v jq >/dev/null || die "jq is needed"
command -v python3 >/dev/null || die "python3 is needed"

say "== building release binaries (kubectl-mig, fake-apiserver)"
cargo build --release --locked --bin kubectl-mig -p kubectl-mig >&2
cargo build --release --locked --bin fake-apiserver -p fakeapi >&2
MIG="$ROOT/target/release/kubectl-mig"
SRV="$ROOT/target/release/fake-apiserver"

PEER=""
if command -v kubectl-view-allocations >/dev/null; then
    PEER=$(command -v kubectl-view-allocations)
elif [[ -x "$HOME/.cargo/bin/kubectl-view-allocations" ]]; then
    PEER="$HOME/.cargo/bin/kubectl-view-allocations"
else
    say "== kubectl-view-allocations is missing; trying cargo install kubectl-view-allocations"
    if cargo install kubectl-view-allocations >&2; then
        PEER=$(command -v kubectl-view-allocations || echo "$HOME/.cargo/bin/kubectl-view-allocations")
    else
        say "   (install failed; the peer comparison is skipped)"
    fi
fi

# start NAME SPEC [fake-apiserver flags...]: serves a synthetic cluster in the background (its
# URL in $WORK/NAME.url, kubeconfig NAME.kc, request log NAME.req). The server is the first
# process the kernel kills when memory runs out, not someone else's.
start() {
    local name=$1 spec=$2
    shift 2
    : >"$WORK/$name.url"
    : >"$WORK/$name.req"
    "$SRV" --synthetic "$spec" --kubeconfig-out "$WORK/$name.kc" --request-log "$WORK/$name.req" "$@" \
        >"$WORK/$name.url" 2>"$WORK/$name.log" &
    PID[$name]=$!
    echo 1000 >"/proc/${PID[$name]}/oom_score_adj" 2>/dev/null || true
}

# ready NAME: waits until NAME serves.
ready() {
    for _ in $(seq 1 900); do
        [[ -s "$WORK/$1.url" ]] && return 0
        kill -0 "${PID[$1]}" 2>/dev/null || die "fake-apiserver $1 exited: $(cat "$WORK/$1.log")"
        sleep 0.2
    done
    die "fake-apiserver $1 did not start"
}

stop() {
    local p=${PID[$1]:-}
    [[ -n "$p" ]] || return 0
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    unset "PID[$1]"
}

# measure REPS OUT REQLOG CMD...: runs CMD REPS times (stdout to OUT); sets WALL (median, s),
# RSS (largest peak, MB), CPU (user + system seconds of the last run), LOAD (1-minute load
# average after the runs) and, from REQLOG (emptied before each run; "-" for none), REQS and MB
# of the last run.
measure() {
    local reps=$1 out=$2 reqlog=$3
    shift 3
    local walls=() rss=0
    for _ in $(seq 1 "$reps"); do
        [[ "$reqlog" != - ]] && : >"$reqlog"
        /usr/bin/time -f '%e %M %U %S' -o "$WORK/time" "$@" >"$out" 2>"$WORK/stderr" ||
            die "$* failed: $(tail -3 "$WORK/stderr")"
        read -r w m u s <"$WORK/time"
        CPU=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
        walls+=("$w")
        ((m > rss)) && rss=$m
    done
    WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    RSS=$(awk -v k="$rss" 'BEGIN {printf "%.0f", k/1024}')
    LOAD=$(load)
    REQS="" MB=""
    if [[ "$reqlog" != - ]]; then
        REQS=$(wc -l <"$reqlog")
        MB=$(awk '$5 != "-" {s += $5} END {printf "%.1f", s/1e6}' "$reqlog")
    fi
}

# check SPEC FILE LABEL: describe's answer in FILE is the generator's for SPEC.
check() {
    "$SRV" --synthetic "$1" --check-describe "$2" >/dev/null 2>"$WORK/check" ||
        die "kubectl mig describe gave a wrong answer on $1 ($3): $(head -5 "$WORK/check")"
}

# server_ticks [NAME...]: user + system clock ticks used so far by the named fake servers (all
# running ones when none are named).
server_ticks() {
    local names=("$@") n t=0
    ((${#names[@]})) || names=("${!PID[@]}")
    for n in "${names[@]}"; do
        t=$((t + $(awk '{print $14 + $15}' "/proc/${PID[$n]}/stat")))
    done
    echo "$t"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v != "n/a" && v <= t) ? "met" : (v == "n/a" ? "not measured" : "MISSED")}'; }

# The read plans compared (label, then the environment that forces them).
PLANS=(
    "per-node lists, 8 at once, pages of 500 (before)|KUBECTL_MIG_POD_LISTING=per-node KUBECTL_MIG_CONCURRENCY=8 KUBECTL_MIG_PAGE_SIZE=500"
    "per-node lists, 16 at once, pages of 1000|KUBECTL_MIG_POD_LISTING=per-node KUBECTL_MIG_CONCURRENCY=16 KUBECTL_MIG_PAGE_SIZE=1000"
    "per-node lists, 32 at once, pages of 1000|KUBECTL_MIG_POD_LISTING=per-node KUBECTL_MIG_CONCURRENCY=32 KUBECTL_MIG_PAGE_SIZE=1000"
    "per-node lists, 64 at once, pages of 500|KUBECTL_MIG_POD_LISTING=per-node KUBECTL_MIG_CONCURRENCY=64 KUBECTL_MIG_PAGE_SIZE=500"
    "per-node lists, 64 at once, pages of 1000|KUBECTL_MIG_POD_LISTING=per-node KUBECTL_MIG_CONCURRENCY=64 KUBECTL_MIG_PAGE_SIZE=1000"
    "per-node lists, 64 at once, pages of 2000|KUBECTL_MIG_POD_LISTING=per-node KUBECTL_MIG_CONCURRENCY=64 KUBECTL_MIG_PAGE_SIZE=2000"
    "one cluster-wide list, pages of 500|KUBECTL_MIG_POD_LISTING=cluster KUBECTL_MIG_PAGE_SIZE=500"
    "one cluster-wide list, pages of 1000|KUBECTL_MIG_POD_LISTING=cluster KUBECTL_MIG_PAGE_SIZE=1000"
    "one cluster-wide list, pages of 5000|KUBECTL_MIG_POD_LISTING=cluster KUBECTL_MIG_PAGE_SIZE=5000"
)
PLAN_ROWS=()
# plans NAME LATENCY: every plan against server NAME.
plans() {
    local name=$1 lat=$2 plan label envs
    for plan in "${PLANS[@]}"; do
        label=${plan%%|*}
        envs=${plan#*|}
        # shellcheck disable=SC2086
        measure 3 "$WORK/plan.json" "$WORK/$name.req" env $envs "$MIG" --kubeconfig "$WORK/$name.kc" describe -o json
        check "$MAIN_SPEC" "$WORK/plan.json" "$label"
        say "   $lat ms, $label: ${WALL}s, ${RSS} MB, $REQS requests, $MB MB (load $LOAD)"
        PLAN_ROWS+=("| $lat ms | $label | $WALL | $RSS | $REQS | $MB | $LOAD |")
    done
}

# ---- 1. one cluster, +25 ms per request -------------------------------------------------------
start main "$MAIN_SPEC" --latency-ms "$LAT"
ready main
say "== $MAIN_SPEC +${LAT} ms/request at $(cat "$WORK/main.url")"
measure "$REPS" "$WORK/d.json" "$WORK/main.req" "$MIG" --kubeconfig "$WORK/main.kc" describe -o json
check "$MAIN_SPEC" "$WORK/d.json" "auto, +$LAT ms"
D_WALL=$WALL D_RSS=$RSS D_REQS=$REQS D_MB=$MB D_LOAD=$LOAD D_CPU=$CPU
say "   describe -o json: ${D_WALL}s, ${D_RSS} MB, $D_REQS requests, $D_MB MB (load $D_LOAD)"
P_WALL="" P_RSS="" P_REQS="" P_MB="" P_LOAD="" P_CPU=""
if [[ -n "$PEER" ]]; then
    measure 3 "$WORK/peer.txt" "$WORK/main.req" "$PEER" --kubeconfig "$WORK/main.kc" -r nvidia.com
    P_WALL=$WALL P_RSS=$RSS P_REQS=$REQS P_MB=$MB P_LOAD=$LOAD P_CPU=$CPU
    say "   kubectl-view-allocations -r nvidia.com: ${P_WALL}s, ${P_RSS} MB, $P_REQS requests (load $P_LOAD)"
fi
[[ $QUICK == 0 ]] && plans main "$LAT"
stop main

# ---- 2. plans on loopback, then describe -w -------------------------------------------------
start main0 "$MAIN_SPEC"
ready main0
say "== $MAIN_SPEC on loopback"
[[ $QUICK == 0 ]] && plans main0 0
measure "$REPS" "$WORK/d0.json" "$WORK/main0.req" "$MIG" --kubeconfig "$WORK/main0.kc" describe -o json
check "$MAIN_SPEC" "$WORK/d0.json" "auto, loopback"
L_WALL=$WALL L_RSS=$RSS L_REQS=$REQS L_MB=$MB L_LOAD=$LOAD L_CPU=$CPU
say "   describe -o json on loopback: ${L_WALL}s, ${L_RSS} MB (load $L_LOAD)"
say "== describe -w -o json: $WATCH_SAMPLES created and deleted pods, then $WATCH_EVENTS pod events"
python3 "$ROOT/benches/watch.py" "$MIG" "$WORK/main0.kc" "$(cat "$WORK/main0.url")" "$WORK/main0.req" \
    "$WATCH_EVENTS" "$WATCH_SAMPLES" >"$WORK/watch.json"
W_LOAD=$(load)
say "   $(cat "$WORK/watch.json") (load $W_LOAD)"
w() { jq -r "$1" "$WORK/watch.json"; }
stop main0

# ---- 2b. the plans behind a 1 Gbit/s link -------------------------------------------------------
BW_ROWS=()
if [[ $QUICK == 0 ]]; then
    start bw "$MAIN_SPEC" --latency-ms "$LAT" --bandwidth-mbps 1000
    ready bw
    say "== $MAIN_SPEC +${LAT} ms/request, 1 Gbit/s"
    for plan in "describe (chosen plan)|X=1" "one cluster-wide list, pages of 500|KUBECTL_MIG_POD_LISTING=cluster KUBECTL_MIG_PAGE_SIZE=500"; do
        label=${plan%%|*}
        # shellcheck disable=SC2086
        measure 3 "$WORK/bw.json" "$WORK/bw.req" env ${plan#*|} "$MIG" --kubeconfig "$WORK/bw.kc" describe -o json
        check "$MAIN_SPEC" "$WORK/bw.json" "$label, 1 Gbit/s"
        say "   $label: ${WALL}s, ${RSS} MB, $REQS requests, $MB MB (load $LOAD)"
        BW_ROWS+=("| $LAT ms, 1 Gbit/s | $label | $WALL | $RSS | $REQS | $MB | $LOAD |")
    done
    if [[ -n "$PEER" ]]; then
        measure 1 "$WORK/peer.txt" "$WORK/bw.req" "$PEER" --kubeconfig "$WORK/bw.kc" -r nvidia.com
        BW_ROWS+=("| $LAT ms, 1 Gbit/s | kubectl-view-allocations -r nvidia.com | $WALL | $RSS | $REQS | $MB | $LOAD |")
    fi
    stop bw
fi

# ---- 3. a fleet of 20 clusters, +25 ms per request ------------------------------------------
F_NOTE=""
S_WALL="" F_WALL="" F_RSS="" F_REQS="" F_MB="" F_CPU="" F_SRV_CPU="" S_SRV_CPU=""
AVAIL_GB=$(awk '/MemAvailable/ {printf "%.0f", $2/1048576}' /proc/meminfo)
if ((AVAIL_GB < 19)); then
    F_NOTE="skipped: $AVAIL_GB GB of memory available, the 20 servers need about 16 GB and a margin"
    say "== fleet $F_NOTE"
else
    say "== fleet: $FLEET_N x $FLEET_SPEC +${LAT} ms/request (generating, two at a time)"
    for i in $(seq 1 "$FLEET_N"); do
        start "c$i" "$FLEET_SPEC,seed=$i" --latency-ms "$LAT"
        ((i % 2 == 0)) && { ready "c$((i - 1))"; ready "c$i"; }
    done
    for i in $(seq 1 "$FLEET_N"); do ready "c$i"; done
    {
        echo "apiVersion: v1"
        echo "kind: Config"
        echo "clusters:"
        for i in $(seq 1 "$FLEET_N"); do echo "- name: c$i"; echo "  cluster: {server: '$(cat "$WORK/c$i.url")'}"; done
        echo "users:"
        echo "- name: u"
        echo "  user: {token: fake-token}"
        echo "contexts:"
        for i in $(seq 1 "$FLEET_N"); do echo "- name: c$i"; echo "  context: {cluster: c$i, user: u}"; done
        echo "current-context: c1"
    } >"$WORK/fleet.kc"
    srv_before=$(server_ticks c1)
    measure "$REPS" "$WORK/one.json" "$WORK/c1.req" "$MIG" --kubeconfig "$WORK/fleet.kc" --context c1 describe -o json
    S_SRV_CPU=$(awk -v a="$srv_before" -v b="$(server_ticks c1)" -v t="$(getconf CLK_TCK)" -v n="$REPS" 'BEGIN {printf "%.2f", (b - a) / t / n}')
    check "$FLEET_SPEC,seed=1" "$WORK/one.json" "one cluster of the fleet"
    S_WALL=$WALL S_RSS=$RSS S_REQS=$REQS S_MB=$MB S_LOAD=$LOAD S_CPU=$CPU
    say "   one cluster: ${S_WALL}s, ${S_RSS} MB, $S_REQS requests (load $S_LOAD)"
    walls=() rss=0
    srv_before=$(server_ticks)
    for _ in $(seq 1 "$REPS"); do
        for i in $(seq 1 "$FLEET_N"); do : >"$WORK/c$i.req"; done
        /usr/bin/time -f '%e %M %U %S' -o "$WORK/time" "$MIG" --kubeconfig "$WORK/fleet.kc" describe --all-contexts -o json \
            >"$WORK/fleet.json" 2>"$WORK/stderr" || die "describe --all-contexts failed: $(tail -3 "$WORK/stderr")"
        read -r wall m u s <"$WORK/time"
        walls+=("$wall")
        ((m > rss)) && rss=$m
    done
    F_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
    F_SRV_CPU=$(awk -v a="$srv_before" -v b="$(server_ticks)" -v t="$(getconf CLK_TCK)" -v n="$REPS" 'BEGIN {printf "%.2f", (b - a) / t / n}')
    F_WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    F_RSS=$(awk -v k="$rss" 'BEGIN {printf "%.0f", k/1024}')
    F_LOAD=$(load)
    F_REQS=$(cat "$WORK"/c*.req | wc -l)
    F_MB=$(cat "$WORK"/c*.req | awk '$5 != "-" {s += $5} END {printf "%.1f", s/1e6}')
    for i in $(seq 1 "$FLEET_N"); do
        jq ".clusters[] | select(.context == \"c$i\")" "$WORK/fleet.json" >"$WORK/fleet-c$i.json"
        check "$FLEET_SPEC,seed=$i" "$WORK/fleet-c$i.json" "fleet, context c$i"
    done
    say "   fleet: ${F_WALL}s, ${F_RSS} MB, $F_REQS requests, $F_MB MB (load $F_LOAD); every cluster's answer checked"
    for i in $(seq 1 "$FLEET_N"); do stop "c$i"; done
fi

# ---- report ----------------------------------------------------------------------------------
R_PEER="n/a"
[[ -n "$P_WALL" ]] && R_PEER=$(ratio "$D_WALL" "$P_WALL")
R_FLEET="n/a"
[[ -n "$F_WALL" ]] && R_FLEET=$(ratio "$F_WALL" "$S_WALL")
F_FLOOR=""
[[ -n "$F_CPU" ]] && F_FLOOR=$(awk -v a="$F_CPU" -v b="$F_SRV_CPU" -v n="$(nproc)" 'BEGIN {printf "%.2f", (a + b) / n}')
W_CREATE_MAX=$(w .create_ms.max) W_DELETE_MAX=$(w .delete_ms.max)
W_MAX=$(awk -v a="$W_CREATE_MAX" -v b="$W_DELETE_MAX" 'BEGIN {print (a > b) ? a : b}')
W_RSS_PCT=$(w .rss_change_pct)
W_RSS_ABS=$(awk -v p="$W_RSS_PCT" 'BEGIN {print (p < 0) ? -p : p}')
W_LISTS=$(w .list_requests_after_first_document)
CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
PVER=$([[ -n "$PEER" ]] && "$PEER" --version 2>/dev/null | head -1 || echo "kubectl-view-allocations not installed")

REPORT=$(
    cat <<EOF
Recorded $(date -u +%Y-%m-%d) by \`benches/network.sh\` on $(nproc) cores ($CPU), $MEM RAM,
$(uname -sr), $(rustc --version | cut -d' ' -f1-2), ${PVER}. Fake API servers (release build)
on loopback with \`--latency-ms $LAT\` (every request, watches included, waits 25 ms before it is
served); wall = median of runs, RSS = peak resident; "load" is the 1-minute load average after
the runs (the machine is shared: a load above 1 means describe competed for the 2 cores).

| target | measured | verdict |
| --- | --- | --- |
| one cluster ($MAIN_SPEC), +$LAT ms: \`describe -o json\` wall ≤ 0.6 s | $D_WALL s (load $D_LOAD) | $(verdict "$D_WALL" 0.6) |
| … and ≤ 0.1 × kubectl-view-allocations at the same latency | $R_PEER (${P_WALL:-n/a} s, load ${P_LOAD:-n/a}) | $(verdict "$R_PEER" 0.1) |
| … peak RSS ≤ 100 MB | $D_RSS MB | $(verdict "$D_RSS" 100) |
| fleet of $FLEET_N × $FLEET_SPEC, +$LAT ms: wall ≤ 2 × one such cluster | ${F_WALL:-n/a} s / ${S_WALL:-n/a} s = $R_FLEET (load ${F_LOAD:-n/a}) ${F_NOTE} | $(verdict "$R_FLEET" 2) |
| … peak RSS ≤ 200 MB | ${F_RSS:-n/a} MB | $(verdict "${F_RSS:-n/a}" 200) |
| watch: a created / deleted pod shows within 200 ms (loopback, $WATCH_SAMPLES each) | created: median $(w .create_ms.median) ms, max $W_CREATE_MAX ms; deleted: median $(w .delete_ms.median) ms, max $W_DELETE_MAX ms (load $W_LOAD) | $(verdict "$W_MAX" 200) |
| watch: RSS flat (±10%) across $(w .events) pod events | $(w .rss_start_mb) MB → $(w .rss_end_mb) MB ($W_RSS_PCT%) | $(verdict "$W_RSS_ABS" 10) |
| watch: no list request after the first, except on 410 | $W_LISTS list requests after the first document ($(w .initial_list_requests) before it, $(w .watch_requests_after_first_document) watch requests after it) | $(verdict "$W_LISTS" 0) |

**Requests and bytes** of each describe (request log of the fake server; bytes are response
bodies, uncompressed)

| run | wall (s) | peak RSS (MB) | CPU (s) | servers' CPU (s) | requests | MB received | load |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| $MAIN_SPEC, +$LAT ms: \`describe -o json\` | $D_WALL | $D_RSS | $D_CPU | | $D_REQS | $D_MB | $D_LOAD |
| $MAIN_SPEC, +$LAT ms: \`kubectl-view-allocations -r nvidia.com\` | ${P_WALL:-n/a} | ${P_RSS:-n/a} | ${P_CPU:-n/a} | | ${P_REQS:-n/a} | ${P_MB:-n/a} | ${P_LOAD:-n/a} |
| $MAIN_SPEC, loopback: \`describe -o json\` | $L_WALL | $L_RSS | $L_CPU | | $L_REQS | $L_MB | $L_LOAD |
| $FLEET_SPEC, +$LAT ms: \`describe -o json\` (one context of the fleet) | ${S_WALL:-n/a} | ${S_RSS:-n/a} | ${S_CPU:-n/a} | ${S_SRV_CPU:-n/a} | ${S_REQS:-n/a} | ${S_MB:-n/a} | ${S_LOAD:-n/a} |
| $FLEET_N × $FLEET_SPEC, +$LAT ms: \`describe --all-contexts -o json\` | ${F_WALL:-n/a} | ${F_RSS:-n/a} | ${F_CPU:-n/a} | ${F_SRV_CPU:-n/a} | ${F_REQS:-n/a} | ${F_MB:-n/a} | ${F_LOAD:-n/a} |

**describe -w** ($MAIN_SPEC, loopback): first document after $(w .first_document_s) s; $(w .events) pod
events sent at $(w .events_per_s)/s through one keep-alive connection, $(w .documents) documents
printed, the view settled $(w .settle_after_last_event_s) s after the last event.

**Fleet and the machine**: the fleet's describe used ${F_CPU:-n/a} s of CPU and its 20 servers
${F_SRV_CPU:-n/a} s (one cluster: ${S_CPU:-n/a} s and ${S_SRV_CPU:-n/a} s), all on the same $(nproc)
cores: no plan can finish before ${F_FLOOR:-n/a} s (all of that CPU time spread over every core).
EOF
)
if [[ $QUICK == 0 ]]; then
    REPORT+=$(
        printf '\n\n**Read plans** (%s; forced with KUBECTL_MIG_POD_LISTING, KUBECTL_MIG_CONCURRENCY, KUBECTL_MIG_PAGE_SIZE; median of 3, answer checked)\n\n' "$MAIN_SPEC"
        echo "| added latency | plan | wall (s) | peak RSS (MB) | requests | MB received | load |"
        echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
        printf '%s\n' "${PLAN_ROWS[@]}" "${BW_ROWS[@]}"
    )
fi
printf '\n%s\n' "$REPORT"

if [[ $RECORD == 1 ]]; then
    FILE="$ROOT/BENCHMARKS.md"
    grep -q '<!-- network:start -->' "$FILE" ||
        printf '\n<!-- network:start -->\n<!-- network:end -->\n' >>"$FILE"
    printf '%s\n' "$REPORT" >"$WORK/report.md"
    awk -v report="$WORK/report.md" '
        /<!-- network:start -->/ {print; while ((getline line < report) > 0) print line; skip = 1; next}
        /<!-- network:end -->/ {skip = 0}
        !skip {print}' "$FILE" >"$WORK/bench.md"
    mv "$WORK/bench.md" "$FILE"
    say "recorded in BENCHMARKS.md"
fi
