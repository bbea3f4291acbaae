//! The whole parser on whole probe outputs (tests/fixtures/probe), and proptests.

use proptest::prelude::*;

use super::tests::{TMPFS_64M, empty_layout, fixture, kohaku_layout, mount, no_persistence};
use super::*;
use crate::facts::{FstabEntry, Usage};

#[test]
fn whole_probe_tmpfs_with_layout() {
    let f = parse(
        fixture("probe/tmpfs-layout.real.txt").as_bytes(),
        "/tmp/rsfx/share",
    );
    assert_eq!(
        f,
        ProbeFacts {
            hostname: Some("vm".into()),
            kernel: Some("6.18.44-fc-v782".into()),
            exists: true,
            is_dir: true,
            mount: Some(mount(
                "/tmp/rsfx/share",
                "tmpfs",
                "tmpfs",
                "rw,relatime,size=65536k",
                true
            )),
            access: Some(Access {
                read: true,
                write: true,
                error: None
            }),
            usage: Some(TMPFS_64M),
            layout: kohaku_layout(),
            persistence: no_persistence(),
            hung_steps: vec![],
            stuck_processes: vec![],
            warnings: vec![],
        }
    );
}

#[test]
fn whole_probe_healthy_nfs() {
    let f = parse(
        fixture("probe/nfs-healthy.constructed.txt").as_bytes(),
        "/mnt/cluster-share/",
    );
    let m = f.mount.clone().expect("mount");
    assert_eq!(
        (
            m.fstype.as_str(),
            m.source.as_str(),
            m.network,
            m.provider.as_str(),
            m.is_mount_point
        ),
        ("nfs4", "10.0.0.5:/export/cluster", true, "nfs", true)
    );
    assert_eq!(
        f.usage,
        Some(Usage {
            total_bytes: 1_081_101_176_832,
            used_bytes: 210_453_397_504,
            avail_bytes: 870_647_779_328
        })
    );
    assert_eq!(
        f.access,
        Some(Access {
            read: true,
            write: true,
            error: None
        })
    );
    assert_eq!(
        f.persistence,
        Some(Persistence {
            fstab: true,
            mount_unit: None,
            fstab_entry: Some(FstabEntry {
                source: "10.0.0.5:/export/cluster".into(),
                target: "/mnt/cluster-share".into(),
                fstype: "nfs4".into(),
                options: vec!["rw".into(), "hard".into(), "_netdev".into()],
            }),
        })
    );
    assert_eq!(f.layout, kohaku_layout());
    assert!(f.hung_steps.is_empty() && f.warnings.is_empty(), "{f:?}");
}

