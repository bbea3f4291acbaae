//! Tarball inventory and prune end to end through the local transport: real
//! `sh`, real `find`/`stat`/`rm`, real files in a temporary tarball folder, a
//! Runner that sees the folder through a bind mount and one that sees an empty
//! one. The scripts and parsers are the real ones. Needs root (mounts); fails
//! loudly without it.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime};

use rivershare::config::Config;
use rivershare::sweep::Fleet;
use rivershare::tarballs::{
    PruneOutcome, TarballInventory, TarballStatus as S, VisibilityStatus, prune_plan,
};

#[path = "support/mounts.rs"]
mod mounts;
use mounts::{Mounted, require_root};

fn config(nodes: &[(&str, &str, &Path)]) -> Config {
    let mut text = String::from("min_free_gib = 0\ncommand_timeout_secs = 9\n");
    for (name, role, dir) in nodes {
        text.push_str(&format!(
            "\n[[nodes]]\nname = {name:?}\nrole = {role:?}\ntransport = \"local\"\nshared_dir = {:?}\n",
            dir.display().to_string()
        ));
    }
    Config::from_toml_str(&text, Path::new("tarballs-test.toml")).expect("valid config")
}

fn write(dir: &Path, name: &str, bytes: usize, age_secs: u64) {
    let p = dir.join(name);
    std::fs::write(&p, vec![b'x'; bytes]).expect("write tarball");
    set_age(&p, age_secs);
}

fn set_age(p: &Path, age_secs: u64) {
    let t = SystemTime::now() - Duration::from_secs(age_secs);
    let f = std::fs::File::options().write(true).open(p).expect("open");
    f.set_modified(t).expect("set mtime");
}

/// Appends to `path` every 100 ms for `secs` seconds (a tarball being written).
fn writer(path: &Path, secs: u32) -> Child {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "i=0; while [ $i -lt {} ]; do printf '%01024d' 0 >>\"$1\"; sleep 0.1; i=$((i+1)); done",
            secs * 10
        ))
        .arg("writer")
        .arg(path)
        .spawn()
        .expect("writer starts")
}

/// Every name in `dir` with its size and inode.
fn snapshot(dir: &Path) -> BTreeMap<Vec<u8>, (u64, u64)> {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .map(|e| {
            let m = std::fs::symlink_metadata(e.path()).expect("lstat");
            (e.file_name().as_bytes().to_vec(), (m.len(), m.ino()))
        })
        .collect()
}

fn status_of(inv: &TarballInventory, file: &str) -> (S, bool) {
    let e = inv
        .entries
        .iter()
        .find(|e| e.file == file)
        .unwrap_or_else(|| panic!("{file} listed; entries: {:?}", inv.entries));
    (e.status, e.prunable)
}

struct Seeded {
    _tmp: tempfile::TempDir,
    share: PathBuf,
    tars: PathBuf,
    important: PathBuf,
    _mounts: Vec<Mounted>,
    cfg: Config,
}

