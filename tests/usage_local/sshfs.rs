//! A real network filesystem that stops answering: sshfs to a real sshd on
//! loopback, frozen with SIGSTOP (or slowed by stopping and continuing it).
//! Only our own child processes are signalled, by their PID.

use super::loop_sshfs::{ChildGuard, sshfs_mount};
use super::mounts::{Mounted, cmd, require_root};
use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A share with three plain entries and `slow`, an sshfs mount of `export`
/// (`dirs` folders of one 4 KiB file each).
/// Dropped in this order: sshfs continued and killed, then unmounted, then
/// the temp folder removed (never while a frozen mount is in it).
struct Hung {
    sshfs: ChildGuard,
    _unmount: Mounted,
    _sshd: ChildGuard,
    share: PathBuf,
    _tmp: tempfile::TempDir,
}

fn hung_share(dirs: usize, inside: bool) -> Hung {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path().to_path_buf();
    let export = t.join("export");
    for i in 0..dirs {
        write(&export.join(format!("d{i:04}/sub/f")), 4_000);
    }
    let share = t.join("share");
    let mnt = if inside {
        share.join("slow")
    } else {
        share.clone()
    };
    if inside {
        write(&share.join("shared_data/a/x"), 30_000);
        write(&share.join("logs/7001/stdout.log"), 5_000);
        write(
            &share.join("kohakuriver-containers/env-1732570234.tar"),
            70_000,
        );
    }
    let (sshd, sshfs) = sshfs_mount(&t, &export, &mnt);
    let unmount = Mounted::adopt(&mnt);
    Hung {
        sshfs,
        _unmount: unmount,
        _sshd: sshd,
        share,
        _tmp: tmp,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_mount_in_the_share_is_partial_within_its_budget() {
    let h = hung_share(20, true);
    h.sshfs.signal("-STOP");
    let started = Instant::now();
    let (result, _) = sweep_with_usage(config(&h.share, "du_timeout_secs = 2")).await;
    let r = result.usage.as_ref().expect("usage ran");
    eprintln!(
        "frozen mount: walk {} ms, sweep {:?}",
        r.duration_ms,
        started.elapsed()
    );
    assert_eq!(r.error, None, "{r:#?}");
    assert_eq!(r.budget_secs, 2);
    let slow = entry(r, "slow");
    assert!(!slow.complete, "{slow:?}");
    assert_eq!(
        slow.note.as_deref(),
        Some("timed out after 2 s; counted nothing")
    );
    // The others are measured in full, exactly, after the hung one too.
    for p in ["shared_data", "logs", "kohakuriver-containers"] {
        let e = entry(r, p);
        assert!(e.complete, "{e:?}");
        assert_eq!(e.bytes, du(&h.share.join(p)), "{p}");
    }
    assert_eq!(entry(r, "logs").task_folders, Some(1));
    // Within the budget: one 2 s du, its 1 s kill grace and the `stat -f` of the
    // share that answered at once; the others take milliseconds.
    assert!(r.duration_ms < 5_000, "{} ms", r.duration_ms);
    // The sweep's other results: the host's probe of its (local) share is fine.
    let host = result
        .facts
        .iter()
        .find(|f| f.name == "host")
        .expect("host");
    assert!(host.error.is_none(), "{host:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_storage_gives_a_lower_bound_counted_so_far() {
    let h = hung_share(600, true);
    // Stop sshfs most of the time: each folder takes a few round trips, so du
    // gets through some of them within its 2 s budget, never all 600.
    let stop = Arc::new(AtomicBool::new(false));
    let pid = h.sshfs.0.id().to_string();
    let toggler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                cmd("kill", &["-STOP", &pid]);
                std::thread::sleep(Duration::from_millis(400));
                cmd("kill", &["-CONT", &pid]);
                std::thread::sleep(Duration::from_millis(15));
            }
        })
    };
    let (result, _) = sweep_with_usage(config(&h.share, "du_timeout_secs = 2")).await;
    stop.store(true, Ordering::Relaxed);
    toggler.join().expect("toggler");
    let r = result.usage.as_ref().expect("usage ran");
    let slow = entry(r, "slow");
    eprintln!("slow storage: {slow:?}");
    assert!(!slow.complete, "{slow:?}");
    let note = slow.note.as_deref().unwrap_or_default();
    assert!(
        note.starts_with("timed out after 2 s; ") && note.ends_with(" counted so far"),
        "{note}"
    );
    // A real lower bound: more than nothing, less than the whole (600 folders).
    let whole = du(&h.share.join("slow"));
    assert!(
        slow.bytes > 0 && slow.bytes < whole,
        "{} of {whole}",
        slow.bytes
    );
    assert!(entry(r, "shared_data").complete);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_that_hangs_mid_walk_stops_the_walk_early() {
    let h = hung_share(30, false);
    let cfg = config(&h.share, "du_timeout_secs = 2");
    let fleet = rivershare::sweep::Fleet::prepare(cfg, false).await;
    let facts = fleet.probe_mounts(&|_| {}).await;
    assert!(facts.iter().all(|f| f.error.is_none()), "{facts:?}");
    let frozen = AtomicBool::new(false);
    // Listed: now the whole share stops answering, before the first du.
    let on_progress = |p: Progress| {
        if let Progress::Usage { total, .. } = p
            && total > 0
            && !frozen.swap(true, Ordering::Relaxed)
        {
            h.sshfs.signal("-STOP");
        }
    };
    let r = fleet.disk_usage(&facts, None, &on_progress).await;
    assert!(frozen.load(Ordering::Relaxed));
    eprintln!("hung share: walk {} ms", r.duration_ms);
    assert_eq!(r.entries.len(), 30, "{r:#?}");
    assert!(r.entries.iter().all(|e| !e.complete && e.bytes == 0));
    let notes: Vec<&str> = r.entries.iter().filter_map(|e| e.note.as_deref()).collect();
    assert_eq!(
        notes
            .iter()
            .filter(|n| **n == "timed out after 2 s; counted nothing")
            .count(),
        1,
        "{notes:?}"
    );
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.starts_with("not measured: ")
                && n.ends_with(" counted nothing within 2 s; the storage is not answering"))
            .count(),
        29,
        "{notes:?}"
    );
    // One budget (2 s + 1 s kill) and one step timeout for `stat -f` (2 s + 1 s),
    // not 30 budgets.
    assert!(r.duration_ms < 8_000, "{} ms", r.duration_ms);
}

