//! Self-bounded runs on a shell kept open on the node: from a node's second such
//! run, one `sh -s` under `timeout` serves them, each in a subshell; a shell that
//! died or ran out of time is replaced, and the run still gets its output.

use super::*;

/// The pid of the shell a run ran in (`$$` in a subshell is its parent shell's),
/// and that shell's parent's command line.
const WHO: &str = r#"echo "$$"; tr '\0' ' ' </proc/$PPID/cmdline; echo; echo to-stderr >&2"#;

fn who(out: &rivershare::transport::CommandOutput) -> (String, String) {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let pid = lines.next().unwrap_or_default().to_owned();
    let parent = lines.next().unwrap_or_default().trim().to_owned();
    assert_eq!(
        lines.next(),
        None,
        "nothing after the script's output: {text:?}"
    );
    assert_eq!(out.stderr, b"to-stderr\n");
    assert_eq!(out.exit_status, Some(0));
    (pid, parent)
}

#[tokio::test]
async fn later_self_bounded_runs_share_one_shell_under_timeout() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    let first = who(&t.run_self_bounded(WHO, CMD).await.expect("first run"));
    assert_eq!(t.resident_runs(), 0, "a node's first run is a plain exec");
    let mut shells = Vec::new();
    for _ in 0..3 {
        shells.push(who(&t.run_self_bounded(WHO, CMD).await.expect("run")));
    }
    assert_eq!(t.resident_runs(), 3);
    assert_ne!(shells[0].0, first.0);
    assert!(shells.iter().all(|s| s == &shells[0]), "{shells:?}");
    assert!(
        shells[0].1.starts_with("timeout -k 1 3600 sh -s"),
        "the resident shell runs under the node's timeout: {:?}",
        shells[0].1
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
}

#[tokio::test]
async fn a_resident_shell_that_died_is_replaced_without_losing_the_run() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    t.run_self_bounded(WHO, CMD).await.expect("first run");
    let (old, _) = who(&t.run_self_bounded(WHO, CMD).await.expect("second run"));
    let killed = Command::new("kill")
        .args(["-KILL", &old])
        .status()
        .expect("kill");
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The run that finds it dead still gets its output.
    let (pid, _) = who(&t
        .run_self_bounded(WHO, CMD)
        .await
        .expect("run after the kill"));
    assert_ne!(pid, old);
    let (next, _) = who(&t.run_self_bounded(WHO, CMD).await.expect("next run"));
    assert_ne!(next, old);
    assert!(t.resident_runs() >= 2, "a new resident shell serves again");
}

#[tokio::test]
async fn a_run_over_its_limit_retires_the_shell_and_the_next_gets_a_new_one() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    t.run_self_bounded(WHO, CMD).await.expect("first run");
    let (old, _) = who(&t.run_self_bounded(WHO, CMD).await.expect("second run"));
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
    let (pid, _) = who(&t.run_self_bounded(WHO, CMD).await.expect("next run"));
    assert_ne!(pid, old, "the timed-out shell is not reused");
    // The retired shell ends once its subshell does (EOF on its stdin).
    let gone = PathBuf::from(format!("/proc/{old}"));
    let until = Instant::now() + Duration::from_secs(5);
    while gone.exists() && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!gone.exists(), "retired shell {old} still runs");
}
