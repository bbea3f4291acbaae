//! The disk-usage walk end to end through the local transport: real `sh`,
//! real `du`, real files of known sizes (written, not sparse) in a temporary
//! SHARED_DIR, through `engine::sweep` with `usage` on. The reference for every
//! byte count is an independent `du -x -B1 -s` of the same path. The hung case
//! (tests/usage_local/sshfs.rs) mounts a real sshfs inside the share and
//! freezes it; it needs root and fails loudly without it.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rivershare::config::Config;
use rivershare::engine::{self, Event, SweepOptions};
use rivershare::sweep::Progress;
use rivershare::usage::UsageReport;

#[path = "support/mounts.rs"]
mod mounts;

#[path = "support/loop_sshfs.rs"]
mod loop_sshfs;

#[path = "usage_local/sshfs.rs"]
mod sshfs;

#[path = "usage_local/denied.rs"]
mod denied;

fn config(share: &Path, extra: &str) -> Config {
    let timeout = if extra.contains("command_timeout_secs") {
        ""
    } else {
        "command_timeout_secs = 6\n"
    };
    let text = format!(
        "min_free_gib = 0\n{timeout}{extra}\n\
         [[nodes]]\nname = \"host\"\nrole = \"host\"\ntransport = \"local\"\nshared_dir = {:?}\n\
         [[nodes]]\nname = \"r1\"\nrole = \"runner\"\ntransport = \"local\"\nshared_dir = {:?}\n",
        share.display().to_string(),
        share.display().to_string()
    );
    let mut cfg = Config::from_toml_str(&text, Path::new("usage-test.toml")).expect("valid");
    // The local Host is this machine: never read its real ~/.kohakuriver.
    cfg.kohakuriver_discovery = false;
    cfg
}

/// `bytes` real bytes at `path` (random-ish, so no filesystem can make them sparse).
fn write(path: &Path, bytes: usize) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let data: Vec<u8> = (0..bytes).map(|i| (i * 7 + bytes) as u8 | 1).collect();
    std::fs::write(path, data).expect("write");
}

fn touch(path: &Path, date: &str) {
    let ok = Command::new("touch")
        .arg("-d")
        .arg(date)
        .arg(path)
        .status()
        .expect("touch runs");
    assert!(ok.success(), "touch -d {date} {}", path.display());
}

/// The reference: `du -x -B1 -s -- path`.
fn du(path: &Path) -> u64 {
    let out = Command::new("du")
        .args(["-x", "-B1", "-s", "--"])
        .arg(path)
        .output()
        .expect("du runs");
    assert!(out.status.success(), "du {}: {:?}", path.display(), out);
    let text = String::from_utf8_lossy(&out.stdout);
    text.split('\t')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("du output {text:?}"))
}

fn name(bytes: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(bytes))
}

/// A KohakuRiver share: tarballs, shared_data with nested folders, task logs
/// with known mtimes, and names with a newline and invalid UTF-8.
fn share(tmp: &Path) -> PathBuf {
    let s = tmp.join("share");
    let c = s.join("kohakuriver-containers");
    write(&c.join("base-1732570234.tar"), 300_000);
    write(&c.join("base-1732570299.tar"), 310_000);
    let d = s.join("shared_data");
    write(&d.join("a/deep/er/x.bin"), 120_000);
    write(&d.join("a/y.bin"), 5_000);
    write(&d.join("b/z.bin"), 40_000);
    write(&d.join("loose.txt"), 777);
    write(&d.join(name(b"new\nline")).join("f"), 9_000);
    write(&d.join(name(b"bad-\xff\xfe")).join("f"), 11_000);
    let logs = s.join("logs");
    let dates = [
        ("7300000000000001", "2024-01-02 03:04:05 UTC", 1_000),
        ("7300000000000002", "2024-08-01 00:00:00 UTC", 20_000),
        ("7300000000000003", "2025-06-07 08:09:10 UTC", 3_000),
        ("7300000000000004", "2025-01-01 12:00:00 UTC", 0),
    ];
    for (id, _, bytes) in dates {
        write(&logs.join(id).join("stdout.log"), bytes);
    }
    write(&logs.join("stray.txt"), 100);
    for (id, date, _) in dates {
        touch(&logs.join(id), date);
    }
    write(&s.join(name(b"other\ndir-\xff")).join("z"), 15_000);
    write(&s.join("notes.md"), 2_500);
    s
}

