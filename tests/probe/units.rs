//! The mount-unit look-up's shell functions, run by the real shells: the names
//! `unit_names` computes are systemd's own escaping (`systemd_escape_path`, the
//! parser's) for a path and each of its parents, for every byte, under dash,
//! bash and busybox; `units_list` finds exactly the files of those names.

use super::*;
use rivershare::probe::parse::persist::systemd_escape_path;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// What `unit_names` must set UN to: the path and each parent, longest first,
/// then the root's "-".
fn expected_names(path: &[u8]) -> String {
    let text = String::from_utf8_lossy(path);
    assert!(!text.contains('\u{fffd}'), "test paths are UTF-8");
    let parts: Vec<&str> = text
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let mut names: Vec<String> = (1..=parts.len())
        .rev()
        .map(|n| systemd_escape_path(&format!("/{}", parts[..n].join("/"))))
        .collect();
    names.push("-".into());
    names.join(" ")
}

/// UN as the shell `sh` (a program and its first arguments) computes it for
/// `path`, with W a scratch folder or empty (mktemp failed: the hex comes from
/// a command substitution).
fn shell_names(sh: &[&str], path: &[u8], scratch: Option<&Path>) -> String {
    let script = format!(
        "{}\nunit_names \"$1\"; printf '%s' \"$UN\"",
        rivershare::probe::units::UNIT_FUNCTIONS
    );
    let out = Command::new(sh[0])
        .args(&sh[1..])
        .env(
            "W",
            scratch.map_or(OsString::new(), |p| p.as_os_str().into()),
        )
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .arg("-c")
        .arg(script)
        .arg("unit-names-test")
        .arg(OsString::from_vec(path.to_vec()))
        .output()
        .expect("the shell runs");
    assert!(out.status.success(), "{sh:?}: {out:?}");
    assert!(out.stderr.is_empty(), "{sh:?}: {out:?}");
    String::from_utf8(out.stdout).expect("names are ASCII")
}

#[test]
fn unit_names_are_systemds_escaping_of_the_path_and_its_parents() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut paths: Vec<Vec<u8>> = [
        "/",
        "/mnt/cluster-share",
        "/.hidden/a.b/c.",
        "/srv//data/./k8s_x:y/",
        "/mnt/é ü/日本",
        "/a'b\"c$d\\e*f?g[h]i`j~k",
        "/x/$(touch canary)/y",
        "/tab\tnew\nline",
        "/..",
        "/-/--/-.x",
    ]
    .iter()
    .map(|p| p.as_bytes().to_vec())
    .collect();
    // Every ASCII byte but NUL and "/", one component each.
    paths.push(
        (1u8..0x80)
            .filter(|b| *b != b'/')
            .flat_map(|b| [b'/', b'p', b])
            .collect(),
    );
    for sh in [&["dash"][..], &["bash"], &["busybox", "sh"]] {
        for scratch in [Some(tmp.path()), None] {
            for path in &paths {
                assert_eq!(
                    shell_names(sh, path, scratch),
                    expected_names(path),
                    "{sh:?} (scratch {scratch:?}) for {:?}",
                    std::ffi::OsStr::from_bytes(path)
                );
            }
        }
    }
    assert!(
        !tmp.path().join("canary").exists() && !Path::new("/canary").exists(),
        "a path is data"
    );
}

#[test]
fn units_list_finds_only_the_units_and_links_of_the_names() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let units = tmp.path().join("system");
    let wants = units.join("remote-fs.target.wants");
    let requires = units.join("local-fs.target.requires");
    for d in [&units, &wants, &requires] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let share = r"mnt-cluster\x2dshare";
    for f in [
        format!("{share}.mount"),
        format!("{share}.automount"),
        "mnt.mount".into(),
        "mnt-other.mount".into(),
        "cluster.mount".into(),
        format!("{share}.service"),
    ] {
        std::fs::write(units.join(f), "[Mount]\n").expect("unit");
    }
    std::os::unix::fs::symlink(
        units.join(format!("{share}.mount")),
        wants.join(format!("{share}.mount")),
    )
    .expect("link");
    // A link to a unit that is gone enables nothing.
    std::os::unix::fs::symlink(
        units.join("gone.mount"),
        requires.join(format!("{share}.automount")),
    )
    .expect("dangling link");
    let out = units_list(
        tmp.path(),
        "/mnt/cluster-share/kohaku",
        &[&units, &tmp.path().join("no such folder")],
    );
    let u = units.display();
    let expected = format!(
        "{u}/{share}.mount\n{u}/{share}.automount\n{u}/mnt.mount\n\
         {u}/remote-fs.target.wants/{share}.mount\n"
    );
    assert_eq!(out, expected);
}

/// `units_list` for `path`'s names in `folders`, run by `sh` with W in `tmp`.
fn units_list(tmp: &Path, path: &str, folders: &[&Path]) -> String {
    let script = format!(
        "{}\nunit_names \"$1\"; shift; units_list \"$@\"",
        rivershare::probe::units::UNIT_FUNCTIONS
    );
    let out = Command::new("sh")
        .env("W", tmp)
        .arg("-c")
        .arg(script)
        .arg("units-list-test")
        .arg(path)
        .args(folders)
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The vendor folder's hundreds of entries are read for links only when a unit
/// of the names exists, in any of the folders: a link enables a unit by its
/// name, which systemd loads from them.
#[test]
fn links_are_looked_for_only_when_a_unit_of_the_names_exists() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc = tmp.path().join("etc");
    let vendor = tmp.path().join("vendor");
    let elsewhere = tmp.path().join("elsewhere");
    let wants = vendor.join("remote-fs.target.wants");
    for d in [&etc, &wants, &elsewhere] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let unit = r"mnt-cluster\x2dshare.mount";
    // A link that resolves, to a file outside the unit folders.
    std::fs::write(elsewhere.join(unit), "[Mount]\n").expect("unit elsewhere");
    std::os::unix::fs::symlink(elsewhere.join(unit), wants.join(unit)).expect("link");
    let folders: [&Path; 2] = [&etc, &vendor];
    assert_eq!(
        units_list(tmp.path(), "/mnt/cluster-share", &folders),
        "",
        "no unit of the names in the folders: the link enables nothing"
    );
    std::fs::write(etc.join(unit), "[Mount]\n").expect("unit");
    assert_eq!(
        units_list(tmp.path(), "/mnt/cluster-share", &folders),
        format!(
            "{}/{unit}\n{}/remote-fs.target.wants/{unit}\n",
            etc.display(),
            vendor.display()
        ),
        "with the unit in one folder, its link in another's .wants is found"
    );
}
