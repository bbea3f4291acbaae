use super::*;

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
