//! Container tarballs over the fleet's connections: one listing of the tarball
//! folder on one node, the statuses, each Runner's view of every `latest` file,
//! and the re-check-then-delete prune on the node the listing came from.
//!
//! The folder is `SHARED_DIR/kohakuriver-containers` of the chosen node, or the
//! `CONTAINER_DIR` the Host's own KohakuRiver config sets; each Runner is asked
//! at its own folder: its `CONTAINER_TAR_DIR`, else its SHARED_DIR's (both read
//! by discovery, see `super::kohakuriver`).

use std::time::Duration;

use super::{Fleet, Progress, fan_out};
use crate::config::Node;
use crate::facts::{NodeError, NodeErrorKind, NodeFacts, Role};
use crate::kohakuriver::tarball_dir_seen_by;
use crate::tarballs::parse::{parse_listing, parse_prune, parse_visibility};
use crate::tarballs::rules::{Parsed, classify, newer_survivor, split_name, timestamp_digits};
use crate::tarballs::script::{self, PruneItem, batches, prune_cost};
use crate::tarballs::{
    FileKind, PruneOutcome, PruneResult, TarballEntry, TarballInventory, TarballStatus, Visibility,
    VisibilityStatus,
};
use crate::transport::CommandOutput;

/// Why facts say a node cannot run a script, if they do.
fn unusable(facts: &[NodeFacts], name: &str) -> Option<String> {
    let f = facts.iter().find(|f| f.name == name)?;
    f.error.as_ref().map(|e| e.kind.as_str().to_owned())
}

impl Fleet {
    /// The node to list the folder on (and to walk the share's disk usage on,
    /// see `super::usage`): the first Host; else the first usable
    /// member of the shared group (`shared`, from verification); else the first
    /// usable node. "Usable" means its facts carry no error (no facts: try it).
    /// The node comes with the SHARED_DIR the sweep resolved for it.
    pub(super) fn tarball_node(
        &self,
        facts: &[NodeFacts],
        shared: Option<&[String]>,
    ) -> Option<Node> {
        let nodes = self.resolved_nodes(Some(facts));
        let ok = |n: &&Node| unusable(facts, &n.name).is_none();
        nodes
            .iter()
            .filter(|n| n.role == Role::Host)
            .take(1)
            .find(ok)
            .or_else(|| {
                shared.and_then(|s| {
                    s.iter()
                        .filter_map(|m| nodes.iter().find(|n| &n.name == m))
                        .find(ok)
                })
            })
            .or_else(|| nodes.iter().find(ok))
            .cloned()
    }

    /// Whether the inventory needs nothing from verification: the Host can list
    /// the tarball folder (verification's shared group only chooses the node
    /// when it cannot), so the two may run at once.
    pub fn inventory_on_host(&self, facts: &[NodeFacts]) -> bool {
        let nodes = self.resolved_nodes(Some(facts));
        nodes
            .iter()
            .find(|n| n.role == Role::Host)
            .is_some_and(|n| unusable(facts, &n.name).is_none())
    }

    /// Run a tarball script on `node`; a dead session is dropped so the next use
    /// reconnects, and output without a frame is an error.
    async fn tar_script(
        &self,
        node: &Node,
        text: &str,
        limit: Duration,
        what: &str,
    ) -> Result<CommandOutput, NodeError> {
        let out = self.run_on(node, text, limit, what).await?;
        let marker = script::BEGIN_MARKER.as_bytes();
        if !out.stdout.windows(marker.len()).any(|w| w == marker) {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = stderr.lines().next().unwrap_or("no output");
            return Err(NodeError::new(
                NodeErrorKind::Probe,
                format!("node {}: {what} printed no header: {first}", node.name),
            ));
        }
        Ok(out)
    }

