//! The disk-usage walk over the fleet's connections: on the node the tarball
//! inventory uses too (the Host, else the first usable member of the shared
//! group, else the first usable node), a short listing of SHARED_DIR, then the
//! walk itself, streamed: progress as each entry finishes, and what streamed
//! before a transport timeout is still in the report.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use super::{Fleet, Progress};
use crate::config::Node;
use crate::facts::NodeFacts;
use crate::transport::CommandOutput;
use crate::usage::parse::{WalkProgress, parse_listing, parse_walk, sort_entries, unmeasured};
use crate::usage::script::{self, BEGIN_MARKER, MAX_ENTRIES};
use crate::usage::{UsageEntry, UsageReport};

/// Why output without the begin marker is no walk: the shell's first words.
fn no_header(node: &Node, what: &str, out: &CommandOutput) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr.lines().next().unwrap_or("no output");
    format!("node {}: {what} printed no header: {first}", node.name)
}

fn has_header(stdout: &[u8]) -> bool {
    let m = BEGIN_MARKER.as_bytes();
    stdout.windows(m.len()).any(|w| w == m)
}

impl Fleet {
    /// Walk the disk usage of SHARED_DIR on one node (see [`crate::usage`]).
    /// `on_progress` gets `Progress::Usage { done, total }`: `total` 0 until the
    /// node has listed the entries, then once per finished entry. Failures are
    /// data in the report (`error`, partial entries), never an error of the call.
    pub async fn disk_usage(
        &self,
        facts: &[NodeFacts],
        shared: Option<&[String]>,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> UsageReport {
        let started = Instant::now();
        let budget = self.config.du_timeout;
        let mut report = UsageReport {
            node: None,
            dir: None,
            started_at: crate::report::time::rfc3339(SystemTime::now()),
            duration_ms: 0,
            budget_secs: budget.as_secs(),
            fs_total_bytes: None,
            fs_used_bytes: None,
            entries: Vec::new(),
            error: None,
        };
        match self.tarball_node(facts, shared) {
            None => report.error = Some("no reachable node to walk the share on".into()),
            Some(node) => {
                let usage = facts
                    .iter()
                    .find(|f| f.name == node.name)
                    .and_then(|f| f.probe.as_ref())
                    .and_then(|p| p.usage.as_ref());
                report.fs_total_bytes = usage.map(|u| u.total_bytes);
                report.fs_used_bytes = usage.map(|u| u.used_bytes);
                report.node = Some(node.name.clone());
                report.dir = Some(node.shared_dir.clone());
                let (entries, error) = self.walk_share(&node, budget, on_progress).await;
                report.entries = entries;
                report.error = error;
            }
        }
        report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        report
    }

    /// List, then walk; the entries (largest first) and why the walk failed or
    /// stopped early.
    async fn walk_share(
        &self,
        node: &Node,
        budget: Duration,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> (Vec<UsageEntry>, Option<String>) {
        let dir = &node.shared_dir;
        let progress = |done, total| {
            on_progress(Progress::Usage {
                node: node.name.clone(),
                done,
                total,
            })
        };
        progress(0, 0);
        let step = self.step_timeout();
        let text = script::listing(dir, step);
        let listed = match self
            .run_on(
                node,
                &text,
                self.config.command_timeout,
                "disk-usage listing",
            )
            .await
        {
            Ok(out) if has_header(&out.stdout) => {
                parse_listing(&out.stdout).map_err(|e| format!("node {}: {dir}: {e}", node.name))
            }
            Ok(out) => Err(no_header(node, "disk-usage listing", &out)),
            Err(e) => Err(e.detail),
        };
        let listed = match listed {
            Ok(l) => l,
            Err(e) => return (Vec::new(), Some(e)),
        };
        for w in &listed.warnings {
            tracing::warn!("node {}: disk-usage listing: {w}", node.name);
        }
        let names: Vec<Vec<u8>> = listed.entries.into_iter().map(|e| e.name).collect();
        let n = script::walked_count(&names);
        let (walked, rest) = names.split_at(n);
        progress(0, walked.len());
        if walked.is_empty() {
            return (Vec::new(), None); // An empty share: nothing to walk.
        }
        let (mut entries, error) = self
            .stream_walk(node, walked, budget, step, &|done| {
                progress(done, walked.len())
            })
            .await;
        let why = if names.len() > MAX_ENTRIES {
            format!("not measured: only the first {MAX_ENTRIES} entries of SHARED_DIR are walked")
        } else {
            "not measured: the names of the entries before it fill one walk".to_owned()
        };
        entries.extend(rest.iter().map(|name| unmeasured(name, why.clone())));
        sort_entries(&mut entries);
        (entries, error)
    }

    /// Run the walk over `names` with its output streamed: `on_done` gets the
    /// number of entries finished as it grows. A walk cut short by the transport
    /// still gives every entry that finished before.
    async fn stream_walk(
        &self,
        node: &Node,
        names: &[Vec<u8>],
        budget: Duration,
        step: Duration,
        on_done: &(dyn Fn(usize) + Sync),
    ) -> (Vec<UsageEntry>, Option<String>) {
        let dir = &node.shared_dir;
        let text = script::walk(dir, names, budget, step);
        let limit = script::walk_limit(names, budget, step);
        let seen = Mutex::new((Vec::<u8>::new(), WalkProgress::new()));
        let on_stdout = |chunk: &[u8]| {
            let done = {
                let Ok(mut s) = seen.lock() else { return };
                s.0.extend_from_slice(chunk);
                s.1.feed(chunk).then(|| s.1.done())
            };
            if let Some(done) = done {
                on_done(done);
            }
        };
        let result = self
            .run_streaming_on(node, &text, limit, "the disk-usage walk", Some(&on_stdout))
            .await;
        let streamed = seen.into_inner().map(|s| s.0).unwrap_or_default();
        let (stdout, error) = match result {
            Ok(out) if has_header(&out.stdout) => (out.stdout, None),
            Ok(out) => (
                out.stdout.clone(),
                Some(no_header(node, "disk-usage walk", &out)),
            ),
            // What streamed before the cut is parsed all the same.
            Err(e) => (
                streamed,
                Some(format!(
                    "{}; entries not reached are not measured",
                    e.detail
                )),
            ),
        };
        let parsed = parse_walk(&stdout, dir, names, budget.as_secs());
        for w in &parsed.warnings {
            tracing::warn!("node {}: disk-usage walk: {w}", node.name);
        }
        let error = error.or(parsed
            .error
            .map(|e| format!("node {}: {dir}: {e}", node.name)));
        (parsed.entries, error)
    }
}
