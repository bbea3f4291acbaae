#!/usr/bin/env bash
# rivershare's sweep benchmark (issue 9): rivershare against pdsh, clush and the floor (a bare
# russh fan-out, benches/floor.rs), on the same nodes, the same ssh config and the same probe,
# in one run, alternating, reporting medians and ratios from that run. As root:
#
#   benches/sweep.sh                       # SIZES="8 32" ROUNDS=5 STATEDIR=/tmp/rvs-bench
#   SIZES="8 32" ROUNDS=7 benches/sweep.sh
#
# One bench cluster of max(SIZES) plain sshfs nodes (benches/cluster-nodes.sh, through
# tests/cluster/cluster.sh with RVS_NODES_TSV) is brought up; a size N uses its first N nodes
# (host, runner-01, ...), so every size is measured in the same rounds. Per round and size,
# every tool runs once, in an order rotated each round (no tool always runs first or last).
# The first round is a warm-up and is not counted. Times are wall times of the whole command
# (process start to exit) taken here, the same way for every tool.
# Then: peak RSS of `check --only mounts` at MEM_NODES (200) configured nodes, the cluster's
# plus unreachable addresses inside the test network (10.250.0.74 up: no host answers ARP).
# Then: warm and cold sweeps against the number of nodes (SCALE_SIZES, "1 2 4 8 16 32";
# empty: skipped), `check --repeat 6` three times on the first N nodes.
# The cluster is taken down at the end (also on error). Results: $STATEDIR/results.md.
#
# Latency: LAT_MS (50; 0 = none) ms are added each way by benches/delay_proxy.rs, one
# listener per node on the operator's bridge address (10.250.0.1:2200+i -> node:22), for the
# sizes in LAT_SIZES (default: the largest); those rows are labelled "<N>+lat" and run in
# the same rounds, through their own ssh_config (Host lat-<name>, Port 2200+i) and
# known_hosts ([10.250.0.1]:port, the node's own host key).
# Env: SIZES, ROUNDS (counted rounds, default 5), STATEDIR, MEM_NODES, SCALE_SIZES, RVS_BIN (a rivershare
# binary to measure instead of building this tree's release build), KEEP_UP=1 (leave the
# cluster up), NO_INSTALL=1 (do not apt-get install pdsh/clustershell), BENCH_TOOLS (the rows to
# run, e.g. "rivershare verify"; default: all).
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${SIZES:-"8 32"}
ROUNDS=${ROUNDS:-5}
SD=${STATEDIR:-/tmp/rvs-bench}
MEM_NODES=${MEM_NODES:-200}
LAT_MS=${LAT_MS:-50}
SCALE_SIZES=${SCALE_SIZES-"1 2 4 8 16 32"}
REPEAT=5
SHARE=/mnt/cluster-share
# The probe pdsh, clush and the floor run: what `check --only mounts` needs at least, as one
# shell command: the mount (findmnt -J -T), the usage (df -P) and a write test (create, write
# with fsync, read back, remove), as rivershare's probe script does.
PROBE="D=$SHARE; findmnt -J -T \"\$D\"; df -P \"\$D\"; f=\"\$D/.bench-probe.\$\$\"; printf x | dd of=\"\$f\" conv=fsync 2>/dev/null && cat \"\$f\" && rm -f \"\$f\""

die() {
    echo "sweep.sh: $*" >&2
    exit 1
}
say() { echo "sweep.sh: $*" >&2; }

[[ $(id -u) == 0 ]] || die "must run as root (the bench cluster uses network namespaces)"
MAX=0
for n in $SIZES; do ((n > MAX)) && MAX=$n; done
((MAX >= 1)) || die "SIZES is empty"
LAT_SIZES=${LAT_SIZES:-$MAX}
((LAT_MS > 0)) || LAT_SIZES=""
for n in $LAT_SIZES; do ((n <= MAX)) || die "LAT_SIZES: $n is more than the largest size $MAX"; done
((MEM_NODES >= MAX && MEM_NODES - MAX <= 181)) || die "MEM_NODES must be between $MAX and $((MAX + 181))"

