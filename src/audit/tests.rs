//! The audit log on real files: paths, line format, appends, reservation, failures.
use super::*;

fn record(path: &str) -> AuditRecord {
    AuditRecord {
        node: "storage".to_owned(),
        path: path.to_owned(),
        size_bytes: 4096,
        mtime: 1_732_570_234,
    }
}

#[test]
fn default_path_prefers_xdg_state_home_then_home() {
    assert_eq!(
        default_path_from(Some("/s".into()), Some("/h".into())),
        Some(PathBuf::from("/s/rivershare/audit.log"))
    );
    assert_eq!(
        default_path_from(Some("".into()), Some("/h".into())),
        Some(PathBuf::from("/h/.local/state/rivershare/audit.log"))
    );
    assert_eq!(default_path_from(None, None), None);
}

#[test]
fn a_line_has_every_field_and_escapes_the_path() {
    let when = UNIX_EPOCH + Duration::from_secs(1_764_135_000);
    let line = format_line(when, "op", &record("/export/c/a b\nfake-1.tar"));
    assert_eq!(
        line,
        "2025-11-26T05:30:00Z user=op node=storage path=\"/export/c/a b\\nfake-1.tar\" \
         size=4096 mtime=2024-11-25T21:30:34Z\n"
    );
    assert_eq!(line.matches('\n').count(), 1);
    let odd = format_line(when, "bad user", &record("/x"));
    assert!(odd.contains(" user=\"bad user\" "), "{odd}");
}

#[test]
fn append_creates_folders_and_appends_one_line_per_deletion() {
    let dir = std::env::temp_dir().join(format!(
        "rivershare-audit-test-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    ));
    let log = AuditLog::at(dir.join("state/rivershare/audit.log"));
    let when = SystemTime::now();
    log.append(when, &record("/export/c/x-1700000000.tar"))
        .expect("first append");
    log.append(when, &record("/export/c/y-1700000000.tar"))
        .expect("second append");
    let text = std::fs::read_to_string(log.path()).expect("log readable");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("path=\"/export/c/x-1700000000.tar\""));
    assert!(lines[1].contains("path=\"/export/c/y-1700000000.tar\""));
    assert!(lines[1].contains(&format!("user={}", token(&local_user()))));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn records_are_made_only_for_deleted_files_with_the_inventory_mtime() {
    use crate::tarballs::{FileKind, TarballEntry, TarballStatus};
    let entry = |file: &str, mtime: i64| TarballEntry {
        file: file.to_owned(),
        file_hex: None,
        name: Some("base".to_owned()),
        timestamp: Some(1_700_000_000),
        size_bytes: 10,
        mtime,
        inode: 7,
        kind: FileKind::Regular,
        status: TarballStatus::Superseded,
        prunable: true,
    };
    let inventory = TarballInventory {
        node: Some("storage".to_owned()),
        dir: Some("/export/c/".to_owned()),
        entries: vec![
            entry("a.tar", 111),
            entry("b.tar", 222),
            entry("c.tar", 333),
        ],
        summary: vec![],
        visibility: vec![],
        error: None,
    };
    let result = |file: &str, outcome| PruneResult {
        file: file.to_owned(),
        size_bytes: 10,
        outcome,
        detail: None,
    };
    let records = records_for(
        &inventory,
        &[
            result("a.tar", PruneOutcome::Deleted),
            result("b.tar", PruneOutcome::Skipped),
            result("c.tar", PruneOutcome::Deleted),
        ],
    );
    assert_eq!(
        records,
        vec![
            AuditRecord {
                node: "storage".to_owned(),
                path: "/export/c/a.tar".to_owned(),
                size_bytes: 10,
                mtime: 111
            },
            AuditRecord {
                node: "storage".to_owned(),
                path: "/export/c/c.tar".to_owned(),
                size_bytes: 10,
                mtime: 333
            },
        ]
    );
}

#[test]
fn reserving_room_keeps_the_length_and_the_lines_still_append() {
    let dir = std::env::temp_dir().join(format!(
        "rivershare-audit-reserve-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let log = AuditLog::at(dir.join("audit.log"));
    log.reserve_for(&[record("/export/c/a.tar"), record("/export/c/b.tar")])
        .expect("reserve");
    let len = |p: &Path| std::fs::metadata(p).expect("stat").len();
    assert_eq!(len(log.path()), 0, "KEEP_SIZE: the file stays empty");
    log.append(SystemTime::now(), &record("/export/c/a.tar"))
        .expect("append");
    let text = std::fs::read_to_string(log.path()).expect("read");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("20"), "no reserved bytes show: {text:?}");
    log.reserve_for(&[]).expect("nothing to reserve");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn append_reports_the_path_when_it_cannot_write() {
    let dir = std::env::temp_dir().join(format!("rivershare-audit-file-{}", std::process::id()));
    std::fs::write(&dir, b"a file, not a folder").expect("write");
    let log = AuditLog::at(dir.join("audit.log"));
    let early = log.ensure_writable().expect_err("checked before deleting");
    assert!(
        early.to_string().contains("cannot create its folder"),
        "{early}"
    );
    let err = log
        .append(SystemTime::now(), &record("/x"))
        .expect_err("a file cannot be a folder");
    assert!(err.to_string().contains("audit log"), "{err}");
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
    std::fs::remove_file(&dir).expect("clean up");
}
