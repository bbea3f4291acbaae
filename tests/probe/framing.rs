//! The framing's `emit` (tag each line, cap the body, say when it was cut) runs
//! for every step of every script, so it is written in shell builtins: with
//! only `sh` and `wc` on the PATH it must print exactly what the protocol says,
//! for every shape of output.

use super::*;

/// Bodies at the edges of the cap (5 bytes below): exactly the cap, one past
/// it with and without the final newline, a line crossing the cap, a NUL byte,
/// bytes that are not UTF-8, empty lines, no final newline.
const CASES: &[(&str, &[u8], &[u8])] = &[
    ("empty", b"", b""),
    ("short", b"ab\n", b"|ab\n"),
    ("no-final-newline", b"ab\ncd", b"|ab\n|cd\n"),
    ("exactly-cap", b"abcd\n", b"|abcd\n"),
    ("cap-without-newline", b"abcde", b"|abcde\n"),
    (
        "one-past-newline",
        b"abcde\n",
        b"|abcde\n~truncated | 5 6\n",
    ),
    ("one-past-bare", b"abcdef", b"|abcde\n~truncated | 5 6\n"),
    (
        "crossing",
        b"ab\ncdefgh\nij\n",
        b"|ab\n|cd\n~truncated | 5 13\n",
    ),
    ("at-line-end", b"abcd\nef\n", b"|abcd\n~truncated | 5 8\n"),
    // The shell's read drops a NUL byte; every other byte passes as it is.
    ("nul-and-latin1", b"a\0\xff\n", b"|a\xff\n"),
    ("blank-lines", b"\n\n\n", b"|\n|\n|\n"),
    ("long", &[b'x'; 10_000], b"|xxxxx\n~truncated | 5 10000\n"),
];
const CAP: usize = 5;

/// A folder holding only `sh` and `wc`, the two programs `emit` may run.
fn tools(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    for name in ["sh", "wc"] {
        let found = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(name))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{name} is not installed"));
        std::os::unix::fs::symlink(found, bin.join(name)).expect("symlink");
    }
    bin
}

#[test]
fn emit_tags_and_caps_every_shape_of_output_with_shell_builtins() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut script = String::from("S=1\n");
    script.push_str(&rivershare::framing::prelude(4096));
    let mut expected = Vec::new();
    for (name, body, tagged) in CASES {
        let file = tmp.path().join(name);
        std::fs::write(&file, body).expect("case file");
        script.push_str(&format!(
            "printf '@@case {name}\\n'; emit '{}' {CAP} '|'\n",
            file.display()
        ));
        expected.extend_from_slice(format!("@@case {name}\n").as_bytes());
        expected.extend_from_slice(tagged);
    }
    let bin = tools(tmp.path());
    let out = Command::new(bin.join("sh"))
        .arg("-c")
        .arg(&script)
        .env_clear()
        .env("PATH", &bin)
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{out:?}");
    // The prelude's own notes (no mktemp, no timeout) come before the cases.
    let at = out
        .stdout
        .windows(8)
        .position(|w| w == b"@@case e")
        .expect("the cases ran");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout[at..]),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(&out.stdout[at..], &expected[..], "byte for byte");
}

/// A script's temp folder is in `$TMPDIR`, named for rivershare (one that a
/// killed script leaves behind is recognisable), and gone when it ends.
#[test]
fn the_temp_folder_is_named_for_rivershare_and_removed_at_the_end() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let script = format!(
        "S=1\n{}printf '%s\\n' \"$W\" >&2\n",
        rivershare::framing::prelude(4096)
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("TMPDIR", tmp.path())
        .env_remove("RIVERSHARE_TMP")
        .stdin(Stdio::null())
        .output()
        .expect("sh runs the prelude");
    let w = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    let w = Path::new(&w);
    assert_eq!(w.parent(), Some(tmp.path()), "{w:?}");
    assert!(
        w.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("rivershare.")),
        "{w:?}"
    );
    assert!(!w.exists(), "{w:?} outlived the script");
    assert_eq!(
        std::fs::read_dir(tmp.path()).expect("read_dir").count(),
        0,
        "nothing else left in TMPDIR"
    );
}

/// The client went away (closed the channel, so the script's stdout): the next
/// write fails, and the script removes its temp folder as it ends instead of
/// dying of SIGPIPE with the folder left behind.
#[test]
fn a_script_whose_reader_went_away_removes_its_temp_folder() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().expect("tempdir");
    let script = format!(
        "S=1\n{}printf 'started %s\\n' \"$W\"\nwhile :; do printf 'more\\n'; done\n",
        rivershare::framing::prelude(4096)
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("TMPDIR", tmp.path())
        .env_remove("RIVERSHARE_TMP")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh runs the prelude");
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    while !first.starts_with("started ") {
        first.clear();
        out.read_line(&mut first).expect("a line");
    }
    let w = first.trim_start_matches("started ").trim().to_owned();
    assert!(Path::new(&w).is_dir(), "{w}");
    drop(out);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(141), "{status:?}");
    assert!(!Path::new(&w).exists(), "{w} outlived the script");
}