# --- tools -------------------------------------------------------------------------------
if ! command -v pdsh >/dev/null || ! command -v clush >/dev/null; then
    [[ ${NO_INSTALL:-} == 1 ]] && die "pdsh or clush missing (apt-get install -y pdsh clustershell)"
    say "installing pdsh and clustershell"
    apt-get install -y pdsh clustershell >/dev/null || { apt-get update >/dev/null && apt-get install -y pdsh clustershell >/dev/null; } ||
        die "apt-get install pdsh clustershell failed"
fi
cd "$REPO"
if [[ -n ${RVS_BIN:-} ]]; then
    RVS=$RVS_BIN
else
    say "building rivershare (release)"
    cargo build --release --quiet --bin rivershare
    RVS=$REPO/target/release/rivershare
fi
[[ -x $RVS ]] || die "no rivershare binary at $RVS"
say "building the floor (cargo bench --bench floor --no-run)"
FLOOR=$(cargo bench --bench floor --no-run 2>&1 | sed -n 's/.*Executable benches\/floor\.rs (\(.*\))$/\1/p' | tail -n1)
[[ -n $FLOOR ]] || die "could not find the floor bench binary"
[[ $FLOOR == /* ]] || FLOOR=$REPO/$FLOOR
if [[ -n $LAT_SIZES ]]; then
    PROXY=$(cargo bench --bench delay_proxy --no-run 2>&1 | sed -n 's/.*Executable benches\/delay_proxy\.rs (\(.*\))$/\1/p' | tail -n1)
    [[ -n $PROXY ]] || die "could not find the delay_proxy bench binary"
    [[ $PROXY == /* ]] || PROXY=$REPO/$PROXY
fi
HAVE_REPEAT=0
if "$RVS" check --help 2>/dev/null | grep -q -- '--repeat'; then HAVE_REPEAT=1; fi

# --- cluster -----------------------------------------------------------------------------
mkdir -p "$SD"
SD=$(cd "$SD" && pwd)
OUT=$SD/out
rm -rf "$OUT"
# rivershare's ssh -G cache for this run: filled by the warm-up round, as a second run on an
# operator's machine finds it (the rivershare-fresh row empties its own before every run).
export XDG_CACHE_HOME=$SD/cache
rm -rf "$XDG_CACHE_HOME"
mkdir -p "$OUT"
PROXY_PID=
down() {
    if [[ -n $PROXY_PID ]]; then kill "$PROXY_PID" 2>/dev/null || true; fi
    if [[ ${KEEP_UP:-} != 1 ]]; then bash "$REPO/tests/cluster/cluster.sh" down "$SD" >/dev/null 2>&1 || true; fi
}
trap down EXIT
benches/cluster-nodes.sh "$MAX" >"$SD/nodes.tsv"
RVS_NODES_TSV=$SD/nodes.tsv bash tests/cluster/cluster.sh up "$SD" >&2

# The first N nodes (name and address), and a rivershare.toml with only them.
mapfile -t NAMES < <(awk '!/^#/ && $3 == "sshfs" { print $1 }' "$SD/nodes.tsv")
mapfile -t ADDRS < <(awk '!/^#/ && $3 == "sshfs" { print $2 }' "$SD/nodes.tsv")
# cluster.sh's rivershare.toml: the header, then one [[nodes]] block per node.
config_for() { # <first N> <extra unreachable nodes> > toml
    awk -v n="$1" '/^\[\[nodes\]\]/ { k++ } k <= n' "$SD/rivershare.toml"
    local i
    for ((i = 0; i < $2; i++)); do
        printf '\n[[nodes]]\nname = "absent-%03d"\nrole = "runner"\naddress = "10.250.0.%d"\nshared_dir = "%s"\n' "$i" $((74 + i)) "$SHARE"
    done
}
for n in $SIZES; do
    config_for "$n" 0 >"$SD/rivershare-$n.toml"
    got=$(grep -c '^\[\[nodes\]\]' "$SD/rivershare-$n.toml")
    [[ $got == "$n" ]] || die "rivershare-$n.toml has $got nodes, not $n"
done
config_for "$MAX" $((MEM_NODES - MAX)) >"$SD/rivershare-mem.toml"

# Latency: the delay proxy, and an ssh_config, known_hosts and rivershare.toml through it.
if [[ -n $LAT_SIZES ]]; then
    maps=()
    : >"$SD/known_hosts_lat"
    {
        echo "# rivershare bench cluster through benches/delay_proxy.rs (+$LAT_MS ms each way)"
        for ((i = 0; i < MAX; i++)); do
            maps+=("10.250.0.1:$((2200 + i))=${ADDRS[i]}:22")
            echo "[10.250.0.1]:$((2200 + i)) $(cut -d' ' -f1-2 "$SD/hostkeys/${NAMES[i]}.pub")" >>"$SD/known_hosts_lat"
            cat <<EOF
Host lat-${NAMES[i]}
    HostName 10.250.0.1
    Port $((2200 + i))
    User root
    IdentityFile $SD/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $SD/known_hosts_lat
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 5
EOF
        done
    } >"$SD/ssh_config_lat"
    for n in $LAT_SIZES; do
        {
            awk '/^\[\[nodes\]\]/ { exit } { print }' "$SD/rivershare.toml" |
                sed -e "s|^ssh_config = .*|ssh_config = \"$SD/ssh_config_lat\"|" -e "s|^known_hosts = .*|known_hosts = \"$SD/known_hosts_lat\"|"
            for ((i = 0; i < n; i++)); do
                role=runner
                ((i == 0)) && role=host
                printf '\n[[nodes]]\nname = "%s"\nrole = "%s"\naddress = "lat-%s"\nshared_dir = "%s"\n' "${NAMES[i]}" "$role" "${NAMES[i]}" "$SHARE"
            done
        } >"$SD/rivershare-$n+lat.toml"
    done
    "$PROXY" --delay-ms "$LAT_MS" "${maps[@]}" >"$SD/delay_proxy.log" 2>&1 &
    PROXY_PID=$!
    for _ in $(seq 1 100); do grep -q ready "$SD/delay_proxy.log" && break; sleep 0.05; done
    grep -q ready "$SD/delay_proxy.log" || die "delay_proxy did not start: $(cat "$SD/delay_proxy.log")"
fi

# --- one measured command ----------------------------------------------------------------
RAW=$SD/raw.tsv
printf 'size\ttool\tround\tms\tok\tnote\n' >"$RAW"
WARM=$SD/warm.tsv
printf 'size\tround\tsweep\tms\twarm\tconnections\n' >"$WARM"

# How many nodes answered with their sshfs mount, in pdsh/clush/floor output.
mounts_seen() { grep -c '"fstype": *"fuse.sshfs"' "$1" || true; }
# How many nodes rivershare's JSON reports reachable with a fuse.sshfs mount.
rvs_seen() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(sum(1 for n in d["nodes"] if n.get("reachable") and ((n.get("mount") or {}).get("fstype") == "fuse.sshfs")))' "$1" 2>/dev/null || echo 0
}

run_tool() { # <label: N or N+lat> <tool> <round>
    local label=$1 tool=$2 r=$3 n=${1%+lat} o=$OUT/$1-$2-$3 list addrs ssh_config=$SD/ssh_config i
    if [[ $label == *+lat ]]; then
        ssh_config=$SD/ssh_config_lat
        list=$(for ((i = 0; i < n; i++)); do printf 'lat-%s,' "${NAMES[i]}"; done)
        list=${list%,}
        addrs=()
        for ((i = 0; i < n; i++)); do addrs+=("10.250.0.1:$((2200 + i))"); done
    else
        list=$(IFS=,; echo "${NAMES[*]:0:$n}")
        addrs=("${ADDRS[@]:0:$n}")
    fi
    local t0 t1 rc=0 seen note=""
    t0=$EPOCHREALTIME
    case $tool in
    rivershare)
        "$RVS" check --config "$SD/rivershare-$label.toml" --only mounts --json --log-file "$SD/rivershare.log" >"$o.out" 2>"$o.err" || rc=$?
        ;;
    rivershare-fresh)
        # An empty cache folder: every node's `ssh -G` runs, as on a machine's first run.
        rm -rf "$SD/fresh-cache"
        XDG_CACHE_HOME=$SD/fresh-cache "$RVS" check --config "$SD/rivershare-$label.toml" --only mounts --json --log-file "$SD/rivershare.log" >"$o.out" 2>"$o.err" || rc=$?
        ;;
    pdsh)
        PDSH_SSH_ARGS="-F $ssh_config -x -l%u %h" pdsh -R ssh -f 64 -w "$list" "$PROBE" >"$o.out" 2>"$o.err" || rc=$?
        ;;
    pdsh-curve25519)
        PDSH_SSH_ARGS="-F $ssh_config -oKexAlgorithms=curve25519-sha256 -x -l%u %h" pdsh -R ssh -f 64 -w "$list" "$PROBE" >"$o.out" 2>"$o.err" || rc=$?
        ;;
    clush)
        clush -f 64 -w "$list" -o "-F $ssh_config" "$PROBE" >"$o.out" 2>"$o.err" || rc=$?
        ;;
    floor)
        "$FLOOR" --key "$SD/id_ed25519" --probe "$PROBE" "${addrs[@]}" >"$o.out" 2>"$o.err" || rc=$?
        ;;
    floor-rvsprobe)
        "$FLOOR" --key "$SD/id_ed25519" --rivershare-probe "$SHARE" "${addrs[@]}" >"$o.out" 2>"$o.err" || rc=$?
        ;;
    warm)
        "$RVS" check --config "$SD/rivershare-$label.toml" --only mounts --json --repeat "$REPEAT" --log-file "$SD/rivershare.log" >"$o.out" 2>"$o.err" || rc=$?
        ;;
    verify)
        "$RVS" check --config "$SD/rivershare-$label.toml" --only verify --json --log-file "$SD/rivershare.log" >"$o.out" 2>"$o.err" || rc=$?
        ;;
    esac
    t1=$EPOCHREALTIME
    case $tool in
    rivershare | rivershare-fresh | warm) seen=$(rvs_seen "$o.out"); ((rc <= 2)) || note="exit $rc" ;;
    verify)
        seen=$(rvs_seen "$o.out")
        ((rc <= 2)) || note="exit $rc"
        # Counts only when every node is in the one shared group.
        shared=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get("verify") or {}; print(len(v.get("shared") or []))' "$o.out" 2>/dev/null)
        [[ $shared == "$n" ]] || note="${note:+$note; }shared group of ${shared:-?}/$n"
        ;;
    floor*) seen=$(sed -n 's/.* \([0-9]*\) show fuse.sshfs.*/\1/p' "$o.out"); ((rc == 0)) || note="exit $rc" ;;
    *) seen=$(mounts_seen "$o.out"); ((rc == 0)) || note="exit $rc" ;;
    esac
    [[ $seen == "$n" ]] || note="${note:+$note; }$seen/$n nodes answered"
    local ok=1
    [[ -z $note ]] || { ok=0; say "round $r, $n nodes, $tool: $note (see $o.out, $o.err)"; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$tool" "$r" "$(((${t1/./} - ${t0/./})))" "$ok" "$note" >>"$RAW"
    if [[ $tool == warm && $ok == 1 ]]; then
        python3 -c 'import json,sys
for i,s in enumerate(json.load(open(sys.argv[1]))["sweeps"]):
    print(sys.argv[2], sys.argv[3], i+1, s["duration_ms"], int(s["warm"]), s["connections_opened"], sep="\t")' "$o.out" "$label" "$r" >>"$WARM"
    fi
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
# BENCH_TOOLS: a subset of the rows, for a focused re-run (the report marks the rest unmeasured).
read -r -a TOOLS <<<"${BENCH_TOOLS:-rivershare rivershare-fresh pdsh pdsh-curve25519 clush floor floor-rvsprobe verify}"
((HAVE_REPEAT)) && [[ -z ${BENCH_TOOLS:-} ]] && TOOLS+=(warm)
((HAVE_REPEAT)) || say "rivershare has no 'check --repeat': the warm re-sweep row is skipped"
for ((r = 0; r <= ROUNDS; r++)); do
    say "round $r of $ROUNDS$( ((r == 0)) && echo ' (warm-up, not counted)')"
    for label in $SIZES $(for n in $LAT_SIZES; do echo "$n+lat"; done); do
        for ((k = 0; k < ${#TOOLS[@]}; k++)); do
            run_tool "$label" "${TOOLS[$(((k + r) % ${#TOOLS[@]}))]}" "$r"
        done
    done
done

# --- memory --------------------------------------------------------------------------------
MEM=$SD/mem.tsv
printf 'nodes\treachable\tround\tmax_rss_kb\tms\n' >"$MEM"
for r in 1 2 3; do
    for cfg in "$MAX:$SD/rivershare-$MAX.toml" "$MEM_NODES:$SD/rivershare-mem.toml"; do
        t0=$EPOCHREALTIME
        /usr/bin/time -v -o "$OUT/mem-$r.time" "$RVS" check --config "${cfg#*:}" --only mounts --json --log-file "$SD/rivershare.log" >"$OUT/mem-$r.out" 2>/dev/null || true
        t1=$EPOCHREALTIME
        rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$OUT/mem-$r.time")
        printf '%s\t%s\t%s\t%s\t%s\n' "${cfg%%:*}" "$(rvs_seen "$OUT/mem-$r.out")" "$r" "$rss" "$(((${t1/./} - ${t0/./}) / 1000))" >>"$MEM"
    done
done

# --- warm and cold against the number of nodes ----------------------------------------------
# `check --only mounts --repeat 6` on the first N nodes, 3 runs per N: the cold sweep (the 1st)
# and the warm ones after the resident shells are up (3rd to 6th), so it shows how each grows
# with N on this machine, where every node's work shares the same CPUs.
SCALE=$SD/scale.tsv
printf 'size\trun\tsweep\tms\n' >"$SCALE"
if ((HAVE_REPEAT)); then
    for n in $SCALE_SIZES; do
        ((n <= MAX)) || continue
        config_for "$n" 0 >"$SD/rivershare-scale-$n.toml"
        for r in 1 2 3; do
            o=$OUT/scale-$n-$r
            "$RVS" check --config "$SD/rivershare-scale-$n.toml" --only mounts --json --repeat 6 --log-file "$SD/rivershare.log" >"$o.out" 2>"$o.err" || true
            python3 -c 'import json, sys
for i, s in enumerate(json.load(open(sys.argv[1]))["sweeps"]):
    print(sys.argv[2], sys.argv[3], i + 1, s["duration_ms"], sep="\t")' "$o.out" "$n" "$r" >>"$SCALE" ||
                say "scaling: $n nodes, run $r gave no sweeps (see $o.err)"
        done
    done
fi

# --- report --------------------------------------------------------------------------------
{
    echo "## Run of $STARTED"
    echo
    echo "- command: \`SIZES=\"$SIZES\" ROUNDS=$ROUNDS LAT_MS=$LAT_MS MEM_NODES=$MEM_NODES${BENCH_TOOLS:+ BENCH_TOOLS=\"$BENCH_TOOLS\"} benches/sweep.sh\` (as root)"
    if [[ -n ${RVS_BIN:-} ]]; then
        echo "- rivershare: $("$RVS" --version), RVS_BIN=$RVS (not built from this tree); benches at $(git -C "$REPO" rev-parse --short HEAD)"
    else
        echo "- rivershare: $("$RVS" --version) at $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src Cargo.toml || echo ' (modified)'), $RVS"
    fi
    echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
    echo "- peers: $(pdsh -V 2>&1 | head -n1), clush $(clush --version 2>&1 | awk '{print $2}'), $(ssh -V 2>&1)"
    echo "- load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg) (other builds share the machine)"
    echo "- $ROUNDS counted rounds after one warm-up round, tools in a rotated order each round; wall time of the whole command"
    python3 "$REPO/benches/report.py" "$RAW" "$WARM" "$MEM" "$HAVE_REPEAT" "$LAT_MS" "$SCALE"
} | tee "$SD/results.md"
say "raw data: $RAW $WARM $MEM $SCALE; outputs in $OUT"