type Seen = Mutex<Vec<Event>>;

fn collect(seen: &Seen) -> impl Fn(Event) + Sync + '_ {
    move |e| seen.lock().expect("lock").push(e)
}

async fn sweep_with_usage(cfg: Config) -> (rivershare::engine::SweepResult, Vec<Event>) {
    let fleet = rivershare::sweep::Fleet::prepare(cfg, false).await;
    let opts = SweepOptions {
        usage: true,
        ..SweepOptions::everything()
    };
    let seen = Mutex::new(Vec::new());
    let result = engine::sweep(&fleet, &opts, &collect(&seen)).await;
    (result, seen.into_inner().expect("lock"))
}

fn usage_progress(events: &[Event]) -> Vec<(usize, usize)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Progress(Progress::Usage { node, done, total }) => {
                assert_eq!(node, "host");
                Some((*done, *total))
            }
            _ => None,
        })
        .collect()
}

/// The report's entry for `path`, or a panic listing the entries.
fn entry<'a>(r: &'a UsageReport, path: &str) -> &'a rivershare::usage::UsageEntry {
    r.entry(path)
        .unwrap_or_else(|| panic!("no entry {path:?}: {:#?}", r.entries))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walk_counts_exactly_what_du_counts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let s = share(tmp.path());
    let (result, events) = sweep_with_usage(config(&s, "")).await;
    let r = result.usage.as_ref().expect("usage ran");
    assert_eq!(r.error, None, "{r:#?}");
    assert_eq!(r.node.as_deref(), Some("host"));
    assert_eq!(r.dir.as_deref(), Some(s.to_str().expect("utf-8")));
    assert_eq!(r.budget_secs, 60);
    assert!(r.fs_total_bytes.is_some_and(|t| t > 0), "{r:?}");
    assert!(r.fs_used_bytes.is_some());
    // The walk's own output is what the sweep reports, once.
    let reported: Vec<&UsageReport> = events
        .iter()
        .filter_map(|e| match e {
            Event::Usage(u) => Some(u.as_ref()),
            _ => None,
        })
        .collect();
    assert_eq!(reported, [r]);

    // Every top-level entry, each exactly `du -x -B1 -s`, largest first.
    let mut want: Vec<(String, u64)> = std::fs::read_dir(&s)
        .expect("read share")
        .map(|e| {
            let e = e.expect("entry");
            let n = e.file_name();
            (
                String::from_utf8_lossy(n.as_bytes()).into_owned(),
                du(&e.path()),
            )
        })
        .collect();
    want.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let got: Vec<(String, u64)> = r
        .entries
        .iter()
        .map(|e| (e.path.clone(), e.bytes))
        .collect();
    assert_eq!(got, want);
    assert!(
        r.entries.iter().all(|e| e.complete && e.note.is_none()),
        "{r:#?}"
    );
    assert!(r.entry("other\ndir-\u{fffd}").is_some());

    // Children of shared_data and logs: every subfolder, exact, largest first.
    for parent in ["shared_data", "logs"] {
        let e = entry(r, parent);
        let mut want: Vec<(String, u64)> = std::fs::read_dir(s.join(parent))
            .expect("read")
            .map(|c| c.expect("child"))
            .filter(|c| c.file_type().expect("type").is_dir())
            .map(|c| {
                let n = String::from_utf8_lossy(c.file_name().as_bytes()).into_owned();
                (format!("{parent}/{n}"), du(&c.path()))
            })
            .collect();
        want.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let got: Vec<(String, u64)> = e
            .children
            .iter()
            .map(|c| (c.path.clone(), c.bytes))
            .collect();
        assert_eq!(got, want, "{parent}");
        assert!(e.children.iter().all(|c| c.complete));
    }
    assert!(entry(r, "kohakuriver-containers").children.is_empty());
    let logs = entry(r, "logs");
    assert_eq!(logs.task_folders, Some(4));
    assert_eq!(logs.oldest_mtime.as_deref(), Some("2024-01-02T03:04:05Z"));
    assert_eq!(logs.newest_mtime.as_deref(), Some("2025-06-07T08:09:10Z"));
    assert_eq!(entry(r, "shared_data").task_folders, None);
    assert_eq!(r.counted_bytes(), du(&s) - du_dir_itself(&s));

    // Progress: unknown total first, then the entries one by one up to all.
    let p = usage_progress(&events);
    let n = r.entries.len();
    assert_eq!(p.first(), Some(&(0, 0)), "{p:?}");
    assert_eq!(p.last(), Some(&(n, n)), "{p:?}");
    assert!(p.windows(2).all(|w| w[0].0 <= w[1].0), "{p:?}");
    assert!(p.len() >= n, "one progress per entry: {p:?}");
}

