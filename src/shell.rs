//! Shell quoting. Every path that goes into a remote script passes through
//! [`sh_quote`]: SHARED_DIR is data, never code.

/// Quote `s` for POSIX `sh` so that it is read back as exactly one word, byte for byte.
///
/// Single quotes protect everything except a single quote itself, which is written
/// as `'\''`. Newlines, `$()`, backticks and globs are all inert inside single quotes.
pub fn sh_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Quote `s` only when it needs it, for commands shown to a person: `/mnt/share`
/// stays bare, `/mnt/my share` becomes `'/mnt/my share'`. Same safety as [`sh_quote`].
pub fn sh_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'/' | b'.' | b'_' | b'-' | b'+' | b':' | b'@' | b',' | b'=' | b'%'
                )
        });
    if plain { s.to_owned() } else { sh_quote(s) }
}

/// `text` without its comment lines (those whose first non-blank character is
/// `#`): for the fixed text of the scripts sent to nodes, which every node's
/// shell parses on every sweep (twice for the text of an inner shell). Never for
/// text holding data, where such a line may be inside a quoted word.
pub fn without_comment_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{sh_quote, sh_word, without_comment_lines};

    #[test]
    fn comment_lines_go_and_everything_else_stays() {
        let text = "# a\nx=1 # kept\n  # indented\n\n'#not'\nend";
        assert_eq!(without_comment_lines(text), "x=1 # kept\n\n'#not'\nend");
    }

    #[test]
    fn sh_word_leaves_plain_paths_bare_and_quotes_the_rest() {
        assert_eq!(sh_word("/mnt/cluster-share"), "/mnt/cluster-share");
        assert_eq!(sh_word("10.0.0.5:/export"), "10.0.0.5:/export");
        assert_eq!(sh_word("/mnt/my share"), "'/mnt/my share'");
        assert_eq!(sh_word(""), "''");
        assert_eq!(sh_word("/mnt/$(id)"), "'/mnt/$(id)'");
    }
    use proptest::prelude::*;
    use std::process::Command;

    fn round_trip(s: &str) -> String {
        let script = format!("printf %s {}", sh_quote(s));
        let out = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("sh runs");
        String::from_utf8(out.stdout).expect("utf-8 back")
    }

    #[test]
    fn hostile_paths_round_trip() {
        for s in [
            "/mnt/cluster share",
            "/mnt/it's",
            "/mnt/$(touch /tmp/pwned)",
            "/mnt/`id`",
            "/mnt/a\nb",
            "/mnt/*",
            "",
            "'",
            "''\\'",
        ] {
            assert_eq!(round_trip(s), s);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_string_without_nul_round_trips(s in "[^\u{0}]{0,40}") {
            prop_assert_eq!(round_trip(&s), s);
        }
    }
}
