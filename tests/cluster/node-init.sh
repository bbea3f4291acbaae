#!/usr/bin/env bash
# One test-cluster node's init: started by cluster.sh as
#   ip netns exec rvs-<name> unshare --mount --uts --pid --fork ... node-init.sh <statedir> <name> <addr> <kind> <shared_dir>
# so it is PID 1 of a fresh pid namespace, with its own mount and uts namespaces.
# It builds an overlay root (lowerdir=/, upper in a tmpfs of this mount namespace only, so
# nothing is left in the root namespace when the node dies), pivots into it, sets up the
# node's storage by <kind>, starts sshd and stays alive as the reaper.
# stdout/stderr go to <statedir>/logs/<name>.log; the last line says READY or FAILED.
set -euo pipefail

sd=$1 name=$2 addr=$3 kind=$4 dir=$5
STORAGE=root@10.250.0.2:/export
LAYOUT=(kohakuriver-containers shared_data logs)

fail() {
    echo "rvs-node: FAILED: $*"
    exit 1
}
trap 'fail "line $LINENO: $BASH_COMMAND exited $?"' ERR

[[ $$ == 1 ]] || fail "not PID 1 of a new pid namespace (pid $$)"
hostname "$name"

base=$sd/nodes/$name/root
mkdir -p "$base"
# The overlay's upper layer must not live on the lower filesystem (/), so it gets a tmpfs;
# mounted in this mount namespace only, it vanishes with the node.
mount -t tmpfs -o size=512m,mode=0755 "rvs-$name-layers" "$base"
mkdir -p "$base/upper" "$base/work" "$base/merged"
mount -t overlay "rvs-$name-root" -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$base/merged"
m=$base/merged

cp -a "$sd/nodes/$name/fs/." "$m/"

mount -t proc proc "$m/proc"
mount -t sysfs -o ro sysfs "$m/sys"
mount -t tmpfs -o size=1m,mode=0755 rvs-dev "$m/dev"
mknod -m 0666 "$m/dev/null" c 1 3
mknod -m 0666 "$m/dev/zero" c 1 5
mknod -m 0666 "$m/dev/full" c 1 7
mknod -m 0666 "$m/dev/random" c 1 8
mknod -m 0666 "$m/dev/urandom" c 1 9
mknod -m 0666 "$m/dev/tty" c 5 0
mknod -m 0666 "$m/dev/fuse" c 10 229
mkdir -p "$m/dev/pts" "$m/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$m/dev/pts"
ln -s pts/ptmx "$m/dev/ptmx"
ln -s /proc/self/fd "$m/dev/fd"
ln -s /proc/self/fd/0 "$m/dev/stdin"
ln -s /proc/self/fd/1 "$m/dev/stdout"
ln -s /proc/self/fd/2 "$m/dev/stderr"
mount -t tmpfs -o size=16m,mode=1777 rvs-shm "$m/dev/shm"
mount -t tmpfs -o size=16m,mode=0755 rvs-run "$m/run"
mount -t tmpfs -o size=64m,mode=1777 rvs-tmp "$m/tmp"

if [[ $kind == storage ]]; then
    # The export lives on the machine's disk, not in the overlay's tmpfs: a storage
    # server exports a disk filesystem, one filesystem (so `du -x` on it counts
    # everything), whose 4 KiB blocks are what the sshfs clients report too. The
    # disk-usage trials compare the clients' walk with `du -B1` here, exactly.
    rm -rf "$sd/nodes/$name/export"
    mkdir -p "$sd/nodes/$name/export" "$m/export"
    mount --bind "$sd/nodes/$name/export" "$m/export"
fi

cd "$m"
mkdir -p .rvs-oldroot
pivot_root . .rvs-oldroot
cd /
umount -l /.rvs-oldroot
rmdir /.rvs-oldroot
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root

sshfs_mount() {
    local target=$1 extra=$2
    mkdir -p "$target"
    timeout 10 sshfs "$STORAGE" "$target" -o "IdentityFile=/root/.ssh/id_ed25519,UserKnownHostsFile=/root/.ssh/known_hosts,StrictHostKeyChecking=yes,BatchMode=yes,ConnectTimeout=5,ServerAliveInterval=5,allow_other$extra" ||
        fail "sshfs $STORAGE $target failed"
    findmnt -n -o FSTYPE -T "$target" | grep -qx fuse.sshfs || fail "$target is not a fuse.sshfs mount after sshfs"
}

