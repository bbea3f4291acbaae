//! Hostile input: the seed corpus (tests/fixtures/fuzz, see its README) with
//! the warning each must give, and proptest fuzzing of the findmnt JSON
//! parser, the df parser, the framing and the whole parser, on arbitrary
//! input and on mutated real fixtures. Nothing may panic; proptest keeps any
//! failing input in proptest-regressions/ (committed).

use std::path::PathBuf;

use proptest::prelude::*;

use super::df::parse_df;
use super::findmnt::parse_findmnt_json;
use super::frame::{Status, split};
use super::limit::OUTPUT_CAP;
use super::parse;

const DIR: &str = "/tmp/rsfx/share";

fn corpus(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// Every file of a fixture folder, by name.
fn folder(rel: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x != "md"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn has(warnings: &[String], part: &str) -> bool {
    warnings.iter().any(|w| w.contains(part))
}

#[test]
fn findmnt_garbage_is_a_findmnt_warning_and_the_mount_comes_from_mountinfo() {
    let f = parse(&corpus("fuzz/findmnt-garbage.txt"), DIR);
    assert!(
        has(&f.warnings, "findmnt: output is not JSON")
            && has(&f.warnings, "mount read from mountinfo"),
        "{:?}",
        f.warnings
    );
    let m = f.mount.expect("the mount, from mountinfo");
    assert_eq!((m.target.as_str(), m.fstype.as_str()), (DIR, "tmpfs"));
    // The quote of the garbage is short and escaped: no raw escape codes.
    let w = f
        .warnings
        .iter()
        .find(|w| w.contains("findmnt"))
        .expect("w");
    assert!(!w.contains('\x1b') && w.len() < 300, "{w}");
}

#[test]
fn deeply_nested_findmnt_json_is_an_error_not_a_stack_overflow() {
    let f = parse(&corpus("fuzz/findmnt-deep-nesting.txt"), DIR);
    assert!(
        has(&f.warnings, "findmnt: output is not JSON"),
        "{:?}",
        f.warnings
    );
    assert!(f.mount.is_some());
}

#[test]
fn df_with_unexpected_columns_is_a_df_warning_and_no_usage() {
    for (file, part) in [
        ("fuzz/df-inodes.txt", "df: unexpected columns: inode counts"),
        (
            "fuzz/df-human.txt",
            "df: unexpected output: no size, used and available",
        ),
    ] {
        let f = parse(&corpus(file), DIR);
        assert!(has(&f.warnings, part), "{file}: {:?}", f.warnings);
        assert_eq!(f.usage, None, "{file}: no made-up numbers");
        // The rest of the node's facts are still there.
        assert!(f.mount.is_some() && f.access.is_some(), "{file}");
    }
}

#[test]
fn invalid_utf8_is_named_per_section() {
    let f = parse(&corpus("fuzz/invalid-utf8.txt"), DIR);
    for part in [
        "section host: output is not valid UTF-8",
        "section df: output is not valid UTF-8",
    ] {
        assert!(has(&f.warnings, part), "{part}: {:?}", f.warnings);
    }
    assert_eq!(
        f.warnings.iter().filter(|w| w.contains("UTF-8")).count(),
        2,
        "once per section: {:?}",
        f.warnings
    );
    // The device name is not needed: the numbers still parse.
    assert_eq!(f.usage.map(|u| u.total_bytes), Some(67_108_864));
    assert_eq!(f.hostname.as_deref(), Some("vm\u{fffd}("));
}

#[test]
fn a_truncated_section_is_reported() {
    let f = parse(&corpus("fuzz/section-truncated.txt"), DIR);
    assert!(
        has(
            &f.warnings,
            "section units: stdout truncated at 65536 bytes (it printed 70123)"
        ),
        "{:?}",
        f.warnings
    );
}

#[test]
fn crlf_and_nul_bytes_parse_like_the_original() {
    let f = parse(&corpus("fuzz/nul-and-cr.txt"), DIR);
    let g = parse(&corpus("probe/tmpfs-layout.real.txt"), DIR);
    assert_eq!(f.mount, g.mount);
    assert_eq!(f.access, g.access);
}

#[test]
fn output_over_the_cap_is_cut_and_reported() {
    let mut out = corpus("probe/tmpfs-layout.real.txt");
    let end = out.len() - "@@rivershare end\n".len();
    let mut big = out[..end].to_vec();
    // A units section far over any cap the script sets: a hostile remote side.
    big.extend_from_slice(b"@@rivershare flood ok\n");
    while big.len() <= OUTPUT_CAP + 4096 {
        big.extend_from_slice(b"|/etc/systemd/system/flood.mount\n");
    }
    big.extend_from_slice(&out[end..]);
    let f = parse(&big, DIR);
    assert!(
        has(&f.warnings, "probe output truncated: ")
            && has(&f.warnings, "over the 1048576-byte cap"),
        "{:?}",
        f.warnings
    );
    // Everything before the flood was read.
    out.truncate(end);
    let g = parse(&out, DIR);
    assert_eq!((f.mount, f.usage, f.access), (g.mount, g.usage, g.access));
}

/// One mutation of a byte string, applied at `at` modulo its length.
#[derive(Debug, Clone)]
pub(super) enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

pub(super) fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(vec![
        b"\n".to_vec(),
        b"\n@@rivershare ".to_vec(),
        b"\n@@rivershare end\n".to_vec(),
        b"\n|".to_vec(),
        b"\n~truncated | 1 2\n".to_vec(),
        b"\xff\xfe".to_vec(),
        b"\0".to_vec(),
        b"\r".to_vec(),
        b"%".to_vec(),
        b"{\"target\": [".to_vec(),
        b"99999999999999999999999".to_vec(),
        b"\"children\": [{".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(a, b)| Mutation::Insert(a, b)),
        (any::<usize>(), interesting).prop_map(|(a, b)| Mutation::Insert(a, b)),
        (any::<usize>(), 1usize..64).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), 1usize..256).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(at, b) => {
                if let Some(x) = bytes.get_mut(at % len) {
                    *x ^= b | 1;
                }
            }
            Mutation::Insert(at, ins) => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, ins.iter().copied());
            }
            Mutation::Delete(at, n) => {
                let at = (at % len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::Duplicate(at, n) => {
                let at = (at % len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(end..end, copy);
            }
        }
    }
    bytes
}

