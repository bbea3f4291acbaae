//! The tarball inventory over the fleet's connections, in two halves: the
//! listing (one round trip on one node, then the statuses), which needs only
//! that node's facts, and each Runner's view of every `latest` file, which
//! needs every node's. A sweep starts the first half on the Host as soon as the
//! Host's own probe is in (see `crate::engine::sweep`), so the listing's growth
//! pause runs beside the other nodes' probes and verification.
//!
//! The folder is `SHARED_DIR/kohakuriver-containers` of the chosen node, or the
//! `CONTAINER_DIR` the Host's own KohakuRiver config sets; each Runner is asked
//! at its own folder: its `CONTAINER_TAR_DIR`, else its SHARED_DIR's (both read
//! by discovery, see `super::kohakuriver`).

use std::time::Duration;

use super::{Fleet, Progress, fan_out};
use crate::config::Node;
use crate::facts::{NodeErrorKind, NodeFacts, Role};
use crate::kohakuriver::tarball_dir_seen_by;
use crate::tarballs::parse::{parse_listing, parse_visibility};
use crate::tarballs::rules::classify;
use crate::tarballs::script::{self, batches};
use crate::tarballs::{
    TarballEntry, TarballInventory, TarballStatus, Visibility, VisibilityStatus,
};

/// Why facts say a node cannot run a script, if they do.
pub(super) fn unusable(facts: &[NodeFacts], name: &str) -> Option<String> {
    let f = facts.iter().find(|f| f.name == name)?;
    f.error.as_ref().map(|e| e.kind.as_str().to_owned())
}

/// The first half of an inventory: the folder listed and classified on its
/// node, or why not (in `inv.error`). [`Fleet::tarball_visibility`] completes it.
#[derive(Debug)]
pub struct TarballListing {
    inv: TarballInventory,
    /// The node it was listed on, with the SHARED_DIR the sweep resolved for it.
    node: Option<Node>,
}

impl TarballListing {
    fn failed(node: Option<Node>, dir: Option<String>, why: String) -> Self {
        Self {
            inv: TarballInventory {
                node: node.as_ref().map(|n| n.name.clone()),
                dir,
                entries: Vec::new(),
                summary: Vec::new(),
                visibility: Vec::new(),
                error: Some(why),
            },
            node: None,
        }
    }
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
        let host = self.tarball_host();
        nodes
            .iter()
            .find(|n| host == Some(n.name.as_str()))
            .filter(ok)
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

    /// The first Host: where the folder is listed when it can be (see
    /// [`Fleet::tarball_node`]), so its facts alone let the listing start
    /// before the other nodes' are in.
    pub fn tarball_host(&self) -> Option<&str> {
        self.config
            .nodes
            .iter()
            .find(|n| n.role == Role::Host)
            .map(|n| n.name.as_str())
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
        let listing = match self.tarball_node(facts, shared) {
            Some(node) => {
                self.list_tarballs(node, facts, in_progress_secs, on_progress)
                    .await
            }
            None => TarballListing::failed(
                None,
                None,
                "no reachable node to list the tarball folder on".into(),
            ),
        };
        self.tarball_visibility(listing, facts).await
    }

    /// The listing on the Host ([`Fleet::tarball_host`]) from its own facts
    /// alone: the inventory's first half, started before the other nodes'
    /// probes are in. `None` when the Host cannot list, so the inventory waits
    /// for verification's shared group ([`Fleet::tarball_inventory`]).
    pub async fn host_tarball_listing(
        &self,
        host: &NodeFacts,
        in_progress_secs: u64,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> Option<TarballListing> {
        let facts = std::slice::from_ref(host);
        let node = self.tarball_node(facts, None)?;
        if node.role != Role::Host || node.name != host.name {
            return None;
        }
        Some(
            self.list_tarballs(node, facts, in_progress_secs, on_progress)
                .await,
        )
    }

    /// List and classify the folder on `node` (`facts`: at least its own).
    async fn list_tarballs(
        &self,
        node: Node,
        facts: &[NodeFacts],
        in_progress_secs: u64,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> TarballListing {
        let (dir, dir_note) = super::kohakuriver::tarball_dir(&node, facts);
        if let Some(note) = dir_note {
            tracing::info!("node {}: tarball folder {dir}: {note}", node.name);
        }
        // Not the probes' Connecting/Done: the node's probe is over, and a
        // front end counting probes would count this one twice.
        on_progress(Progress::ListingTarballs {
            node: node.name.clone(),
        });
        let step = self.step_timeout();
        let text = script::listing(&dir, step);
        let limit = self.config.command_timeout + Duration::from_secs(script::GROWTH_PAUSE_SECS);
        let listed = match self
            .tar_script(&node, &text, limit, "tarball listing")
            .await
        {
            Ok(out) => {
                parse_listing(&out.stdout).map_err(|e| format!("node {}: {dir}: {e}", node.name))
            }
            Err(e) => Err(e.detail),
        };
        let parsed = match listed {
            Ok(p) => p,
            Err(e) => return TarballListing::failed(Some(node), Some(dir), e),
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
        tracing::debug!("tarball inventory: listed on {}", node.name);
        TarballListing {
            inv: TarballInventory {
                node: Some(node.name.clone()),
                dir: Some(dir),
                entries,
                summary,
                visibility: Vec::new(),
                error: None,
            },
            node: Some(node),
        }
    }

    /// The inventory's second half: every Runner's view of the listing's
    /// `latest` files, at its own folder (`facts`: every node's).
    pub async fn tarball_visibility(
        &self,
        listing: TarballListing,
        facts: &[NodeFacts],
    ) -> TarballInventory {
        let TarballListing { mut inv, node } = listing;
        let (Some(node), Some(dir)) = (node, inv.dir.clone()) else {
            return inv;
        };
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
}
