//! The discovery scripts run through the real `sh` on real files.

use std::path::Path;
use std::process::Command;

use super::*;

fn run(script: &str, home: &Path, path_prefix: Option<&Path>) -> frame::Frame {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script).env("HOME", home);
    if let Some(dir) = path_prefix {
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{path}", dir.display()));
    }
    let out = cmd.output().expect("sh runs");
    frame::split(&out.stdout)
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn reads_the_home_config_byte_for_byte_and_names_it() {
    let home = tempfile::tempdir().expect("tempdir");
    // Invalid UTF-8 must arrive as such, not as replacement characters.
    let bytes = b"# caf\xe9\nSHARED_DIR = '/x'\n";
    write(&home.path().join(".kohakuriver/runner_config.py"), bytes);
    let f = run(&discovery_script(Role::Runner), home.path(), None);
    assert!(f.ended, "{f:?}");
    assert_eq!(home_dir(&f), Some(home.path().to_str().expect("utf-8")));
    assert_eq!(
        file_read(&f, "home", "h"),
        FileRead::Read(bytes.to_vec(), false)
    );
    // No Host config here, and the Runner's name is not the Host's.
    assert_eq!(
        file_read(
            &run(&discovery_script(Role::Host), home.path(), None),
            "home",
            "h"
        ),
        FileRead::Absent
    );
}