/// The share folder's own block(s): `du -s` of the share minus its entries.
fn du_dir_itself(s: &Path) -> u64 {
    let entries: u64 = std::fs::read_dir(s)
        .expect("read")
        .map(|e| du(&e.expect("entry").path()))
        .sum();
    du(s) - entries
}

#[tokio::test]
async fn a_missing_share_is_an_error_in_the_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fleet =
        rivershare::sweep::Fleet::prepare(config(&tmp.path().join("nope"), ""), false).await;
    let started = Instant::now();
    let r = engine::usage(&fleet, &[], None, &|_| {}).await;
    assert!(started.elapsed() < Duration::from_secs(6));
    assert_eq!(r.node.as_deref(), Some("host"));
    let e = r.error.as_deref().expect("an error");
    assert!(
        e.starts_with("node host: ") && e.contains("No such file"),
        "{e}"
    );
    assert!(r.entries.is_empty());
}

#[tokio::test]
async fn no_usable_node_is_an_error_in_the_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = config(tmp.path(), "");
    let fleet = rivershare::sweep::Fleet::prepare(cfg, false).await;
    let mut facts = Vec::new();
    for n in ["host", "r1"] {
        let mut f = rivershare::facts::NodeFacts {
            name: n.into(),
            role: rivershare::facts::Role::Runner,
            address: "localhost".into(),
            shared_dir: "/x".into(),
            shared_dir_source: rivershare::facts::SharedDirSource::Config,
            reachable: false,
            rtt_ms: None,
            error: None,
            probe: None,
            kohakuriver: None,
        };
        f.error = Some(rivershare::facts::NodeError::new(
            rivershare::facts::NodeErrorKind::Unreachable,
            "down",
        ));
        facts.push(f);
    }
    let r = engine::usage(&fleet, &facts, None, &|_| {}).await;
    assert_eq!(r.node, None);
    assert_eq!(
        r.error.as_deref(),
        Some("no reachable node to walk the share on")
    );
}

#[tokio::test]
async fn an_empty_share_is_an_empty_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fleet = rivershare::sweep::Fleet::prepare(config(tmp.path(), ""), false).await;
    let seen = Mutex::new(Vec::new());
    let r = engine::usage(&fleet, &[], None, &collect(&seen)).await;
    assert_eq!((r.error.as_deref(), r.entries.len()), (None, 0), "{r:?}");
    assert_eq!(r.node.as_deref(), Some("host"));
    let p = usage_progress(&seen.into_inner().expect("lock"));
    assert_eq!(p, [(0, 0), (0, 0)]);
}