/// A fixture of `folder` (chosen by `pick`), mutated.
pub(super) fn mutated(folder_rel: &str, pick: usize, muts: &[Mutation]) -> (String, Vec<u8>) {
    let files = folder(folder_rel);
    let (name, bytes) = files[pick % files.len()].clone();
    (name, mutate(bytes, muts))
}

/// A JSON value shaped like findmnt's, with hostile leaves.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[/a-z ,=\u{0}-\u{1f}\u{fffd}]{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        let key = prop::sample::select(vec![
            "target",
            "source",
            "fstype",
            "options",
            "vfs-options",
            "fs-options",
            "children",
            "filesystems",
            "x",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// A section as the script would print it: name, status, stdout, stderr lines
/// (any bytes but newline; a trailing CR would be read as a CRLF line end).
fn section() -> impl Strategy<Value = (String, Status, Vec<Vec<u8>>, Vec<Vec<u8>>)> {
    let status = prop_oneof![
        Just(Status::Ok),
        Just(Status::Timeout),
        proptest::option::of(any::<i32>()).prop_map(Status::Err),
        "[a-z-]{0,12}".prop_map(Status::Skip),
    ];
    let line = prop::collection::vec(any::<u8>(), 0..40).prop_map(|mut l| {
        l.retain(|b| *b != b'\n');
        while l.last() == Some(&b'\r') {
            l.pop();
        }
        l
    });
    (
        // `begin` with one word after it is the begin marker, not a section.
        "[a-z][a-z0-9_-]{0,10}".prop_filter("not begin", |n| n != "begin"),
        status,
        prop::collection::vec(line.clone(), 0..6),
        prop::collection::vec(line, 0..6),
    )
}

