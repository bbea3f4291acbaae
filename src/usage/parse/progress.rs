//! Counting finished entries in the walk's stream, piece by piece, for the
//! progress line: an entry is done when its `@@rivershare e<i> <status>` marker
//! has arrived (the script prints it once that entry's du has ended).

/// Marker lines are short; a longer line is a body line and is not kept.
const MAX_MARKER: usize = 64;

/// Feed it the walk's stdout as it streams; [`WalkProgress::done`] is the
/// number of entries measured (or skipped) so far.
#[derive(Debug, Default, Clone)]
pub struct WalkProgress {
    /// The current line's start, up to [`MAX_MARKER`] bytes.
    line: Vec<u8>,
    /// The current line is longer than any marker.
    long: bool,
    done: usize,
}

impl WalkProgress {
    pub fn new() -> Self {
        Self::default()
    }

    /// Take the next piece of stdout; `true` when an entry finished in it.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        let before = self.done;
        for &b in chunk {
            if b == b'\n' {
                if !self.long && is_entry_marker(&self.line) {
                    self.done += 1;
                }
                self.line.clear();
                self.long = false;
            } else if self.line.len() < MAX_MARKER {
                self.line.push(b);
            } else {
                self.long = true;
            }
        }
        self.done != before
    }

    /// Entries finished so far.
    pub fn done(&self) -> usize {
        self.done
    }
}

/// `@@rivershare e<digits> <status...>`.
fn is_entry_marker(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"@@rivershare e") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && rest.get(digits) == Some(&b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_entry_markers_split_anywhere() {
        let stream: &[u8] = b"@@rivershare begin 1\n@@rivershare lowprio ok\n\
            @@rivershare t1 ok\n|3 1 2\n@@rivershare e0 ok\n|sum=1 last=1 n=1\n\
            @@rivershare e1 timeout\n|@@rivershare e9 ok\n@@rivershare c1 ok\n|00\n\
            @@rivershare e2 skip hung\n@@rivershare end\n";
        for cut in [1, 2, 7, 13, 64, 1000] {
            let mut p = WalkProgress::new();
            let mut changes = 0;
            for piece in stream.chunks(cut) {
                changes += usize::from(p.feed(piece));
            }
            // e0, e1, e2: not the `|@@rivershare e9` body line, nor c1 or t1.
            assert_eq!(p.done(), 3, "pieces of {cut}");
            assert!((1..=3).contains(&changes));
        }
    }

    #[test]
    fn a_long_line_is_never_a_marker_and_garbage_counts_nothing() {
        let mut p = WalkProgress::new();
        let mut long = vec![b'x'; 200];
        long.extend_from_slice(b"@@rivershare e1 ok\n");
        assert!(!p.feed(&long));
        assert!(!p.feed(b"@@rivershare e ok\n@@rivershare ex ok\n\xff\xfe\n"));
        assert!(!p.feed(b"@@rivershare e3 ok"), "no newline yet");
        assert!(p.feed(b"\n"));
        assert_eq!(p.done(), 1);
    }
}
