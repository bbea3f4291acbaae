//! layout_mode: folder modes judged by who writes each folder.

use super::*;

fn layout(entries: &[(&str, &str, &str)]) -> Vec<crate::facts::LayoutEntry> {
    entries
        .iter()
        .map(|(name, mode, owner)| crate::facts::LayoutEntry {
            name: (*name).to_owned(),
            present: true,
            mode: Some((*mode).to_owned()),
            owner: Some((*owner).to_owned()),
        })
        .collect()
}

fn mode_findings(entries: &[(&str, &str, &str)]) -> Vec<Finding> {
    let mut node = healthy("runner-1", Role::Runner);
    node.probe.as_mut().expect("probe").layout = layout(entries);
    findings(&node)
}

#[test]
fn layout_modes_are_judged_by_who_writes_each_folder() {
    let ok = [
        ("kohakuriver-containers", "755", "root"),
        ("shared_data", "1777", "root"),
        ("logs", "755", "root"),
    ];
    assert!(mode_findings(&ok).is_empty());
    // Root is not squashed (owners are root): logs/ 700 is still writable by root.
    assert!(mode_findings(&[ok[0], ok[1], ("logs", "700", "root")]).is_empty());

    let f = mode_findings(&[
        ("kohakuriver-containers", "777", "root"),
        ("shared_data", "755", "root"),
        ok[2],
    ]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code, Code::LayoutMode);
    assert_eq!(
        f[0].title,
        "KohakuRiver folder modes in /mnt/cluster-share: kohakuriver-containers, shared_data"
    );
    assert!(f[0].evidence[0].contains("777 owned by root: group- and world-writable"));
    assert!(f[0].evidence[1].contains("shared_data/ is 755 owned by root: not world-writable"));
    assert_eq!(
        f[0].commands,
        [
            "sudo chown root:root /mnt/cluster-share/kohakuriver-containers && sudo chmod 755 /mnt/cluster-share/kohakuriver-containers",
            "sudo chmod 1777 /mnt/cluster-share/shared_data",
        ],
        "only the folders that are off get a command"
    );

    let f = mode_findings(&[
        ("kohakuriver-containers", "755", "alice"),
        ("shared_data", "0777", "root"),
        ok[2],
    ]);
    assert_eq!(f[0].evidence.len(), 2);
    assert!(f[0].evidence[0].contains("alice can replace the tarballs"));
    assert!(f[0].evidence[1].contains("without the sticky bit"));

    // Root squashed to nobody (the Host's folder is owned by nobody): logs/ owned by
    // root 755 keeps the Runners out; 1777, or nobody's own 755, lets them in.
    let squashed = ("kohakuriver-containers", "755", "nobody");
    let f = mode_findings(&[squashed, ok[1], ("logs", "755", "root")]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence.len(), 1, "{:?}", f[0].evidence);
    assert!(
        f[0].evidence[0]
            .starts_with("runner-1: logs/ is 755 owned by root: the share squashes root")
    );
    assert_eq!(f[0].commands, ["sudo chmod 1777 /mnt/cluster-share/logs"]);
    assert!(mode_findings(&[squashed, ok[1], ("logs", "1777", "root")]).is_empty());
    assert!(mode_findings(&[squashed, ok[1], ("logs", "755", "nobody")]).is_empty());
    // Missing folders and unreadable modes are layout_missing's business.
    let mut node = healthy("runner-1", Role::Runner);
    let probe = node.probe.as_mut().expect("probe");
    probe.layout[0].present = false;
    probe.layout[0].mode = None;
    probe.layout[1].mode = Some("?".into());
    assert!(findings(&node).is_empty());
}

#[test]
fn commands_are_picked_by_folder_even_when_the_path_names_one() {
    let mut node = healthy("runner-1", Role::Runner);
    node.shared_dir = "/srv/logs share".into();
    node.probe.as_mut().expect("probe").layout = layout(&[
        ("kohakuriver-containers", "755", "root"),
        ("shared_data", "755", "root"),
        ("logs", "755", "root"),
    ]);
    let f = findings(&node);
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].commands,
        ["sudo chmod 1777 '/srv/logs share'/shared_data"]
    );
}
