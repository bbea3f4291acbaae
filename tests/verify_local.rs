//! Cross-node verification end to end through the local transport: several
//! "nodes" on this machine whose SHARED_DIRs are the same directory, a bind
//! mount of it, a read-only bind mount of it, and a separate tmpfs. Real `sh`,
//! real mounts, the real scripts and parsers. Needs root (mounts); fails loudly
//! without it.

use std::path::Path;
use std::time::{Duration, Instant};

use rivershare::config::Config;
use rivershare::sweep::{Fleet, Progress, VerifyPhase};
use rivershare::verify::script::{self, read::Expected};
use rivershare::verify::{
    BENCH_BYTES, CellStatus, VerifyOptions, VerifyReport, WriteStatus, parse,
};

#[path = "support/mounts.rs"]
mod mounts;
use mounts::{Mounted, cmd, require_root};

/// Every path under `dir`, relative, sorted.
fn walk(dir: &Path) -> Vec<String> {
    fn go(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let p = e.path();
            out.push(
                p.strip_prefix(base)
                    .expect("under base")
                    .display()
                    .to_string(),
            );
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                go(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    go(dir, dir, &mut out);
    // The two folders that hold every run stay, empty, between runs: removing them
    // races with the next run's mkdir through sshfs/NFS dentry caches.
    out.retain(|p| p != ".rivershare" && p != ".rivershare/verify");
    out.sort();
    out
}

fn config(nodes: &[(&str, &Path)], extra: &str) -> Config {
    let mut text = format!("min_free_gib = 0\ncommand_timeout_secs = 6\n{extra}\n");
    for (i, (name, dir)) in nodes.iter().enumerate() {
        text.push_str(&format!(
            "\n[[nodes]]\nname = {name:?}\nrole = {:?}\ntransport = \"local\"\nshared_dir = {:?}\n",
            if i == 0 { "host" } else { "runner" },
            dir.display().to_string()
        ));
    }
    Config::from_toml_str(&text, Path::new("verify-test.toml")).expect("valid config")
}

async fn run(config: Config, opts: VerifyOptions) -> (VerifyReport, Duration) {
    let fleet = Fleet::prepare(config, false).await;
    let facts = fleet.probe_mounts(&|_| {}).await;
    let start = Instant::now();
    let report = fleet.verify(Some(&facts), opts, &|_| {}).await;
    (report, start.elapsed())
}

fn cell(r: &VerifyReport, writer: &str, reader: &str) -> (CellStatus, Option<String>) {
    let c = r
        .matrix
        .iter()
        .find(|c| c.writer == writer && c.reader == reader)
        .unwrap_or_else(|| panic!("cell {writer} -> {reader}"));
    (c.status, c.detail.clone())
}

const NAMES: [&str; 5] = ["A", "B", "C", "D", "E"];

/// A and B: the same directory; C: a bind mount of it elsewhere; D: its own
/// tmpfs; E: a read-only bind mount of A's directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_local_nodes_matrix_and_nothing_left() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let a = root.join("a share");
    std::fs::create_dir(&a).expect("mkdir a");
    std::fs::write(a.join("keep.txt"), "operator data\n").expect("user file");
    let c = root.join("c");
    let _c = Mounted::new(&["--bind", a.to_str().expect("utf-8")], &c);
    let d = root.join("d");
    let _d = Mounted::new(&["-t", "tmpfs", "-o", "size=8m", "tmpfs"], &d);
    let e = root.join("e");
    let _e = Mounted::read_only_bind(&a, &e);
    let before_a = walk(&a);

    let cfg = config(&[("A", &a), ("B", &a), ("C", &c), ("D", &d), ("E", &e)], "");
    let deadline = Duration::from_millis(1500);
    let (r, elapsed) = run(
        cfg,
        VerifyOptions {
            deadline,
            io_bench: true,
        },
    )
    .await;
    eprintln!("verify of 5 local nodes took {elapsed:?}");

    assert!(script::looks_like_run_id(&r.run_id), "{}", r.run_id);
    assert_eq!(r.deadline_ms, 1500);
    let writes: Vec<(&str, WriteStatus, Option<&str>)> = r
        .writes
        .iter()
        .map(|w| (w.node.as_str(), w.status, w.detail.as_deref()))
        .collect();
    assert_eq!(
        writes,
        [
            ("A", WriteStatus::Ok, None),
            ("B", WriteStatus::Ok, None),
            ("C", WriteStatus::Ok, None),
            ("D", WriteStatus::Ok, None),
            ("E", WriteStatus::Skipped, Some("read_only")),
        ]
    );
    // Writers and readers in config order, every pair present.
    let order: Vec<(String, String)> = r
        .matrix
        .iter()
        .map(|c| (c.writer.clone(), c.reader.clone()))
        .collect();
    let want: Vec<(String, String)> = NAMES
        .iter()
        .flat_map(|w| NAMES.iter().map(|r| (w.to_string(), r.to_string())))
        .collect();
    assert_eq!(order, want);

    for w in ["A", "B", "C"] {
        for rd in ["A", "B", "C", "E"] {
            assert_eq!(cell(&r, w, rd), (CellStatus::Ok, None), "{w} -> {rd}");
        }
        assert_eq!(cell(&r, w, "D"), (CellStatus::Missing, None), "{w} -> D");
    }
    for rd in ["A", "B", "C", "E"] {
        assert_eq!(cell(&r, "D", rd), (CellStatus::Missing, None), "D -> {rd}");
    }
    assert_eq!(cell(&r, "D", "D"), (CellStatus::Ok, None));
    for rd in NAMES {
        assert_eq!(
            cell(&r, "E", rd),
            (CellStatus::Skipped, Some("writer read_only".into())),
            "E -> {rd}"
        );
    }
    for c in r.matrix.iter().filter(|c| c.status == CellStatus::Ok) {
        let ms = c.visible_after_ms.expect("ok cells have a delay");
        assert!(ms < 1500, "{c:?}");
    }
    // Missing cells cost the deadline, not more: the whole run stays near it
    // (plus the speed test, 3 x 64 MiB on this disk, when the grouping is real).
    assert!(
        elapsed >= deadline && elapsed < deadline + Duration::from_secs(8),
        "{elapsed:?}"
    );
    // The speed test runs on the writers of the shared group, one at a time.
    // (The grouping lives in verify::matrix; with the real one the shared group
    // is A, B, C, E and the bench runs on A, B and C.)
    let bench = r.io_bench.as_ref().expect("bench requested");
    let bench_nodes: Vec<&str> = bench.iter().map(|b| b.node.as_str()).collect();
    let expected: Vec<&str> = r
        .shared
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|n| *n != "E")
        .collect();
    assert_eq!(bench_nodes, expected);
    for b in bench {
        assert!(
            b.write_mbps.is_some_and(|m| m > 0.0) && b.read_mbps.is_some_and(|m| m > 0.0),
            "{b:?}"
        );
    }
    assert!(r.cleanup.complete, "{:?}", r.cleanup);
    assert_eq!(r.cleanup.stale_runs_removed, 0);
    assert!(r.cleanup.problems.is_empty(), "{:?}", r.cleanup.problems);
    // Nothing left on either storage, and the operator's file untouched.
    assert_eq!(walk(&a), before_a);
    assert_eq!(walk(&d), Vec::<String>::new());
    assert_eq!(
        std::fs::read_to_string(a.join("keep.txt")).expect("kept"),
        "operator data\n"
    );
}

