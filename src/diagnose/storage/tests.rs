//! Storage kinds from fixtures (tests/fixtures/storage/<kind>/: findmnt output,
//! an fstab line or a systemd mount unit), through the real parsers, into the
//! classification and the findings of the three rules.

use std::path::{Path, PathBuf};

use super::*;
use crate::facts::{FstabEntry, MountInfo, Role};
use crate::probe::parse::findmnt::parse_findmnt_json;
use crate::probe::parse::fs_class;
use crate::probe::parse::persist::{fstab_lookup, mount_unit_entry};
use crate::testutil::healthy;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/storage")
}

/// One fixture folder read through the real parsers: the mount findmnt shows
/// for `dir`, and the fstab line (or mount unit) for its target.
fn load(name: &str, dir: &str) -> (MountInfo, Option<FstabEntry>) {
    let folder = fixtures().join(name);
    let mut mount = None;
    let mut entry = None;
    for file in std::fs::read_dir(&folder).expect("fixture folder") {
        let path = file.expect("entry").path();
        let fname = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if fname == "expected.txt" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("utf-8 fixture");
        if fname.starts_with("findmnt.") {
            let raw = parse_findmnt_json(&text, dir).expect("findmnt fixture parses");
            let (network, provider) = fs_class(&raw.fstype, &raw.source);
            mount = Some(MountInfo {
                is_mount_point: raw.target == dir,
                target: raw.target,
                source: raw.source,
                fstype: raw.fstype,
                options: raw.options,
                network,
                provider,
            });
        } else if fname.starts_with("fstab.") {
            entry = Some(
                fstab_lookup(&text, dir)
                    .1
                    .expect("fstab fixture names the mount point"),
            );
        } else if fname.ends_with(".mount") {
            entry = Some(mount_unit_entry(&text).expect("unit fixture has What= and Where="));
        }
        assert!(
            fname == "expected.txt"
                || fname.contains(".real.")
                || fname.ends_with(".real")
                || fname.contains(".constructed"),
            "{name}/{fname}: fixture names say where they came from"
        );
    }
    (
        mount.expect("every storage fixture has findmnt output"),
        entry,
    )
}

fn node_with(mount: MountInfo, entry: Option<FstabEntry>) -> NodeFacts {
    let mut node = healthy("runner-1", Role::Runner);
    node.shared_dir = mount.target.clone();
    let probe = node.probe.as_mut().expect("probe");
    probe.mount = Some(mount);
    let persistence = probe.persistence.as_mut().expect("persistence");
    persistence.fstab = entry.is_some();
    persistence.fstab_entry = entry;
    node
}

/// The findings as a reviewable text: code, title, then each evidence line.
fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("{}: {}\n", f.code.as_str(), f.title));
        for e in &f.evidence {
            out.push_str(&format!("  {e}\n"));
        }
    }
    out
}

/// (folder, SHARED_DIR, kind, the problem keys of mount_options, credentials_in_fstab)
const EXPECTED: &[(&str, &str, StorageKind, &[&str], bool)] = &[
    (
        "nfs3",
        "/mnt/cluster-share",
        StorageKind::Nfs3,
        &["rsize", "wsize", "soft", "noatime", "vers"],
        false,
    ),
    ("nfs4", "/mnt/cluster-share", StorageKind::Nfs4, &[], false),
    (
        "efs",
        "/mnt/cluster-share",
        StorageKind::Efs,
        &["timeo", "noresvport"],
        false,
    ),
    (
        "efs-utils-tls",
        "/mnt/cluster-share",
        StorageKind::Efs,
        &[],
        false,
    ),
    (
        "filestore",
        "/mnt/cluster-share",
        StorageKind::Filestore,
        &["noatime"],
        false,
    ),
    (
        "azure-smb",
        "/mnt/cluster-share",
        StorageKind::AzureFilesSmb,
        &["_netdev"],
        false,
    ),
    (
        "azure-nfs",
        "/mnt/cluster-share",
        StorageKind::AzureFilesNfs,
        &["noatime"],
        false,
    ),
    (
        "cifs-password",
        "/mnt/cluster-share",
        StorageKind::Cifs,
        &["vers", "_netdev"],
        true,
    ),
    (
        "glusterfs",
        "/mnt/cluster-share",
        StorageKind::Glusterfs,
        &["_netdev", "backup-volfile-servers"],
        false,
    ),
    (
        "glusterfs-unit",
        "/mnt/cluster-share",
        StorageKind::Glusterfs,
        &[],
        false,
    ),
    (
        "cephfs",
        "/mnt/cluster-share",
        StorageKind::CephKernel,
        &["noatime"],
        false,
    ),
    (
        "ceph-fuse",
        "/mnt/cluster-share",
        StorageKind::CephFuse,
        &["_netdev", "noatime"],
        false,
    ),
    (
        "sshfs",
        "/tmp/rssh/mnt",
        StorageKind::Sshfs,
        &["reconnect", "ServerAliveInterval"],
        false,
    ),
    ("local", "/", StorageKind::Local, &[], false),
];