fn seed() -> Seeded {
    let tmp = tempfile::tempdir().expect("tempdir");
    let share = tmp.path().join("share $(touch pwned)");
    let tars = share.join("kohakuriver-containers");
    std::fs::create_dir_all(&tars).expect("tarball folder");
    let day = 86_400;
    // base: 3 versions; env: 2; solo: 1; growing: an old good one and one being written.
    write(&tars, "base-1700000001.tar", 1000, 3 * day);
    write(&tars, "base-1700000002.tar", 2000, 2 * day);
    write(&tars, "base-1700000003.tar", 3000, day);
    write(&tars, "my-env-1700000001.tar", 10, 2 * day);
    write(&tars, "my-env-1700000002.tar", 20, day);
    write(&tars, "solo-1700000000.tar", 5, day);
    write(&tars, "grow-1700000001.tar", 7, 2 * day);
    write(&tars, "grow-1700000002.tar", 8, day);
    write(&tars, "legacy.tar", 9, day);
    write(&tars, "notes.txt", 9, day);
    write(&tars, "My-Env-1700000001.tar", 11, 2 * day);
    write(&tars, "My-Env-1700000002.tar", 12, day);
    write(&tars, "nl\nname-1700000001.tar", 13, day);
    let bad = [b"bin\xff-1700000001.tar".as_slice()].concat();
    std::fs::write(tars.join(OsStr::from_bytes(&bad)), b"x").expect("non-utf-8 name");
    set_age(&tars.join(OsStr::from_bytes(&bad)), day);
    let important = tmp.path().join("important.db");
    std::fs::write(&important, b"precious").expect("important file");
    std::os::unix::fs::symlink(&important, tars.join("base-1600000000.tar")).expect("symlink");

    // r1 sees the same folder through a bind mount; r2 has an empty share.
    let r1 = tmp.path().join("r1");
    let m1 = Mounted::new(&["--bind", share.to_str().expect("utf-8")], &r1);
    let r2 = tmp.path().join("r2");
    std::fs::create_dir_all(r2.join("kohakuriver-containers")).expect("r2 folder");
    // r2 has its own, different copy of one latest file.
    write(
        &r2.join("kohakuriver-containers"),
        "solo-1700000000.tar",
        4,
        day,
    );
    let cfg = config(&[
        ("host", "host", &share),
        ("r1", "runner", &r1),
        ("r2", "runner", &r2),
    ]);
    Seeded {
        _tmp: tmp,
        share,
        tars,
        important,
        _mounts: vec![m1],
        cfg,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_visibility_dry_run_and_prune() {
    require_root();
    let s = seed();
    assert!(s.share.is_dir());
    let mut w = writer(&s.tars.join("grow-1700000003.tar"), 6);
    std::thread::sleep(Duration::from_millis(300));
    let fleet = Fleet::prepare(s.cfg.clone(), false).await;
    let facts = fleet.probe_mounts(&|_| {}).await;
    // in_progress_secs = 0: only growth can make a file in progress here.
    let inv = fleet.tarball_inventory(&facts, None, 0, &|_| {}).await;
    assert_eq!(inv.error, None);
    assert_eq!(inv.node.as_deref(), Some("host"));
    let expect = [
        ("base-1700000001.tar", (S::Superseded, true)),
        ("base-1700000002.tar", (S::Superseded, true)),
        ("base-1700000003.tar", (S::Latest, false)),
        ("base-1600000000.tar", (S::Symlink, false)),
        ("my-env-1700000001.tar", (S::Superseded, true)),
        ("my-env-1700000002.tar", (S::Latest, false)),
        ("solo-1700000000.tar", (S::Latest, false)),
        ("grow-1700000001.tar", (S::Superseded, true)),
        ("grow-1700000002.tar", (S::LastGood, false)),
        ("grow-1700000003.tar", (S::InProgress, false)),
        ("legacy.tar", (S::Legacy, false)),
        ("My-Env-1700000001.tar", (S::Superseded, true)),
        ("My-Env-1700000002.tar", (S::Latest, false)),
        ("nl\nname-1700000001.tar", (S::Unrecognized, false)),
    ];
    for (file, want) in expect {
        assert_eq!(status_of(&inv, file), want, "{file}");
    }
    let bin = inv
        .entries
        .iter()
        .find(|e| e.file_hex.is_some())
        .expect("the non-UTF-8 name is listed");
    assert_eq!(
        bin.file_hex.as_deref(),
        Some("62696eff2d313730303030303030312e746172")
    );
    assert_eq!(bin.status, S::Unrecognized);
    assert!(!inv.entries.iter().any(|e| e.file == "notes.txt"));
    assert_eq!(inv.entries.len(), expect.len() + 1);
    let base = inv.summary.iter().find(|x| x.name == "base").expect("base");
    assert_eq!(
        (base.versions, base.bytes, base.reclaimable_bytes),
        (3, 6000, 3000)
    );

    // Visibility: r1 sees every latest file, r2 none of them (one with another size).
    let latest: Vec<&str> = inv
        .entries
        .iter()
        .filter(|e| e.status == S::Latest)
        .map(|e| e.file.as_str())
        .collect();
    assert_eq!(latest.len(), 4);
    for v in &inv.visibility {
        let want = match (v.runner.as_str(), v.file.as_str()) {
            ("r1", _) => VisibilityStatus::Visible,
            ("r2", "solo-1700000000.tar") => VisibilityStatus::SizeDiffers,
            _ => VisibilityStatus::Missing,
        };
        assert_eq!(v.status, want, "{v:?}");
    }
    assert_eq!(inv.visibility.len(), 2 * latest.len());

    // Dry run: nothing changes.
    let before = snapshot(&s.tars);
    let plan = prune_plan(&inv.entries, 1, &[]);
    let prunable: Vec<&str> = inv
        .entries
        .iter()
        .filter(|e| e.prunable)
        .map(|e| e.file.as_str())
        .collect();
    assert_eq!(
        plan.iter().map(|e| e.file.as_str()).collect::<Vec<_>>(),
        prunable
    );
    let dry = fleet.prune(&inv, &plan, true).await;
    assert!(
        dry.iter().all(|r| r.outcome == PruneOutcome::WouldDelete),
        "{dry:?}"
    );
    assert_eq!(dry.len(), 5);
    w.wait().expect("writer ends");
    let mut after_dry = snapshot(&s.tars);
    // The writer grew its file; nothing else changed.
    after_dry.remove(b"grow-1700000003.tar".as_slice());
    let mut before_no_grow = before.clone();
    before_no_grow.remove(b"grow-1700000003.tar".as_slice());
    assert_eq!(after_dry, before_no_grow);

    // Between listing and prune: one file replaced (new inode), one newer
    // version removed (my-env's latest: its superseded version must stay).
    // The replacement has the same size and mtime: only the inode differs.
    let replaced = s.tars.join("base-1700000001.tar");
    let old = std::fs::metadata(&replaced).expect("stat");
    let fresh = s.tars.join("replacement.tmp");
    std::fs::write(&fresh, vec![b'y'; 1000]).expect("write replacement");
    std::fs::File::options()
        .write(true)
        .open(&fresh)
        .expect("open")
        .set_modified(old.modified().expect("mtime"))
        .expect("set mtime");
    std::fs::rename(&fresh, &replaced).expect("rename over");
    let new = std::fs::metadata(&replaced).expect("stat");
    assert_ne!(new.ino(), old.ino());
    assert_eq!((new.len(), new.mtime()), (old.len(), old.mtime()));
    std::fs::remove_file(s.tars.join("my-env-1700000002.tar")).expect("rm newer");
    let results = fleet.prune(&inv, &plan, false).await;
    let by: BTreeMap<&str, (PruneOutcome, Option<&str>)> = results
        .iter()
        .map(|r| (r.file.as_str(), (r.outcome, r.detail.as_deref())))
        .collect();
    eprintln!("prune results: {by:#?}");
    assert_eq!(by["base-1700000002.tar"].0, PruneOutcome::Deleted);
    assert_eq!(by["grow-1700000001.tar"].0, PruneOutcome::Deleted);
    assert_eq!(by["My-Env-1700000001.tar"].0, PruneOutcome::Deleted);
    assert_eq!(by["base-1700000001.tar"].0, PruneOutcome::Skipped);
    assert!(
        by["base-1700000001.tar"]
            .1
            .is_some_and(|d| d.contains("changed"))
    );
    assert_eq!(by["my-env-1700000001.tar"].0, PruneOutcome::Skipped);
    assert!(
        by["my-env-1700000001.tar"]
            .1
            .is_some_and(|d| d.contains("gone"))
    );

    let now = snapshot(&s.tars);
    let gone: Vec<String> = before
        .keys()
        .filter(|k| !now.contains_key(*k))
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert_eq!(
        gone,
        [
            "My-Env-1700000001.tar",
            "base-1700000002.tar",
            "grow-1700000001.tar",
            "my-env-1700000002.tar" // removed by the test itself
        ]
    );
    assert_eq!(
        std::fs::read(&s.important).expect("target intact"),
        b"precious"
    );
    assert!(std::fs::symlink_metadata(s.tars.join("base-1600000000.tar")).is_ok());
    assert!(s.tars.join("notes.txt").exists() && s.tars.join("legacy.tar").exists());
}

/// Hand-made plans the engine must refuse before any script runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_refuses_what_is_not_superseded() {
    require_root();
    let s = seed();
    let fleet = Fleet::prepare(s.cfg.clone(), false).await;
    let facts = fleet.probe_mounts(&|_| {}).await;
    let inv = fleet.tarball_inventory(&facts, None, 600, &|_| {}).await;
    assert_eq!(inv.error, None);
    assert_eq!(inv.node.as_deref(), Some("host"));

    // The Host down: the first usable member of the shared group lists instead,
    // through its own path (r2 has its own folder, with one file).
    let mut down = facts.clone();
    down[0].error = Some(rivershare::facts::NodeError::new(
        rivershare::facts::NodeErrorKind::Unreachable,
        "node host: refused",
    ));
    let shared = ["host".to_owned(), "r2".to_owned()];
    let via_r2 = fleet
        .tarball_inventory(&down, Some(&shared), 600, &|_| {})
        .await;
    assert_eq!(via_r2.node.as_deref(), Some("r2"));
    assert!(via_r2.dir.as_deref().is_some_and(|d| d.contains("/r2/")));
    assert_eq!(
        via_r2
            .entries
            .iter()
            .map(|e| e.file.as_str())
            .collect::<Vec<_>>(),
        ["solo-1700000000.tar"]
    );
    // Without a shared group: the first usable node in config order, r1, which
    // sees the Host's folder through its bind mount.
    let first = fleet.tarball_inventory(&down, None, 600, &|_| {}).await;
    assert_eq!(first.node.as_deref(), Some("r1"));
    assert_eq!(first.entries.len(), inv.entries.len());
    // The Host's visibility is skipped for nobody: only Runners are asked.
    assert!(first.visibility.iter().all(|v| v.runner != "host"));

    // read_only refuses a real prune in the engine too (a dry run still plans).
    let mut ro_cfg = s.cfg.clone();
    ro_cfg.read_only = true;
    let ro = Fleet::prepare(ro_cfg, false).await;
    let plan = prune_plan(&inv.entries, 1, &[]);
    let before = snapshot(&s.tars);
    let r = ro.prune(&inv, &plan, false).await;
    assert!(
        r.iter().all(|r| r.outcome == PruneOutcome::Skipped
            && r.detail.as_deref() == Some("read_only = true: nothing is deleted")),
        "{r:?}"
    );
    let r = ro.prune(&inv, &plan, true).await;
    assert!(
        r.iter().all(|r| r.outcome == PruneOutcome::WouldDelete),
        "{r:?}"
    );
    assert_eq!(snapshot(&s.tars), before);

    let bad: Vec<_> = inv
        .entries
        .iter()
        .filter(|e| !e.prunable)
        .cloned()
        .collect();
    let mut forged = inv.entries[0].clone();
    forged.file = "../important.db".into();
    forged.status = S::Superseded;
    let mut plan = bad.clone();
    plan.push(forged);
    let before = snapshot(&s.tars);
    let r = fleet.prune(&inv, &plan, false).await;
    assert_eq!(r.len(), plan.len());
    assert!(
        r.iter().all(|r| r.outcome == PruneOutcome::Skipped),
        "{r:?}"
    );
    let hex = r
        .iter()
        .find(|r| r.file.starts_with("bin"))
        .expect("non-UTF-8 entry");
    assert_eq!(hex.detail.as_deref(), Some("non-UTF-8 name"));
    assert_eq!(snapshot(&s.tars), before);
    assert_eq!(std::fs::read(&s.important).expect("intact"), b"precious");

    // A superseded file swapped for a symlink to an important file after the
    // listing: the re-check skips it and the target survives.
    let swapped = s.tars.join("base-1700000002.tar");
    std::fs::remove_file(&swapped).expect("rm");
    std::os::unix::fs::symlink(&s.important, &swapped).expect("symlink");
    let plan = prune_plan(&inv.entries, 1, &["base".to_owned()]);
    let r = fleet.prune(&inv, &plan, false).await;
    let out: Vec<(&str, PruneOutcome, Option<&str>)> = r
        .iter()
        .map(|r| (r.file.as_str(), r.outcome, r.detail.as_deref()))
        .collect();
    assert_eq!(
        out,
        [
            ("base-1700000001.tar", PruneOutcome::Deleted, None),
            (
                "base-1700000002.tar",
                PruneOutcome::Skipped,
                Some("now a symlink")
            ),
        ]
    );
    assert!(std::fs::symlink_metadata(&swapped).is_ok_and(|m| m.file_type().is_symlink()));
    assert_eq!(std::fs::read(&s.important).expect("intact"), b"precious");
    assert!(s.tars.join("base-1700000003.tar").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_files_list_in_one_round_trip() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tars = tmp.path().join("kohakuriver-containers");
    std::fs::create_dir_all(&tars).expect("folder");
    let old = SystemTime::now() - Duration::from_secs(86_400);
    for i in 0..10_000u64 {
        let p = tars.join(format!("env-{:03}-{}.tar", i % 100, 1_700_000_000 + i));
        let f = std::fs::File::create(&p).expect("create");
        f.set_modified(old).expect("mtime");
    }
    let cfg = config(&[("host", "host", tmp.path())]);
    let fleet = Fleet::prepare(cfg, false).await;
    let start = Instant::now();
    let inv = fleet.tarball_inventory(&[], None, 600, &|_| {}).await;
    let took = start.elapsed();
    eprintln!(
        "listing 10 000 files took {took:?} (including the {} s growth pause)",
        rivershare::tarballs::script::GROWTH_PAUSE_SECS
    );
    assert_eq!(inv.error, None);
    assert_eq!(inv.entries.len(), 10_000);
    assert_eq!(
        inv.entries.iter().filter(|e| e.status == S::Latest).count(),
        100
    );
    assert_eq!(inv.entries.iter().filter(|e| e.prunable).count(), 9_900);
    assert_eq!(inv.summary.len(), 100);

    // One name's 99 superseded versions, deleted with their re-checks.
    let plan = prune_plan(&inv.entries, 1, &["env-007".to_owned()]);
    assert_eq!(plan.len(), 99);
    let start = Instant::now();
    let r = fleet.prune(&inv, &plan, false).await;
    eprintln!("pruning 99 files took {:?}", start.elapsed());
    assert!(
        r.iter().all(|r| r.outcome == PruneOutcome::Deleted),
        "{r:?}"
    );
    assert_eq!(
        std::fs::read_dir(&tars).expect("read_dir").count(),
        10_000 - 99
    );
    assert!(
        tars.join("env-007-1700009907.tar").exists(),
        "the latest stays"
    );
}
