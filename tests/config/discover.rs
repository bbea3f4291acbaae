//! Local KohakuRiver discovery with temp homes, real files and real processes.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rivershare::facts::Role;
use rivershare::kohakuriver::{Lookup, Systemctl, UnitSource, discover_with};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn no_units(_: &str) -> Option<String> {
    None
}

#[test]
fn host_config_in_home() {
    let home = tempfile::tempdir().expect("tempdir");
    let cfg = home.path().join(".kohakuriver/host_config.py");
    write(&cfg, "SHARED_DIR: str = \"/srv/share\"\n");
    let found = discover_with(&[home.path().to_path_buf()], &no_units);
    assert_eq!(found.role, Some(Role::Host));
    assert_eq!(found.config_path, Some(cfg.clone()));
    assert_eq!(found.shared_dir, Lookup::Found("/srv/share".into()));
    assert!(
        found
            .notes
            .iter()
            .any(|n| n.contains(&cfg.display().to_string())),
        "{:?}",
        found.notes
    );
}

#[test]
fn runner_only_and_host_preferred() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        &home.path().join(".kohakuriver/runner_config.py"),
        "SHARED_DIR = '/r'\n",
    );
    let found = discover_with(&[home.path().to_path_buf()], &no_units);
    assert_eq!(
        (found.role, found.shared_dir.clone()),
        (Some(Role::Runner), Lookup::Found("/r".into()))
    );

    write(
        &home.path().join(".kohakuriver/host_config.py"),
        "SHARED_DIR = '/h'\n",
    );
    let found = discover_with(&[home.path().to_path_buf()], &no_units);
    assert_eq!(
        (found.role, found.shared_dir),
        (Some(Role::Host), Lookup::Found("/h".into()))
    );
}

#[test]
fn nothing_found() {
    let home = tempfile::tempdir().expect("tempdir");
    let found = discover_with(&[home.path().to_path_buf()], &no_units);
    assert_eq!(found.role, None);
    assert_eq!(found.config_path, None);
    assert_eq!(found.shared_dir, Lookup::Absent);
    assert_eq!(found.notes, ["no KohakuRiver config found on this machine"]);
    assert_eq!(discover_with(&[], &no_units).role, None);
}

#[test]
fn unit_config_path_wins_over_home() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        &home.path().join(".kohakuriver/runner_config.py"),
        "SHARED_DIR = '/from-home'\n",
    );
    let custom = home.path().join("etc/runner.py");
    write(&custom, "SHARED_DIR = '/from-unit'\n");
    let unit = format!(
        "[Service]\nExecStart=/usr/bin/python3 -m kohakuriver.cli.runner --config {}\n",
        custom.display()
    );
    let units = |name: &str| (name == "kohakuriver-runner").then(|| unit.clone());
    let found = discover_with(&[home.path().to_path_buf()], &units);
    assert_eq!(found.role, Some(Role::Runner));
    assert_eq!(found.config_path, Some(custom));
    assert_eq!(found.shared_dir, Lookup::Found("/from-unit".into()));
}

#[test]
fn unreadable_unit_path_falls_back_to_home_with_a_note() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        &home.path().join(".kohakuriver/host_config.py"),
        "SHARED_DIR = '/from-home'\n",
    );
    let units =
        |_: &str| Some("[Service]\nExecStart=/x --config /nonexistent/kr/host.py\n".to_string());
    let found = discover_with(&[home.path().to_path_buf()], &units);
    assert_eq!(found.shared_dir, Lookup::Found("/from-home".into()));
    assert!(
        found
            .notes
            .iter()
            .any(|n| n.contains("kohakuriver-host passes --config /nonexistent/kr/host.py")),
        "{:?}",
        found.notes
    );
}

#[test]
fn second_home_is_searched() {
    let mine = tempfile::tempdir().expect("tempdir");
    let roots = tempfile::tempdir().expect("tempdir");
    write(
        &roots.path().join(".kohakuriver/runner_config.py"),
        "SHARED_DIR = '/root-share'\n",
    );
    let homes = [mine.path().to_path_buf(), roots.path().to_path_buf()];
    assert_eq!(
        discover_with(&homes, &no_units).shared_dir,
        Lookup::Found("/root-share".into())
    );
}

#[test]
fn expression_and_absent_shared_dir_are_explained() {
    let home = tempfile::tempdir().expect("tempdir");
    let cfg = home.path().join(".kohakuriver/host_config.py");
    write(&cfg, "import os\nSHARED_DIR = os.environ['SHARE']\n");
    let found = discover_with(&[home.path().to_path_buf()], &no_units);
    assert_eq!(
        found.shared_dir,
        Lookup::Unknown("os.environ['SHARE']".into())
    );
    assert!(
        found
            .notes
            .iter()
            .any(|n| n.contains("not a plain string (os.environ['SHARE'])")),
        "{:?}",
        found.notes
    );

    write(&cfg, "HOST_PORT = 8000\n");
    let found = discover_with(&[home.path().to_path_buf()], &no_units);
    assert_eq!(found.shared_dir, Lookup::Absent);
    assert!(
        found
            .notes
            .iter()
            .any(|n| n.contains("does not set SHARED_DIR")),
        "{:?}",
        found.notes
    );
}

/// A stand-in `systemctl`: a real executable shell script.
fn fake_systemctl(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("systemctl");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[test]
fn systemctl_runner_reads_stdout_and_passes_the_unit_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let program = fake_systemctl(dir.path(), "echo \"args: $*\"\necho '[Service]'");
    let sc = Systemctl {
        program,
        timeout: Duration::from_secs(2),
    };
    assert_eq!(
        sc.cat("kohakuriver-host").as_deref(),
        Some("args: cat --no-pager -- kohakuriver-host\n[Service]\n")
    );
}

#[test]
fn systemctl_runner_failure_and_absence_give_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let program = fake_systemctl(
        dir.path(),
        "echo 'No files found for kohakuriver-host.service.' >&2\nexit 1",
    );
    let sc = Systemctl {
        program,
        timeout: Duration::from_secs(2),
    };
    assert_eq!(sc.cat("kohakuriver-host"), None);
    let missing = Systemctl {
        program: dir.path().join("no-such-systemctl"),
        timeout: Duration::from_secs(2),
    };
    assert_eq!(missing.cat("kohakuriver-host"), None);
}

#[test]
fn systemctl_runner_is_bounded_by_its_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A child that keeps the pipe open too: the runner must not wait for it.
    let program = fake_systemctl(dir.path(), "echo partial\nsleep 5 &\nexec sleep 5");
    let sc = Systemctl {
        program,
        timeout: Duration::from_millis(300),
    };
    let start = Instant::now();
    assert_eq!(sc.cat("kohakuriver-runner"), None);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(300),
        "returned before the timeout: {took:?}"
    );
    assert!(took < Duration::from_secs(2), "not bounded: {took:?}");
}

#[test]
fn default_systemctl_timeout_is_two_seconds() {
    let sc = Systemctl::default();
    assert_eq!(sc.timeout, Duration::from_secs(2));
    assert_eq!(sc.program, PathBuf::from("systemctl"));
}
