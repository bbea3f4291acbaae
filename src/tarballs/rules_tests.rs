use super::*;
use crate::tarballs::TarballStatus as S;

const NOW: i64 = 1_800_000_000;
const OLD: i64 = NOW - 86_400;

fn l(file: &str, mtime: i64) -> Listed {
    Listed {
        file: file.into(),
        file_hex: None,
        size_bytes: 100,
        mtime,
        inode: file.bytes().map(u64::from).sum(),
        kind: FileKind::Regular,
        growing: false,
    }
}

fn statuses(entries: &[TarballEntry]) -> Vec<(&str, S, bool)> {
    entries
        .iter()
        .map(|e| (e.file.as_str(), e.status, e.prunable))
        .collect()
}

#[test]
fn split_is_greedy_and_needs_ten_digits() {
    assert_eq!(
        split_name("my-env-1732570234.tar"),
        Parsed::Timestamped {
            name: "my-env".into(),
            ts: 1_732_570_234
        }
    );
    assert_eq!(
        split_name("a--1732570234.tar"),
        Parsed::Timestamped {
            name: "a-".into(),
            ts: 1_732_570_234
        }
    );
    assert_eq!(
        split_name("my-env-173257023.tar"),
        Parsed::Legacy {
            name: "my-env-173257023".into()
        }
    );
    assert_eq!(
        split_name("base.tar"),
        Parsed::Legacy {
            name: "base".into()
        }
    );
    assert_eq!(
        split_name("-1732570234.tar"),
        Parsed::Legacy {
            name: "-1732570234".into()
        }
    );
    assert_eq!(split_name(".tar"), Parsed::Unrecognized);
    assert_eq!(split_name("a\nb-1732570234.tar"), Parsed::Unrecognized);
    assert_eq!(split_name("x-1732570234.tar.gz"), Parsed::Unrecognized);
    assert_eq!(
        split_name("x-99999999999999999999999.tar"),
        Parsed::Unrecognized
    );
    assert_eq!(
        timestamp_digits("x-0001732570234.tar", "x"),
        Some("0001732570234")
    );
}

#[test]
fn statuses_per_name_and_default_prunable() {
    let mut sym = l("base-1900000000.tar", OLD);
    sym.kind = FileKind::Symlink;
    let mut dir = l("dir-1732570234.tar", OLD);
    dir.kind = FileKind::Other;
    let mut hex = l("bin\u{fffd}-1732570234.tar", OLD);
    hex.file_hex = Some("62696eff2d313733323537303233342e746172".into());
    let listed = vec![
        l("base-1700000001.tar", OLD),
        l("base-1700000003.tar", OLD),
        l("base-1700000002.tar", OLD),
        l("solo-1700000000.tar", OLD),
        l("legacy.tar", OLD),
        l(".tar", OLD),
        sym,
        dir,
        hex,
    ];
    let (entries, summary) = classify(&listed, NOW, 600);
    assert_eq!(
        statuses(&entries),
        [
            (".tar", S::Unrecognized, false),
            ("base-1700000001.tar", S::Superseded, true),
            ("base-1700000002.tar", S::Superseded, true),
            ("base-1700000003.tar", S::Latest, false),
            ("base-1900000000.tar", S::Symlink, false),
            ("bin\u{fffd}-1732570234.tar", S::Unrecognized, false),
            ("dir-1732570234.tar", S::Unrecognized, false),
            ("legacy.tar", S::Legacy, false),
            ("solo-1700000000.tar", S::Latest, false),
        ]
    );
    let base = summary.iter().find(|s| s.name == "base").expect("base");
    assert_eq!(
        (base.versions, base.bytes, base.reclaimable_bytes),
        (3, 300, 200)
    );
    assert_eq!(base.latest_file.as_deref(), Some("base-1700000003.tar"));
    let legacy = summary.iter().find(|s| s.name == "legacy").expect("legacy");
    assert_eq!((legacy.versions, legacy.latest_file.clone()), (1, None));
    assert!(!summary.iter().any(|s| s.name == "dir"));
}