fn status_words(s: &Status) -> String {
    match s {
        Status::Ok => "ok".into(),
        Status::Timeout => "timeout".into(),
        Status::Err(Some(c)) => format!("err {c}"),
        Status::Err(None) => "err".into(),
        Status::Skip(r) if r.is_empty() => "skip".into(),
        Status::Skip(r) => format!("skip {r}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn findmnt_parser_never_panics_on_any_text(text in any::<String>(), path in "[/a-z]{0,12}") {
        let _ = parse_findmnt_json(&text, &path);
    }

    #[test]
    fn findmnt_parser_never_panics_on_findmnt_shaped_json(v in json_value(), path in "[/a-z]{0,12}") {
        let text = serde_json::json!({ "filesystems": v }).to_string();
        let _ = parse_findmnt_json(&text, &path);
    }

    #[test]
    fn findmnt_parser_never_panics_on_mutated_fixtures(pick in any::<usize>(), muts in prop::collection::vec(mutation(), 1..8)) {
        let (_, bytes) = mutated("findmnt", pick, &muts);
        let _ = parse_findmnt_json(&String::from_utf8_lossy(&bytes), "/mnt/cluster-share");
    }

    #[test]
    fn df_parser_never_panics_on_any_text(text in any::<String>()) {
        let _ = parse_df(&text);
    }

    #[test]
    fn df_parser_never_panics_on_mutated_fixtures(pick in any::<usize>(), muts in prop::collection::vec(mutation(), 1..8)) {
        let (_, bytes) = mutated("df", pick, &muts);
        let _ = parse_df(&String::from_utf8_lossy(&bytes));
    }

    /// Any device name without spaces, any numbers: exactly those numbers.
    #[test]
    fn df_posix_lines_give_their_numbers(dev in "[!-~]{1,40}", total in any::<u64>(), used in any::<u64>(), avail in any::<u64>(), pct in 0u8..=100, mnt in "/[!-~]{0,20}") {
        let text = format!("Filesystem 1-blocks Used Available Capacity Mounted on\n{dev} {total} {used} {avail} {pct}% {mnt}\n");
        let u = parse_df(&text).map_err(TestCaseError::fail)?;
        prop_assert_eq!((u.total_bytes, u.used_bytes, u.avail_bytes), (total, used, avail));
    }

    #[test]
    fn framing_never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = split(&bytes);
    }

    /// Any section bodies, framed as the script frames them, come back line
    /// for line (invalid UTF-8 read as U+FFFD, and then said once per section).
    #[test]
    fn framing_of_any_section_bodies_round_trips(secs in prop::collection::vec(section(), 0..8)) {
        let mut out = b"@@rivershare begin 1\n|step_timeout=5\n".to_vec();
        for (name, status, o, e) in &secs {
            out.extend_from_slice(format!("@@rivershare {name} {}\n", status_words(status)).as_bytes());
            for l in o {
                out.push(b'|');
                out.extend_from_slice(l);
                out.push(b'\n');
            }
            for l in e {
                out.push(b'!');
                out.extend_from_slice(l);
                out.push(b'\n');
            }
        }
        out.extend_from_slice(b"@@rivershare end\n");
        let f = split(&out);
        prop_assert!(f.ended);
        prop_assert_eq!(f.sections.len(), secs.len());
        let lossy = |ls: &Vec<Vec<u8>>| ls.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>();
        for (got, (name, status, o, e)) in f.sections.iter().zip(&secs) {
            prop_assert_eq!(&got.name, name);
            prop_assert_eq!(&got.status, status);
            prop_assert_eq!(&got.out, &lossy(o));
            prop_assert_eq!(&got.err, &lossy(e));
            let invalid = o.iter().chain(e).any(|l| std::str::from_utf8(l).is_err());
            let warned = f.warnings.iter().any(|w| w == &format!("section {name}: output is not valid UTF-8; the invalid bytes were read as U+FFFD"));
            // A repeated name may carry its twin's warning.
            if secs.iter().filter(|s| &s.0 == name).count() == 1 {
                prop_assert_eq!(invalid, warned, "{:?}", f.warnings);
            }
        }
    }

    #[test]
    fn whole_parser_never_panics_on_mutated_probe_fixtures(pick in any::<usize>(), muts in prop::collection::vec(mutation(), 1..12), dir in "[^\u{0}]{0,16}") {
        let (_, bytes) = mutated("probe", pick, &muts);
        let _ = parse(&bytes, &dir);
        let _ = parse(&bytes, DIR);
    }

    #[test]
    fn whole_parser_never_panics_on_the_mutated_seed_corpus(pick in any::<usize>(), muts in prop::collection::vec(mutation(), 0..12)) {
        let (_, bytes) = mutated("fuzz", pick, &muts);
        let _ = parse(&bytes, DIR);
    }
}
