//! On the exec path (the node's `timeout` cuts the share's budget with USR1),
//! the probe runs its write test last, and the program that removes the test's
//! file removes the probe's temp files too: no `rm` of its own on a node's first
//! sweep. The script runs here exactly as a node's login shell is asked to run
//! it (`node_command`), with `TMPDIR` a fresh folder so that every temp file it
//! leaves is seen, and stand-ins first on `PATH` that log what ran.

use super::*;
use rivershare::facts::Role;

/// What one run left: the output, the parsed facts, the tools' log, and the
/// temp files left in its `TMPDIR`.
struct ExecRun {
    raw: String,
    facts: ProbeFacts,
    ran: Vec<String>,
    temp_left: Vec<String>,
    elapsed: Duration,
}

/// Logging stand-ins for `rm` and `shred` in `tmp/bin` (each logs its name and
/// arguments to `tmp/tools.log`, then runs `body`, by default the real tool).
fn tools(tmp: &Path, rm: Option<&str>, shred: Option<&str>) -> PathBuf {
    let bin = tmp.join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let log = tmp.join("tools.log");
    let quoted = rivershare::shell::sh_quote(&log.display().to_string());
    for (name, body) in [("rm", rm), ("shred", shred)] {
        let real = format!("PATH=/usr/bin:/bin exec {name} \"$@\"");
        tool(
            &bin,
            name,
            &format!("echo \"{name} $*\" >>{quoted}\n{}", body.unwrap_or(&real)),
        );
    }
    bin
}

/// `script` as the exec path runs it for `share`: `sh -c` of the node's command
/// (limit 8 s), as nobody when asked, with `bin` first on PATH, `TMPDIR` a
/// fresh folder in `tmp`, and `HOME` set to `home` when given.
fn run_exec(
    tmp: &Path,
    script: &str,
    share: &str,
    as_nobody: bool,
    bin: &Path,
    home: Option<&Path>,
) -> ExecRun {
    let temp = tmp.join("temp");
    std::fs::create_dir(&temp).expect("mkdir");
    cmd("chmod", &["1777", temp.to_str().expect("utf-8")]);
    let command = rivershare::transport::ssh::node_command(script, Duration::from_secs(8));
    let mut c = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "sh"]);
        c
    } else {
        Command::new("sh")
    };
    let old = std::env::var("PATH").unwrap_or_default();
    c.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .current_dir("/")
        .env("PATH", format!("{}:{old}", bin.display()))
        .env("TMPDIR", &temp)
        .env_remove("LC_ALL");
    if let Some(home) = home {
        c.env("HOME", home);
    }
    let start = Instant::now();
    let out = c.output().expect("sh runs the node's command");
    let elapsed = start.elapsed();
    let log = std::fs::read_to_string(tmp.join("tools.log")).unwrap_or_default();
    let temp_left = std::fs::read_dir(&temp)
        .expect("read temp")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ExecRun {
        raw: String::from_utf8_lossy(&out.stdout).into_owned(),
        facts: parse::parse(&out.stdout, share),
        ran: log.lines().map(str::to_owned).collect(),
        temp_left,
        elapsed,
    }
}

/// A share folder in `tmp` with `mode`, owned by root.
fn share(tmp: &Path, mode: &str) -> (PathBuf, String) {
    let share = tmp.join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let s = share.to_str().expect("utf-8").to_string();
    cmd("chmod", &[mode, &s]);
    (share, s)
}

/// `check`'s probe (step timeout `step`) for a fresh share with `mode`, run as
/// a node's first sweep runs it, with the stand-ins `rm` and `shred` (see
/// [`tools`]). Returns the temp folder, the share and the run.
fn first_sweep(
    mode: &str,
    as_nobody: bool,
    rm: Option<&str>,
    shred: Option<&str>,
    step: Duration,
) -> (tempfile::TempDir, PathBuf, ExecRun) {
    let tmp = tempfile::tempdir().expect("tempdir");
    if as_nobody {
        cmd("chmod", &["755", tmp.path().to_str().expect("utf-8")]);
    }
    let (dir, share) = share(tmp.path(), mode);
    // The stand-ins are told the share, for the ones that single its files out.
    let rm = rm.map(|r| r.replace("@SHARE@", &share));
    let bin = tools(tmp.path(), rm.as_deref(), shred);
    let r = run_exec(
        tmp.path(),
        &script::build(&share, step),
        &share,
        as_nobody,
        &bin,
        None,
    );
    (tmp, dir, r)
}

