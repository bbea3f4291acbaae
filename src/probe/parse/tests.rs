//! The parser's pieces on fixtures (tests/fixtures, see its README): exact facts.

use std::path::PathBuf;

use super::df::parse_df;
use super::findmnt::{parse_findmnt_json, parse_mountinfo};
use super::persist::systemd_escape_path;
use super::*;
use crate::facts::{LAYOUT_DIRS, Usage};

pub(super) fn fixture(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

pub(super) fn mount(
    target: &str,
    source: &str,
    fstype: &str,
    options: &str,
    mp: bool,
) -> MountInfo {
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

pub(super) fn layout_entry(name: &str, mode: &str, owner: &str) -> LayoutEntry {
    LayoutEntry {
        name: name.into(),
        present: true,
        mode: Some(mode.into()),
        owner: Some(owner.into()),
    }
}

pub(super) fn kohaku_layout() -> Vec<LayoutEntry> {
    vec![
        layout_entry("kohakuriver-containers", "755", "root"),
        layout_entry("shared_data", "1777", "root"),
        layout_entry("logs", "755", "nobody"),
    ]
}

pub(super) fn empty_layout() -> Vec<LayoutEntry> {
    LAYOUT_DIRS.iter().map(|n| absent(n)).collect()
}

pub(super) const TMPFS_64M: Usage = Usage {
    total_bytes: 67_108_864,
    used_bytes: 0,
    avail_bytes: 67_108_864,
};

pub(super) fn no_persistence() -> Option<Persistence> {
    Some(Persistence {
        fstab: false,
        mount_unit: None,
        fstab_entry: None,
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
fn host_is_read_from_one_uname_line_or_from_two() {
    let one =
        "@@rivershare begin 1\n@@rivershare host ok\n|node-1 6.1.0-18-amd64\n@@rivershare end\n";
    let f = parse(one.as_bytes(), "/srv");
    assert_eq!(f.hostname.as_deref(), Some("node-1"));
    assert_eq!(f.kernel.as_deref(), Some("6.1.0-18-amd64"));
    let two = "@@rivershare begin 1\n@@rivershare host ok\n|node-2\n|6.8.0\n@@rivershare end\n";
    let f = parse(two.as_bytes(), "/srv");
    assert_eq!(f.hostname.as_deref(), Some("node-2"));
    assert_eq!(f.kernel.as_deref(), Some("6.8.0"));
    let bare = "@@rivershare begin 1\n@@rivershare host ok\n|node-3\n@@rivershare end\n";
    let f = parse(bare.as_bytes(), "/srv");
    assert_eq!((f.hostname.as_deref(), f.kernel), (Some("node-3"), None));
}
