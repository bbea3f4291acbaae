//! Sweep progress on stderr, only when stderr is a terminal: one line, rewritten
//! in place, then erased before the report is printed.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::sync::Mutex;

use rivershare::sweep::Progress;

pub struct ProgressLine {
    enabled: bool,
    total: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    done: usize,
    waiting: BTreeSet<String>,
    /// The disk-usage walk, once it has begun: (node, done, total).
    usage: Option<(String, usize, usize)>,
}

impl ProgressLine {
    pub fn new(enabled: bool, total: usize) -> Self {
        Self {
            enabled,
            total,
            state: Mutex::new(State::default()),
        }
    }

    pub fn update(&self, event: Progress) {
        if !self.enabled {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        match event {
            Progress::Connecting { node } => {
                state.waiting.insert(node);
            }
            Progress::Probing { .. } | Progress::Verifying { .. } => {}
            Progress::Usage { node, done, total } => state.usage = Some((node, done, total)),
            Progress::Done { node, .. } => {
                state.waiting.remove(&node);
                state.done += 1;
            }
        }
        let line = line(&state, self.total);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }

    pub fn finish(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

/// The line for `state`: the walk's once it has begun (the probes are over by
/// then), else the probes'.
fn line(state: &State, total: usize) -> String {
    if let Some((node, done, entries)) = &state.usage {
        return usage_line(node, *done, *entries);
    }
    let mut names: Vec<&str> = state.waiting.iter().map(String::as_str).take(4).collect();
    if state.waiting.len() > 4 {
        names.push("...");
    }
    format!(
        "probing {}/{total} nodes  waiting on: {}",
        state.done,
        names.join(", ")
    )
}

/// `measuring usage on host: 3/5 entries`; before the node has listed
/// SHARED_DIR, `total` is 0 and there is no count yet.
pub fn usage_line(node: &str, done: usize, total: usize) -> String {
    if total == 0 {
        format!("measuring usage on {node}: listing entries")
    } else {
        format!("measuring usage on {node}: {done}/{total} entries")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_line_counts_entries_and_replaces_the_probe_line() {
        assert_eq!(
            usage_line("host", 3, 5),
            "measuring usage on host: 3/5 entries"
        );
        assert_eq!(
            usage_line("host", 0, 0),
            "measuring usage on host: listing entries"
        );
        let mut state = State::default();
        state.waiting.insert("runner-01".to_owned());
        assert_eq!(line(&state, 2), "probing 0/2 nodes  waiting on: runner-01");
        state.usage = Some(("host".to_owned(), 1, 4));
        assert_eq!(line(&state, 2), "measuring usage on host: 1/4 entries");
    }
}