/// The test's file a failed or cut write test left in `dir`.
fn remove_test_files(dir: &Path) {
    for f in std::fs::read_dir(dir).expect("read").filter_map(Result::ok) {
        std::fs::remove_file(f.path()).expect("clean the test's file");
    }
}

/// The section the write test printed, which must be the probe's last.
fn last_section_is_write(r: &ExecRun) -> String {
    let tail = r
        .raw
        .rsplit_once("@@rivershare write ")
        .unwrap_or_else(|| panic!("no write section: {}", r.raw))
        .1;
    let body = tail
        .strip_suffix("@@rivershare end\n")
        .unwrap_or_else(|| panic!("the write section is not the last: {}", r.raw));
    assert!(!body.contains("@@"), "one section: {body}");
    body.to_string()
}

#[test]
fn the_write_test_runs_last_and_its_shred_takes_the_temp_files() {
    require_root();
    let (_tmp, dir, r) = first_sweep("755", false, None, None, STEP);
    let share = dir.to_str().expect("utf-8");
    let write = last_section_is_write(&r);
    assert!(
        write.starts_with("ok\n") && write.contains("|stage=done\n"),
        "{write}"
    );
    assert!(
        r.facts.access.as_ref().is_some_and(|a| a.read && a.write),
        "{}",
        r.raw
    );
    assert!(r.temp_left.is_empty(), "temp files left: {:?}", r.temp_left);
    assert!(
        !r.ran.iter().any(|l| l.starts_with("rm ")),
        "no rm of the probe's own: {:?}",
        r.ran
    );
    let shred: Vec<&String> = r.ran.iter().filter(|l| l.starts_with("shred ")).collect();
    assert_eq!(shred.len(), 1, "{:?}", r.ran);
    assert!(
        shred[0].contains(share)
            && shred[0].matches("rivershare.").count() == script::TEMP_FILES.len(),
        "one shred for the test's file and every temp file: {}",
        shred[0]
    );
    no_probe_leftovers(&dir);
}

#[test]
fn where_others_may_write_the_share_one_rm_takes_the_file_and_the_temp_files() {
    require_root();
    let (_tmp, dir, r) = first_sweep("1777", false, None, None, STEP);
    let share = dir.to_str().expect("utf-8");
    let write = last_section_is_write(&r);
    assert!(write.contains("|stage=done\n"), "{write}");
    assert!(r.temp_left.is_empty(), "temp files left: {:?}", r.temp_left);
    let rm: Vec<&String> = r.ran.iter().filter(|l| l.starts_with("rm ")).collect();
    assert_eq!(rm.len(), 1, "one rm: {:?}", r.ran);
    assert!(
        rm[0].contains(share) && rm[0].contains("rivershare."),
        "{}",
        rm[0]
    );
    no_probe_leftovers(&dir);
}

#[test]
fn a_write_refused_last_still_says_why_and_leaves_no_temp_file() {
    require_root();
    let (_tmp, _, r) = first_sweep("755", true, None, None, STEP);
    let write = last_section_is_write(&r);
    assert!(write.starts_with("err 2\n"), "{write}");
    let a = r.facts.access.as_ref().expect("access");
    let e = a.error.as_ref().expect("error");
    assert_eq!(e.kind, AccessErrorKind::PermissionDenied, "{}", r.raw);
    assert!(e.detail.contains("Permission denied"), "{}", e.detail);
    assert!(r.temp_left.is_empty(), "temp files left: {:?}", r.temp_left);
}

/// rm removes the temp files, the test's stderr file among them, and fails on
/// the test's file: its message is still in the section, read through the
/// descriptor the probe kept on that file.
#[test]
fn an_rm_that_fails_after_removing_the_temp_files_is_reported() {
    require_root();
    let rm = "rc=0; for a; do case $a in -*) ;; @SHARE@/*) echo \"rm: cannot remove '$a': Operation not permitted\" >&2; rc=1 ;; \
              *) PATH=/usr/bin:/bin rm -f -- \"$a\" ;; esac; done; exit $rc";
    let (_tmp, dir, r) = first_sweep("1777", false, Some(rm), None, STEP);
    let write = last_section_is_write(&r);
    assert!(
        write.starts_with("err 6\n") && write.contains("!rm: cannot remove"),
        "{write}"
    );
    assert!(r.temp_left.is_empty(), "temp files left: {:?}", r.temp_left);
    let e = r
        .facts
        .access
        .as_ref()
        .and_then(|a| a.error.as_ref())
        .expect("error");
    assert!(e.detail.contains("cannot remove"), "{}", e.detail);
    remove_test_files(&dir);
}

