#!/usr/bin/env bash
# rivershare's multi-node test cluster, on one machine, as root.
#
#   cluster.sh up <statedir>      bring every node of nodes.tsv up (runs `down` first)
#   cluster.sh down [<statedir>]  tear everything down; also cleans leftovers of a crashed run
#   cluster.sh status [<statedir>]
#   cluster.sh exec <node> [command...]   run a command inside a node (debugging; default bash)
#
# RVS_NODES_TSV=<file> replaces nodes.tsv (same columns), e.g. the benchmarks' table of N
# plain sshfs nodes written by benches/cluster-nodes.sh. Unset: nodes.tsv, as the tests expect.
#
# Every node is a network namespace `rvs-<name>` with a veth pair on the bridge `rvsbr0`
# (root namespace = the operator's machine, 10.250.0.1/24). Inside it, `unshare --mount
# --uts --pid --fork` runs node-init.sh, which enters an overlay root of its own with
# pivot_root, sets up the node's storage and runs a key-only sshd. See docs/test-cluster.md.
#
# Only 10.250.0.0/24 addresses are ever used. All names (netns, links, mounts) start with `rvs`.
set -euo pipefail
# sshd, ip, nft, pivot_root live in sbin, which a non-login root shell may lack.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODES_TSV=${RVS_NODES_TSV:-$HERE/nodes.tsv}
[[ -r $NODES_TSV ]] || { echo "cluster.sh: node table $NODES_TSV is not readable" >&2; exit 1; }
BRIDGE=rvsbr0
OPERATOR_ADDR=10.250.0.1
PREFIX=24
READY_TIMEOUT_SECS=${RVS_READY_TIMEOUT_SECS:-30}

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

# name address kind shared_dir fstab role kohakuriver, one node per line, comments dropped.
nodes() {
    grep -v '^[[:space:]]*#' "$NODES_TSV" | awk 'NF >= 6 { print $1, $2, $3, $4, $5, $6, (NF >= 7 ? $7 : "-") }'
}

