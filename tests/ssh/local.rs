//! The local transport: `sh` on this machine.

use super::*;

#[tokio::test]
async fn local_runs_sh_with_exact_output() {
    let t = LocalTransport::new();
    assert_runs(&t).await;
    assert_eq!(t.describe(), "local");
    assert!(t.rtt().is_none());
}

/// A script that starts a grandchild (`sleep`, its pid written to the returned
/// file) and then waits: what is left running after it is the test's question.
fn script_with_a_grandchild() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pidfile = tmp.path().join("pid");
    let q = rivershare::shell::sh_quote(&pidfile.display().to_string());
    let script = format!("sleep 100 & echo $! > {q}; sleep 100");
    (tmp, pidfile, script)
}

#[tokio::test]
async fn local_timeout_kills_the_whole_process_group() {
    let (_tmp, pidfile, script) = script_with_a_grandchild();
    let t = LocalTransport::new();
    let started = Instant::now();
    let err = t
        .run(&script, Duration::from_secs(1))
        .await
        .expect_err("timeout");
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!(err.kind, NodeErrorKind::CommandTimeout);
    assert_not_running(&pidfile);
}

/// A caller that stops waiting (the console closing mid-sweep drops the
/// future) must not leave the script's children running: they would go on
/// writing into folders the caller is about to remove.
#[tokio::test]
async fn a_dropped_run_kills_the_whole_process_group() {
    let (_tmp, pidfile, script) = script_with_a_grandchild();
    // Polled until the grandchild exists, then dropped unfinished.
    let waited = drop_once_written(&script, &pidfile).await;
    assert!(waited, "the script never wrote its pid");
    assert_not_running(&pidfile);
}

/// Run `script` locally until it has written a whole line to `file`, then drop
/// the run unfinished (as a console closing mid-sweep does); whether the line
/// came within 10 s. The script must not finish on its own.
async fn drop_once_written(script: &str, file: &std::path::Path) -> bool {
    let t = LocalTransport::new();
    let run = t.run(script, Duration::from_secs(60));
    tokio::time::timeout(Duration::from_secs(10), async {
        tokio::pin!(run);
        tokio::select! {
            _ = &mut run => panic!("the script cannot finish"),
            () = async {
                while !std::fs::read_to_string(file).is_ok_and(|p| p.ends_with('\n')) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            } => {}
        }
    })
    .await
    .is_ok()
}

/// The pid in `pidfile` is gone, or a zombie waiting for init to reap it.
fn assert_not_running(pidfile: &std::path::Path) {
    let pid = std::fs::read_to_string(pidfile).expect("pid written");
    std::thread::sleep(Duration::from_millis(200));
    let state = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
        .map(|s| {
            s.rsplit_once(')')
                .map(|(_, a)| a.trim().chars().next())
                .unwrap_or_default()
        })
        .unwrap_or(None);
    assert!(
        matches!(state, None | Some('Z')),
        "grandchild sleep still {state:?}"
    );
}

/// A script killed by its timeout cannot remove its temp folder: the transport
/// gives it a `TMPDIR` of its own and removes that.
#[tokio::test]
async fn a_killed_script_s_temp_folder_is_removed() {
    let t = LocalTransport::new();
    let seen = std::sync::Mutex::new(Vec::new());
    let keep = |b: &[u8]| seen.lock().expect("lock").extend_from_slice(b);
    let err = t
        .run_streaming(
            "W=$(mktemp -d \"${TMPDIR:-/tmp}/rivershare.XXXXXX\") && echo \"$W\" && sleep 100",
            Duration::from_secs(1),
            &keep,
        )
        .await
        .expect_err("timeout");
    assert_eq!(err.kind, NodeErrorKind::CommandTimeout);
    let w = String::from_utf8(seen.into_inner().expect("lock")).expect("utf-8");
    let w = std::path::Path::new(w.trim());
    let scratch = w.parent().expect("in TMPDIR");
    assert!(
        scratch
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("rivershare-local.")),
        "{w:?}"
    );
    assert_eq!(scratch.parent(), Some(scratch_base().as_path()), "{w:?}");
    assert!(
        !w.exists() && !scratch.exists(),
        "{w:?} outlived its script"
    );
}

/// Where the local transport makes its scratch folders: in `/dev/shm` (this
/// machine's is the usual sticky tmpfs), unless `TMPDIR` says otherwise, as for
/// a remote script's temp files.
fn scratch_base() -> std::path::PathBuf {
    match std::env::var_os("TMPDIR") {
        Some(t) if !t.is_empty() => t.into(),
        _ => "/dev/shm".into(),
    }
}

/// A script killed while it writes files into its `TMPDIR` (here sixteen
/// processes, each making files as fast as it can) leaves no folder behind: a
/// killed process may finish the file it was making after the folder was
/// emptied, so the folder is removed once the script's process group is gone.
#[tokio::test]
async fn scripts_killed_mid_write_leave_no_temp_folder() {
    let token = format!("rivershare-test-{}", std::process::id());
    let writer = format!("i=0; while :; do : >\"$TMPDIR/{token}.$$.$i\"; i=$((i + 1)); done");
    // More writers than CPUs: at the kill, some are preempted in the middle of
    // making a file, and finish it when they next run.
    let script =
        format!("for w in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do ( {writer} ) & done; {writer}");
    let t = LocalTransport::new();
    let runs = 100;
    for _ in 0..runs {
        let err = t
            .run(&script, Duration::from_millis(40))
            .await
            .expect_err("the writers never end");
        assert_eq!(err.kind, NodeErrorKind::CommandTimeout);
    }
    let base = scratch_base();
    let left = || {
        std::fs::read_dir(&base)
            .expect("scratch base")
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("rivershare-local.")
            })
            .filter(|e| {
                std::fs::read_dir(e.path()).is_ok_and(|mut d| {
                    d.any(|f| f.is_ok_and(|f| f.file_name().to_string_lossy().starts_with(&token)))
                })
            })
            .count()
    };
    let until = Instant::now() + Duration::from_secs(5);
    while left() > 0 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        left(),
        0,
        "of {runs} killed scripts, folders left in {base:?}"
    );
}

/// A run dropped mid-script (a console quitting mid-sweep, which exits right
/// after) has its folder removed by the time the drop returns, not later by a
/// thread the exiting process would take with it: here while three processes
/// make files in it as fast as they can.
#[tokio::test]
async fn a_dropped_run_s_folder_is_gone_when_the_drop_returns() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let told = tmp.path().join("tmpdir");
    let q = rivershare::shell::sh_quote(&told.display().to_string());
    let script = format!(
        "for w in 1 2 3; do ( while :; do : >\"$TMPDIR/f$w.$$\"; done ) & done; echo \"$TMPDIR\" >{q}; wait"
    );
    let told_it = drop_once_written(&script, &told).await;
    assert!(told_it, "the script never said its TMPDIR");
    let dir = std::fs::read_to_string(&told).expect("told");
    let dir = std::path::Path::new(dir.trim());
    assert!(dir.starts_with(scratch_base()), "{dir:?}");
    assert!(!dir.exists(), "{dir:?} outlived the dropped run");
}
