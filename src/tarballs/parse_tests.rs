//! Parsers on real captured outputs (tests/fixtures/tarballs, see its README).

use super::*;

const LISTING: &[u8] = include_bytes!("../../tests/fixtures/tarballs/listing.real.txt");
const GROWING: &[u8] = include_bytes!("../../tests/fixtures/tarballs/listing-growing.real.txt");
const MISSING: &[u8] = include_bytes!("../../tests/fixtures/tarballs/listing-missing.real.txt");
const TRUNCATED: &[u8] =
    include_bytes!("../../tests/fixtures/tarballs/listing-truncated.derived.txt");
const VISIBILITY: &[u8] = include_bytes!("../../tests/fixtures/tarballs/visibility.real.txt");
const PRUNE: &[u8] = include_bytes!("../../tests/fixtures/tarballs/prune.real.txt");

fn by_file(p: &ListingParsed) -> Vec<(String, Option<String>, u64, FileKind, bool)> {
    let mut v: Vec<_> = p
        .listed
        .iter()
        .map(|l| {
            (
                l.file.clone(),
                l.file_hex.clone(),
                l.size_bytes,
                l.kind,
                l.growing,
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn listing_keeps_every_name_byte_and_kind() {
    let p = parse_listing(LISTING).expect("listing");
    assert_eq!(p.now, Some(1_795_671_718));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(
        by_file(&p),
        [
            ("a-1700000001.tar".into(), None, 4, FileKind::Regular, false),
            ("a-1700000002.tar".into(), None, 6, FileKind::Regular, false),
            ("b-1700000001.tar".into(), None, 1, FileKind::Regular, false),
            (
                "bin\u{fffd}-1700000001.tar".into(),
                Some("62696eff2d313730303030303030312e746172".into()),
                1,
                FileKind::Regular,
                false
            ),
            ("dir.tar".into(), None, 4096, FileKind::Other, false),
            (
                "link-1700000001.tar".into(),
                None,
                13,
                FileKind::Symlink,
                false
            ),
            (
                "nl\nx-1700000001.tar".into(),
                None,
                1,
                FileKind::Regular,
                false
            ),
        ]
    );
    let a = p
        .listed
        .iter()
        .find(|l| l.file == "a-1700000001.tar")
        .expect("a");
    assert_eq!((a.inode, a.mtime), (10_035_763, 1_795_671_717));
}

#[test]
fn a_file_written_during_the_listing_is_growing() {
    let p = parse_listing(GROWING).expect("listing");
    let growing: Vec<&str> = p
        .listed
        .iter()
        .filter(|l| l.growing)
        .map(|l| l.file.as_str())
        .collect();
    assert_eq!(growing, ["a-1700000003.tar"]);
}

#[test]
fn missing_folder_and_truncated_listing_are_errors() {
    let e = parse_listing(MISSING).expect_err("missing");
    assert!(e.starts_with("does not exist"), "{e}");
    assert!(e.contains("No such file or directory"), "{e}");
    let t = parse_listing(TRUNCATED).expect_err("truncated");
    assert!(t.contains("truncated"), "{t}");
    assert!(parse_listing(b"").is_err());
    // Without the second listing, growth is unknown: no inventory.
    let cut = String::from_utf8_lossy(LISTING);
    let cut = cut.split("@@rivershare again").next().expect("first part");
    let e =
        parse_listing(format!("{cut}@@rivershare again timeout\n@@rivershare end\n").as_bytes())
            .expect_err("no growth check");
    assert_eq!(e, "second listing timed out after 5 s");
}

#[test]
fn floor_of_fractional_mtimes() {
    assert_eq!(floor_secs("1795671717.9999"), Some(1_795_671_717));
    assert_eq!(floor_secs("-5.5000000000"), Some(-6));
    assert_eq!(floor_secs("-5.0000000000"), Some(-5));
    assert_eq!(floor_secs("12"), Some(12));
    assert_eq!(floor_secs("x"), None);
}

#[test]
fn visibility_per_file() {
    let v = parse_visibility(VISIBILITY, 0, &[6, 6, 2]);
    assert_eq!(v[0], (VisibilityStatus::Visible, None));
    assert_eq!(v[1].0, VisibilityStatus::Missing);
    assert!(
        v[1].1
            .as_deref()
            .is_some_and(|d| d.contains("gone-1700000001.tar"))
    );
    assert_eq!(v[2].0, VisibilityStatus::SizeDiffers);
    // Sections beyond the output: errors, not silence.
    let w = parse_visibility(VISIBILITY, 2, &[1, 1]);
    assert_eq!(w[0].0, VisibilityStatus::Visible);
    assert_eq!(w[1].0, VisibilityStatus::Error);
}

#[test]
fn prune_results_per_file() {
    let r = parse_prune(PRUNE, 0, 4);
    assert_eq!(r[0], (PruneOutcome::Deleted, None));
    assert_eq!(r[1], (PruneOutcome::Skipped, Some("gone".into())));
    assert_eq!(
        r[2],
        (
            PruneOutcome::Skipped,
            Some("the newer name does not match".into())
        )
    );
    assert_eq!(r[3].0, PruneOutcome::Failed);
    let hung = parse_prune(
        b"@@rivershare begin 1\n|step_timeout=2\n@@rivershare 0 timeout\n@@rivershare 1 skip hung\n@@rivershare 2 err 1\n!rm: cannot remove 'x': Permission denied\n@@rivershare end\n",
        0,
        3,
    );
    assert_eq!(hung[0].0, PruneOutcome::Failed);
    assert!(
        hung[0]
            .1
            .as_deref()
            .is_some_and(|d| d.contains("timed out after 2 s"))
    );
    assert_eq!(
        hung[1],
        (PruneOutcome::Skipped, Some("storage hung".into()))
    );
    assert_eq!(
        hung[2],
        (
            PruneOutcome::Failed,
            Some("rm: cannot remove 'x': Permission denied".into())
        )
    );
}