/// Stale run folders (older than an hour) are removed once, even with two
/// nodes on the same storage; a young run folder and anything that does not
/// look like a run folder are kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_runs_removed_young_and_unrelated_kept() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = tmp.path().join("a");
    let v = a.join(".rivershare/verify");
    let old = v.join("20261126T010000Z-00aa11bb");
    let young = v.join("20261126T050000Z-0badc0de");
    let unrelated_dir = v.join("my-notes");
    std::fs::create_dir_all(old.join("sub")).expect("old run");
    std::fs::write(old.join("A"), "old token\n").expect("old token");
    std::fs::create_dir_all(&young).expect("young run");
    std::fs::create_dir_all(&unrelated_dir).expect("unrelated dir");
    std::fs::write(v.join("notes.txt"), "x\n").expect("unrelated file");
    for p in [&old, &unrelated_dir, &v.join("notes.txt")] {
        cmd("touch", &["-d", "2 hours ago", p.to_str().expect("utf-8")]);
    }
    let cfg = config(&[("A", &a), ("B", &a)], "");
    let (r, _) = run(
        cfg,
        VerifyOptions {
            deadline: Duration::from_secs(1),
            io_bench: false,
        },
    )
    .await;
    assert_eq!(r.cleanup.stale_runs_removed, 1, "{:?}", r.cleanup);
    assert!(r.cleanup.complete, "{:?}", r.cleanup);
    assert!(
        r.matrix.iter().all(|c| c.status == CellStatus::Ok),
        "{:?}",
        r.matrix
    );
    assert_eq!(
        walk(&a),
        [
            ".rivershare/verify/20261126T050000Z-0badc0de",
            ".rivershare/verify/my-notes",
            ".rivershare/verify/notes.txt",
        ]
    );
}

