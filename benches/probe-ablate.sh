#!/bin/sh
# What each part of the probe costs a node's CPU: runs probe scripts the way a
# node's first sweep does (`timeout -s USR1 -k 4 5 sh -c <script> rivershare-probe
# usr1`), N times per batch, the scripts alternating batch by batch for ROUNDS
# rounds, and prints each script's median CPU per run (`perf stat` task-clock of
# the batch: the script and every program it starts, not sshd or the share's
# server). Run it on a node of the test cluster, where SHARED_DIR is a real
# sshfs mount, on copies of the probe with one part cut out (sed):
#
#   RVS_STATE=<statedir> bash tests/cluster/cluster.sh exec runner-01 \
#     sh /path/to/benches/probe-ablate.sh 9 40 probe.sh no-stat.sh
#
# Copy the scripts to a folder the node did not write to first (a node's root is
# an overlay: a folder it wrote to no longer shows the host's later changes).
# Temp files a cut script leaves are removed between batches; the node's
# /dev/shm is small.
set -eu
if [ "${1-}" = --batch ]; then
    # One batch: N runs of SCRIPT, timed as a whole by the caller's perf stat.
    s=$(cat "$3")
    i=0
    while [ $i -lt "$2" ]; do
        timeout -s USR1 -k 4 5 sh -c "$s" rivershare-probe usr1 >/dev/null 2>&1 || true
        i=$((i + 1))
    done
    exit 0
fi
[ $# -ge 3 ] || { echo "usage: $0 ROUNDS N SCRIPT..." >&2; exit 2; }
rounds=$1 n=$2
shift 2
r=0
while [ $r -lt "$rounds" ]; do
    for v in "$@"; do
        t=$(perf stat -e task-clock -x, sh "$0" --batch "$n" "$v" 2>&1 >/dev/null | tail -n 1 | cut -d, -f1)
        rm -f /dev/shm/rivershare.* 2>/dev/null || true
        echo "$v $t"
    done
    r=$((r + 1))
done | sort -k1,1 -k2,2n | awk -v n="$n" -v r="$rounds" '
    { c[$1]++; if (c[$1] == int((r + 1) / 2)) m[$1] = $2; l[$1] = l[$1] sprintf(" %.2f", $2 / n) }
    END { for (k in m) printf "%-24s median %.2f ms a run  (%s)\n", k, m[k] / n, l[k] }'
