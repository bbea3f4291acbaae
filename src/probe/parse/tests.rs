//! The parser on fixtures (tests/fixtures, see its README): exact facts.

use std::path::PathBuf;

use proptest::prelude::*;

use super::df::parse_df;
use super::findmnt::{parse_findmnt_json, parse_mountinfo};
use super::persist::systemd_escape_path;
use super::*;
use crate::facts::{LAYOUT_DIRS, Usage};

fn fixture(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

fn mount(target: &str, source: &str, fstype: &str, options: &str, mp: bool) -> MountInfo {
    let (network, provider) = fs_class(fstype, source);
    MountInfo {
        target: target.into(),
        source: source.into(),
        fstype: fstype.into(),
        options: options.split(',').map(String::from).collect(),
        network,
        provider,
        is_mount_point: mp,
    }
}

fn layout_entry(name: &str, mode: &str, owner: &str) -> LayoutEntry {
    LayoutEntry {
        name: name.into(),
        present: true,
        mode: Some(mode.into()),
        owner: Some(owner.into()),
    }
}

fn kohaku_layout() -> Vec<LayoutEntry> {
    vec![
        layout_entry("kohakuriver-containers", "755", "root"),
        layout_entry("shared_data", "1777", "root"),
        layout_entry("logs", "755", "nobody"),
    ]
}

fn empty_layout() -> Vec<LayoutEntry> {
    LAYOUT_DIRS.iter().map(|n| absent(n)).collect()
}

const TMPFS_64M: Usage = Usage {
    total_bytes: 67_108_864,
    used_bytes: 0,
    avail_bytes: 67_108_864,
};

fn no_persistence() -> Option<Persistence> {
    Some(Persistence {
        fstab: false,
        mount_unit: None,
    })
}

#[test]
fn findmnt_fixtures_give_exact_mounts() {
    let cases: [(&str, &str, &str, &str, bool, &str); 16] = [
        (
            "nfs4.constructed.json",
            "/mnt/cluster-share",
            "10.0.0.5:/export/cluster",
            "nfs4",
            true,
            "nfs",
        ),
        (
            "nfs3-soft.constructed.json",
            "/mnt/cluster-share",
            "storage:/srv/share",
            "nfs",
            true,
            "nfs",
        ),
        (
            "cifs.constructed.json",
            "/mnt/cluster-share",
            "//fileserver/cluster",
            "cifs",
            true,
            "cifs",
        ),
        (
            "azure-files.constructed.json",
            "/mnt/cluster-share",
            "//kohakuacct.file.core.windows.net/cluster",
            "cifs",
            true,
            "azure-files",
        ),
        (
            "efs.constructed.json",
            "/mnt/cluster-share",
            "fs-0123456789abcdef0.efs.us-east-1.amazonaws.com:/",
            "nfs4",
            true,
            "efs",
        ),
        (
            "filestore.constructed.json",
            "/mnt/cluster-share",
            "10.128.0.2:/vol1",
            "nfs",
            true,
            "nfs",
        ),
        (
            "glusterfs.constructed.json",
            "/mnt/cluster-share",
            "gluster1:/gv0",
            "fuse.glusterfs",
            true,
            "glusterfs",
        ),
        (
            "ceph.constructed.json",
            "/mnt/cluster-share",
            "10.0.0.21:6789,10.0.0.22:6789,10.0.0.23:6789:/volumes/cluster",
            "ceph",
            true,
            "ceph",
        ),
        (
            "ceph-fuse.constructed.json",
            "/mnt/cluster-share",
            "ceph-fuse",
            "fuse.ceph-fuse",
            true,
            "ceph",
        ),
        (
            "sshfs.real.json",
            "/tmp/rssh/mnt",
            "root@127.0.0.1:/tmp/rssh/export",
            "fuse.sshfs",
            true,
            "sshfs",
        ),
        (
            "tmpfs.real.json",
            "/tmp/rsfx/tmpfs",
            "tmpfs",
            "tmpfs",
            false,
            "local",
        ),
        (
            "overlay.real.json",
            "/tmp/rsfx/ov/m",
            "overlay",
            "overlay",
            false,
            "local",
        ),
        (
            "ext4-root.real.json",
            "/",
            "/dev/vda",
            "ext4",
            false,
            "local",
        ),
        (
            "split-options.real.json",
            "/",
            "/dev/vda",
            "ext4",
            false,
            "local",
        ),
        ("tree.real.json", "/", "/dev/vda", "ext4", false, "local"),
        (
            "tree-old.constructed.json",
            "/mnt/cluster-share",
            "10.0.0.5:/export",
            "nfs4",
            true,
            "nfs",
        ),
    ];
    for (file, target, source, fstype, network, provider) in cases {
        let text = fixture(&format!("findmnt/{file}"));
        let m = parse_findmnt_json(&text, "/mnt/cluster-share/x").expect(file);
        assert_eq!(
            (m.target.as_str(), m.source.as_str(), m.fstype.as_str()),
            (target, source, fstype),
            "{file}"
        );
        assert_eq!(
            fs_class(&m.fstype, &m.source),
            (network, provider.to_string()),
            "{file}"
        );
        assert!(!m.options.is_empty(), "{file}");
    }
}

#[test]
fn findmnt_options_exact() {
    let m = parse_findmnt_json(&fixture("findmnt/nfs4.constructed.json"), "/").expect("nfs4");
    assert_eq!(m.options[..3], ["rw", "relatime", "vers=4.2"]);
    assert!(m.options.iter().any(|o| o == "hard"));
    // util-linux with VFS-OPTIONS,FS-OPTIONS columns: merged, `rw` once.
    let s = parse_findmnt_json(&fixture("findmnt/split-options.real.json"), "/").expect("split");
    assert_eq!(
        s.options,
        [
            "rw",
            "relatime",
            "discard",
            "resv_strict",
            "resuid=65534",
            "resgid=65534"
        ]
    );
}

#[test]
fn findmnt_garbage_is_an_error_not_a_panic() {
    for bad in [
        "",
        "{",
        "[]",
        "{\"filesystems\": []}",
        "{\"filesystems\": 3}",
        "null",
    ] {
        assert!(parse_findmnt_json(bad, "/").is_err(), "{bad}");
    }
}

#[test]
fn mountinfo_fixture_longest_prefix() {
    let text = fixture("mountinfo/sample.real.txt");
    let m = parse_mountinfo(&text, "/tmp/rsfx/ov/m/deeper/still").expect("overlay");
    assert_eq!(
        (m.target.as_str(), m.fstype.as_str()),
        ("/tmp/rsfx/ov/m", "overlay")
    );
    let m = parse_mountinfo(&text, "/tmp/rsfx/tmpfs").expect("tmpfs");
    assert_eq!(m.options, ["rw", "relatime", "size=65536k", "mode=755"]);
    let m = parse_mountinfo(&text, "/tmp/other").expect("root");
    assert_eq!((m.target.as_str(), m.source.as_str()), ("/", "/dev/vda"));
}

#[test]
fn df_fixtures() {
    let cases: [(&str, u64, u64, u64); 7] = [
        ("posix-tmpfs.real.txt", 67_108_864, 0, 67_108_864),
        ("output-tmpfs.real.txt", 67_108_864, 0, 67_108_864),
        ("busybox-p.real.txt", 67_108_864, 0, 67_108_864),
        (
            "posix-root.real.txt",
            270_553_174_016,
            18_423_955_456,
            79_148_793_856,
        ),
        (
            "plain-overlay.real.txt",
            270_553_174_016,
            18_424_008_704,
            79_148_740_608,
        ),
        (
            "posix-sshfs-long-source.real.txt",
            270_553_174_016,
            18_428_743_680,
            79_144_005_632,
        ),
        (
            "wrapped-efs.constructed.txt",
            9_007_199_254_739_968,
            1_048_576,
            9_007_199_253_691_392,
        ),
    ];
    for (file, total, used, avail) in cases {
        let u = parse_df(&fixture(&format!("df/{file}"))).expect(file);
        assert_eq!(
            u,
            Usage {
                total_bytes: total,
                used_bytes: used,
                avail_bytes: avail
            },
            "{file}"
        );
    }
    assert!(parse_df("").is_err());
    assert!(parse_df("Filesystem 1-blocks Used\n").is_err());
    // A numeric device name does not fool the capacity anchor.
    let u =
        parse_df("Filesystem 1-blocks Used Available Capacity Mounted on\n1234 100 40 60 40% /x\n")
            .expect("numeric device");
    assert_eq!((u.total_bytes, u.used_bytes, u.avail_bytes), (100, 40, 60));
}

#[test]
fn every_errno_string() {
    let text = fixture("errno/messages.tsv");
    let mut n = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (kind, msg) = line.split_once('\t').expect("kind<TAB>message");
        let want: AccessErrorKind =
            serde_json::from_value(serde_json::Value::String(kind.into())).expect(kind);
        assert_eq!(classify_errno(msg), want, "{msg:?}");
        n += 1;
    }
    assert!(n >= 20, "only {n} errno cases");
}

#[test]
fn systemd_escape_matches_the_real_tool() {
    let paths = [
        "/mnt/cluster-share",
        "/mnt/a b/.x/ü",
        "/",
        "//mnt//x/",
        "/srv/k8s:vol_1",
    ];
    let out = std::process::Command::new("systemd-escape")
        .arg("-p")
        .args(paths)
        .output()
        .expect("systemd-escape is installed (systemd package)");
    let real = String::from_utf8(out.stdout).expect("utf-8");
    let mine: Vec<String> = paths.iter().map(|p| systemd_escape_path(p)).collect();
    assert_eq!(real.split_whitespace().collect::<Vec<_>>(), mine);
}

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
            mount_unit: None
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
            mount_unit: Some("mnt-cluster\\x2dshare.mount".into())
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