/// `read_only = true`: nothing is written anywhere, every cell is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_touches_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, d) = (tmp.path().join("a"), tmp.path().join("d"));
    std::fs::create_dir(&a).expect("a");
    std::fs::create_dir(&d).expect("d");
    let cfg = config(&[("A", &a), ("D", &d)], "read_only = true");
    let (r, _) = run(
        cfg,
        VerifyOptions {
            deadline: Duration::from_secs(1),
            io_bench: true,
        },
    )
    .await;
    assert!(
        r.writes
            .iter()
            .all(|w| w.status == WriteStatus::Skipped
                && w.detail.as_deref() == Some("read_only mode"))
    );
    assert_eq!(r.matrix.len(), 4);
    assert!(
        r.matrix
            .iter()
            .all(|c| c.status == CellStatus::Skipped
                && c.detail.as_deref() == Some("read_only mode"))
    );
    assert_eq!(r.io_bench, Some(vec![]));
    assert!(r.cleanup.complete && r.cleanup.problems.is_empty());
    assert!(walk(&a).is_empty() && walk(&d).is_empty());
}

/// A reader whose read of one token blocks (a FIFO at the token's path: `cat`
/// blocks in open(), like a read on a hung mount) gets `error`/`hung` for it and
/// for every token after it, and the whole verification still ends within the
/// deadline plus one step timeout and the kill grace. Its clean-up then reports,
/// honestly, that its run folder is not empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_hangs_is_hung_and_the_rest_finish() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, h) = (tmp.path().join("a"), tmp.path().join("h"));
    std::fs::create_dir(&a).expect("a");
    std::fs::create_dir(&h).expect("h");
    let cfg = config(&[("A", &a), ("B", &a), ("H", &h)], "");
    let fleet = Fleet::prepare(cfg, false).await;
    let facts = fleet.probe_mounts(&|_| {}).await;
    let hv = h.join(".rivershare/verify");
    let plant = |p: rivershare::sweep::Progress| {
        if let rivershare::sweep::Progress::Verifying { node, phase } = p
            && node == "H"
            && phase == rivershare::sweep::VerifyPhase::Read
        {
            let run = std::fs::read_dir(&hv)
                .expect("H's verify dir")
                .flatten()
                .next()
                .expect("H's run folder");
            cmd("mkfifo", &[run.path().join("A").to_str().expect("utf-8")]);
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
            &plant,
        )
        .await;
    let elapsed = start.elapsed();
    eprintln!("verify with a hung reader took {elapsed:?}");
    // command_timeout 6 s: step timeout 2 s, plus 1 s kill grace, plus clean-up.
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
    let hung: Vec<_> = r
        .matrix
        .iter()
        .filter(|c| c.reader == "H")
        .map(|c| (c.writer.as_str(), c.status, c.error_kind))
        .collect();
    use rivershare::facts::AccessErrorKind::Hung;
    assert_eq!(
        hung,
        [
            ("A", CellStatus::Error, Some(Hung)),
            ("B", CellStatus::Error, Some(Hung)),
            ("H", CellStatus::Error, Some(Hung)),
        ]
    );
    for (w, rd) in [("A", "B"), ("B", "A"), ("A", "A")] {
        assert_eq!(cell(&r, w, rd).0, CellStatus::Ok);
    }
    assert_eq!(cell(&r, "H", "A").0, CellStatus::Missing);
    assert!(!r.cleanup.complete);
    assert!(
        r.cleanup
            .problems
            .iter()
            .any(|p| p.starts_with("node H: run folder")),
        "{:?}",
        r.cleanup.problems
    );
    assert!(walk(&a).is_empty(), "{:?}", walk(&a));
    assert_eq!(
        walk(&h).len(),
        2,
        "only the planted FIFO (and its run folder) is left: {:?}",
        walk(&h)
    );
}

