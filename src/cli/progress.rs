//! Sweep progress on stderr, only when stderr is a terminal: one line, rewritten
//! in place, then erased before the report is printed.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::sync::Mutex;

use rivershare::sweep::Progress;

pub struct ProgressLine {
    enabled: bool,
    total: usize,
    state: Mutex<(usize, BTreeSet<String>)>,
}

impl ProgressLine {
    pub fn new(enabled: bool, total: usize) -> Self {
        Self {
            enabled,
            total,
            state: Mutex::new((0, BTreeSet::new())),
        }
    }

    pub fn update(&self, event: Progress) {
        if !self.enabled {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let (done, waiting) = &mut *state;
        match event {
            Progress::Connecting { node } => {
                waiting.insert(node);
            }
            // The walk's own line comes with `check --du` (see cli/check.rs).
            Progress::Probing { .. } | Progress::Verifying { .. } | Progress::Usage { .. } => {}
            Progress::Done { node, .. } => {
                waiting.remove(&node);
                *done += 1;
            }
        }
        let mut names: Vec<&str> = waiting.iter().map(String::as_str).take(4).collect();
        if waiting.len() > 4 {
            names.push("...");
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2Kprobing {}/{} nodes  waiting on: {}",
            *done,
            self.total,
            names.join(", ")
        );
        let _ = err.flush();
    }

    pub fn finish(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}
