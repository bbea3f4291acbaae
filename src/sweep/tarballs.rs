//! Container tarballs over the fleet's connections: the scripts' runner, and the
//! re-check-then-delete prune on the node the listing came from (the inventory
//! itself is `super::inventory`).

use std::time::Duration;

use super::Fleet;
use crate::config::Node;
use crate::facts::{NodeError, NodeErrorKind};
use crate::tarballs::parse::parse_prune;
use crate::tarballs::rules::{Parsed, newer_survivor, split_name, timestamp_digits};
use crate::tarballs::script::{self, PruneItem, batches, prune_cost};
use crate::tarballs::{
    FileKind, PruneOutcome, PruneResult, TarballEntry, TarballInventory, TarballStatus,
};
use crate::transport::CommandOutput;

impl Fleet {
    /// Run a tarball script on `node`; a dead session is dropped so the next use
    /// reconnects, and output without a frame is an error.
    pub(super) async fn tar_script(
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
