//! Verification's round trips, end to end through the local transport (real
//! `sh`, the real scripts, real folders): each node writes its token beside its
//! mount probe, so after the mount phase verification runs only the reads and
//! the clean-up. Proved by what is on disk the moment each node's probe is
//! reported, and by the phases verification announces.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rivershare::engine::{self, Event, SweepOptions};
use rivershare::sweep::{Fleet, Progress, VerifyPhase};
use rivershare::verify::WriteStatus;

#[path = "support/local_config.rs"]
mod local_config;
use local_config::config;

/// The token files under `dir`'s verification folders (`run/node` names).
fn tokens_under(dir: &Path) -> Vec<String> {
    let verify = dir.join(".rivershare/verify");
    let mut found = Vec::new();
    for run in std::fs::read_dir(&verify).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(run.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            found.push(format!(
                "{}/{}",
                run.file_name().to_string_lossy(),
                f.file_name().to_string_lossy()
            ));
        }
    }
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_written_beside_the_probe_and_verification_only_reads_and_cleans_up() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("share");
    let view: PathBuf = tmp.path().join("r1-view");
    std::os::unix::fs::symlink(&share, &view).expect("symlink");
    let own = tmp.path().join("r2-own");
    std::fs::create_dir(&own).expect("own");
    let dirs = [("host", &share), ("r1", &share), ("r2", &own)];
    let cfg = config(
        &[
            ("host", "host", &share),
            ("r1", "runner", &view),
            ("r2", "runner", &own),
        ],
        "concurrency = 1\n",
    );
    let fleet = Fleet::prepare(cfg, false).await;
    // What each node's folder held the moment that node's probe was reported.
    let seen: Mutex<Vec<(String, Vec<String>)>> = Mutex::new(Vec::new());
    let phases: Mutex<Vec<VerifyPhase>> = Mutex::new(Vec::new());
    let on_event = |e: Event| match e {
        Event::NodeProbed { facts, .. } => {
            let dir = dirs
                .iter()
                .find(|(n, _)| *n == facts.name)
                .expect("known")
                .1;
            seen.lock()
                .expect("lock")
                .push((facts.name.clone(), tokens_under(dir)));
        }
        Event::Progress(Progress::Verifying { phase, .. }) => {
            phases.lock().expect("lock").push(phase);
        }
        _ => {}
    };
    let result = engine::sweep(&fleet, &SweepOptions::everything(), &on_event).await;
    let verify = result.verify.expect("verification ran");

    // Each node's own token was on its storage when its probe was reported:
    // written in the mount phase, before verification began.
    let seen = seen.into_inner().expect("lock");
    assert_eq!(seen.len(), 3, "{seen:?}");
    for (node, tokens) in &seen {
        let mine = format!("{}/{node}", verify.run_id);
        assert!(tokens.contains(&mine), "{node}: {tokens:?}");
    }
    // Verification itself only read and cleaned up.
    let phases = phases.into_inner().expect("lock");
    assert!(!phases.contains(&VerifyPhase::Write), "{phases:?}");
    assert!(phases.contains(&VerifyPhase::Read) && phases.contains(&VerifyPhase::Cleanup));
    // And the result is what writing afterwards gave: every write ok, host and
    // r1 share, r2 is alone, and nothing is left on either storage.
    assert!(
        verify.writes.iter().all(|w| w.status == WriteStatus::Ok),
        "{:?}",
        verify.writes
    );
    let mut shared = verify.shared.clone().expect("a shared group");
    shared.sort();
    assert_eq!(shared, ["host", "r1"]);
    for dir in [&share, &own] {
        assert_eq!(tokens_under(dir), Vec::<String>::new(), "{}", dir.display());
    }
}

/// Read-only mode writes nothing, early or late: the write test and the
/// tokens are skipped, and the storage is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_writes_no_token_in_the_mount_phase() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("share");
    let cfg = config(&[("host", "host", &share)], "read_only = true\n");
    let fleet = Fleet::prepare(cfg, false).await;
    let result = engine::sweep(&fleet, &SweepOptions::everything(), &|_| {}).await;
    let verify = result.verify.expect("verification ran");
    assert!(
        verify
            .writes
            .iter()
            .all(|w| w.status == WriteStatus::Skipped),
        "{:?}",
        verify.writes
    );
    assert!(
        !share.join(".rivershare").exists(),
        "nothing written on the storage"
    );
}
