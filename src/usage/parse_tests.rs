//! The walk's parsers on output captured from real runs on this machine
//! (tests/fixtures/usage/: a share at /tmp/rvs-usage-fixture/share holding
//! names with a newline, invalid UTF-8 and shell syntax; a slow sshfs mount
//! whose du hit its 2 s budget; a frozen sshfs share), then cut and garbled.

use super::*;

const DIR: &str = "/tmp/rvs-usage-fixture/share";
const LISTING: &[u8] = include_bytes!("../../tests/fixtures/usage/listing.out");
const WALK: &[u8] = include_bytes!("../../tests/fixtures/usage/walk.out");
const WALK_SLOW: &[u8] = include_bytes!("../../tests/fixtures/usage/walk-slow.out");
const LISTING_HUNG: &[u8] = include_bytes!("../../tests/fixtures/usage/listing-hung.out");
const WALK_HUNG: &[u8] = include_bytes!("../../tests/fixtures/usage/walk-hung.out");

/// The order of the walks in walk.out and walk-slow.out (captured when the
/// listing still came from `find`, in directory order).
fn walk_order() -> Vec<Vec<u8>> {
    [
        &b"shared_data"[..],
        b"top file's $(x)",
        b"slow",
        b"other\ndir-\xff",
        b"logs",
        b"kohakuriver-containers",
    ]
    .iter()
    .map(|n| n.to_vec())
    .collect()
}

fn names(listing: &[u8]) -> Vec<Vec<u8>> {
    parse_listing(listing)
        .expect("listing parses")
        .entries
        .into_iter()
        .map(|e| e.name)
        .collect()
}

fn entry<'a>(w: &'a WalkParsed, path: &str) -> &'a UsageEntry {
    w.entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no entry {path:?} in {:#?}", w.entries))
}

#[test]
fn listing_keeps_every_name_byte() {
    let l = parse_listing(LISTING).expect("listing parses");
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let got: Vec<Vec<u8>> = l.entries.into_iter().map(|e| e.name).collect();
    let mut want = walk_order();
    want.sort();
    assert_eq!(got, want, "bytewise order, every byte kept");
}

#[test]
fn a_complete_walk_gives_totals_children_and_task_folders() {
    let n = walk_order();
    let w = parse_walk(WALK, DIR, &n, 60);
    assert_eq!(w.error, None);
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    assert_eq!(w.entries.len(), 6);
    assert!(w.entries.iter().all(|e| e.complete && e.note.is_none()));
    // Largest first; the values are `du -B1` of the fixture share.
    let sizes: Vec<(&str, u64)> = w
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e.bytes))
        .collect();
    assert_eq!(
        sizes,
        [
            ("shared_data", 122_880),
            ("kohakuriver-containers", 106_496),
            ("logs", 28_672),
            ("other\ndir-\u{fffd}", 16_384),
            ("slow", 4_096),
            ("top file's $(x)", 4_096),
        ]
    );
    let sd = entry(&w, "shared_data");
    let kids: Vec<(&str, u64, bool)> = sd
        .children
        .iter()
        .map(|c| (c.path.as_str(), c.bytes, c.complete))
        .collect();
    assert_eq!(
        kids,
        [
            ("shared_data/a", 61_440, true),
            ("shared_data/b", 24_576, true),
            ("shared_data/new\nline", 16_384, true),
            ("shared_data/bad-\u{fffd}\u{fffd}", 12_288, true),
        ]
    );
    assert_eq!(sd.task_folders, None);
    let logs = entry(&w, "logs");
    assert_eq!(logs.task_folders, Some(3));
    assert_eq!(logs.oldest_mtime.as_deref(), Some("2024-01-02T03:04:05Z"));
    assert_eq!(logs.newest_mtime.as_deref(), Some("2025-06-07T08:09:10Z"));
    assert_eq!(logs.children.len(), 3);
    assert!(logs.children.iter().all(|c| c.path.starts_with("logs/70")));
    // Entries not broken down have no children.
    assert!(entry(&w, "kohakuriver-containers").children.is_empty());
}

