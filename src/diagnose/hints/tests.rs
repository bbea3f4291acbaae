//! The catalogue itself: complete, read-only where it says so, and naming only
//! known placeholders.

use super::*;

#[test]
fn every_code_has_exactly_one_entry() {
    for code in Code::ALL {
        let count = entries().filter(|e| e.code == *code).count();
        assert_eq!(count, 1, "{code:?} has {count} catalogue entries");
    }
}

#[test]
fn entries_say_what_why_and_how() {
    for e in entries() {
        assert!(!e.title.is_empty(), "{:?} has no title", e.code);
        assert!(e.why.len() > 40, "{:?}: why is too thin", e.code);
        assert!(e.fix.len() > 20, "{:?}: fix is too thin", e.code);
    }
}

#[test]
fn every_debug_template_is_read_only() {
    for e in entries() {
        for t in e.debug {
            assert!(
                is_read_only(t),
                "{:?}: debug `{t}` is not read-only",
                e.code
            );
        }
    }
}

#[test]
fn no_fix_command_is_among_the_debug_commands() {
    for e in entries() {
        for t in e.fix_commands {
            assert!(!e.debug.contains(t), "{:?}: `{t}` is both", e.code);
        }
        // And each fix command changes something, or runs on the server:
        // a read-only one belongs among the debug commands.
        for t in e.fix_commands {
            assert!(
                !is_read_only(t) || t.contains("# on {server}"),
                "{:?}: fix `{t}` is read-only: make it a debug command",
                e.code
            );
        }
    }
}

#[test]
fn templates_name_only_known_placeholders() {
    for e in entries() {
        let mut texts = vec![e.why, e.fix];
        texts.extend(e.debug);
        texts.extend(e.fix_commands);
        for text in texts {
            let mut rest = text;
            while let Some(open) = rest.find('{') {
                let after = &rest[open + 1..];
                let key: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !key.is_empty() && after[key.len()..].starts_with('}') {
                    assert!(
                        PLACEHOLDERS.iter().any(|(k, _)| *k == key),
                        "{:?}: unknown placeholder {{{key}}} in `{text}`",
                        e.code
                    );
                }
                rest = after;
            }
        }
    }
}

#[test]
fn explain_shows_every_placeholder_and_fills_nothing() {
    let vars = Vars::placeholders();
    for e in entries() {
        for t in e.debug.iter().chain(e.fix_commands) {
            let shown = vars.fill_command(t, true).expect("placeholders are fine");
            assert!(!shown.contains('{') || shown.contains("{}"), "{shown}");
        }
    }
}
