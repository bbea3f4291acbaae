//! The tarball folder under hostile conditions, through the real local transport
//! (real `sh`, `find`, `stat`, `rm`) and the real binary: names with newlines and
//! invalid UTF-8, a symlink to a file outside, a file swapped for a directory or
//! deleted by someone else between the listing and the delete. Nothing outside
//! the folder is touched, nothing but the planned files goes, every case is
//! reported, and every deletion is one audit line (or, when the log cannot be
//! written, nothing is deleted).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use rivershare::audit::AuditLog;
use rivershare::config::Config;
use rivershare::engine::{self, PruneRequest};
use rivershare::sweep::Fleet;
use rivershare::tarballs::{PruneOutcome, prune_plan};

use super::mounts::{Mounted, require_root};
use super::{age, diff, rivershare, text, tree};

const DAY: u64 = 86_400;

struct Folder {
    tmp: tempfile::TempDir,
    home: PathBuf,
    share: PathBuf,
    tars: PathBuf,
    outside: PathBuf,
    config: PathBuf,
}

/// One local node whose tarball folder holds five versions of `base` (four
/// prunable), two versions each of a name with a newline and of a name that is
/// not UTF-8, and a symlink that looks like the oldest `base` but points at a
/// precious file outside the folder.
fn folder() -> Folder {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let share = tmp.path().join("share; $(touch pwned) `id`");
    let tars = share.join("kohakuriver-containers");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::create_dir_all(&tars).expect("tarball folder");
    for i in 1..=5u64 {
        let p = tars.join(format!("base-170000000{i}.tar"));
        std::fs::write(&p, vec![b'b'; 1000 * i as usize]).expect("tarball");
        age(&p, (7 - i) * DAY);
    }
    for (name, days) in [
        (b"nl\nname-1700000001.tar".as_slice(), 3),
        (b"nl\nname-1700000002.tar".as_slice(), 2),
        (b"bin\xff-1700000001.tar".as_slice(), 3),
        (b"bin\xff-1700000002.tar".as_slice(), 2),
    ] {
        let p = tars.join(OsStr::from_bytes(name));
        std::fs::write(&p, b"odd").expect("odd name");
        age(&p, days * DAY);
    }
    let outside = tmp.path().join("precious.db");
    std::fs::write(&outside, b"precious").expect("outside file");
    std::os::unix::fs::symlink(&outside, tars.join("base-1600000000.tar")).expect("symlink");
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "min_free_gib = 0\ncommand_timeout_secs = 20\n[[nodes]]\nname = \"store-1\"\nrole = \"host\"\n\
             transport = \"local\"\nshared_dir = {:?}\n",
            share.display().to_string()
        ),
    )
    .expect("config");
    Folder {
        tmp,
        home,
        share,
        tars,
        outside,
        config,
    }
}

