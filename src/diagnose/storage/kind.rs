//! What kind of storage holds SHARED_DIR, from the live mount (fstype, the
//! provider `fs_class` read from the source, options) and its `/etc/fstab` line.
//!
//! Only what shows is recognised. Amazon EFS and Azure Files name themselves in
//! the server's host name. Google Cloud Filestore does not: it is an NFSv3 server
//! at a private address. The one trace it leaves is its fixed mountd port 2050
//! (`mountport=2050`, in Google's firewall list of Filestore ports 111, 2046,
//! 2049, 2050, 4045), so an NFSv3 mount with that port is taken for Filestore and
//! any other NFSv3 mount stays plain NFSv3. The difference only matters for one
//! piece of advice: Filestore speaks v3 only, so "move to 4.1/4.2" is not given.

use crate::facts::{FstabEntry, MountInfo};

/// A storage kind rivershare gives specific advice for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageKind {
    Nfs3,
    Nfs4,
    /// NFS whose version neither the mount nor fstab shows.
    Nfs,
    Efs,
    Filestore,
    AzureFilesSmb,
    AzureFilesNfs,
    Cifs,
    Glusterfs,
    CephKernel,
    CephFuse,
    Sshfs,
    Local,
    /// Any other filesystem (Lustre, BeeGFS, virtiofs, ...): no audit.
    Other,
}

impl StorageKind {
    /// Stable short name (fixtures, logs).
    pub fn as_str(self) -> &'static str {
        match self {
            StorageKind::Nfs3 => "nfs3",
            StorageKind::Nfs4 => "nfs4",
            StorageKind::Nfs => "nfs",
            StorageKind::Efs => "efs",
            StorageKind::Filestore => "filestore",
            StorageKind::AzureFilesSmb => "azure-files-smb",
            StorageKind::AzureFilesNfs => "azure-files-nfs",
            StorageKind::Cifs => "cifs",
            StorageKind::Glusterfs => "glusterfs",
            StorageKind::CephKernel => "cephfs",
            StorageKind::CephFuse => "ceph-fuse",
            StorageKind::Sshfs => "sshfs",
            StorageKind::Local => "local",
            StorageKind::Other => "other",
        }
    }

    /// How an operator calls it.
    pub fn label(self) -> &'static str {
        match self {
            StorageKind::Nfs3 => "NFSv3",
            StorageKind::Nfs4 => "NFSv4",
            StorageKind::Nfs => "NFS",
            StorageKind::Efs => "Amazon EFS",
            StorageKind::Filestore => "Google Cloud Filestore",
            StorageKind::AzureFilesSmb => "Azure Files (SMB)",
            StorageKind::AzureFilesNfs => "Azure Files (NFS 4.1)",
            StorageKind::Cifs => "CIFS/Samba",
            StorageKind::Glusterfs => "GlusterFS",
            StorageKind::CephKernel => "CephFS (kernel)",
            StorageKind::CephFuse => "CephFS (ceph-fuse)",
            StorageKind::Sshfs => "sshfs",
            StorageKind::Local => "local filesystem",
            StorageKind::Other => "other filesystem",
        }
    }

    /// Spoken over NFS: the NFS part of the audit applies.
    pub fn is_nfs(self) -> bool {
        matches!(
            self,
            StorageKind::Nfs3
                | StorageKind::Nfs4
                | StorageKind::Nfs
                | StorageKind::Efs
                | StorageKind::Filestore
                | StorageKind::AzureFilesNfs
        )
    }
}

/// The value of option `key` (last one wins, as in the kernel), if set.
pub(crate) fn opt<'a>(options: &'a [String], key: &str) -> Option<&'a str> {
    options
        .iter()
        .rev()
        .find_map(|o| o.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v))
}

/// The NFS version an option list asks for (`vers=`, `nfsvers=`).
fn nfs_version(options: &[String]) -> Option<&str> {
    opt(options, "vers").or_else(|| opt(options, "nfsvers"))
}

/// Classify the mount holding SHARED_DIR.
pub fn classify(mount: &MountInfo, fstab: Option<&FstabEntry>) -> StorageKind {
    let fstype = mount.fstype.to_ascii_lowercase();
    // amazon-efs-utils mounts type `efs`; with `tls` the live mount is NFS to a
    // local stunnel (`127.0.0.1:/`), so only the fstab line says EFS.
    if mount.provider == "efs" || fstab.is_some_and(|e| e.fstype.eq_ignore_ascii_case("efs")) {
        return StorageKind::Efs;
    }
    if mount.provider == "local" {
        return StorageKind::Local;
    }
    let nfs = matches!(fstype.as_str(), "nfs" | "nfs3" | "nfs4");
    if mount.provider == "azure-files" {
        return if nfs {
            StorageKind::AzureFilesNfs
        } else {
            StorageKind::AzureFilesSmb
        };
    }
    match fstype.as_str() {
        _ if nfs => {
            let version = nfs_version(&mount.options)
                .or_else(|| fstab.and_then(|e| nfs_version(&e.options)))
                .map(str::to_owned);
            match version.as_deref() {
                _ if fstype == "nfs4" => StorageKind::Nfs4,
                Some(v) if v.starts_with('4') => StorageKind::Nfs4,
                Some(v) if v.starts_with('3') => {
                    if opt(&mount.options, "mountport") == Some("2050") {
                        StorageKind::Filestore
                    } else {
                        StorageKind::Nfs3
                    }
                }
                _ => StorageKind::Nfs,
            }
        }
        "cifs" | "smb3" | "smbfs" | "smb" => StorageKind::Cifs,
        "glusterfs" | "fuse.glusterfs" => StorageKind::Glusterfs,
        "ceph" => StorageKind::CephKernel,
        "fuse.ceph-fuse" | "fuse.ceph" => StorageKind::CephFuse,
        "fuse.sshfs" | "sshfs" => StorageKind::Sshfs,
        _ => StorageKind::Other,
    }
}
