//! Catalogue entries: storage (one node's SHARED_DIR and its mount). They
//! cover the troubleshooting table of KohakuRiver's Shared Storage Guide:
//! "Mount fails" (`path_missing`, `not_mounted`), "Permission denied",
//! "Stale file handle" and "Slow performance".

use super::super::Entry;
use crate::diagnose::Code;

/// The guide's "Mount fails" checks: the server, the firewall and the network.
/// Each is dropped when its value is unknown (`nfs_server` is plain NFS only).
macro_rules! reach_server {
    () => {
        [
            "showmount -e {nfs_server}",
            "rpcinfo -p {nfs_server}",
            "nc -zv -w 3 {server} {port}",
            "nc -zv -w 3 {nfs_server} 111",
        ]
    };
}

const PATH_MISSING_DEBUG: &[&str] = &{
    let [a, b, c, d] = reach_server!();
    ["findmnt -T {dir}", "grep -F {dir} /etc/fstab", a, b, c, d]
};

const NOT_MOUNTED_DEBUG: &[&str] = &{
    let [a, b, c, d] = reach_server!();
    [
        "findmnt -T {dir}",
        "stat {dir}",
        "ls -la {dir}",
        "grep -F {dir} /etc/fstab",
        "systemctl status {unit}",
        a,
        b,
        c,
        d,
    ]
};

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[
    Entry {
        code: Code::PathMissing,
        title: "SHARED_DIR does not exist",
        why: "KohakuRiver only checks that SHARED_DIR is a directory. A Runner without it logs \
              \"Shared directory not found\" and its tasks fail with \"Tarball not found\"; a Host \
              creates it on its local disk at start-up and builds a fresh base tarball there, where no \
              Runner can load it.",
        fix: "Create the mount point {dir} and mount the share there, persistently (an /etc/fstab \
              line with _netdev), or point SHARED_DIR at the path where the share is mounted. If the \
              mount fails, check the storage server, the firewall and the network: the server must \
              export the share to this node and its port must be open from here.",
        debug: PATH_MISSING_DEBUG,
        fix_commands: &[
            "echo {fstab_line} | sudo tee -a /etc/fstab",
            "sudo mkdir -p {dir} && sudo mount {dir}",
        ],
    },
    Entry {
        code: Code::NotMounted,
        title: "SHARED_DIR is on a local filesystem",
        why: "The path exists but no network filesystem is mounted there: a Runner writes \
              shared_data/ and task logs to its own disk and never sees the Host's tarballs; a Host \
              builds tarballs on its own disk, where no Runner can load them. KohakuRiver only checks \
              that the directory exists, so it does not complain.",
        fix: "Mount the share at {dir} as the other nodes do, make it persistent (an /etc/fstab line \
              with _netdev), then restart {unit} so it works on the share. If the mount fails, check \
              the storage server, the firewall and the network.",
        debug: NOT_MOUNTED_DEBUG,
        fix_commands: &[
            "echo {fstab_line} | sudo tee -a /etc/fstab",
            "sudo mount {dir}",
            "sudo systemctl restart {unit}",
        ],
    },
    Entry {
        code: Code::ReadOnly,
        title: "SHARED_DIR is read-only",
        why: "Writes fail with EROFS: containers cannot write task logs (logs/) or files in /shared \
              (shared_data/), and a Host cannot save new container tarballs.",
        fix: "Either the mount has the ro option (remount it rw, and fix /etc/fstab) or the server \
              exports the share read-only (fix the export, then remount).",
        debug: &[
            "findmnt -no OPTIONS -T {dir}",
            "grep -F {dir} /etc/fstab",
            "showmount -e {nfs_server}",
        ],
        fix_commands: &[
            "sudo mount -o remount,rw {target}",
            "sudo exportfs -v   # on {server}: {export} must be rw",
        ],
    },
    Entry {
        code: Code::PermissionDenied,
        title: "no write permission on SHARED_DIR",
        why: "KohakuRiver's services run as root and its containers write as root: when root cannot \
              write SHARED_DIR, task logs (logs/) and /shared (shared_data/) writes fail. On NFS, an \
              export with root_squash turns root into nobody; the Shared Storage Guide's export uses \
              no_root_squash.",
        fix: "Check the user the write test ran as and the owner and mode of {dir}. On NFS, add \
              no_root_squash to the export of {export} in /etc/exports on the server, run exportfs -ra \
              there, and remount here. On SMB/CIFS the mount's uid, gid, file_mode and dir_mode \
              options decide who may write.",
        debug: &[
            "id",
            "ls -ld {dir}",
            "stat {dir}",
            "findmnt -no SOURCE,OPTIONS -T {dir}",
            "showmount -e {nfs_server}",
        ],
        fix_commands: &[
            "sudo exportfs -v   # on {server}: {export} should show no_root_squash",
            "sudo exportfs -ra   # on {server}, after adding no_root_squash to /etc/exports",
            "sudo umount {target} && sudo mount {target}",
        ],
    },
    Entry {
        code: Code::StaleHandle,
        title: "stale file handle on SHARED_DIR",
        why: "The server restarted or re-exported the share, or the FUSE daemon (sshfs, GlusterFS) \
              died: every access fails with ESTALE or ENOTCONN, so tasks fail with \"Stale file \
              handle\" and the Runner cannot load container tarballs.",
        fix: "Remount the share: umount, then mount; when it is busy, lazy-unmount it (umount -l). A \
              dead FUSE mount (sshfs) is released with fusermount -u. Then restart {unit} so it \
              reopens the share. Only the mount table is safe to read until then.",
        debug: &[
            "findmnt -T {dir}",
            "mount | grep -F -- {dir}",
            "nc -zv -w 3 {server} {port}",
        ],
        fix_commands: &[
            "sudo umount {target} && sudo mount {target}",
            "sudo umount -l {target} && sudo mount {target}   # if busy",
            "fusermount -u {fuse_target} && sudo mount {fuse_target}   # FUSE (sshfs)",
            "sudo systemctl restart {unit}",
        ],
    },
    Entry {
        code: Code::StorageHung,
        title: "storage hung",
        why: "On a hard-mounted share whose server is gone every access blocks: KohakuRiver tasks and \
              the Runner itself hang in uninterruptible I/O (state D) as soon as they touch SHARED_DIR, \
              and cannot be killed.",
        fix: "Check the storage server and the network from this node; only the mount table is safe \
              to read (stat, ls and df hang too). When the server comes back the mount recovers by \
              itself; otherwise force a lazy unmount and mount again.",
        debug: &[
            "findmnt -T {dir}",
            "mount | grep -F -- {dir}",
            "nc -zv -w 3 {server} {port}",
            "ps -eo pid,stat,wchan:32,cmd",
        ],
        fix_commands: &["sudo umount -f -l {target} && sudo mount {target}"],
    },
    Entry {
        code: Code::WriteFailed,
        title: "write test failed on SHARED_DIR",
        why: "Runners write task logs and containers write shared_data/ on this share: a write that \
              fails for rivershare fails for them too.",
        fix: "Creating, syncing or removing a small file failed for a reason rivershare does not \
              classify; the evidence has the message. Try the same write by hand and read the kernel \
              log.",
        debug: &[
            "ls -la {dir}",
            "df -h {dir}",
            "findmnt -T {dir}",
            "journalctl -k -n 50 --no-pager",
        ],
        fix_commands: &["touch {dir}/.rivershare-test && rm {dir}/.rivershare-test"],
    },
    Entry {
        code: Code::LowSpace,
        title: "SHARED_DIR is low on space",
        why: "KohakuRiver's Shared Storage Guide asks for 20 GB or more: container tarballs are \
              several GB each, and KohakuRiver never deletes task logs (logs/<task_id>/), so they pile \
              up forever. When the share fills, tarball creation and task logs fail.",
        fix: "See what fills {dir}: superseded tarballs go with rivershare prune; old task logs in \
              {dir}/logs can be removed by hand (KohakuRiver never does); or grow the volume.",
        debug: &["df -h {dir}", "du -sh {dir}/*"],
        fix_commands: &[
            "rivershare prune",
            "sudo find {dir}/logs -mindepth 1 -maxdepth 1 -type d -mtime +30 -exec rm -rf -- {} +   # task logs older than 30 days",
        ],
    },
    Entry {
        code: Code::LayoutMissing,
        title: "a KohakuRiver folder is missing from SHARED_DIR",
        why: "KohakuRiver expects kohakuriver-containers/ (tarballs the Host writes and Runners load), \
              shared_data/ (mounted as /shared in every container) and logs/ (task output the Host \
              serves) in SHARED_DIR. A folder missing on a mounted share usually means this node \
              mounts another export than the others.",
        fix: "Compare the mount source of {dir} with the other nodes first. If it is the right \
              storage, create the missing folders with the security guide's modes: \
              kohakuriver-containers 755, shared_data 1777, logs writable by the Runners.",
        debug: &["ls -la {dir}", "findmnt -no SOURCE -T {dir}"],
        fix_commands: &["sudo mkdir -p -m {mode} {dir}/{folder}"],
    },
    Entry {
        code: Code::NotPersistent,
        title: "the mount is not persistent",
        why: "Neither /etc/fstab nor a systemd mount unit names this mount, so after a reboot SHARED_DIR \
              is an empty local directory: the Runner starts anyway (it only checks that the directory \
              exists) and silently writes task logs and shared_data/ to its local disk; a Host builds a \
              fresh base tarball there.",
        fix: "Add the mount to /etc/fstab with _netdev (the line below is what is mounted now), and \
              make {unit} wait for it with RequiresMountsFor={dir} (systemctl edit {unit}).",
        debug: &[
            "findmnt -T {dir}",
            "grep -F {target} /etc/fstab",
            "systemctl cat {unit}",
        ],
        fix_commands: &[
            "echo {fstab_line} | sudo tee -a /etc/fstab",
            "sudo systemctl daemon-reload",
            "sudo systemctl edit {unit}   # [Unit] RequiresMountsFor={dir}",
        ],
    },
    Entry {
        code: Code::SlowStorage,
        title: "shared storage is slow",
        why: "A Runner loads container tarballs (several GB) straight from the share when a task \
              starts, with no local copy: slow storage makes every task start crawl.",
        fix: "Check the mount options first (see mount_options; KohakuRiver's Shared Storage Guide \
              mounts NFS with rsize=131072,wsize=131072 or more, hard and noatime), then the network: \
              link speed and duplex, errors and drops, an overloaded server or one 1 Gbit/s link \
              shared by many nodes. Measure again with rivershare check --io-bench.",
        debug: &["findmnt -no OPTIONS -T {dir}", "nfsstat -m", "ip -s link"],
        fix_commands: &[],
    },
];
