//! Filesystem class: is a mount network (or cluster) storage, and who provides it.

/// Network and cluster filesystem types, with the provider each one implies.
const NETWORK: &[(&str, &str)] = &[
    ("nfs", "nfs"),
    ("nfs3", "nfs"),
    ("nfs4", "nfs"),
    ("cifs", "cifs"),
    ("smb3", "cifs"),
    ("smbfs", "cifs"),
    ("smb", "cifs"),
    ("glusterfs", "glusterfs"),
    ("fuse.glusterfs", "glusterfs"),
    ("ceph", "ceph"),
    ("fuse.ceph-fuse", "ceph"),
    ("fuse.ceph", "ceph"),
    ("fuse.sshfs", "sshfs"),
    ("sshfs", "sshfs"),
    ("lustre", "lustre"),
    ("gpfs", "gpfs"),
    ("beegfs", "beegfs"),
    ("virtiofs", "virtiofs"),
    ("9p", "9p"),
    ("fuse.s3fs", "s3fs"),
    ("fuse.rclone", "rclone"),
    ("fuse.gcsfuse", "gcsfuse"),
    ("fuse.juicefs", "juicefs"),
    ("fuse.mfs", "moosefs"),
    ("fuse.mfsmount", "moosefs"),
    ("fuse.lizardfs", "lizardfs"),
    ("afs", "afs"),
    ("ocfs2", "ocfs2"),
    ("gfs2", "gfs2"),
    ("orangefs", "orangefs"),
    ("pvfs2", "orangefs"),
    ("davfs", "webdav"),
    ("fuse.davfs2", "webdav"),
    ("weka", "weka"),
    ("wekafs", "weka"),
];

/// Local filesystem types: SHARED_DIR on one of these is not shared storage.
const LOCAL: &[&str] = &[
    "ext2",
    "ext3",
    "ext4",
    "xfs",
    "btrfs",
    "zfs",
    "bcachefs",
    "f2fs",
    "jfs",
    "reiserfs",
    "overlay",
    "overlayfs",
    "aufs",
    "tmpfs",
    "ramfs",
    "devtmpfs",
    "squashfs",
    "erofs",
    "vfat",
    "msdos",
    "exfat",
    "ntfs",
    "ntfs3",
    "fuseblk",
    "iso9660",
    "udf",
    "hfsplus",
    "nilfs2",
    "proc",
    "sysfs",
    "devpts",
    "cgroup",
    "cgroup2",
    "fuse.lxcfs",
    "rootfs",
];

/// `(network, provider)` for a mount's fstype and source.
///
/// The provider is read from the source where it shows (`*.efs.*.amazonaws.com`
/// is `efs`, `*.file.core.windows.net` is `azure-files`, `*.fsx.*.amazonaws.com`
/// is `fsx`); Google Filestore looks like any NFS server, so it is `nfs`. Local
/// types give `local`. An unknown type counts as network when its source names a
/// server (`host:/path` or `//host/share`), and its provider is the fstype itself.
pub fn fs_class(fstype: &str, source: &str) -> (bool, String) {
    let fstype = fstype.trim().to_ascii_lowercase();
    let host = source_host(source).to_ascii_lowercase();
    if let Some((_, provider)) = NETWORK.iter().find(|(t, _)| *t == fstype) {
        if host.contains(".efs.") && is_aws(&host) {
            return (true, "efs".into());
        }
        if host.contains(".fsx.") && is_aws(&host) {
            return (true, "fsx".into());
        }
        if host.contains(".file.core.") {
            return (true, "azure-files".into());
        }
        return (true, (*provider).into());
    }
    if LOCAL.contains(&fstype.as_str()) {
        return (false, "local".into());
    }
    let remote = source.starts_with("//") || (source.contains(":/") && !source.starts_with('/'));
    let provider = if fstype.is_empty() {
        "unknown".to_string()
    } else {
        fstype
    };
    (remote, provider)
}

fn is_aws(host: &str) -> bool {
    host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
}

/// The server part of a mount source: `host` of `host:/export`, `//host/share`,
/// `user@host:/dir`, or `host@tcp:/fs` (Lustre).
fn source_host(source: &str) -> &str {
    let s = source.trim();
    let s = s.strip_prefix("//").map_or_else(
        || s.split(":/").next().unwrap_or(s),
        |rest| rest.split('/').next().unwrap_or(rest),
    );
    match s.rsplit_once('@') {
        // `host@tcp` or `host@o2ib` (a Lustre NID): the host comes first.
        Some((host, net)) if net.starts_with("tcp") || net.starts_with("o2ib") => host,
        // `user@host` (sshfs).
        Some((_, host)) => host,
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_from_source() {
        let cases = [
            (
                "nfs4",
                "fs-0123abcd.efs.us-east-1.amazonaws.com:/",
                true,
                "efs",
            ),
            ("nfs4", "10.0.0.5:/export", true, "nfs"),
            (
                "cifs",
                "//acct.file.core.windows.net/share",
                true,
                "azure-files",
            ),
            (
                "nfs4",
                "acct.file.core.windows.net:/acct/share",
                true,
                "azure-files",
            ),
            ("cifs", "//fileserver/share", true, "cifs"),
            (
                "lustre",
                "fs-1.fsx.us-east-1.amazonaws.com@tcp:/abcd",
                true,
                "fsx",
            ),
            ("lustre", "10.0.0.9@tcp:/lustre", true, "lustre"),
            ("fuse.sshfs", "root@storage:/srv/share", true, "sshfs"),
            ("fuse.ceph-fuse", "ceph-fuse", true, "ceph"),
            ("ceph", "10.0.0.1:6789,10.0.0.2:6789:/", true, "ceph"),
            ("ext4", "/dev/sda1", false, "local"),
            ("tmpfs", "tmpfs", false, "local"),
            ("overlay", "overlay", false, "local"),
            ("weirdfs", "server:/x", true, "weirdfs"),
            ("weirdfs", "/dev/sdb", false, "weirdfs"),
            ("", "", false, "unknown"),
        ];
        for (t, s, net, p) in cases {
            assert_eq!(fs_class(t, s), (net, p.to_string()), "{t} {s}");
        }
    }
}
