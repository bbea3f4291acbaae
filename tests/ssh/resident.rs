//! Self-bounded runs on a shell kept open on the node: from a node's second such
//! run, one `sh -s` under `timeout` serves them, each in a subshell; a shell that
//! died or ran out of time is replaced, and the run still gets its output.

use super::*;

/// The pid of the shell a run ran in (`$$` in a subshell is its parent shell's),
/// how many positional parameters the run saw, that shell's command line and
/// its grandparent's (the parent owns its folder), and the shell's private temp
/// folder.
const WHO: &str = r#"echo "$$"; echo "$#"; tr '\0\n' '  ' </proc/$$/cmdline; echo
read -r s </proc/$PPID/stat; set -- $s
tr '\0\n' '  ' </proc/$4/cmdline; echo; echo "${RIVERSHARE_TMP:-}"; echo to-stderr >&2"#;

#[derive(Debug, PartialEq)]
struct Shell {
    pid: String,
    /// How many positional parameters the run saw, and the shell's command line.
    args: String,
    cmdline: String,
    grandparent: String,
    tmp: String,
}

fn who(out: &rivershare::transport::CommandOutput) -> Shell {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let mut next = || lines.next().unwrap_or_default().trim().to_owned();
    let shell = Shell {
        pid: next(),
        args: next(),
        cmdline: next(),
        grandparent: next(),
        tmp: next(),
    };
    assert_eq!(next(), "", "nothing after the script's output: {text:?}");
    assert_eq!(out.stderr, b"to-stderr\n");
    assert_eq!(out.exit_status, Some(0));
    shell
}

/// Wait up to 5 s for `path` to disappear.
async fn gone(path: &str) -> bool {
    let until = Instant::now() + Duration::from_secs(5);
    while Path::new(path).exists() && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    !Path::new(path).exists()
}

#[tokio::test]
async fn later_self_bounded_runs_share_one_shell_under_timeout() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    let first = who(&t.run_self_bounded(WHO, CMD).await.expect("first run"));
    assert_eq!(t.resident_runs(), 0, "a node's first run is a plain exec");
    assert_eq!(first.tmp, "", "an exec has no resident folder");
    // Each shell is named in the node's process table; no script sees the name.
    assert!(
        first.cmdline.ends_with(" rivershare"),
        "{:?}",
        first.cmdline
    );
    assert_eq!(first.args, "0");
    let mut shells = Vec::new();
    for _ in 0..3 {
        shells.push(who(&t.run_self_bounded(WHO, CMD).await.expect("run")));
    }
    assert_eq!(t.resident_runs(), 3);
    assert_ne!(shells[0].pid, first.pid);
    assert!(shells.iter().all(|s| s == &shells[0]), "{shells:?}");
    assert_eq!(shells[0].cmdline, "sh -s rivershare-resident");
    assert_eq!(shells[0].args, "0");
    assert!(
        shells[0].grandparent.starts_with("timeout -k 1 3600 sh -c"),
        "the resident shell runs under the node's timeout: {:?}",
        shells[0].grandparent
    );
    assert!(Path::new(&shells[0].tmp).is_dir(), "{:?}", shells[0].tmp);
    // Named for rivershare, on the tmpfs every Linux has (sshd sets no TMPDIR).
    assert!(
        shells[0].tmp.starts_with("/dev/shm/rivershare."),
        "{:?}",
        shells[0].tmp
    );
    // Exit status and a script's own `exit` pass through; the shell survives it.
    let out = t
        .run_self_bounded("echo bye; exit 3", CMD)
        .await
        .expect("exit 3");
    assert_eq!(
        (out.stdout.as_slice(), out.exit_status),
        (&b"bye\n"[..], Some(3))
    );
    let after = who(&t.run_self_bounded(WHO, CMD).await.expect("after exit"));
    assert_eq!(after, shells[0]);
    assert_eq!(env.sshd.log_text().matches("Accepted publickey").count(), 1);
    // The shell ends with its connection, and takes its folder with it.
    drop(t);
    assert!(gone(&after.tmp).await, "{} left behind", after.tmp);
}