preflight() {
    [[ $(id -u) == 0 ]] || die "must run as root (network namespaces, mounts, pivot_root)"
    local missing=() b
    for b in ip unshare pivot_root nsenter sshd ssh ssh-keygen sshfs nft findmnt mount setsid timeout; do
        command -v "$b" >/dev/null 2>&1 || missing+=("$b")
    done
    ((${#missing[@]} == 0)) || die "missing programs: ${missing[*]} (apt-get install -y openssh-server openssh-client sshfs fuse3 nftables iproute2 util-linux procps)"
    # Built-in on some kernels, modules on others (Debian's stock kernel has fuse/overlay/veth/bridge as modules).
    if command -v modprobe >/dev/null 2>&1; then
        local m
        for m in fuse overlay veth bridge; do modprobe -q "$m" 2>/dev/null || true; done
    fi
    grep -qw fuse /proc/filesystems || die "the kernel has no fuse filesystem (modprobe fuse failed); sshfs cannot work"
    grep -qw overlay /proc/filesystems || die "the kernel has no overlay filesystem (modprobe overlay failed)"
    if [[ ! -e /dev/fuse ]]; then
        mknod -m 0666 /dev/fuse c 10 229 || die "/dev/fuse is missing and mknod failed"
    fi
}

# Kill every process inside one of our namespaces, then delete the namespaces and links.
# Global on purpose: after a crashed run the statedir is unknown, but the `rvs` names are not.
do_down() {
    local ns pids
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^rvs-' || true); do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        if [[ -n $pids ]]; then
            # shellcheck disable=SC2086
            kill -KILL $pids 2>/dev/null || true
        fi
    done
    # The kernel tears the pid namespaces down asynchronously; wait until they are gone.
    local i
    for i in $(seq 1 50); do
        local left=""
        for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^rvs-' || true); do
            left+=$(ip netns pids "$ns" 2>/dev/null || true)
        done
        [[ -z $left ]] && break
        sleep 0.1
    done
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^rvs-' || true); do
        ip netns del "$ns" 2>/dev/null || true
    done
    local link
    for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^rvs' || true); do
        ip link del "$link" 2>/dev/null || true
    done
    if ip netns list 2>/dev/null | grep -q '^rvs-'; then
        die "down: network namespaces left over: $(ip netns list | grep '^rvs-' | tr '\n' ' ')"
    fi
    if ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -q '^rvs'; then
        die "down: links left over"
    fi
}

keygen() { ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1" >/dev/null; }

# Files each node finds in its own overlay root, prepared here and copied in by node-init.sh.
prepare_node_fs() {
    local sd=$1 name=$2 addr=$3 kind=$4 dir=$5 fstab=$6
    local fs=$sd/nodes/$name/fs
    mkdir -p "$fs/etc/ssh/rvs" "$fs/root/.ssh"
    chmod 0755 "$fs/etc" "$fs/etc/ssh" "$fs/etc/ssh/rvs"
    chmod 0700 "$fs/root" "$fs/root/.ssh"
    cp "$sd/hostkeys/$name" "$fs/etc/ssh/rvs/ssh_host_ed25519_key"
    cp "$sd/hostkeys/$name.pub" "$fs/etc/ssh/rvs/ssh_host_ed25519_key.pub"
    chmod 0600 "$fs/etc/ssh/rvs/ssh_host_ed25519_key"
    install -m 0644 "$sd/id_ed25519.pub" "$fs/etc/ssh/rvs/authorized_keys"
    cat >"$fs/etc/ssh/rvs/sshd_config" <<EOF
# rivershare test cluster node $name
Port 22
ListenAddress $addr
HostKey /etc/ssh/rvs/ssh_host_ed25519_key
PidFile /run/sshd.pid
AuthorizedKeysFile /etc/ssh/rvs/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
PrintLastLog no
UseDNS no
# The tests open many connections at once.
MaxStartups 200:30:400
MaxSessions 64
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOF
    # The storage node's key, so sshfs can use strict host key checking.
    cp "$sd/id_ed25519" "$fs/root/.ssh/id_ed25519"
    chmod 0600 "$fs/root/.ssh/id_ed25519"
    cp "$sd/known_hosts" "$fs/root/.ssh/known_hosts"
    # Root's real .bashrc is slow; sshd runs `bash -c` which sources it. Keep it trivial.
    printf '# rivershare test cluster: minimal on purpose\n' >"$fs/root/.bashrc"
    printf '# rivershare test cluster: minimal on purpose\n' >"$fs/root/.profile"
    {
        echo "# /etc/fstab of test cluster node $name (written by tests/cluster/cluster.sh)"
        echo "# The root filesystem is the node's overlay; it has no fstab line on purpose."
        if [[ $fstab == yes ]]; then
            case $kind in
            # What the mount-option audit wants of sshfs (reconnect, ServerAliveInterval=);
            # runner-ro's line lacks both, so it is the node the audit flags.
            sshfs | sshfs-jump | sshfs-dead | sshfs-hung | sshfs-flaky) echo "root@10.250.0.2:/export $dir fuse.sshfs _netdev,reconnect,ServerAliveInterval=5,allow_other,IdentityFile=/root/.ssh/id_ed25519 0 0" ;;
            sshfs-ro) echo "root@10.250.0.2:/export $dir fuse.sshfs _netdev,ro,allow_other,IdentityFile=/root/.ssh/id_ed25519 0 0" ;;
            tmpfs) echo "rvs-share $dir tmpfs size=64m 0 0" ;;
            esac
        fi
    } >"$fs/etc/fstab"
    chmod 0644 "$fs/etc/fstab"
}

# KohakuRiver's own files on a node, by the `kohakuriver` column of nodes.tsv. Real files at
# the real places: /root/.kohakuriver/<role>_config.py, or the --config file a unit names, and
# /etc/systemd/system/kohakuriver-<role>.service (+ .d/ drop-ins).
kohakuriver_files() {
    local fs=$1 role=$2 dir=$3 kr=$4
    [[ $kr == - || $role == - ]] && return 0
    local file=${role}_config.py unit=kohakuriver-$role
    mkdir -p "$fs/root/.kohakuriver"
    case $kr in
    config | discover | unordered)
        printf '# KohakuRiver %s config (test cluster)\nimport os\n\nSHARED_DIR: str = "%s"\nLOCAL_TEMP_DIR = '\''/tmp/kohakuriver'\''\n' \
            "$role" "$dir" >"$fs/root/.kohakuriver/$file"
        ;;
    unit)
        # Only the --config file exists: reading it proves the unit was followed.
        mkdir -p "$fs/etc/kohakuriver"
        printf '# KohakuRiver %s config, passed by the unit (test cluster)\nSHARED_DIR = '\''%s'\''\nCONTAINER_TAR_DIR: str = ""\n' \
            "$role" "$dir" >"$fs/etc/kohakuriver/$role.py"
        rmdir "$fs/root/.kohakuriver"
        ;;
    broken)
        # Line 4 opens a string it never closes: Python refuses the whole file.
        printf '# KohakuRiver %s config (test cluster): broken on purpose\nimport os\n\nSHARED_DIR: str = "%s\nRUNNER_PORT = 8001\n' \
            "$role" "$dir" >"$fs/root/.kohakuriver/$file"
        ;;
    expr)
        # Line 4 is an f-string: its value is unknown without running the file.
        printf '# KohakuRiver %s config (test cluster)\nBASE = "/mnt"\n\nSHARED_DIR: str = f"{BASE}/cluster-share"\n' \
            "$role" >"$fs/root/.kohakuriver/$file"
        ;;
    *) die "unknown kohakuriver column value '$kr'" ;;
    esac
    if [[ $kr == unit || $kr == unordered ]]; then
        local config=/root/.kohakuriver/$file
        [[ $kr == unit ]] && config=/etc/kohakuriver/$role.py
        mkdir -p "$fs/etc/systemd/system"
        # What `kohakuriver init service` writes: ordered after the network only.
        cat >"$fs/etc/systemd/system/$unit.service" <<UNIT
