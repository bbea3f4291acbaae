use super::*;
use crate::facts::MountInfo;

#[test]
fn sources_split_into_server_and_export() {
    let cases = [
        ("nfs4", "10.0.0.5:/export", Some(("10.0.0.5", "/export"))),
        (
            "nfs",
            "[fd00::5]:/srv/share",
            Some(("fd00::5", "/srv/share")),
        ),
        (
            "cifs",
            "//files.example/share",
            Some(("files.example", "/share")),
        ),
        ("fuse.glusterfs", "gl1:/vol0", Some(("gl1", "/vol0"))),
        (
            "fuse.sshfs",
            "root@10.0.0.5:/srv/share",
            Some(("10.0.0.5", "/srv/share")),
        ),
        (
            "ceph",
            "10.0.0.1:6789,10.0.0.2:6789:/volumes",
            Some(("10.0.0.1", "/volumes")),
        ),
        ("tmpfs", "tmpfs", None),
        ("ext4", "/dev/sda1", None),
    ];
    for (fstype, source, want) in cases {
        let got = split_source(fstype, source);
        let want = want.map(|(s, e)| (s.to_owned(), e.to_owned()));
        assert_eq!(got, want, "{fstype} {source}");
    }
}

#[test]
fn commands_quote_values_and_drop_what_they_cannot_fill() {
    let vars = Vars::default()
        .with("dir", "/mnt/a b")
        .with("server", "srv");
    assert_eq!(
        vars.commands(&[
            "ls -la {dir}",
            "showmount -e {server}",
            "findmnt -T {target}"
        ]),
        vec![
            "ls -la '/mnt/a b'".to_owned(),
            "showmount -e srv".to_owned()
        ]
    );
    assert_eq!(
        Vars::placeholders().commands(&["umount {target} && echo ${HOME}"]),
        vec!["umount <MOUNT_POINT> && echo ${HOME}".to_owned()]
    );
    assert_eq!(vars.fill_text("on {server}: {export}"), "on srv: <EXPORT>");
}

#[test]
fn a_hostile_value_stays_one_word() {
    let vars = Vars::default().with("dir", "/mnt/$(touch x); rm -rf /");
    let cmd = vars.fill_command("ls -la {dir}", false).expect("filled");
    assert_eq!(cmd, "ls -la '/mnt/$(touch x); rm -rf /'");
}

fn mount(source: &str, fstype: &str, provider: &str) -> MountInfo {
    MountInfo {
        target: "/mnt/cluster-share".to_owned(),
        source: source.to_owned(),
        fstype: fstype.to_owned(),
        options: vec!["rw".to_owned()],
        network: true,
        provider: provider.to_owned(),
        is_mount_point: true,
    }
}

#[test]
fn each_storage_kind_gets_its_port_and_only_plain_nfs_an_nfs_server() {
    let cases = [
        ("10.0.0.5:/export", "nfs4", "nfs", Some("2049"), true),
        (
            "fs-1.efs.eu-west-1.amazonaws.com:/",
            "nfs4",
            "efs",
            Some("2049"),
            false,
        ),
        (
            "//acct.file.core.windows.net/share",
            "cifs",
            "azure-files",
            Some("445"),
            false,
        ),
        ("//nas/share", "smb3", "cifs", Some("445"), false),
        (
            "gl1:/vol0",
            "fuse.glusterfs",
            "glusterfs",
            Some("24007"),
            false,
        ),
        (
            "root@10.0.0.7:/srv",
            "fuse.sshfs",
            "sshfs",
            Some("22"),
            false,
        ),
        ("10.0.0.1:6789:/", "ceph", "ceph", Some("6789"), false),
        ("bucket:/", "fuse.s3fs", "s3fs", None, false),
    ];
    for (source, fstype, provider, port, rpcbind) in cases {
        let vars = Vars::default().with_mount(&mount(source, fstype, provider));
        assert_eq!(vars.get("port"), port, "{fstype} {source}");
        assert_eq!(
            vars.get("nfs_server").is_some(),
            rpcbind,
            "{fstype} {source}"
        );
        assert_eq!(
            vars.get("fuse_target").is_some(),
            fstype.starts_with("fuse."),
            "{fstype}"
        );
    }
}

#[test]
fn a_server_that_reads_as_an_option_is_left_out_with_its_commands() {
    let vars = Vars::default().with_mount(&mount("-oProxyCommand=x:/e", "nfs4", "nfs"));
    assert_eq!(vars.get("server"), None);
    assert!(vars.commands(&["showmount -e {nfs_server}"]).is_empty());
}

#[test]
fn a_node_without_a_mount_takes_the_server_from_fstab_then_from_its_peers() {
    use crate::facts::{FstabEntry, Role};
    use crate::testutil::healthy;
    let mut nodes = vec![
        healthy("host", Role::Host),
        healthy("runner-01", Role::Runner),
        healthy("runner-02", Role::Runner),
    ];
    // runner-01 mounts another server: the majority (and the Host) win.
    nodes[1].probe.as_mut().expect("probe").mount = Some(mount("10.9.9.9:/other", "nfs4", "nfs"));
    let probe = nodes[2].probe.as_mut().expect("probe");
    probe.mount = None;
    probe.persistence.as_mut().expect("persistence").fstab = false;
    let vars = Vars::for_node_in(&nodes[2], &nodes);
    assert_eq!(vars.get("server"), Some("10.0.0.5"));
    assert_eq!(vars.get("export"), Some("/export"));
    assert_eq!(vars.get("port"), Some("2049"));
    assert_eq!(
        vars.get("fstab_line"),
        Some(
            "10.0.0.5:/export /mnt/cluster-share nfs4 rw,hard,noatime,vers=4.2,rsize=1048576,wsize=1048576,_netdev 0 0"
        )
    );
    // Its own fstab entry comes first, and then no line is offered to add.
    let persistence = nodes[2]
        .probe
        .as_mut()
        .and_then(|p| p.persistence.as_mut())
        .expect("persistence");
    persistence.fstab = true;
    persistence.fstab_entry = Some(FstabEntry {
        source: "//files/kr".to_owned(),
        target: "/mnt/cluster-share".to_owned(),
        fstype: "cifs".to_owned(),
        options: vec!["credentials=/root/.smb".to_owned()],
    });
    let vars = Vars::for_node_in(&nodes[2], &nodes);
    assert_eq!(vars.get("server"), Some("files"));
    assert_eq!(vars.get("port"), Some("445"));
    assert_eq!(vars.get("fstab_line"), None);
}