fn audit_lines(home: &Path) -> Vec<String> {
    std::fs::read_to_string(home.join(".state/rivershare/audit.log"))
        .map(|t| t.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `prune --yes` deletes exactly the four superseded `base` files: one audit
/// line each (node, full path, size), the odd names are listed and kept, the
/// symlink and the file it points at survive, and no command in the path ran.
#[test]
fn prune_deletes_only_the_plan_and_writes_one_audit_line_per_deletion() {
    let f = folder();
    let c = f.config.to_str().expect("utf-8");

    // The odd names are reported by the inventory, never planned.
    let out = rivershare(
        &["--config", c, "check", "--json", "--only", "tarballs"],
        &f.home,
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let entries = report["tarballs"]
        .as_array()
        .unwrap_or_else(|| panic!("tarballs list: {report:#}"));
    let odd: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| !e["file"].as_str().unwrap_or("").starts_with("base"))
        .collect();
    assert_eq!(odd.len(), 4, "{entries:#?}");
    assert!(odd.iter().all(|e| e["prunable"] == false), "{odd:#?}");
    assert_eq!(
        odd.iter().filter(|e| e["file_hex"].is_string()).count(),
        2,
        "the non-UTF-8 names carry their exact bytes: {odd:#?}"
    );
    let link = entries
        .iter()
        .find(|e| e["file"] == "base-1600000000.tar")
        .expect("the symlink is listed");
    assert_eq!(link["prunable"], false, "{link}");

    // After `check`, whose write test touches the share's own folder.
    let before = tree(&f.share);
    let out = rivershare(&["--config", c, "prune", "--yes", "--json"], &f.home);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let results = report["results"].as_array().expect("results");
    let mut deleted: Vec<&str> = results
        .iter()
        .filter(|r| r["outcome"] == "deleted")
        .map(|r| r["file"].as_str().expect("file"))
        .collect();
    deleted.sort();
    let gone = [
        "base-1700000001.tar",
        "base-1700000002.tar",
        "base-1700000003.tar",
        "base-1700000004.tar",
    ];
    assert_eq!(deleted, gone, "{results:#?}");
    assert_eq!(results.len(), 4, "only the plan is acted on: {results:#?}");

    // Exactly the four files left the folder; everything else is as it was.
    let mut expected = before.clone();
    for g in gone {
        let p = f.tars.join(g);
        assert!(!p.exists(), "{g} deleted");
        expected.remove(p.as_os_str().as_bytes());
    }
    let after = tree(&f.share);
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(k, v)| expected.get(*k) != Some(*v))
        .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
        .collect();
    // The folder's mtime moves with each delete, and prune's probe of the share
    // (its write test) moves the share's: those two changes are expected.
    changed.retain(|p| Path::new(p) != f.tars && Path::new(p) != f.share);
    assert!(changed.is_empty(), "changed beyond the plan: {changed:?}");
    assert_eq!(after.len(), expected.len());
    assert_eq!(std::fs::read(&f.outside).expect("intact"), b"precious");
    assert!(!f.home.join("pwned").exists() && !f.tmp.path().join("pwned").exists());

    let lines = audit_lines(&f.home);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    for (g, i) in gone.iter().zip(1..) {
        let path = format!("{}/{g}", f.tars.display());
        let line = lines
            .iter()
            .find(|l| l.contains(&format!("path={path:?}")))
            .unwrap_or_else(|| panic!("no audit line for {path}: {lines:#?}"));
        assert!(line.contains(" node=store-1 "), "{line}");
        assert!(line.contains(&format!(" size={} ", 1000 * i)), "{line}");
    }
}

/// Between the listing and the delete, one planned file becomes a directory
/// (with a file inside) and another is deleted by someone else: both are
/// skipped and say why, the directory and its content survive, the one file
/// still as listed goes, and the audit log has that one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_swapped_for_a_directory_or_deleted_before_its_delete_is_skipped_and_reported() {
    let f = folder();
    let cfg = Config::from_toml_str(
        &std::fs::read_to_string(&f.config).expect("config"),
        &f.config,
    )
    .expect("config loads");
    let fleet = Fleet::prepare(cfg, false).await;
    let inv = fleet.tarball_inventory(&[], None, 600, &|_| {}).await;
    assert_eq!(inv.error, None);
    let plan = prune_plan(&inv.entries, 1, &["base".to_owned()]);
    assert_eq!(plan.len(), 4);

    let as_dir = f.tars.join("base-1700000001.tar");
    std::fs::remove_file(&as_dir).expect("rm");
    std::fs::create_dir(&as_dir).expect("mkdir");
    std::fs::write(as_dir.join("inside"), b"keep me").expect("inside");
    std::fs::remove_file(f.tars.join("base-1700000002.tar")).expect("someone else deletes");
    let changed = f.tars.join("base-1700000003.tar");
    std::fs::write(&changed, b"rewritten").expect("rewrite");

    let log_path = f.home.join("audit.log");
    let log = AuditLog::at(&log_path);
    log.ensure_writable().expect("audit log");
    let request = PruneRequest {
        keep: 1,
        names: vec!["base".to_owned()],
        dry_run: false,
    };
    let report = engine::prune(&fleet, &inv, &plan, request, Some(&log), &|_| {}).await;
    let out: Vec<(&str, PruneOutcome, String)> = report
        .results
        .iter()
        .map(|r| {
            (
                r.file.as_str(),
                r.outcome,
                r.detail.clone().unwrap_or_default(),
            )
        })
        .collect();
    let find = |file: &str| {
        out.iter()
            .find(|(f, _, _)| *f == file)
            .unwrap_or_else(|| panic!("{file} not reported: {out:#?}"))
    };
    assert_eq!(find("base-1700000001.tar").1, PruneOutcome::Skipped);
    assert_eq!(find("base-1700000001.tar").2, "no longer a regular file");
    assert_eq!(find("base-1700000002.tar").1, PruneOutcome::Skipped);
    assert_eq!(find("base-1700000002.tar").2, "gone");
    assert_eq!(find("base-1700000003.tar").1, PruneOutcome::Skipped);
    assert!(
        find("base-1700000003.tar").2.starts_with("changed"),
        "{out:#?}"
    );
    assert_eq!(find("base-1700000004.tar").1, PruneOutcome::Deleted);
    assert_eq!(report.exit_code, 1, "some skipped: {out:#?}");

    assert_eq!(
        std::fs::read(as_dir.join("inside")).expect("kept"),
        b"keep me"
    );
    assert_eq!(std::fs::read(&changed).expect("kept"), b"rewritten");
    assert!(f.tars.join("base-1700000005.tar").exists());
    assert_eq!(std::fs::read(&f.outside).expect("intact"), b"precious");
    let lines = std::fs::read_to_string(&log_path).expect("audit log");
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.contains("base-1700000004.tar\""), "{lines}");
}

