//! The framing's `emit` (tag each line, cap the body, say when it was cut) has
//! two implementations: one awk per file, and `head`/`sed`/`wc` where a node has
//! no awk. Both must print the same bytes for every shape of output.

use super::*;

/// Bodies at the edges of the cap (5 bytes below): exactly the cap, one past
/// it with and without the final newline, a line crossing the cap, a NUL byte,
/// bytes that are not UTF-8, empty lines, no final newline.
const CASES: &[(&str, &[u8])] = &[
    ("empty", b""),
    ("short", b"ab\n"),
    ("no-final-newline", b"ab\ncd"),
    ("exactly-cap", b"abcd\n"),
    ("cap-without-newline", b"abcde"),
    ("one-past-newline", b"abcde\n"),
    ("one-past-bare", b"abcdef"),
    ("crossing", b"ab\ncdefgh\nij\n"),
    ("at-line-end", b"abcd\nef\n"),
    ("nul-and-latin1", b"a\0\xff\n"),
    ("blank-lines", b"\n\n\n"),
    ("long", &[b'x'; 10_000]),
];
const CAP: usize = 5;

/// A folder holding only the tools the framing may use, with or without awk.
fn tools(dir: &Path, with_awk: bool) -> std::path::PathBuf {
    let bin = dir.join(if with_awk { "awk-bin" } else { "no-awk-bin" });
    std::fs::create_dir(&bin).expect("mkdir");
    let mut names = vec!["sh", "head", "sed", "tail", "wc", "mktemp", "rm", "timeout"];
    if with_awk {
        names.push("awk");
    }
    for name in names {
        let found = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(name))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{name} is not installed"));
        std::os::unix::fs::symlink(found, bin.join(name)).expect("symlink");
    }
    bin
}

fn emit_all(tmp: &Path, with_awk: bool) -> Vec<u8> {
    let mut s = String::from("S=1\n");
    s.push_str(&rivershare::framing::prelude(4096));
    for (name, body) in CASES {
        let file = tmp.join(name);
        std::fs::write(&file, body).expect("case file");
        s.push_str(&format!(
            "printf '@@case {name}\\n'; emit '{}' {CAP} '|'\n",
            file.display()
        ));
    }
    let bin = tools(tmp, with_awk);
    let out = Command::new(bin.join("sh"))
        .arg("-c")
        .arg(&s)
        .env_clear()
        .env("PATH", &bin)
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tools_note = out.stdout.windows(5).any(|w| w == b"tools");
    assert!(!tools_note, "{}", String::from_utf8_lossy(&out.stdout));
    out.stdout
}

#[test]
fn emit_prints_the_same_bytes_with_awk_and_without() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let with = emit_all(tmp.path(), true);
    let without = emit_all(tmp.path(), false);
    assert_eq!(
        String::from_utf8_lossy(&with),
        String::from_utf8_lossy(&without)
    );
    assert_eq!(with, without, "byte for byte");
    // And what both print is what the protocol says, checked on a few cases.
    let text = String::from_utf8_lossy(&with);
    for expected in [
        "@@case empty\n@@case short\n|ab\n",
        "@@case no-final-newline\n|ab\n|cd\n",
        "@@case exactly-cap\n|abcd\n@@case cap-without-newline\n|abcde\n@@case one-past-newline\n|abcde\n~truncated | 5 6\n",
        "@@case one-past-bare\n|abcde\n~truncated | 5 6\n",
        "@@case crossing\n|ab\n|cd\n~truncated | 5 13\n",
        "@@case long\n|xxxxx\n~truncated | 5 10000\n",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
}
