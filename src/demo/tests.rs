use std::path::Path;

use super::*;
use crate::config::TransportKind;
use crate::facts::Role;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn builds_a_local_cluster_and_removes_it_on_drop() {
    let parent = tempfile::tempdir().expect("tempdir");
    let demo = Demo::create_in(Some(parent.path())).expect("demo");
    let root = demo.path().to_path_buf();
    assert!(root.starts_with(parent.path()));
    let cfg = demo.config();
    assert!(
        cfg.nodes
            .iter()
            .all(|n| n.transport == TransportKind::Local)
    );
    assert_eq!(cfg.nodes[0].name, "host");
    assert_eq!(cfg.nodes[0].role, Role::Host);
    assert_eq!(cfg.verify_deadline, std::time::Duration::from_secs(2));
    assert!(
        !cfg.kohakuriver_discovery,
        "the operator's ~/.kohakuriver is never read"
    );
    let root_user = nix::unistd::geteuid().is_root();
    assert_eq!(cfg.nodes.len(), if root_user { 5 } else { 6 });
    // The healthy runners reach the host's storage through other paths.
    let host = std::fs::canonicalize(&cfg.nodes[0].shared_dir).expect("host dir");
    for runner in &cfg.nodes[1..3] {
        assert_ne!(runner.shared_dir, cfg.nodes[0].shared_dir);
        assert_eq!(
            std::fs::canonicalize(&runner.shared_dir).expect("runner dir"),
            host
        );
    }
    assert_ne!(
        std::fs::canonicalize(&cfg.nodes[3].shared_dir).expect("runner-03"),
        host
    );
    assert!(!Path::new(&cfg.nodes[4].shared_dir).exists());
    assert_eq!(
        names(&host),
        ["kohakuriver-containers", "logs", "shared_data"]
    );
    // The zoo: versions, one in progress, a legacy file, a symlink, upper case.
    let tars = names(&demo.tarball_dir());
    assert!(tars.contains(&"legacy-tools.tar".to_owned()));
    assert!(tars.iter().any(|t| t.starts_with("MyModel-")));
    assert_eq!(
        tars.iter().filter(|t| t.starts_with("train-env-")).count(),
        3
    );
    let links = tars
        .iter()
        .filter(|t| {
            std::fs::symlink_metadata(demo.tarball_dir().join(t))
                .expect("lstat")
                .file_type()
                .is_symlink()
        })
        .count();
    assert_eq!(links, 1);
    assert!(demo.config_path().is_file());
    assert!(demo.notes()[0].contains(&root.display().to_string()));
    drop(demo);
    assert!(!root.exists(), "the demo folder is removed on drop");
}

#[test]
fn as_root_the_permission_node_is_left_out_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seeded = seed::seed(dir.path(), true, std::time::SystemTime::now()).expect("seed");
    assert!(!seeded.config_text.contains("runner-05"));
    assert!(seeded.notes.iter().any(|n| n.contains("runner-05")));
    assert!(seeded.locked.is_empty());
    let dir = tempfile::tempdir().expect("tempdir");
    let seeded = seed::seed(dir.path(), false, std::time::SystemTime::now()).expect("seed");
    assert!(seeded.config_text.contains("runner-05"));
    assert_eq!(seeded.locked.len(), 1);
    // Let the tempdir remove it.
    for p in &seeded.locked {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// The share holds what the disk-usage view measures: one folder per task in
/// `logs/` with both logs of the given sizes, dated from months back to today,
/// and the `shared_data/` folders.
#[test]
fn the_share_holds_task_logs_and_shared_data_of_known_sizes() {
    use std::time::{Duration, SystemTime};
    let dir = tempfile::tempdir().expect("tempdir");
    let now = SystemTime::now();
    seed::seed(dir.path(), true, now).expect("seed");
    let storage = dir.path().join(seed::STORAGE);
    let logs = storage.join("logs");
    let mut ids: Vec<String> = share::TASKS.iter().map(|t| t.0.to_owned()).collect();
    ids.sort();
    assert_eq!(names(&logs), ids);
    for (id, days, out, err) in share::TASKS {
        let task = logs.join(id);
        assert_eq!(names(&task), ["stderr.log", "stdout.log"]);
        let len = |f: &str| std::fs::metadata(task.join(f)).expect("log").len();
        assert_eq!(len("stdout.log"), out as u64, "{id}");
        assert_eq!(len("stderr.log"), err as u64, "{id}");
        let mtime = std::fs::metadata(&task)
            .expect("task folder")
            .modified()
            .expect("mtime");
        let want = now - Duration::from_secs(days * 86_400);
        let off = mtime.duration_since(want).unwrap_or_else(|e| e.duration());
        assert!(
            off < Duration::from_secs(1),
            "{id}: mtime {mtime:?}, want {want:?}"
        );
    }
    let content = std::fs::read_to_string(logs.join(share::TASKS[0].0).join("stdout.log"))
        .expect("a log is text");
    assert!(content.starts_with("stdout.log line 0: "), "{content:.40}");
    // Real bytes, not sparse: du counts at least the file's length.
    use std::os::unix::fs::MetadataExt as _;
    let big = logs.join(share::TASKS[3].0).join("stdout.log");
    let meta = std::fs::metadata(&big).expect("big log");
    assert!(meta.blocks() * 512 >= meta.len(), "{meta:?}");
    assert_eq!(
        names(&storage.join("shared_data")),
        ["README", "checkpoints", "datasets"]
    );
    for (folder, file, len) in share::SHARED {
        let path = storage.join("shared_data").join(folder).join(file);
        assert_eq!(std::fs::metadata(&path).expect("file").len(), len as u64);
    }
}