/// A file at a token's path with other content is a mismatch, with its first bytes.
#[tokio::test]
async fn other_content_is_a_mismatch() {
    use rivershare::transport::Transport;
    use rivershare::transport::local::LocalTransport;
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("A");
    let other = format!(
        "rivershare-verify v1 run=old writer=A nonce=00 time=1\n{}",
        "z".repeat(400)
    );
    std::fs::write(&path, &other).expect("stale copy");
    let expected = [Expected {
        path: path.display().to_string(),
        content: script::new_token("20261126T050000Z-01", "A"),
    }];
    let text = script::read::build(
        &expected,
        Duration::from_millis(300),
        Duration::from_secs(2),
    );
    let out = LocalTransport::new()
        .run(&text, Duration::from_secs(5))
        .await
        .expect("local run");
    let r = parse::parse_read(&out.stdout, 1);
    assert_eq!(r[0].status, CellStatus::Mismatch);
    let detail = r[0].detail.as_deref().expect("detail");
    assert_eq!(detail, &other[..200]);
}

/// The speed test on a tmpfs: real 64 MiB through the real script, MB/s > 0,
/// and the bench file removed.
#[tokio::test]
async fn io_bench_on_tmpfs() {
    use rivershare::transport::Transport;
    use rivershare::transport::local::LocalTransport;
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path().join("t");
    let _t = Mounted::new(&["-t", "tmpfs", "-o", "size=96m", "tmpfs"], &t);
    let dir = t.display().to_string();
    let run_id = script::new_run_id();
    let local = LocalTransport::new();
    let step = Duration::from_secs(5);
    let tok = script::new_token(&run_id, "T");
    let out = local
        .run(
            &script::write::build(&dir, &run_id, "T", &tok, step),
            step * 3,
        )
        .await
        .expect("write");
    assert_eq!(parse::parse_write(&out.stdout).status, WriteStatus::Ok);
    let mib = BENCH_BYTES >> 20;
    let text = script::bench::build(&dir, &run_id, "T", mib, script::bench::step_timeout());
    let out = local
        .run(&text, Duration::from_secs(300))
        .await
        .expect("bench");
    let (b, removed) = parse::parse_bench(&out.stdout, "T", BENCH_BYTES);
    eprintln!("tmpfs bench: {b:?}");
    assert!(removed, "{b:?}");
    assert!(b.write_mbps.is_some_and(|m| m > 0.0), "{b:?}");
    assert!(b.read_mbps.is_some_and(|m| m > 0.0), "{b:?}");
    let bench_file = Path::new(&script::run_dir(&dir, &run_id)).join("bench-T");
    assert!(!bench_file.exists());
    let out = local
        .run(&script::cleanup::build(&dir, &run_id, "T", step), step * 3)
        .await
        .expect("cleanup");
    let c = parse::parse_cleanup(&out.stdout);
    assert_eq!((c.token_gone, c.run_gone), (Some(true), Some(true)));
    assert!(walk(&t).is_empty());
}

#[path = "support/loop_sshfs.rs"]
mod loop_sshfs;

#[path = "verify_local/sshfs.rs"]
mod sshfs;

/// Without facts every node just tries: a missing SHARED_DIR fails its write
/// (and is never created), and it reads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_facts_a_missing_path_fails_and_is_not_created() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, m) = (tmp.path().join("a"), tmp.path().join("missing"));
    std::fs::create_dir(&a).expect("a");
    let fleet = Fleet::prepare(config(&[("A", &a), ("M", &m)], ""), false).await;
    let r = fleet
        .verify(
            None,
            VerifyOptions {
                deadline: Duration::from_millis(500),
                io_bench: false,
            },
            &|_| {},
        )
        .await;
    assert_eq!(r.writes[0].status, WriteStatus::Ok);
    let w = &r.writes[1];
    assert_eq!(
        (w.status, w.error_kind),
        (
            WriteStatus::Error,
            Some(rivershare::facts::AccessErrorKind::Missing)
        ),
        "{w:?}"
    );
    assert!(
        w.detail
            .as_deref()
            .is_some_and(|d| d.starts_with("mkdir: "))
    );
    assert_eq!(cell(&r, "A", "A").0, CellStatus::Ok);
    assert_eq!(cell(&r, "A", "M").0, CellStatus::Missing);
    assert_eq!(
        cell(&r, "M", "A"),
        (CellStatus::Skipped, Some("writer write failed".into()))
    );
    assert!(!m.exists(), "verification created the missing SHARED_DIR");
    assert!(r.cleanup.complete, "{:?}", r.cleanup);
    assert!(walk(&a).is_empty());
}