#[test]
fn a_missing_file_is_absent_and_an_unreadable_one_says_why() {
    let home = tempfile::tempdir().expect("tempdir");
    let f = run(&discovery_script(Role::Host), home.path(), None);
    assert_eq!(file_read(&f, "home", "h"), FileRead::Absent);
    // A folder where the file should be: root can read any file, not this.
    std::fs::create_dir_all(home.path().join(".kohakuriver/host_config.py")).expect("dir");
    let f = run(&discovery_script(Role::Host), home.path(), None);
    match file_read(&f, "home", "/h/host_config.py") {
        FileRead::Unreadable(why) => {
            assert!(
                why.starts_with("cannot read /h/host_config.py: ") && why.contains("directory"),
                "{why}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_oversized_file_is_cut_and_flagged() {
    let home = tempfile::tempdir().expect("tempdir");
    let big = vec![b'#'; CONFIG_CAP + 10];
    write(&home.path().join(".kohakuriver/host_config.py"), &big);
    let f = run(&discovery_script(Role::Host), home.path(), None);
    match file_read(&f, "home", "h") {
        FileRead::Read(bytes, truncated) => {
            assert_eq!(bytes.len(), CONFIG_CAP);
            assert!(truncated);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_unit_text_comes_from_systemctl_cat() {
    // This machine has no running systemd (`systemctl cat` needs the manager), so a
    // stand-in earlier in PATH prints a unit fixture the way `systemctl cat` does,
    // checks it was asked exactly `cat --no-pager -- kohakuriver-runner`, and
    // leaves a mark that it ran.
    let home = tempfile::tempdir().expect("tempdir");
    let bin = home.path().join("bin");
    let units = home.path().join("units");
    let ran = home.path().join("systemctl-ran");
    let unit = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kohakuriver/runner-dropin-requires.unit");
    write(
        &bin.join("systemctl"),
        format!(
            "#!/bin/sh\n: >{}\n[ \"$*\" = 'cat --no-pager -- kohakuriver-runner' ] || {{ echo \"args: $*\" >&2; exit 1; }}\ncat {}\n",
            sh_quote(ran.to_str().expect("utf-8")),
            sh_quote(unit.to_str().expect("utf-8"))
        )
        .as_bytes(),
    );
    Command::new("chmod")
        .args(["+x", bin.join("systemctl").to_str().expect("utf-8")])
        .status()
        .expect("chmod");
    let dirs = ["/nonexistent-unit-dir", units.to_str().expect("utf-8")];
    // No unit file in any of systemd's folders: systemctl is not even asked.
    let f = run(
        &discovery_script_in(Role::Runner, &dirs),
        home.path(),
        Some(&bin),
    );
    assert_eq!(unit_text(&f), None);
    assert!(!ran.exists(), "systemctl ran without a unit file");
    assert_eq!(
        f.section("unit").map(|s| s.status.clone()),
        Some(Status::Skip("no-unit-file".into()))
    );
    // The unit file in one of them: systemctl prints the unit and its drop-ins.
    write(&units.join("kohakuriver-runner.service"), b"[Service]\n");
    let f = run(
        &discovery_script_in(Role::Runner, &dirs),
        home.path(),
        Some(&bin),
    );
    assert!(ran.exists(), "systemctl was asked");
    let text = unit_text(&f).expect("unit text");
    assert_eq!(
        config_path_from_unit(&text).as_deref(),
        Some(Path::new("/root/.kohakuriver/runner_config.py"))
    );
    assert_eq!(
        unit_facts(Role::Runner, &text).requires_mounts_for,
        ["/mnt/cluster-share"]
    );
    // Without the stand-in, the real systemctl fails here: no unit, not an error.
    assert_eq!(
        unit_text(&run(
            &discovery_script_in(Role::Runner, &dirs),
            home.path(),
            None
        )),
        None
    );
}

#[test]
fn file_script_quotes_hostile_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("it's $(touch x) `touch y`.py");
    write(&path, b"SHARED_DIR = \"/mnt/a\"\n");
    let out = Command::new("sh")
        .arg("-c")
        .arg(file_script(path.to_str().expect("utf-8")))
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    assert_eq!(
        file_read(&frame::split(&out.stdout), "file", "p"),
        FileRead::Read(b"SHARED_DIR = \"/mnt/a\"\n".to_vec(), false)
    );
    assert!(!dir.path().join("x").exists() && !dir.path().join("y").exists());
}

#[test]
fn only_a_node_without_a_configured_dir_adopts_the_discovered_one() {
    let node = |source| Node {
        name: "r".into(),
        role: Role::Runner,
        address: "r".into(),
        user: None,
        port: None,
        identity_files: vec![],
        shared_dir: "/mnt/cluster-share".into(),
        shared_dir_source: source,
        transport: crate::config::TransportKind::Local,
    };
    let found = KohakuriverFacts {
        shared_dir: Some("/data/share".into()),
        ..KohakuriverFacts::default()
    };
    let mut n = node(SharedDirSource::Default);
    adopt(&mut n, &found);
    assert_eq!(
        (n.shared_dir.as_str(), n.shared_dir_source),
        ("/data/share", SharedDirSource::Kohakuriver)
    );
    let mut n = node(SharedDirSource::Config);
    adopt(&mut n, &found);
    assert_eq!(n.shared_dir, "/mnt/cluster-share");
    let mut n = node(SharedDirSource::Default);
    adopt(&mut n, &KohakuriverFacts::default());
    assert_eq!(n.shared_dir_source, SharedDirSource::Default);
}

#[test]
fn a_file_that_never_answers_is_bounded_by_the_step_timeout() {
    // A FIFO with no writer blocks `head` like a config file on a hung mount.
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join(".kohakuriver");
    std::fs::create_dir_all(&dir).expect("dir");
    let fifo = dir.join("runner_config.py");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let started = std::time::Instant::now();
    let f = run(&discovery_script(Role::Runner), home.path(), None);
    let took = started.elapsed();
    assert!(f.ended, "the script went on after the hung read: {f:?}");
    assert_eq!(
        file_read(&f, "home", "/h/runner_config.py"),
        FileRead::Unreadable(
            "cannot read /h/runner_config.py: no answer within the reads' time limit (a hung mount?)"
                .into()
        )
    );
    // The reads share one timeout: root's file, after the hung one, was not
    // read either, and says so rather than "absent".
    assert_eq!(
        file_read(&f, "root", "/r"),
        FileRead::Unreadable(
            "cannot read /r: no answer within the reads' time limit (a hung mount?)".into()
        )
    );
    assert!(
        took < Duration::from_secs(SCRIPT_SECS),
        "took {took:?}, above the script's own bound"
    );
}

/// The probe as `check` sends it, carrying the reads, for SHARED_DIR `share`.
fn carried_probe(share: &Path) -> String {
    crate::probe::script::build_carrying(
        share.to_str().expect("utf-8"),
        Duration::from_secs(1),
        true,
        Some(&carried(Role::Runner)),
    )
}

fn status(f: &frame::Frame, name: &str) -> Option<Status> {
    f.section(name).map(|s| s.status.clone())
}

#[test]
fn a_carried_read_that_hangs_is_cut_and_the_share_steps_stand() {
    let share = tempfile::tempdir().expect("share");
    let home = tempfile::tempdir().expect("home");
    let dir = home.path().join(".kohakuriver");
    std::fs::create_dir_all(&dir).expect("dir");
    let made = Command::new("mkfifo")
        .arg(dir.join("runner_config.py"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let f = run(&carried_probe(share.path()), home.path(), None);
    assert!(f.ended, "{f:?}");
    for step in ["path", "stat", "df", "list", "write", "layout"] {
        assert_eq!(status(&f, step), Some(Status::Ok), "{step}: {f:?}");
    }
    // The reads ran in the share group and its timeout cut the hung one; the
    // share is not called hung, and the reads were not run a second time.
    assert_eq!(status(&f, "home"), Some(Status::Timeout), "{f:?}");
    assert_eq!(status(&f, "root"), Some(Status::Timeout), "{f:?}");
    assert_eq!(
        status(&f, "stuck"),
        Some(Status::Skip("share-answered".into()))
    );
    assert_eq!(f.sections.iter().filter(|s| s.name == "home").count(), 1);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn when_the_share_hangs_the_carried_reads_run_on_their_own() {
    let share = tempfile::tempdir().expect("share");
    let home = tempfile::tempdir().expect("home");
    let config = b"SHARED_DIR = '/mnt/cluster-share'\n";
    write(&home.path().join(".kohakuriver/runner_config.py"), config);
    // A `stat` that never answers, like one on a dead hard NFS mount.
    let bin = tempfile::tempdir().expect("bin");
    write(&bin.path().join("stat"), b"#!/bin/sh\nexec sleep 30\n");
    let made = Command::new("chmod")
        .arg("+x")
        .arg(bin.path().join("stat"))
        .status()
        .expect("chmod runs");
    assert!(made.success());
    let f = run(&carried_probe(share.path()), home.path(), Some(bin.path()));
    assert!(f.ended, "{f:?}");
    assert_eq!(status(&f, "stat"), Some(Status::Timeout), "{f:?}");
    for step in ["df", "list", "write", "layout"] {
        assert_eq!(
            status(&f, step),
            Some(Status::Skip("hung".into())),
            "{step}: {f:?}"
        );
    }
    // The share hung before the reads: they ran afterwards, on their own.
    assert_eq!(
        file_read(&f, "home", "h"),
        FileRead::Read(config.to_vec(), false),
        "{f:?}"
    );
    assert_eq!(f.sections.iter().filter(|s| s.name == "home").count(), 1);
    assert_eq!(status(&f, "stuck"), Some(Status::Ok), "{f:?}");
}