/// When the audit log cannot be opened, `prune --yes` deletes nothing (exit 3,
/// naming the log). When it opens but the disk is full (a full tmpfs), the room
/// for every line is reserved before any delete, fails, and nothing is deleted
/// either: every planned file is skipped saying why, exit 3.
#[test]
fn an_audit_log_that_cannot_be_written_deletes_nothing_or_is_reported() {
    require_root();
    let f = folder();
    let c = f.config.to_str().expect("utf-8");
    let before = tree(&f.share);
    // The log's path is a directory: it cannot be opened for appending.
    std::fs::create_dir_all(f.home.join(".state/rivershare/audit.log")).expect("dir");
    let out = rivershare(&["--config", c, "prune", "--yes"], &f.home);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("prune refused: audit log"), "{stderr}");
    assert!(stderr.contains("audit.log"), "{stderr}");
    let changed = diff(&before, &tree(&f.share));
    assert!(
        changed.is_empty(),
        "refused before anything ran: {changed:?}"
    );

    // A state folder on a full 64 KiB tmpfs: the log opens, every append fails.
    let state = f.tmp.path().join("full-state");
    let _full = Mounted::new(&["-t", "tmpfs", "-o", "size=64k", "tmpfs"], &state);
    std::fs::create_dir_all(state.join("rivershare")).expect("dir");
    std::fs::write(state.join("rivershare/audit.log"), b"").expect("empty log");
    let filler = std::fs::write(state.join("filler"), vec![0u8; 128 * 1024]);
    assert!(filler.is_err(), "the tmpfs is full now");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rivershare"))
        .args(["--config", c, "prune", "--yes", "--json"])
        .env("HOME", &f.home)
        .env("XDG_STATE_HOME", &state)
        .env_remove("RIVERSHARE_CONFIG")
        .output()
        .expect("rivershare runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), 4, "{report:#}");
    for r in results {
        assert_eq!(r["outcome"], "skipped", "{r:#}");
        let detail = r["detail"].as_str().unwrap_or("");
        assert!(detail.starts_with("not deleted: audit log "), "{r:#}");
        assert!(detail.contains("cannot reserve"), "{r:#}");
    }
    assert!(
        report["notes"].as_array().expect("notes").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.starts_with("nothing was deleted"))),
        "{report:#}"
    );
    for i in 1..=5 {
        assert!(f.tars.join(format!("base-170000000{i}.tar")).exists());
    }
    assert_eq!(
        std::fs::read(state.join("rivershare/audit.log")).expect("log"),
        b""
    );
}