# PIDs of this node's sshfs daemons (procps may be absent: read /proc).
sshfs_pids() {
    local p pids=()
    for p in /proc/[0-9]*; do
        [[ $(cat "$p/comm" 2>/dev/null) == sshfs ]] && pids+=("${p#/proc/}")
    done
    ((${#pids[@]} > 0)) || fail "no sshfs process found"
    echo "${pids[@]}"
}

# KohakuRiver's folders with the security guide's modes: kohakuriver-containers/ 755,
# shared_data/ 1777 (every task's /shared), logs/ 755 (KohakuRiver writes as root).
layout() {
    local d
    for d in "${LAYOUT[@]}"; do mkdir -p "$1/$d"; done
    chmod 0755 "$1/kohakuriver-containers" "$1/logs"
    chmod 1777 "$1/shared_data"
}

case $kind in
storage)
    mkdir -p /export
    layout /export
    chmod 0755 /export
    ;;
sshfs | sshfs-jump) sshfs_mount "$dir" ",reconnect" ;;
sshfs-dead)
    # The server side of the FUSE mount dies: every access fails with ENOTCONN
    # ("Transport endpoint is not connected"), the classic stale network mount.
    sshfs_mount "$dir" ",reconnect"
    kill -KILL $(sshfs_pids)
    ;;
sshfs-hung)
    # The FUSE daemon is frozen: stat, df and writes block until killed, while the mount
    # table (findmnt) still answers. A dead hard NFS mount behaves the same way.
    sshfs_mount "$dir" ",reconnect"
    kill -STOP $(sshfs_pids)
    ;;
sshfs-flaky)
    # Healthy until a test arms it: with /run/rvs-arm-hang present, the FUSE daemon is
    # frozen as soon as rivershare's verification read script runs on this node (its
    # shell's command line ends with its name, rivershare-verify-read), so
    # the storage hangs in the middle of `check` (after the mount probe and the token
    # write). The trial keeps the read phase long (a node whose token never shows up
    # makes every reader retry until the deadline), so a 20 ms poll cannot miss it.
    # Only /proc is read here, never the share. The test thaws it with kill -CONT.
    sshfs_mount "$dir" ",reconnect"
    (
        while :; do
            if [[ -e /run/rvs-arm-hang ]] && grep -qsa 'rivershare-verify-read' /proc/[0-9]*/cmdline; then
                rm -f /run/rvs-arm-hang
                kill -STOP $(sshfs_pids)
                echo "rvs-node: $name: sshfs frozen mid-verification"
            fi
            sleep 0.02
        done
    ) &
    ;;
sshfs-ro) sshfs_mount "$dir" ",ro" ;;
localdir)
    # A plain directory on the node's own root: the classic "forgot to mount" case.
    # It has the KohakuRiver layout so that not_mounted is its only storage problem.
    rm -rf "$dir"
    layout "$dir"
    ;;
missing) rm -rf "$dir" ;;
tmpfs)
    mkdir -p "$dir"
    mount -t tmpfs -o size=64m,mode=0755 rvs-share "$dir"
    layout "$dir"
    ;;
dropped) ;; # cluster.sh drops its port 22 with nft; storage is irrelevant
*) fail "unknown node kind '$kind'" ;;
esac

mkdir -p /run/sshd
chmod 0755 /run/sshd
/usr/sbin/sshd -D -e -f /etc/ssh/rvs/sshd_config &
sshd_pid=$!

# Ready when sshd listens on port 22 (0x0016, state 0A = LISTEN). Checked in /proc rather
# than by connecting, because runner-dropped's nft rule would swallow the connection.
for _ in $(seq 1 200); do
    kill -0 "$sshd_pid" 2>/dev/null || fail "sshd exited at start"
    if awk '$2 ~ /:0016$/ && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp; then
        echo "rvs-node: READY $name $addr kind=$kind"
        trap - ERR
        # PID 1 stays as the reaper; the node ends when cluster.sh down kills it.
        while :; do wait || true; sleep 3600 & wait $! || true; done
    fi
    sleep 0.02
done
fail "sshd not listening after 4 s"