#[test]
fn a_write_test_that_hangs_last_is_cut_by_the_node_s_timeout() {
    require_root();
    let step = Duration::from_millis(700);
    let (_tmp, dir, r) = first_sweep("755", false, None, Some("exec sleep 30"), step);
    assert!(
        r.raw
            .ends_with("@@rivershare write timeout\n@@rivershare end\n"),
        "{}",
        r.raw
    );
    assert_eq!(r.facts.hung_steps, ["write"], "{}", r.raw);
    assert!(r.elapsed < Duration::from_secs(5), "took {:?}", r.elapsed);
    assert!(r.temp_left.is_empty(), "temp files left: {:?}", r.temp_left);
    remove_test_files(&dir);
}

/// The KohakuRiver reads run at the end of the share group, under its budget: a
/// config file that blocks (a FIFO no one writes, as a file on a hung home
/// folder would) spends it. The write test, which had not run yet, then runs
/// under a `timeout` of its own.
#[test]
fn when_the_kohakuriver_reads_spend_the_budget_the_write_test_still_runs() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = tools(tmp.path(), None, None);
    let (dir, share) = share(tmp.path(), "755");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(home.join(".kohakuriver")).expect("mkdir");
    let fifo = home.join(".kohakuriver/runner_config.py");
    cmd("mkfifo", &[fifo.to_str().expect("utf-8")]);
    let script = rivershare::sweep::probe_script_with_discovery(
        &share,
        Duration::from_millis(700),
        true,
        Role::Runner,
    );
    let r = run_exec(tmp.path(), &script, &share, false, &bin, Some(&home));
    assert!(r.raw.contains("@@rivershare home timeout\n"), "{}", r.raw);
    let write = last_section_is_write(&r);
    assert!(
        write.starts_with("ok\n") && write.contains("|stage=done\n"),
        "{}",
        r.raw
    );
    assert!(r.temp_left.is_empty(), "temp files left: {:?}", r.temp_left);
    no_probe_leftovers(&dir);
}

/// The mount table, read when findmnt gave no answer, is read while the
/// budget's USR1 is still caught (the write test is still to come): a cut that
/// lands then must not kill the `cat`. The stand-in `cat` signals its process
/// group itself, as the node's `timeout` does when the budget ends.
#[test]
fn a_cut_while_the_mount_table_is_read_loses_no_line() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = tools(tmp.path(), None, None);
    let log = tmp.path().join("cat.log");
    tool(&bin, "findmnt", "exit 1");
    cutting_tool(&bin, "cat", &log);
    let (dir, share) = share(tmp.path(), "755");
    let r = run_exec(
        tmp.path(),
        &script::build(&share, STEP),
        &share,
        false,
        &bin,
        None,
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap_or_default(),
        "cut\n",
        "the stand-in cat ran once: {}",
        r.raw
    );
    let table: String = r
        .raw
        .split_once("@@rivershare mountinfo ok\n")
        .unwrap_or_else(|| panic!("no whole mountinfo section: {}", r.raw))
        .1
        .split("@@rivershare ")
        .next()
        .unwrap_or_default()
        .to_string();
    // Other tests mount and unmount meanwhile: the table is checked for its
    // form and for the mount that holds the share, not against a copy.
    assert!(
        table.lines().count() > 1
            && table
                .lines()
                .all(|l| l.starts_with('|') && l.contains(" - ")),
        "the mount table, tagged line by line: {table}"
    );
    assert!(
        r.facts.mount.is_some(),
        "the mount from the table: {}",
        r.raw
    );
    let write = last_section_is_write(&r);
    assert!(write.starts_with("ok\n"), "{}", r.raw);
    assert!(r.temp_left.is_empty(), "temp files left: {:?}", r.temp_left);
    no_probe_leftovers(&dir);
}