#[test]
fn in_progress_by_mtime_and_by_growth_keeps_last_good() {
    let mut growing = l("g-1700000003.tar", OLD);
    growing.growing = true;
    let listed = vec![
        l("y-1700000001.tar", OLD),
        l("y-1700000002.tar", OLD),
        l("y-1700000003.tar", NOW - 599),
        l("g-1700000001.tar", OLD),
        l("g-1700000002.tar", OLD),
        growing,
        l("o-1700000001.tar", OLD),
        l("o-1700000002.tar", NOW - 600),
        l("f-1700000001.tar", OLD),
        l("f-1700000002.tar", NOW + 50),
    ];
    let (entries, _) = classify(&listed, NOW, 600);
    assert_eq!(
        statuses(&entries),
        [
            ("f-1700000001.tar", S::LastGood, false),
            ("f-1700000002.tar", S::InProgress, false),
            ("g-1700000001.tar", S::Superseded, true),
            ("g-1700000002.tar", S::LastGood, false),
            ("g-1700000003.tar", S::InProgress, false),
            ("o-1700000001.tar", S::Superseded, true),
            ("o-1700000002.tar", S::Latest, false),
            ("y-1700000001.tar", S::Superseded, true),
            ("y-1700000002.tar", S::LastGood, false),
            ("y-1700000003.tar", S::InProgress, false),
        ]
    );
}

#[test]
fn an_older_growing_version_is_never_superseded() {
    let mut g = l("a-1700000001.tar", OLD);
    g.growing = true;
    let (entries, _) = classify(&[g, l("a-1700000002.tar", OLD)], NOW, 600);
    assert_eq!(
        statuses(&entries),
        [
            ("a-1700000001.tar", S::InProgress, false),
            ("a-1700000002.tar", S::Latest, false),
        ]
    );
}

#[test]
fn tied_newest_are_both_latest_and_case_is_exact() {
    let listed = vec![
        l("a-01700000002.tar", OLD),
        l("a-1700000002.tar", OLD),
        l("a-1700000001.tar", OLD),
        l("My-Env-1700000001.tar", OLD),
        l("My-Env-1700000002.tar", OLD),
        l("my-env-1700000000.tar", OLD),
    ];
    let (entries, summary) = classify(&listed, NOW, 600);
    assert_eq!(
        statuses(&entries),
        [
            ("My-Env-1700000001.tar", S::Superseded, true),
            ("My-Env-1700000002.tar", S::Latest, false),
            ("a-01700000002.tar", S::Latest, false),
            ("a-1700000001.tar", S::Superseded, true),
            ("a-1700000002.tar", S::Latest, false),
            ("my-env-1700000000.tar", S::Latest, false),
        ]
    );
    assert_eq!(summary.len(), 3);
}

#[test]
fn keep_n_and_name_filter() {
    let listed: Vec<Listed> = (1..=5)
        .map(|i| l(&format!("a-170000000{i}.tar"), OLD))
        .chain((1..=3).map(|i| l(&format!("b-170000000{i}.tar"), OLD)))
        .chain([l("c-1700000001.tar", OLD), l("c-1700000002.tar", NOW)])
        .collect();
    let (entries, _) = classify(&listed, NOW, 600);
    let files = |p: Vec<TarballEntry>| p.into_iter().map(|e| e.file).collect::<Vec<_>>();
    let default: Vec<String> = entries
        .iter()
        .filter(|e| e.prunable)
        .map(|e| e.file.clone())
        .collect();
    assert_eq!(files(prune_plan(&entries, 1, &[])), default);
    assert_eq!(
        default,
        [
            "a-1700000001.tar",
            "a-1700000002.tar",
            "a-1700000003.tar",
            "a-1700000004.tar",
            "b-1700000001.tar",
            "b-1700000002.tar"
        ]
    );
    assert_eq!(files(prune_plan(&entries, 0, &[])), default);
    assert_eq!(
        files(prune_plan(&entries, 3, &[])),
        ["a-1700000001.tar", "a-1700000002.tar"]
    );
    assert_eq!(
        files(prune_plan(&entries, 1, &["b".into()])),
        ["b-1700000001.tar", "b-1700000002.tar"]
    );
    assert!(prune_plan(&entries, 1, &["B".into()]).is_empty());
    // c: the newest is in progress, the older one is the last good: nothing goes.
    assert!(prune_plan(&entries, 1, &["c".into()]).is_empty());
    let a1 = entries
        .iter()
        .find(|e| e.file == "a-1700000001.tar")
        .expect("a1");
    assert_eq!(
        newer_survivor(&entries, a1).map(|e| e.file.as_str()),
        Some("a-1700000005.tar")
    );
}
