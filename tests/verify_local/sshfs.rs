//! A real network filesystem that hangs mid-verification: node S mounts A's
//! directory over sshfs (to a real sshd on loopback), writes its token, and its
//! sshfs daemon is stopped (SIGSTOP) just before S starts reading. Only our own
//! child processes are signalled, by their PID.

use super::loop_sshfs::sshfs_mount;
use super::*;
use std::sync::Mutex;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_that_hangs_mid_verification() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let export = t.join("export");
    std::fs::create_dir(&export).expect("export");
    let mnt = t.join("mnt");
    let (_sshd, sshfs) = sshfs_mount(t, &export, &mnt);
    let _unmount = Mounted::adopt(&mnt);

    let cfg = config(&[("A", &export), ("B", &export), ("S", &mnt)], "");
    let fleet = Fleet::prepare(cfg, false).await;
    let facts = fleet.probe_mounts(&|_| {}).await;
    let s_facts = facts[2].probe.as_ref().expect("S probed");
    assert!(
        s_facts.hung_steps.is_empty() && s_facts.is_dir,
        "{s_facts:?}"
    );

    let marks: Mutex<Vec<(VerifyPhase, Instant)>> = Mutex::new(Vec::new());
    let on_progress = |p: Progress| {
        if let Progress::Verifying { node, phase } = p {
            if node == "S" && phase == VerifyPhase::Read {
                // S wrote its token through sshfs; now its storage stops answering.
                sshfs.signal("-STOP");
            }
            marks.lock().expect("marks").push((phase, Instant::now()));
        }
    };
    let deadline = Duration::from_millis(1500);
    let start = Instant::now();
    let r = fleet
        .verify(
            Some(&facts),
            VerifyOptions {
                deadline,
                io_bench: false,
            },
            &on_progress,
        )
        .await;
    let elapsed = start.elapsed();
    let marks = marks.into_inner().expect("marks");
    let first = |ph: VerifyPhase| {
        marks
            .iter()
            .find(|(p, _)| *p == ph)
            .map(|(_, at)| *at)
            .expect("phase seen")
    };
    let read_phase = first(VerifyPhase::Cleanup) - first(VerifyPhase::Read);
    eprintln!("hung sshfs: read phase {read_phase:?}, whole verify {elapsed:?}");

    assert!(
        r.writes.iter().all(|w| w.status == WriteStatus::Ok),
        "{:?}",
        r.writes
    );
    // The others read everyone's token, S's included (written before the hang).
    for w in ["A", "B", "S"] {
        for rd in ["A", "B"] {
            assert_eq!(cell(&r, w, rd).0, CellStatus::Ok, "{w} -> {rd}");
        }
    }
    for w in ["A", "B", "S"] {
        let c = r
            .matrix
            .iter()
            .find(|c| c.writer == w && c.reader == "S")
            .expect("cell");
        assert_eq!(
            (c.status, c.error_kind),
            (
                CellStatus::Error,
                Some(rivershare::facts::AccessErrorKind::Hung)
            ),
            "{c:?}"
        );
    }
    // Step timeout = command_timeout / 3 = 2 s; one hung cat plus the 1 s kill.
    assert!(
        read_phase < deadline + Duration::from_secs(4),
        "read phase {read_phase:?}"
    );
    assert!(elapsed < Duration::from_secs(12), "{elapsed:?}");
    // S could not confirm removing its token: reported, not hidden.
    assert!(!r.cleanup.complete);
    assert!(
        r.cleanup
            .problems
            .iter()
            .any(|p| p.starts_with("node S: removing the token timed out")),
        "{:?}",
        r.cleanup.problems
    );
    // The nodes that still answer remove S's token from the shared export by exact
    // path in the final pass, so the share is left clean all the same.
    let left = walk(&export);
    assert!(
        left.is_empty(),
        "verification left files on the export: {left:?}"
    );
    drop(_unmount);
}
