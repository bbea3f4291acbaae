//! Facts builders shared by unit tests.

use crate::facts::*;

const GIB: u64 = 1 << 30;

/// A node whose storage is exactly right: an NFS mount at /mnt/cluster-share, writable,
/// 900 GiB free, every folder present, listed in /etc/fstab.
pub fn healthy(name: &str, role: Role) -> NodeFacts {
    NodeFacts {
        name: name.to_owned(),
        role,
        address: format!("{name}.example"),
        shared_dir: "/mnt/cluster-share".to_owned(),
        shared_dir_source: SharedDirSource::Config,
        reachable: true,
        rtt_ms: Some(0.5),
        error: None,
        probe: Some(ProbeFacts {
            hostname: Some(name.to_owned()),
            kernel: Some("6.1.0".to_owned()),
            exists: true,
            is_dir: true,
            mount: Some(MountInfo {
                target: "/mnt/cluster-share".to_owned(),
                source: "10.0.0.5:/export".to_owned(),
                fstype: "nfs4".to_owned(),
                // Clean for the mount-option audit: big rsize/wsize, hard, noatime, v4.2.
                options: [
                    "rw",
                    "hard",
                    "noatime",
                    "vers=4.2",
                    "rsize=1048576",
                    "wsize=1048576",
                ]
                .map(String::from)
                .to_vec(),
                network: true,
                provider: "nfs".to_owned(),
                is_mount_point: true,
            }),
            access: Some(Access {
                read: true,
                write: true,
                error: None,
            }),
            usage: Some(Usage {
                total_bytes: 1000 * GIB,
                used_bytes: 100 * GIB,
                avail_bytes: 900 * GIB,
            }),
            layout: LAYOUT_DIRS
                .iter()
                .map(|d| LayoutEntry {
                    name: (*d).to_owned(),
                    present: true,
                    // The security guide's modes: shared_data 1777, the others 755.
                    mode: Some(if *d == "shared_data" { "1777" } else { "755" }.to_owned()),
                    owner: Some("root".to_owned()),
                })
                .collect(),
            persistence: Some(Persistence {
                fstab: true,
                mount_unit: None,
                fstab_entry: None,
            }),
            hung_steps: vec![],
            stuck_processes: vec![],
            warnings: vec![],
        }),
        kohakuriver: None,
    }
}