    /// Choose the node, list its tarball folder in one round trip, classify,
    /// then ask every Runner whether it sees each `latest` file at its own path
    /// with the same size. Failures are data in the inventory.
    pub async fn tarball_inventory(
        &self,
        facts: &[NodeFacts],
        shared: Option<&[String]>,
        in_progress_secs: u64,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> TarballInventory {
        let mut inv = TarballInventory {
            node: None,
            dir: None,
            entries: Vec::new(),
            summary: Vec::new(),
            visibility: Vec::new(),
            error: None,
        };
        let Some(node) = self.tarball_node(facts, shared) else {
            inv.error = Some("no reachable node to list the tarball folder on".into());
            return inv;
        };
        let node = &node;
        let (dir, dir_note) = super::kohakuriver::tarball_dir(node, facts);
        if let Some(note) = dir_note {
            tracing::info!("node {}: tarball folder {dir}: {note}", node.name);
        }
        inv.node = Some(node.name.clone());
        inv.dir = Some(dir.clone());
        // Not the probes' Connecting/Done: the node's probe is over, and a
        // front end counting probes would count this one twice.
        on_progress(Progress::ListingTarballs {
            node: node.name.clone(),
        });
        let step = self.step_timeout();
        let text = script::listing(&dir, step);
        let limit = self.config.command_timeout + Duration::from_secs(script::GROWTH_PAUSE_SECS);
        let listed = match self.tar_script(node, &text, limit, "tarball listing").await {
            Ok(out) => {
                parse_listing(&out.stdout).map_err(|e| format!("node {}: {dir}: {e}", node.name))
            }
            Err(e) => Err(e.detail),
        };
        let parsed = match listed {
            Ok(p) => p,
            Err(e) => {
                inv.error = Some(e);
                return inv;
            }
        };
        for w in &parsed.warnings {
            tracing::warn!("node {}: tarball listing: {w}", node.name);
        }
        let now = parsed.now.unwrap_or_else(|| {
            // The node's clock is missing: this machine's is the best guess.
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        });
        let (entries, summary) = classify(&parsed.listed, now, in_progress_secs);
        inv.entries = entries;
        inv.summary = summary;
        let runner_dir = |runner: &Node| {
            let own = facts
                .iter()
                .find(|f| f.name == runner.name)
                .and_then(|f| f.kohakuriver.as_ref());
            tarball_dir_seen_by(&runner.shared_dir, own, Some((&node.shared_dir, &dir)))
        };
        inv.visibility = self.visibility(facts, &inv.entries, &runner_dir).await;
        inv
    }

    /// Every Runner's view of every `latest` file, Runners in config order.
    async fn visibility(
        &self,
        facts: &[NodeFacts],
        entries: &[TarballEntry],
        runner_dir: &(dyn Fn(&Node) -> String + Sync),
    ) -> Vec<Visibility> {
        let latest: Vec<&TarballEntry> = entries
            .iter()
            .filter(|e| e.status == TarballStatus::Latest && e.file_hex.is_none())
            .collect();
        if latest.is_empty() {
            return Vec::new();
        }
        let files: Vec<String> = latest.iter().map(|e| e.file.clone()).collect();
        let sizes: Vec<u64> = latest.iter().map(|e| e.size_bytes).collect();
        let runners: Vec<Node> = self
            .resolved_nodes(Some(facts))
            .into_iter()
            .filter(|n| n.role == Role::Runner)
            .collect();
        let per_runner = fan_out(runners, self.config.concurrency, |runner| {
            let (files, sizes) = (&files, &sizes);
            async move {
                let results = match unusable(facts, &runner.name) {
                    Some(why) => vec![(VisibilityStatus::Skipped, Some(why)); files.len()],
                    None => {
                        self.runner_view(&runner, &runner_dir(&runner), files, sizes)
                            .await
                    }
                };
                results
                    .into_iter()
                    .zip(files)
                    .map(|((status, detail), file)| Visibility {
                        runner: runner.name.clone(),
                        file: file.clone(),
                        status,
                        detail,
                    })
                    .collect::<Vec<_>>()
            }
        })
        .await;
        per_runner.into_iter().flatten().collect()
    }

    async fn runner_view(
        &self,
        runner: &Node,
        dir: &str,
        files: &[String],
        sizes: &[u64],
    ) -> Vec<(VisibilityStatus, Option<String>)> {
        let step = self.step_timeout();
        let mut out = Vec::with_capacity(files.len());
        let mut hung = false;
        for (first, chunk) in batches(files, |f| f.len() + 3) {
            let want = &sizes[first..first + chunk.len()];
            if hung {
                out.extend(want.iter().map(|_| {
                    (
                        VisibilityStatus::Error,
                        Some("not checked: an earlier check hung".to_owned()),
                    )
                }));
                continue;
            }
            let text = script::visibility(dir, first, chunk, step);
            let limit = self.config.command_timeout + step;
            match self
                .tar_script(runner, &text, limit, "tarball visibility")
                .await
            {
                Ok(o) => out.extend(parse_visibility(&o.stdout, first, want)),
                Err(e) => {
                    hung = true;
                    let status = if e.kind == NodeErrorKind::CommandTimeout {
                        VisibilityStatus::Error
                    } else {
                        VisibilityStatus::Skipped
                    };
                    out.extend(want.iter().map(|_| (status, Some(e.detail.clone()))));
                }
            }
        }
        out
    }

    /// Delete `plan` (from `prune_plan`) on `inventory.node`. Every file is
    /// checked here first (a plain UTF-8 name of the form `{name}-{ts}.tar`, a
    /// `superseded` regular file, with a newer complete version in the inventory),
    /// then re-checked by the same remote script right before its `rm -f --`.
    /// `dry_run`: nothing is touched; the files that pass the checks here come
    /// back as `WouldDelete`. With `read_only = true` in the config, a real prune
    /// skips every file. One result per planned file, in plan order.
    pub async fn prune(
        &self,
        inventory: &TarballInventory,
        plan: &[TarballEntry],
        dry_run: bool,
    ) -> Vec<PruneResult> {
        self.prune_with(inventory, plan, dry_run, &|_| {}).await
    }

    /// [`Fleet::prune`], calling `on_result` with each file's result as it lands:
    /// the files refused here at once, then each remote batch's files when that
    /// batch ends. Exactly once per planned file.
    pub async fn prune_with(
        &self,
        inventory: &TarballInventory,
        plan: &[TarballEntry],
        dry_run: bool,
        on_result: &(dyn Fn(&PruneResult) + Sync),
    ) -> Vec<PruneResult> {
        let result = |e: &TarballEntry, outcome, detail: Option<String>| PruneResult {
            file: e.file.clone(),
            size_bytes: e.size_bytes,
            outcome,
            detail,
        };
        let all = |why: &str| -> Vec<PruneResult> {
            plan.iter()
                .map(|e| {
                    let r = result(e, PruneOutcome::Skipped, Some(why.to_owned()));
                    on_result(&r);
                    r
                })
                .collect()
        };
        let node = inventory
            .node
            .as_ref()
            .and_then(|n| self.config.nodes.iter().find(|c| &c.name == n));
        if !dry_run && self.config.read_only {
            // The front end refuses first; this is the engine's own guard.
            return all("read_only = true: nothing is deleted");
        }
        let (Some(node), Some(dir)) = (node, inventory.dir.as_ref()) else {
            return all("no inventory node or folder to delete on");
        };
        let mut results: Vec<Option<PruneResult>> = vec![None; plan.len()];
        let mut items: Vec<(usize, PruneItem)> = Vec::new();
        for (i, e) in plan.iter().enumerate() {
            let local = match prune_item(&inventory.entries, e) {
                Err(why) => result(e, PruneOutcome::Skipped, Some(why)),
                Ok(_) if dry_run => result(e, PruneOutcome::WouldDelete, None),
                Ok(item) => {
                    items.push((i, item));
                    continue;
                }
            };
            on_result(&local);
            results[i] = Some(local);
        }
        let only: Vec<PruneItem> = items.iter().map(|(_, it)| it.clone()).collect();
        let step = self.step_timeout();
        for (first, chunk) in batches(&only, prune_cost) {
            let text = script::prune(dir, first, chunk, step);
            // Every file may take its full step (stat, stat, rm) in the worst case.
            let limit =
                self.config.command_timeout + step * u32::try_from(chunk.len()).unwrap_or(u32::MAX);
            let parsed = match self.tar_script(node, &text, limit, "prune").await {
                Ok(o) => parse_prune(&o.stdout, first, chunk.len()),
                Err(e) => vec![
                    (
                        PruneOutcome::Failed,
                        Some(format!(
                            "{}; the files of this batch may or may not be gone",
                            e.detail
                        ))
                    );
                    chunk.len()
                ],
            };
            for (k, (outcome, detail)) in parsed.into_iter().enumerate() {
                let i = items[first + k].0;
                let landed = result(&plan[i], outcome, detail);
                on_result(&landed);
                results[i] = Some(landed);
            }
        }
        plan.iter()
            .zip(results)
            .map(|(e, r)| {
                r.unwrap_or_else(|| {
                    let missing = result(e, PruneOutcome::Failed, Some("no result".into()));
                    on_result(&missing);
                    missing
                })
            })
            .collect()
    }
}

/// What the remote re-check needs for `e`, or why `e` must not be deleted.
fn prune_item(entries: &[TarballEntry], e: &TarballEntry) -> Result<PruneItem, String> {
    if e.file_hex.is_some() {
        return Err("non-UTF-8 name".into());
    }
    if e.file.is_empty() || e.file == "." || e.file == ".." || e.file.contains(['/', '\0']) {
        return Err("not a plain file name".into());
    }
    if e.kind != FileKind::Regular || e.status != TarballStatus::Superseded {
        return Err(format!("not a superseded regular file ({:?})", e.status).to_lowercase());
    }
    let Parsed::Timestamped { name, ts } = split_name(&e.file) else {
        return Err("the name does not match {name}-{timestamp}.tar".into());
    };
    if e.name.as_deref() != Some(name.as_str()) || e.timestamp != Some(ts) {
        return Err("the name does not match the inventory".into());
    }
    // Only entries of this very inventory: a plan entry that is not in it is refused.
    if !entries
        .iter()
        .any(|o| o.file == e.file && o.inode == e.inode && o.status == TarballStatus::Superseded)
    {
        return Err("not in the inventory".into());
    }
    let newer = newer_survivor(entries, e).ok_or("no newer complete version in the inventory")?;
    let digits = timestamp_digits(&e.file, &name).ok_or("no timestamp digits")?;
    let newer_digits =
        timestamp_digits(&newer.file, &name).ok_or("no timestamp digits in the newer version")?;
    Ok(PruneItem {
        file: e.file.clone(),
        inode: e.inode,
        size: e.size_bytes,
        mtime: e.mtime,
        name: name.clone(),
        digits: digits.to_owned(),
        newer: newer.file.clone(),
        newer_inode: newer.inode,
        newer_digits: newer_digits.to_owned(),
    })
}
