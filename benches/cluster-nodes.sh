#!/usr/bin/env bash
# The benchmark cluster's node table: the storage node and N plain sshfs nodes (the first
# with role host, the others runners), in tests/cluster/nodes.tsv's columns.
#
#   benches/cluster-nodes.sh N > nodes-N.tsv
#   RVS_NODES_TSV=nodes-N.tsv tests/cluster/cluster.sh up <statedir>
#
# Addresses: cluster.sh puts every node on one /24 bridge (operator 10.250.0.1, storage
# 10.250.0.2, which node-init.sh mounts from), so the nodes take 10.250.0.10 upwards: at
# most 64 nodes (.10 to .73), which leaves .74 to .254 (181 addresses) free inside the
# test network for addresses that answer nothing: the memory benchmark's 200 configured
# nodes are the cluster's plus unreachable ones from .74 up (benches/sweep.sh).
set -euo pipefail
n=${1:-}
[[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 64)) || {
    echo "usage: cluster-nodes.sh N   (1 <= N <= 64)" >&2
    exit 2
}
echo "# rivershare benchmark cluster: $n plain sshfs nodes (benches/cluster-nodes.sh $n)"
echo "# name          address      kind       shared_dir          fstab  role    kohakuriver"
printf '%-15s %-12s %-10s %-19s %-6s %-7s %s\n' storage 10.250.0.2 storage /export no - -
for ((i = 0; i < n; i++)); do
    if ((i == 0)); then name=host role=host; else name=$(printf 'runner-%02d' "$i") role=runner; fi
    printf '%-15s %-12s %-10s %-19s %-6s %-7s %s\n' "$name" "10.250.0.$((10 + i))" sshfs /mnt/cluster-share yes "$role" -
done