[Unit]
Description=KohakuRiver ${role^} Service
After=network.target

[Service]
Type=simple
ExecStart=/usr/bin/python3 -m kohakuriver.cli.$role --config $config
WorkingDirectory=/root
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
        if [[ $kr == unit ]]; then
            mkdir -p "$fs/etc/systemd/system/$unit.service.d"
            printf '[Unit]\nRequiresMountsFor=%s\n' "$dir" >"$fs/etc/systemd/system/$unit.service.d/rivershare-mount.conf"
        fi
    fi
    # The nodes are namespaces without systemd as PID 1: the real `systemctl cat` asks the
    # manager and can only answer "System has not been booted with systemd" (it refuses
    # --root=, and no test can boot systemd per node). So every KohakuRiver node gets a
    # stand-in for `systemctl cat` ONLY, first in root's PATH, that prints the node's real
    # unit files the way systemctl does (`# /path`, the file, then each drop-in) and fails
    # like it when there is no unit. Any other verb fails.
    mkdir -p "$fs/usr/local/sbin"
    cat >"$fs/usr/local/sbin/systemctl" <<'STANDIN'
#!/bin/sh
# rivershare test cluster: a stand-in for `systemctl cat` (see tests/cluster/cluster.sh).
[ "$1" = cat ] || { echo "systemctl stand-in: only 'cat' is supported here" >&2; exit 1; }
shift
units=
for a; do
    case $a in --no-pager | --) ;; -*) echo "systemctl stand-in: unknown option $a" >&2; exit 1 ;; *) units="$units $a" ;; esac