#[tokio::test]
async fn a_resident_shell_that_died_is_replaced_without_losing_the_run() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    t.run_self_bounded(WHO, CMD).await.expect("first run");
    let old = who(&t.run_self_bounded(WHO, CMD).await.expect("second run"));
    let killed = Command::new("kill")
        .args(["-TERM", &old.pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert!(gone(&format!("/proc/{}", old.pid)).await);
    // Its owner removes the folder once it has gone.
    assert!(gone(&old.tmp).await, "{} left behind", old.tmp);
    // The run that finds it dead still gets its output.
    let now = who(&t
        .run_self_bounded(WHO, CMD)
        .await
        .expect("run after the kill"));
    assert_ne!(now.pid, old.pid);
    let next = who(&t.run_self_bounded(WHO, CMD).await.expect("next run"));
    assert_ne!(next.pid, old.pid);
    assert!(t.resident_runs() >= 2, "a new resident shell serves again");
}

#[tokio::test]
async fn a_run_over_its_limit_retires_the_shell_and_the_next_gets_a_new_one() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    t.run_self_bounded(WHO, CMD).await.expect("first run");
    let old = who(&t.run_self_bounded(WHO, CMD).await.expect("second run"));
    let started = Instant::now();
    let err = t
        .run_self_bounded("sleep 2", Duration::from_secs(1))
        .await
        .expect_err("over its limit");
    assert_eq!(err.kind, NodeErrorKind::CommandTimeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    let now = who(&t.run_self_bounded(WHO, CMD).await.expect("next run"));
    assert_ne!(now.pid, old.pid, "the timed-out shell is not reused");
    assert_ne!(now.tmp, old.tmp);
    // The retired shell ends once its subshell does (EOF on its stdin), its folder too.
    assert!(
        gone(&format!("/proc/{}", old.pid)).await,
        "retired shell {} still runs",
        old.pid
    );
    assert!(gone(&old.tmp).await, "{} left behind", old.tmp);
}

/// A run given up by its caller (a cancelled sweep drops the future) retires
/// its shell: the shell ends once the script does, and the next run gets a new one.
#[tokio::test]
async fn a_cancelled_run_retires_its_shell() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    t.run_self_bounded(WHO, CMD).await.expect("first run");
    let old = who(&t.run_self_bounded(WHO, CMD).await.expect("second run"));
    let cancelled = tokio::time::timeout(
        Duration::from_millis(300),
        t.run_self_bounded("sleep 1", CMD),
    )
    .await;
    assert!(cancelled.is_err(), "the run was still going when dropped");
    assert!(
        gone(&format!("/proc/{}", old.pid)).await,
        "the dropped shell {} still runs",
        old.pid
    );
    assert!(gone(&old.tmp).await, "{} left behind", old.tmp);
    let now = who(&t.run_self_bounded(WHO, CMD).await.expect("next run"));
    assert_ne!(now.pid, old.pid);
}

/// A node without `timeout` (PATH has `sh` and the shell's tools, not it):
/// the first exec is refused by the login shell before anything ran, the script
/// runs again without it, and every later exec on the connection, the resident
/// shell's included, goes straight to the unbounded form.
#[tokio::test]
async fn a_node_without_timeout_runs_its_scripts_unbounded_after_one_refusal() {
    let bin = tempfile::tempdir().expect("tempdir");
    for tool in ["sh", "mktemp", "rm", "tr", "cat"] {
        let found = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{tool} is installed"));
        std::os::unix::fs::symlink(found, bin.path().join(tool)).expect("symlink");
    }
    let env = Env::with_sshd("ed25519", &format!("SetEnv PATH={}", bin.path().display()));
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    let sessions = || {
        env.sshd
            .log_text()
            .matches("Starting session: command")
            .count()
    };
    assert_runs(t.as_ref()).await;
    assert_eq!(sessions(), 2, "refused once, then run without timeout");
    assert_runs(t.as_ref()).await;
    assert_eq!(
        sessions(),
        3,
        "the next exec goes straight to the unbounded form"
    );
    let first = who(&t.run_self_bounded(WHO, CMD).await.expect("first run"));
    let second = who(&t.run_self_bounded(WHO, CMD).await.expect("second run"));
    assert_eq!(
        t.resident_runs(),
        1,
        "the resident shell started without timeout"
    );
    assert!(
        !second.grandparent.contains("timeout") && !first.cmdline.contains("timeout"),
        "{first:?} {second:?}"
    );
    assert!(second.tmp.contains("rivershare."), "{second:?}");
    assert_eq!(sessions(), 5);
    // Without its timeout too, the shell ends with its connection and removes its
    // folder (with the `rm` in `bin`, so before `bin` goes).
    drop(t);
    assert!(gone(&second.tmp).await, "{} left behind", second.tmp);
}
