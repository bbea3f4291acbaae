#!/usr/bin/env bash
# Alternating A/B of whole commands by the machine's busy CPU and wall time, for
# changes whose effect is the nodes' CPU (a sweep of a namespace test cluster on a
# shared machine is CPU-bound, and busy time drifts less than wall time).
#
#   benches/ab-busy.sh ROUNDS 'COMMAND A' 'COMMAND B' ...
#
# Each round runs every command once, in the order given; busy is the non-idle
# time of all CPUs from /proc/stat (user, nice, system, irq, softirq, steal) over
# the command, so it includes the nodes' sshd and shells. Prints the medians.
# Example (a cluster from tests/cluster/cluster.sh up, config k32.toml):
#   benches/ab-busy.sh 9 "/tmp/old check --only mounts --json --config k32.toml" \
#                        "target/release/rivershare check --only mounts --json --config k32.toml"
set -euo pipefail
(($# >= 2)) || { echo "usage: $0 ROUNDS COMMAND..." >&2; exit 2; }
rounds=$1
shift
busy_ms() { awk '/^cpu /{print ($2+$3+$4+$7+$8+$9)*10}' /proc/stat; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
declare -a busy wall
for ((r = 1; r <= rounds; r++)); do
    for ((i = 1; i <= $#; i++)); do
        b0=$(busy_ms) t0=$EPOCHREALTIME
        bash -c "${!i}" >/dev/null 2>&1 || echo "ab-busy: round $r: command $i failed" >&2
        t1=$EPOCHREALTIME b1=$(busy_ms)
        busy[i]+="$((b1 - b0)) "
        wall[i]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%d", (b-a)*1000}') "
    done
done
for ((i = 1; i <= $#; i++)); do
    printf 'busy %s ms, wall %s ms (medians of %d) :: %s\n' \
        "$(median <<<"${busy[i]}")" "$(median <<<"${wall[i]}")" "$rounds" "${!i}"
done