#[test]
fn a_timed_out_entry_is_partial_with_what_it_counted() {
    let n = walk_order();
    let w = parse_walk(WALK_SLOW, DIR, &n, 2);
    assert_eq!(w.error, None);
    let slow = entry(&w, "slow");
    assert!(!slow.complete);
    // 13 subfolders of the slow sshfs mount were done when the budget ran out.
    assert_eq!(slow.bytes, 159_744);
    assert_eq!(
        slow.note.as_deref(),
        Some("timed out after 2 s; 156 KiB counted so far")
    );
    // The entries after it were measured in full.
    for p in [
        "shared_data",
        "logs",
        "kohakuriver-containers",
        "other\ndir-\u{fffd}",
    ] {
        assert!(entry(&w, p).complete, "{p}");
    }
}

#[test]
fn a_hung_share_skips_the_rest_and_says_why() {
    let n = names(LISTING_HUNG);
    assert_eq!(n.len(), 450);
    let w = parse_walk(WALK_HUNG, DIR, &n, 2);
    assert_eq!(w.error, None);
    assert!(w.entries.iter().all(|e| !e.complete && e.bytes == 0));
    let first = w
        .entries
        .iter()
        .filter(|e| e.note.as_deref() == Some("timed out after 2 s; counted nothing"))
        .count();
    assert_eq!(first, 1);
    let skipped = w
        .entries
        .iter()
        .filter(|e| {
            e.note.as_deref().is_some_and(|n| {
                n.starts_with("not measured: ")
                    && n.ends_with("counted nothing within 2 s; the storage is not answering")
            })
        })
        .count();
    assert_eq!(skipped, 449);
}

#[test]
fn every_cut_of_the_stream_parses_and_keeps_what_came() {
    let n = walk_order();
    let full = parse_walk(WALK, DIR, &n, 60);
    for cut in 0..=WALK.len() {
        let w = parse_walk(&WALK[..cut], DIR, &n, 60);
        assert_eq!(w.entries.len(), n.len());
        if cut < WALK.len() - 1 {
            assert!(w.error.is_some(), "cut at {cut}");
        }
        // What is complete is exact: never a made-up size.
        for e in w.entries.iter().filter(|e| e.complete) {
            assert_eq!(e.bytes, entry(&full, &e.path).bytes, "cut at {cut}");
        }
    }
    // Cut right after the third entry's summary line: three measured.
    let at = WALK
        .windows(16)
        .position(|w| w == b"@@rivershare t4 ")
        .expect("t4 marker");
    let w = parse_walk(&WALK[..at], DIR, &n, 60);
    assert_eq!(w.entries.iter().filter(|e| e.complete).count(), 4);
    assert_eq!(
        entry(&w, "logs").note.as_deref(),
        Some("not measured: the walk ended before this entry")
    );
    // Cut inside the children's hex: only whole records, never a cut name.
    for cut in 0..WALK.len() {
        let w = parse_walk(&WALK[..cut], DIR, &n, 60);
        for c in w.entries.iter().flat_map(|e| &e.children) {
            let whole = full
                .entries
                .iter()
                .flat_map(|e| &e.children)
                .any(|f| f == c);
            assert!(whole, "cut at {cut}: {c:?}");
        }
    }
    let mut p = WalkProgress::new();
    p.feed(&WALK[..at]);
    assert_eq!(p.done(), 4);
}

#[test]
fn garbage_is_an_error_never_a_panic() {
    let n = names(LISTING);
    let junk: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    for input in [
        &b""[..],
        b"\xff\xfe\x00garbage\n",
        &junk,
        b"@@rivershare begin 1\n@@rivershare e0 ok\n|sum=x\n@@rivershare c0 ok\n|zz\n",
    ] {
        let w = parse_walk(input, DIR, &n, 60);
        assert_eq!(w.entries.len(), n.len());
        assert!(w.error.is_some() || !w.warnings.is_empty(), "{input:?}");
        assert!(parse_listing(input).is_err());
    }
    let w = parse_walk(b"@@rivershare begin 1\n@@rivershare e0 ok\n|sum=1 last=1 n=1\n@@rivershare c0 ok\n|zz\n@@rivershare end\n", DIR, &n, 60);
    assert!(
        w.warnings.iter().any(|x| x.contains("not hex")),
        "{:?}",
        w.warnings
    );
}

