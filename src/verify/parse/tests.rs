//! The parsers on real output of the real scripts (tests/fixtures/verify).

use std::path::PathBuf;

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/verify")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

#[test]
fn write_ok() {
    let w = parse_write(&fixture("write-ok.real.txt"));
    assert_eq!(
        w,
        WriteParsed {
            status: WriteStatus::Ok,
            detail: None,
            error_kind: None,
            stale_removed: vec![],
            stale_problem: None,
            hung: false,
        }
    );
}

#[test]
fn write_counts_stale_runs() {
    let w = parse_write(&fixture("write-stale.real.txt"));
    assert_eq!(w.status, WriteStatus::Ok);
    assert_eq!(w.stale_removed, ["20261126T010000Z-00aa11bb"]);
}

#[test]
fn write_on_read_only_is_skipped_read_only() {
    let w = parse_write(&fixture("write-readonly.real.txt"));
    assert_eq!(w.status, WriteStatus::Skipped);
    assert_eq!(w.detail.as_deref(), Some("read_only"));
    assert_eq!(w.error_kind, Some(AccessErrorKind::ReadOnly));
    assert!(!w.hung);
}

#[test]
fn write_hung_mkdir_is_hung() {
    let w = parse_write(&fixture("write-hung.real.txt"));
    assert_eq!(w.status, WriteStatus::Error);
    assert_eq!(w.error_kind, Some(AccessErrorKind::Hung));
    assert!(w.hung);
    assert_eq!(
        w.detail.as_deref(),
        Some("mkdir of the run folder timed out after 2 s")
    );
}

#[test]
fn write_existing_token_is_an_error_at_create() {
    let w = parse_write(&fixture("write-exists.real.txt"));
    assert_eq!(w.status, WriteStatus::Error);
    assert_eq!(w.error_kind, Some(AccessErrorKind::Other));
    let d = w.detail.expect("detail");
    assert!(
        d.starts_with("write (create): ") && d.contains("File exists"),
        "{d}"
    );
}

#[test]
fn write_garbage_is_an_error_not_a_panic() {
    for bytes in [
        &b""[..],
        b"motd\n",
        b"@@rivershare begin 1\n@@rivershare mkdir ok\n",
    ] {
        let w = parse_write(bytes);
        assert_eq!(w.status, WriteStatus::Error, "{bytes:?}");
        assert!(w.detail.is_some_and(|d| d.starts_with("no ")));
    }
}

#[test]
fn read_ok_mismatch_missing() {
    let r = parse_read(&fixture("read-mixed.real.txt"), 3);
    assert_eq!(r[0].status, CellStatus::Ok);
    assert_eq!(r[0].visible_after_ms, Some(7));
    assert_eq!(r[1].status, CellStatus::Mismatch);
    assert_eq!(r[1].detail.as_deref(), Some("other content\nline2"));
    assert_eq!(
        r[2],
        ReadParsed {
            status: CellStatus::Missing,
            visible_after_ms: None,
            detail: None,
            error_kind: None,
        }
    );
}

#[test]
fn read_hung_marks_the_rest_hung() {
    let r = parse_read(&fixture("read-hung.real.txt"), 3);
    assert_eq!(r[0].status, CellStatus::Ok);
    for (i, want) in [
        (1, "read timed out after 2 s"),
        (2, "not read: an earlier read on this node hung"),
    ] {
        assert_eq!(r[i].status, CellStatus::Error);
        assert_eq!(r[i].error_kind, Some(AccessErrorKind::Hung));
        assert_eq!(r[i].detail.as_deref(), Some(want));
    }
}

#[test]
fn read_other_errno_is_error_with_class() {
    let out = b"@@rivershare begin 1\n|step_timeout=2\n@@rivershare 0 err 1\n!cat: /m/x: Permission denied\n@@rivershare end\n";
    let r = parse_read(out, 1);
    assert_eq!(r[0].status, CellStatus::Error);
    assert_eq!(r[0].error_kind, Some(AccessErrorKind::PermissionDenied));
    assert_eq!(
        r[0].detail.as_deref(),
        Some("read: cat: /m/x: Permission denied")
    );
}

#[test]
fn read_truncated_output_gives_errors_for_the_rest() {
    let full = fixture("read-mixed.real.txt");
    // Cut inside the mismatch section: no end marker, token 2 never printed.
    let cut = &full[..full.len() / 2];
    let r = parse_read(cut, 3);
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].status, CellStatus::Ok);
    assert_eq!(r[2].status, CellStatus::Error);
    assert!(
        r[2].detail
            .as_deref()
            .is_some_and(|d| d.contains("truncated"))
    );
}

#[test]
fn mismatch_detail_is_capped_at_a_char_boundary() {
    let body: String = "é".repeat(150);
    let out = format!(
        "@@rivershare begin 1\n@@rivershare 0 err 1\n|state=mismatch\n|{body}\n@@rivershare end\n"
    );
    let r = parse_read(out.as_bytes(), 1);
    let d = r[0].detail.as_deref().expect("detail");
    assert!(
        d.len() <= MISMATCH_CAP && d.len() >= MISMATCH_CAP - 1,
        "{}",
        d.len()
    );
}

#[test]
fn cleanup_ok_and_busy() {
    let c = parse_cleanup(&fixture("cleanup-ok.real.txt"));
    assert_eq!((c.token_gone, c.run_gone), (Some(true), Some(true)));
    assert!(c.problems.is_empty() && !c.hung);
    let c = parse_cleanup(&fixture("cleanup-busy.real.txt"));
    assert_eq!((c.token_gone, c.run_gone), (Some(true), Some(false)));
}

#[test]
fn cleanup_hung() {
    let out = b"@@rivershare begin 1\n|step_timeout=3\n@@rivershare remove timeout\n@@rivershare rmdir skip hung\n@@rivershare end\n";
    let c = parse_cleanup(out);
    assert_eq!((c.token_gone, c.run_gone), (Some(false), None));
    assert!(c.hung);
    assert_eq!(
        c.problems,
        [
            "removing the token timed out after 3 s",
            "rmdir skipped: hung"
        ]
    );
}

#[test]
fn bench_direct() {
    let (b, removed) = parse_bench(&fixture("bench-direct.real.txt"), "a", 4 << 20);
    assert!(removed);
    assert_eq!(b.error, None);
    // 4 MiB in 26 ms written, 25 ms read.
    assert_eq!(b.write_mbps, Some(mbps(4 << 20, 26)));
    assert_eq!(b.read_mbps, Some(mbps(4 << 20, 25)));
    assert!((mbps(4 << 20, 25) - 167.77216).abs() < 1e-9);
}

#[test]
fn bench_cached_says_so() {
    let (b, removed) = parse_bench(&fixture("bench-cached.constructed.txt"), "a", 4 << 20);
    assert!(removed && b.read_mbps.is_some());
    assert!(b.error.is_some_and(|e| e.starts_with("read cached")));
}

#[test]
fn bench_failed_write() {
    let out = b"@@rivershare begin 1\n|step_timeout=67\n@@rivershare write err 1\n!dd: error writing '/m/b': No space left on device\n@@rivershare read skip write-failed\n@@rivershare remove ok\n|file=gone\n@@rivershare end\n";
    let (b, removed) = parse_bench(out, "a", 1);
    assert!(removed);
    assert_eq!((b.write_mbps, b.read_mbps), (None, None));
    assert_eq!(
        b.error.as_deref(),
        Some("write: dd: error writing '/m/b': No space left on device")
    );
}