done
dirs="/etc/systemd/system /run/systemd/system /lib/systemd/system /usr/lib/systemd/system"
for u in $units; do
    case $u in *.*) ;; *) u=$u.service ;; esac
    found=
    for d in $dirs; do [ -f "$d/$u" ] && { found=$d/$u; break; }; done
    [ -n "$found" ] || { echo "No files found for $u." >&2; exit 1; }
    printf '# %s\n' "$found"
    cat "$found"
    for d in $dirs; do
        for f in "$d/$u.d"/*.conf; do
            [ -f "$f" ] && { printf '\n# %s\n' "$f"; cat "$f"; }
        done
    done
done
exit 0
STANDIN
    chmod 0755 "$fs/usr/local/sbin/systemctl"
}

wait_ready() {
    local sd=$1 deadline=$((SECONDS + READY_TIMEOUT_SECS)) name log
    shift
    for name in "$@"; do
        log=$sd/logs/$name.log
        while :; do
            if grep -q '^rvs-node: READY' "$log" 2>/dev/null; then break; fi
            if grep -q '^rvs-node: FAILED' "$log" 2>/dev/null; then
                die "node $name failed to start: $(grep '^rvs-node: FAILED' "$log" | tail -n1) (log: $log)"
            fi
            if ((SECONDS >= deadline)); then
                die "node $name not ready after ${READY_TIMEOUT_SECS} s (log: $log): $(tail -n 3 "$log" 2>/dev/null | tr '\n' ' ')"
            fi
            sleep 0.05
        done
    done
}

start_node() {
    local sd=$1 name=$2 addr=$3 kind=$4 dir=$5
    # setsid + </dev/null + log redirection: the node outlives this script and never holds
    # the caller's stdout open. --kill-child: if unshare dies, the node's init dies with it.
    setsid ip netns exec "rvs-$name" \
        unshare --mount --uts --pid --fork --kill-child --propagation private \
        bash "$HERE/node-init.sh" "$sd" "$name" "$addr" "$kind" "$dir" \
        </dev/null >>"$sd/logs/$name.log" 2>&1 &
}

do_up() {
    local sd=$1
    local t0=$EPOCHREALTIME
    preflight
    do_down
    mkdir -p "$sd"
    sd=$(cd "$sd" && pwd)
    [[ $sd != *[[:space:]]* ]] || die "statedir must not contain whitespace: $sd"
    rm -rf "$sd/nodes" "$sd/hostkeys" "$sd/logs"
    mkdir -p "$sd/nodes" "$sd/hostkeys" "$sd/logs"
    rm -f "$sd/id_ed25519" "$sd/id_ed25519.pub"
    keygen "$sd/id_ed25519" "rivershare-test-client"

    local name addr kind dir fstab role
    : >"$sd/known_hosts"
    while read -r name addr kind dir fstab role kr; do
        keygen "$sd/hostkeys/$name" "rvs-$name"
        echo "$addr,$name $(cut -d' ' -f1-2 "$sd/hostkeys/$name.pub")" >>"$sd/known_hosts"
    done < <(nodes)

    {
        echo "# rivershare test cluster: OpenSSH client config (ssh -F $sd/ssh_config <node>)"
        while read -r name addr kind dir fstab role kr; do
            cat <<EOF
Host $name $addr
    HostName $addr
    User root
    Port 22
    IdentityFile $sd/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $sd/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 3
EOF
            # The operator cannot reach it directly (nft below): only through the host.
            if [[ $kind == sshfs-jump ]]; then echo "    ProxyJump host"; fi
        done < <(nodes)
    } >"$sd/ssh_config"

    {
        cat <<EOF
# rivershare config for the test cluster (written by tests/cluster/cluster.sh)
ssh_config = "$sd/ssh_config"
known_hosts = "$sd/known_hosts"
host_key_policy = "strict"
connect_timeout_secs = 3
command_timeout_secs = 8
min_free_gib = 0

[defaults]
user = "root"
identity_files = ["$sd/id_ed25519"]
EOF
        # shared_dir per node, not in [defaults]: a `discover` node has none at all, so
        # rivershare reads SHARED_DIR from the node's own KohakuRiver config.
        while read -r name addr kind dir fstab role kr; do
            [[ $role == - ]] && continue
            printf '\n[[nodes]]\nname = "%s"\nrole = "%s"\naddress = "%s"\n' "$name" "$role" "$addr"
            if [[ $kr != discover ]]; then printf 'shared_dir = "%s"\n' "$dir"; fi
        done < <(nodes)
    } >"$sd/rivershare.toml"

    while read -r name addr kind dir fstab role kr; do
        prepare_node_fs "$sd" "$name" "$addr" "$kind" "$dir" "$fstab"
        kohakuriver_files "$sd/nodes/$name/fs" "$role" "$dir" "$kr"
    done < <(nodes)

    # Network: the bridge in the root namespace plays the operator's LAN.
    ip link add "$BRIDGE" type bridge || die "cannot create bridge $BRIDGE"
    ip addr add "$OPERATOR_ADDR/$PREFIX" dev "$BRIDGE"
    # Node-to-node traffic (sshfs to the storage node) is bridged; keep it out of the root
    # namespace's iptables FORWARD chain (e.g. Docker's DROP policy with br_netfilter loaded).
    ip link set "$BRIDGE" type bridge nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 2>/dev/null || true
    ip link set "$BRIDGE" up
    local i=0
    while read -r name addr kind dir fstab role kr; do
        i=$((i + 1))
        ip netns add "rvs-$name"
        ip link add "rvsv$i" type veth peer name "rvsp$i"
        ip link set "rvsp$i" netns "rvs-$name"
        ip -n "rvs-$name" link set "rvsp$i" name eth0
        ip -n "rvs-$name" addr add "$addr/$PREFIX" dev eth0
        ip -n "rvs-$name" link set lo up
        ip -n "rvs-$name" link set eth0 up
        ip link set "rvsv$i" master "$BRIDGE"
        ip link set "rvsv$i" up
    done < <(nodes)

    # The storage node first: the others mount it while they boot.
    local storage_started=0 others=()
    while read -r name addr kind dir fstab role kr; do
        if [[ $kind == storage ]]; then
            start_node "$sd" "$name" "$addr" "$kind" "$dir"
            wait_ready "$sd" "$name"
            storage_started=1
        fi
    done < <(nodes)
    ((storage_started)) || die "nodes.tsv has no storage node"
    while read -r name addr kind dir fstab role kr; do
        case $kind in
        storage) ;;
        down) echo "rvs-node: READY (netns only, no sshd on purpose)" >"$sd/logs/$name.log" ;;
        *)
            start_node "$sd" "$name" "$addr" "$kind" "$dir"
            others+=("$name")
            ;;
        esac
        if [[ $kind == sshfs-jump ]]; then
            ip netns exec "rvs-$name" nft -f - <<EOF || die "nft rules for $name failed"
table inet rvs_jump {
    chain input {
        type filter hook input priority 0; policy accept;
        ip saddr $OPERATOR_ADDR tcp dport 22 drop
    }
}
EOF
        fi
        if [[ $kind == dropped ]]; then
            # Every packet to port 22 vanishes: clients see a timeout, not a refusal.
            ip netns exec "rvs-$name" nft -f - <<'EOF' || die "nft rules for $name failed"
table inet rvs_drop {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 22 drop
    }
}
EOF
        fi
    done < <(nodes)
    wait_ready "$sd" "${others[@]}"

    local ms=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
    echo "$ms" >"$sd/up_ms"
    echo "rivershare test cluster up in ${ms} ms: $(nodes | wc -l) nodes; config $sd/rivershare.toml"
}

do_status() {
    local sd=${1:-} name addr kind dir fstab role pids
    while read -r name addr kind dir fstab role kr; do
        if ! ip netns list 2>/dev/null | grep -q "^rvs-$name\b"; then
            echo "$name $addr: no netns"
            continue
        fi
        pids=$(ip netns pids "rvs-$name" 2>/dev/null | wc -l)
        echo "$name $addr $kind: $pids processes${sd:+; log $sd/logs/$name.log}"
    done < <(nodes)
}

# The init (PID 1 in its own pid namespace) of a node, seen from the root namespace.
node_init_pid() {
    local pid
    for pid in $(ip netns pids "rvs-$1" 2>/dev/null || true); do
        if awk '$1 == "NSpid:" && $NF == 1 { found = 1 } END { exit !found }' "/proc/$pid/status" 2>/dev/null; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# Run a command inside a node (all its namespaces and its own root), for debugging.
do_exec() {
    local name=$1 pid
    shift
    (($# > 0)) || set -- bash
    if pid=$(node_init_pid "$name"); then
        exec nsenter -t "$pid" -a -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM="${TERM:-dumb}" "$@"
    fi
    ip netns list 2>/dev/null | grep -q "^rvs-$name\b" || die "no node $name (is the cluster up?)"
    # runner-down has no init: only its network namespace.
    exec ip netns exec "rvs-$name" "$@"
}

cmd=${1:-}
case $cmd in
up)
    [[ $# == 2 ]] || die "usage: cluster.sh up <statedir>"
    do_up "$2"
    ;;
down)
    [[ $# -le 2 ]] || die "usage: cluster.sh down [<statedir>]"
    [[ $(id -u) == 0 ]] || die "must run as root"
    do_down
    ;;
status)
    do_status "${2:-}"
    ;;
exec)
    [[ $# -ge 2 ]] || die "usage: cluster.sh exec <node> [command...]"
    shift
    do_exec "$@"
    ;;
*) die "usage: cluster.sh up <statedir> | down [<statedir>] | status [<statedir>] | exec <node> [command...]" ;;
esac