#[test]
fn every_storage_fixture_classifies_and_audits_as_expected() {
    let mut seen: Vec<String> = std::fs::read_dir(fixtures())
        .expect("tests/fixtures/storage")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    seen.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|e| e.0.to_owned()).collect();
    listed.sort();
    assert_eq!(
        seen, listed,
        "every fixture folder has an expectation, and back"
    );
    let bless = std::env::var_os("RIVERSHARE_BLESS").is_some();
    for (name, dir, kind, keys, credentials) in EXPECTED {
        let (mount, entry) = load(name, dir);
        assert_eq!(classify(&mount, entry.as_ref()), *kind, "{name}");
        let findings = findings(&node_with(mount, entry));
        let options = findings.iter().find(|f| f.code == Code::MountOptions);
        let got_keys: Vec<&str> = options.map_or_else(Vec::new, |f| {
            f.title
                .rsplit_once(": ")
                .map_or(Vec::new(), |(_, k)| k.split(", ").collect())
        });
        assert_eq!(&got_keys, keys, "{name}: audited problems");
        assert_eq!(
            findings.iter().any(|f| f.code == Code::CredentialsInFstab),
            *credentials,
            "{name}: credentials_in_fstab"
        );
        assert!(
            findings
                .iter()
                .all(|f| matches!(f.code, Code::MountOptions | Code::CredentialsInFstab)),
            "{name}: healthy layout gives no layout_mode"
        );
        // The exact evidence, as reviewed in the folder's expected.txt.
        let text = format!("kind: {}\n{}", kind.as_str(), render(&findings));
        let expected = fixtures().join(name).join("expected.txt");
        if bless {
            std::fs::write(&expected, &text).expect("write expected.txt");
        }
        let want = std::fs::read_to_string(&expected)
            .unwrap_or_else(|e| panic!("{name}/expected.txt: {e} (RIVERSHARE_BLESS=1 writes it)"));
        assert_eq!(text, want, "{name}: findings differ from expected.txt");
    }
}

/// Every part of a finding as an operator reads it.
fn full_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "[{}] {} ({})\nnodes: {}\n\nwhy: {}\n\nfix: {}\n\ndebug:\n",
            f.severity.as_str(),
            f.title,
            f.code.as_str(),
            f.nodes.join(", "),
            f.why,
            f.hint
        ));
        for c in &f.debug_commands {
            out.push_str(&format!("  $ {c}\n"));
        }
        out.push_str("commands (shown, never run):\n");
        for c in &f.commands {
            out.push_str(&format!("  $ {c}\n"));
        }
        out.push_str("evidence:\n");
        for e in &f.evidence {
            out.push_str(&format!("  {e}\n"));
        }
        out.push_str("---\n");
    }
    out
}

fn golden(name: &str, dir: &str) -> String {
    let (mount, entry) = load(name, dir);
    full_text(&findings(&node_with(mount, entry)))
}

#[test]
fn golden_hint_nfs3() {
    insta::assert_snapshot!(golden("nfs3", "/mnt/cluster-share"));
}