#[test]
fn listing_errors_say_what_happened() {
    let no_dir = b"@@rivershare begin 1\n@@rivershare dir err 1\n!stat: cannot statx '/x': No such file or directory\n@@rivershare list skip no-dir\n@@rivershare end\n";
    assert_eq!(
        parse_listing(no_dir),
        Err("stat: cannot statx '/x': No such file or directory".into())
    );
    let hung =
        b"@@rivershare begin 1\n|step_timeout=3\n@@rivershare dir timeout\n@@rivershare end\n";
    assert_eq!(
        parse_listing(hung),
        Err("stat of the folder timed out after 3 s: the storage is not answering".into())
    );
    // A listing cut anywhere is an error, never a shorter list taken as whole.
    let end = LISTING.windows(4).position(|w| w == b"2f65").expect("/end");
    for cut in 0..end {
        assert!(parse_listing(&LISTING[..cut]).is_err(), "cut at {cut}");
    }
    let file = b"@@rivershare begin 1\n@@rivershare dir ok\n|regular file\n@@rivershare end\n";
    assert_eq!(
        parse_listing(file),
        Err("is not a directory (it is a regular file)".into())
    );
}

#[test]
fn missing_tools_are_said_in_warnings() {
    // What a node without nice, ionice, stdbuf and timeout prints (busybox-like).
    let out = b"@@rivershare begin 1\n|step_timeout=3\n@@rivershare tools err 127\n\
        !timeout: not found, steps run without their own timeout\n\
        @@rivershare lowprio err 127\n!not usable on this node: nice ionice stdbuf\n\
        @@rivershare e0 ok\n|sum=8192 last=8192 n=1\n@@rivershare end\n";
    let w = parse_walk(out, DIR, &[b"x".to_vec()], 60);
    assert_eq!(w.error, None);
    assert_eq!(w.entries[0].bytes, 8192);
    assert!(w.entries[0].complete);
    assert_eq!(
        w.warnings,
        [
            "not usable on this node: nice ionice stdbuf: du runs without the lowest priority or unbuffered output",
            "timeout: not found, steps run without their own timeout: no entry has its own budget; only the transport's limit bounds the walk",
        ]
    );
}

/// `walk.out` with entry e1 ending in error 1 and `stderr` as du's complaints.
fn walk_with_e1_complaining(stderr: &[&str]) -> WalkParsed {
    let text = String::from_utf8_lossy(WALK).into_owned();
    let ok = "@@rivershare e1 ok\n|sum=4096 last=4096 n=1\n";
    assert!(text.contains(ok), "the fixture's e1");
    let mut err = String::from("@@rivershare e1 err 1\n|sum=4096 last=4096 n=1\n");
    for line in stderr {
        err.push_str(&format!("!{line}\n"));
    }
    parse_walk(text.replace(ok, &err).as_bytes(), DIR, &walk_order(), 60)
}

#[test]
fn files_removed_during_the_walk_leave_the_entry_complete() {
    // GNU du and busybox du on files that were listed, then removed.
    let w = walk_with_e1_complaining(&[
        "du: cannot access '/tmp/rvs-usage-fixture/share/top file's $(x)/tok': No such file or directory",
        "du: /tmp/rvs-usage-fixture/share/top file's $(x)/bench: No such file or directory",
    ]);
    let e = entry(&w, "top file's $(x)");
    assert!(e.complete, "{e:?}");
    assert_eq!((e.bytes, e.note.as_deref()), (4096, None));

    // Anything else du could not read still makes it partial, and says so.
    for other in [
        "du: cannot read directory '/tmp/rvs-usage-fixture/share/top file's $(x)/d': Permission denied",
        "du: fts_read failed: /tmp/rvs-usage-fixture/share/top file's $(x)/d: No such file or directory",
    ] {
        let w = walk_with_e1_complaining(&[
            "du: cannot access '/tmp/rvs-usage-fixture/share/top file's $(x)/tok': No such file or directory",
            other,
        ]);
        let e = entry(&w, "top file's $(x)");
        assert!(!e.complete, "{other}: {e:?}");
        assert!(
            e.note.as_deref().is_some_and(|n| n.contains(other)),
            "{e:?}"
        );
    }
    // An error with nothing on stderr is not taken for a vanished file.
    let e = walk_with_e1_complaining(&[]);
    assert!(!entry(&e, "top file's $(x)").complete);
}