#[test]
fn whole_probe_read_only_bind() {
    let f = parse(
        fixture("probe/read-only.real.txt").as_bytes(),
        "/tmp/rsfx/ro",
    );
    assert_eq!(
        f.mount,
        Some(mount(
            "/tmp/rsfx/ro",
            "tmpfs",
            "tmpfs",
            "ro,relatime,size=65536k",
            true
        ))
    );
    let a = f.access.expect("access");
    assert!(a.read && !a.write);
    let e = a.error.expect("error");
    assert_eq!(e.kind, AccessErrorKind::ReadOnly);
    assert!(e.detail.starts_with("write (create): "), "{}", e.detail);
    assert!(e.detail.ends_with("Read-only file system"), "{}", e.detail);
    assert_eq!(f.layout, kohaku_layout());
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn whole_probe_missing_path_reports_parent_mount() {
    let f = parse(
        fixture("probe/missing.real.txt").as_bytes(),
        "/tmp/rsfx/share/nope/deeper",
    );
    assert!(!f.exists && !f.is_dir);
    // findmnt prints nothing for a missing path; mountinfo gives the parent mount.
    assert_eq!(
        f.mount,
        Some(mount(
            "/tmp/rsfx/share",
            "tmpfs",
            "tmpfs",
            "rw,relatime,size=65536k",
            false
        ))
    );
    let e = f.access.expect("access").error.expect("error");
    assert_eq!(e.kind, AccessErrorKind::Missing);
    assert_eq!(
        e.detail,
        "stat: stat: cannot statx '/tmp/rsfx/share/nope/deeper': No such file or directory"
    );
    assert_eq!(f.usage, None);
    assert!(f.layout.is_empty());
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn whole_probe_permission_denied() {
    let f = parse(
        fixture("probe/permission-denied.real.txt").as_bytes(),
        "/tmp/rsfx/share/locked",
    );
    let m = f.mount.expect("mount");
    assert_eq!(
        (m.target.as_str(), m.is_mount_point),
        ("/tmp/rsfx/share", false)
    );
    let a = f.access.expect("access");
    assert!(a.read && !a.write);
    assert_eq!(
        a.error.expect("error").kind,
        AccessErrorKind::PermissionDenied
    );
    assert_eq!(f.layout, empty_layout());
}

#[test]
fn whole_probe_hung_sshfs() {
    let f = parse(
        fixture("probe/hung-sshfs.real.txt").as_bytes(),
        "/tmp/rssh/mnt",
    );
    assert_eq!(f.hung_steps, ["path"]);
    assert!(f.exists, "a hung path is not reported missing");
    let m = f.mount.expect("findmnt answered while the mount hung");
    assert_eq!(
        (m.fstype.as_str(), m.network, m.is_mount_point),
        ("fuse.sshfs", true, true)
    );
    assert_eq!(
        f.access,
        Some(Access {
            read: false,
            write: false,
            error: Some(AccessError {
                kind: AccessErrorKind::Hung,
                detail: "path timed out after 2 s".into()
            })
        })
    );
    assert_eq!((f.usage, f.layout.len()), (None, 0));
}

#[test]
fn whole_probe_stale_sshfs() {
    let f = parse(
        fixture("probe/stale-sshfs.real.txt").as_bytes(),
        "/tmp/rssh/mnt",
    );
    assert!(f.exists && !f.is_dir);
    assert!(f.hung_steps.is_empty());
    let e = f.access.expect("access").error.expect("error");
    assert_eq!(e.kind, AccessErrorKind::StaleHandle);
    assert!(e.detail.contains("Transport endpoint is not connected"));
}

#[test]
fn whole_probe_busybox() {
    let f = parse(
        fixture("probe/busybox-tmpfs.real.txt").as_bytes(),
        "/tmp/rsfx/share",
    );
    assert_eq!(
        f.mount,
        Some(mount(
            "/tmp/rsfx/share",
            "tmpfs",
            "tmpfs",
            "rw,relatime,size=65536k",
            true
        ))
    );
    assert_eq!(f.usage, Some(TMPFS_64M));
    assert_eq!(f.layout, kohaku_layout());
    assert_eq!(
        f.warnings,
        ["findmnt is not installed; mount read from mountinfo"]
    );
}

#[test]
fn whole_probe_truncated_keeps_partial_facts() {
    let f = parse(
        fixture("probe/truncated.derived.txt").as_bytes(),
        "/tmp/rsfx/share",
    );
    assert!(
        f.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        f.warnings
    );
    assert_eq!(f.usage, Some(TMPFS_64M));
    assert!(f.mount.is_some());
    let a = f.access.expect("access");
    assert!(a.read && !a.write && a.error.is_none());
    assert_eq!((f.layout.len(), f.persistence), (0, None));
}

#[test]
fn persistence_by_unit_file() {
    let out = "@@rivershare begin 1\n@@rivershare findmnt ok\n|{\"filesystems\":[{\"target\":\"/mnt/cluster-share\",\"source\":\"s:/e\",\"fstype\":\"nfs4\",\"options\":\"rw\"}]}\n\
        @@rivershare fstab skip missing-file\n@@rivershare units ok\n\
        |/etc/systemd/system/mnt-cluster\\x2dshare.mount\n|/etc/systemd/system/remote-fs.target.wants/mnt-cluster\\x2dshare.mount\n@@rivershare end\n";
    let f = parse(out.as_bytes(), "/mnt/cluster-share");
    assert_eq!(
        f.persistence,
        Some(Persistence {
            fstab: false,
            mount_unit: Some("mnt-cluster\\x2dshare.mount".into()),
            fstab_entry: None,
        })
    );
}

#[test]
fn forged_markers_inside_bodies_are_inert() {
    // A tagged body line that looks like a marker stays a body line.
    let out = "@@rivershare begin 1\n@@rivershare path ok\n|exists=1\n|dir=1\n|real=/a\n|@@rivershare end\n@@rivershare end\n";
    let f = parse(out.as_bytes(), "/a\n@@rivershare end");
    assert!(f.exists && f.is_dir);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

fn section_strategy() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "host",
        "findmnt",
        "mountinfo",
        "path",
        "stat",
        "df",
        "list",
        "write",
        "layout",
        "fstab",
        "units",
        "tmp",
        "tools",
        "begin",
        "end",
        "zzz",
    ]);
    let statuses = prop::sample::select(vec![
        "ok",
        "err 1",
        "err x",
        "timeout",
        "skip hung",
        "skip",
        "",
        "1",
        "ok extra",
    ]);
    let body = prop::collection::vec("[|!]?[ -~]{0,30}", 0..4);
    (names, statuses, body).prop_map(|(n, s, b)| {
        let mut out = format!("@@rivershare {n} {s}\n");
        for l in b {
            out.push_str(&l);
            out.push('\n');
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&bytes, "/mnt/cluster-share");
    }

    #[test]
    fn random_sections_never_panic(secs in prop::collection::vec(section_strategy(), 0..20), dir in "[^\u{0}]{0,20}") {
        let out = format!("@@rivershare begin 1\n{}", secs.concat());
        let f = parse(out.as_bytes(), &dir);
        // Every timed-out section is reported, once.
        let mut hung = f.hung_steps.clone();
        hung.dedup();
        prop_assert_eq!(hung.len(), f.hung_steps.len());
    }

    #[test]
    fn real_fixture_cut_anywhere_never_panics(cut in 0usize..4000) {
        let text = fixture("probe/nfs-healthy.constructed.txt");
        let bytes = text.as_bytes();
        let f = parse(&bytes[..cut.min(bytes.len())], "/mnt/cluster-share");
        if cut < bytes.len() {
            prop_assert!(!f.warnings.is_empty());
        }
    }
}
