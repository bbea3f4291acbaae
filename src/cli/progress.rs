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
    /// Verification has begun and not ended.
    verifying: bool,
    /// The node listing the tarball folder, from the listing's start to the
    /// inventory (it may run beside verification).
    listing: Option<String>,
}

impl State {
    fn apply(&mut self, event: Progress) {
        match event {
            Progress::Connecting { node } => {
                self.waiting.insert(node);
            }
            Progress::Probing { .. } => {}
            Progress::Verifying { .. } => self.verifying = true,
            Progress::ListingTarballs { node } => self.listing = Some(node),
            Progress::Usage { node, done, total } => self.usage = Some((node, done, total)),
            Progress::Done { node, .. } => {
                self.waiting.remove(&node);
                self.done += 1;
            }
        }
    }
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
        self.redraw(|state| state.apply(event));
    }

    /// Verification's result came.
    pub fn verified(&self) {
        self.redraw(|state| state.verifying = false);
    }

    /// The tarball inventory came.
    pub fn listed(&self) {
        self.redraw(|state| state.listing = None);
    }

    fn redraw(&self, change: impl FnOnce(&mut State)) {
        if !self.enabled {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        change(&mut state);
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
/// then), else the probes' while any runs (the tarball listing may have begun
/// on the Host already), else verification's and the inventory's.
fn line(state: &State, total: usize) -> String {
    if let Some((node, done, entries)) = &state.usage {
        return usage_line(node, *done, *entries);
    }
    match (state.verifying, &state.listing) {
        _ if state.done < total => {}
        (true, Some(node)) => return format!("verifying, listing tarballs on {node}"),
        (true, None) => return "verifying: every node reads every node's token".to_owned(),
        (false, Some(node)) => return format!("listing tarballs on {node}"),
        (false, None) => {}
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

    #[test]
    fn after_the_probes_the_line_says_what_runs_verification_and_listing_at_once() {
        let host = || "host".to_owned();
        let mut state = State::default();
        state.apply(Progress::Connecting { node: host() });
        state.apply(Progress::Connecting { node: "r1".into() });
        state.apply(Progress::Done {
            node: host(),
            ok: true,
        });
        // The listing begins as soon as the Host's probe is in: the probes'
        // line stays while one runs.
        state.apply(Progress::ListingTarballs { node: host() });
        assert_eq!(line(&state, 2), "probing 1/2 nodes  waiting on: r1");
        state.apply(Progress::Done {
            node: "r1".into(),
            ok: true,
        });
        state.listing = None;
        assert_eq!(line(&state, 2), "probing 2/2 nodes  waiting on: ");
        state.apply(Progress::Verifying {
            node: host(),
            phase: rivershare::sweep::VerifyPhase::Write,
        });
        assert_eq!(
            line(&state, 2),
            "verifying: every node reads every node's token"
        );
        state.apply(Progress::ListingTarballs { node: host() });
        assert_eq!(line(&state, 2), "verifying, listing tarballs on host");
        // What `verified` does when verification's result comes.
        state.verifying = false;
        assert_eq!(line(&state, 2), "listing tarballs on host");
    }
}
