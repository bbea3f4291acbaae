//! The cap on one probe's whole output, and short quotes of bad output.
//!
//! The cap lives here, in the probe's parser, not in the transport: the
//! transports are shared by every script (the probe, verification, tarball
//! listings of tens of thousands of files, debug commands) and only bound
//! memory (8 MiB a stream); what one probe may legitimately print is known
//! only to the probe. Its script caps every section, so a sane node prints
//! well under 1 MiB; more means a broken or hostile remote side, and the
//! parser is where that can become a warning on the node's facts.

/// Most bytes of probe output read, counted from the begin marker (login noise
/// before it is skipped, never parsed).
pub const OUTPUT_CAP: usize = 1024 * 1024;

/// The begin marker at the start of a line.
const BEGIN: &[u8] = b"@@rivershare begin";

/// The part of `stdout` to parse: from the begin marker (or the start when
/// there is none) for at most [`OUTPUT_CAP`] bytes, cut after the last whole
/// line; and the warning that says so when output was dropped.
pub fn capped(stdout: &[u8]) -> (&[u8], Option<String>) {
    let start = stdout
        .windows(BEGIN.len())
        .enumerate()
        .position(|(i, w)| w == BEGIN && (i == 0 || stdout[i - 1] == b'\n'))
        .unwrap_or(0);
    let framed = &stdout[start..];
    if framed.len() <= OUTPUT_CAP {
        return (framed, None);
    }
    let head = &framed[..OUTPUT_CAP];
    let end = head.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let warning = format!(
        "probe output truncated: {} bytes, over the {OUTPUT_CAP}-byte cap; only the first {end} were read, the facts after them are missing",
        framed.len()
    );
    (&framed[..end], Some(warning))
}

/// At most `max` characters of `text`, quoted, for an error message.
pub fn quote(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{head:?}...")
    } else {
        format!("{head:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_before_the_begin_marker_does_not_count() {
        let mut out = vec![b'x'; OUTPUT_CAP * 2];
        out.extend_from_slice(b"\n@@rivershare begin 1\n@@rivershare end\n");
        let (framed, warning) = capped(&out);
        assert_eq!(framed, b"@@rivershare begin 1\n@@rivershare end\n");
        assert_eq!(warning, None);
    }

    #[test]
    fn over_the_cap_is_cut_at_a_line_end_and_said() {
        let mut out = b"@@rivershare begin 1\n@@rivershare findmnt ok\n".to_vec();
        while out.len() < OUTPUT_CAP + 10 {
            out.extend_from_slice(b"|0123456789abcdef\n");
        }
        let (framed, warning) = capped(&out);
        assert!(framed.len() <= OUTPUT_CAP && framed.ends_with(b"\n"));
        let w = warning.expect("a warning");
        assert!(w.contains(&format!("{} bytes", out.len())), "{w}");
        assert!(w.contains("1048576-byte cap"), "{w}");
    }

    #[test]
    fn quotes_are_short() {
        assert_eq!(quote("abc", 5), "\"abc\"");
        assert_eq!(quote("abcdef", 3), "\"abc\"...");
        assert_eq!(quote("\u{1}é\n", 5), "\"\\u{1}é\\n\"");
    }
}
