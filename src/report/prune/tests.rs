use super::*;
use crate::diagnose::tarball_fixture::inventory;

fn result(file: &str, size_bytes: u64, outcome: PruneOutcome, detail: Option<&str>) -> PruneResult {
    PruneResult {
        file: file.to_owned(),
        size_bytes,
        outcome,
        detail: detail.map(str::to_owned),
    }
}

#[test]
fn exit_code_is_worst_of_skipped_and_failed() {
    use PruneOutcome::*;
    assert_eq!(prune_exit_code(&[]), 0);
    assert_eq!(prune_exit_code(&[result("a", 1, Deleted, None)]), 0);
    assert_eq!(prune_exit_code(&[result("a", 1, WouldDelete, None)]), 0);
    assert_eq!(
        prune_exit_code(&[result("a", 1, Deleted, None), result("b", 1, Skipped, None)]),
        1
    );
    assert_eq!(
        prune_exit_code(&[result("a", 1, Failed, None), result("b", 1, Skipped, None)]),
        2
    );
}

#[test]
fn a_dry_run_lists_every_file_and_the_bytes_freed() {
    let inv = inventory();
    let results = vec![
        result("base-1700000200.tar", 200, PruneOutcome::WouldDelete, None),
        result("base-1700000100.tar", 100, PruneOutcome::WouldDelete, None),
    ];
    let report = PruneReport::new(&inv, 1, &[], true, vec![], results);
    assert_eq!(report.freed_bytes, 300);
    assert_eq!(report.exit_code, 0);
    let text = render(&report, Style { color: false });
    assert!(
        text.starts_with(
            "Dry run on host:/mnt/cluster-share/kohakuriver-containers (keep 1): 2 files would be deleted, 300 B freed.\n"
        ),
        "{text}"
    );
    assert!(text.contains("would delete  base-1700000200.tar"), "{text}");
    assert!(text.contains("would delete  base-1700000100.tar"), "{text}");
    assert!(text.contains("Nothing was deleted"), "{text}");
}

#[test]
fn a_real_run_counts_only_deleted_bytes_and_shows_reasons() {
    let inv = inventory();
    let results = vec![
        result("base-1700000200.tar", 200, PruneOutcome::Deleted, None),
        result(
            "base-1700000100.tar",
            100,
            PruneOutcome::Skipped,
            Some("inode changed"),
        ),
    ];
    let names = vec!["base".to_owned(), "nosuch".to_owned()];
    let report = PruneReport::new(&inv, 1, &names, false, vec![], results);
    assert_eq!(report.freed_bytes, 200);
    assert_eq!(report.exit_code, 1);
    assert_eq!(
        report.notes,
        vec!["no tarball named nosuch in /mnt/cluster-share/kohakuriver-containers"]
    );
    let text = render(&report, Style { color: false });
    assert!(
        text.contains("1 deleted (200 B freed), 1 skipped, 0 failed"),
        "{text}"
    );
    assert!(text.contains("(inode changed)"), "{text}");
    assert!(!text.contains("Nothing was deleted"), "{text}");
}

#[test]
fn the_json_has_the_documented_keys() {
    let report = PruneReport::new(&inventory(), 2, &[], true, vec![], vec![]);
    let json = serde_json::to_value(&report).expect("serialises");
    let mut keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "audit_log",
            "dir",
            "dry_run",
            "exit_code",
            "freed_bytes",
            "keep",
            "names",
            "node",
            "notes",
            "plan",
            "results",
            "schema"
        ]
    );
    assert_eq!(json["schema"], "rivershare/prune/v1");
    let text = render(&report, Style { color: false });
    assert!(text.starts_with("Nothing to prune in host:"), "{text}");
}