/// The tools the usage scripts call; `timeout` deliberately left out.
const TOOLS: &[&str] = &[
    "sh", "mktemp", "rm", "head", "sed", "tail", "wc", "stat", "od", "tr", "nice", "ionice",
    "stdbuf", "du", "awk", "sort", "find", "cat", "date",
];

/// On a node without `timeout`, no entry has a budget: the frozen one holds
/// the walk until the transport's own limit. The entries that streamed before
/// it are still in the report, measured; the rest say they were not reached.
/// Runs the walk in a child test process whose PATH has every tool but
/// `timeout` (PATH is process-wide, the other tests must keep theirs).
#[test]
fn the_transport_limit_keeps_what_streamed_before_it() {
    let h = hung_share(5, true);
    for p in ["shared_data", "logs", "kohakuriver-containers"] {
        std::fs::remove_dir_all(h.share.join(p)).expect("rm");
    }
    write(&h.share.join("a/f"), 50_000);
    write(&h.share.join("z/f"), 7_000);
    let bin = tempfile::tempdir().expect("tempdir");
    for tool in TOOLS {
        let found = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{tool} is installed"));
        std::os::unix::fs::symlink(found, bin.path().join(tool)).expect("symlink");
    }
    h.sshfs.signal("-STOP");
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "sshfs::walk_without_timeout",
            "--ignored",
            "--nocapture",
        ])
        .env("PATH", bin.path())
        .env("RVS_USAGE_SHARE", &h.share)
        .output()
        .expect("child test runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.contains("1 passed"), "{text}");
}

#[tokio::test]
#[ignore = "run by the_transport_limit_keeps_what_streamed_before_it, with its PATH"]
async fn walk_without_timeout() {
    let share = PathBuf::from(std::env::var_os("RVS_USAGE_SHARE").expect("RVS_USAGE_SHARE"));
    let cfg = config(&share, "du_timeout_secs = 1\ncommand_timeout_secs = 3");
    let fleet = rivershare::sweep::Fleet::prepare(cfg, false).await;
    let started = Instant::now();
    let r = fleet.disk_usage(&[], None, &|_| {}).await;
    let took = started.elapsed();
    eprintln!("walk without timeout: {took:?}: {r:#?}");
    let e = r.error.as_deref().unwrap_or_default();
    assert!(e.contains("did not finish within 19 s"), "{e}");
    let a = entry(&r, "a");
    assert!(a.complete && a.bytes == du(&share.join("a")), "{a:?}");
    for p in ["slow", "z"] {
        let x = entry(&r, p);
        assert!(!x.complete, "{x:?}");
        assert_eq!(
            x.note.as_deref(),
            Some("not measured: the walk ended before this entry")
        );
    }
    // The limit (1 s step + 3 entries x 5 s + 3 s), its kill grace, no more.
    assert!(took < Duration::from_secs(23), "{took:?}");
}
