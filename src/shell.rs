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

#[cfg(test)]
mod tests {
    use super::{sh_quote, sh_word};

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