#[test]
fn golden_hint_cifs_with_password() {
    let text = golden("cifs-password", "/mnt/cluster-share");
    for secret in ["Hunter2", "s3cr3t", ",x,"] {
        assert!(!text.contains(secret), "the password leaked: {secret}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn golden_hint_sshfs() {
    insta::assert_snapshot!(golden("sshfs", "/tmp/rssh/mnt"));
}

#[test]
fn without_an_fstab_line_the_line_is_built_from_the_live_mount() {
    let (mount, _) = load("nfs3", "/mnt/cluster-share");
    let a = audit::audit(StorageKind::Nfs3, &mount, None);
    assert_eq!(
        a.corrected,
        "storage:/srv/share /mnt/cluster-share nfs rw,noatime,vers=4.2,rsize=1048576,wsize=1048576,\
         hard,proto=tcp,timeo=600,retrans=2,sec=sys,local_lock=none,_netdev 0 0"
    );
    // fstab-only options are not judged without a line to read them from.
    let (mount, _) = load("glusterfs", "/mnt/cluster-share");
    let a = audit::audit(StorageKind::Glusterfs, &mount, None);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(
        a.corrected,
        "gluster1:/gv0 /mnt/cluster-share glusterfs rw,relatime,default_permissions,allow_other,\
         max_read=131072,_netdev 0 0"
    );
    // A hidden secret is not an option to write down; a space is escaped.
    let (mut mount, _) = load("cephfs", "/mnt/cluster-share");
    mount.target = "/mnt/cluster share".into();
    let a = audit::audit(StorageKind::CephKernel, &mount, None);
    assert_eq!(
        a.corrected,
        "10.0.0.21:6789,10.0.0.22:6789,10.0.0.23:6789:/volumes/cluster /mnt/cluster\\040share ceph \
         rw,noatime,name=kohaku,acl,mds_namespace=cephfs,_netdev 0 0"
    );
}

#[test]
fn a_clean_mount_and_layout_give_no_storage_findings() {
    assert!(findings(&healthy("host", Role::Host)).is_empty());
    let mut node = healthy("runner-1", Role::Runner);
    node.error = Some(crate::facts::NodeError::new(
        crate::facts::NodeErrorKind::Unreachable,
        "down",
    ));
    node.probe
        .as_mut()
        .expect("probe")
        .mount
        .as_mut()
        .expect("mount")
        .options = vec!["soft".into()];
    assert!(
        findings(&node).is_empty(),
        "an unreachable node is judged by nothing else"
    );
}

#[path = "tests_layout.rs"]
mod layout_modes;

#[test]
fn efs_is_corrected_to_the_aws_set_in_place() {
    let (mut mount, _) = load("efs", "/mnt/cluster-share");
    mount.options =
        "rw,vers=4.0,rsize=65536,wsize=1048576,soft,timeo=600,retrans=2,addr=172.31.9.20"
            .split(',')
            .map(String::from)
            .collect();
    let entry = FstabEntry {
        source: "fs-0123456789abcdef0.efs.us-east-1.amazonaws.com:/".into(),
        target: "/mnt/cluster-share".into(),
        fstype: "nfs4".into(),
        options: ["nfsvers=4.0", "soft", "_netdev"]
            .map(String::from)
            .to_vec(),
    };
    let a = audit::audit(classify(&mount, Some(&entry)), &mount, Some(&entry));
    let keys: Vec<&str> = a.problems.iter().map(|p| p.key).collect();
    assert_eq!(keys, ["vers", "rsize", "soft", "noresvport"]);
    assert_eq!(
        a.problems[0].text,
        "vers=4.0: Amazon EFS recommends vers=4.1"
    );
    assert_eq!(
        a.corrected,
        "fs-0123456789abcdef0.efs.us-east-1.amazonaws.com:/ /mnt/cluster-share nfs4 \
         nfsvers=4.1,hard,_netdev,rsize=1048576,noresvport 0 0"
    );
}
