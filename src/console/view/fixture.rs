//! Fixed console states for the view's snapshots and the render benchmark.
//!
//! A demo-like cluster: a Host and six Runners, healthy nodes that see the same
//! storage under different paths, one on a local folder (`not_shared`), one whose
//! path is missing, one read-only, one unreachable; a verification matrix with two
//! groups; the tarball zoo. Findings come from the real diagnosis over those
//! facts, so the Hints pane shows what `check` would say. Time is fixed (`NOW`).
//!
//! Public (hidden from the docs) because `benches/render.rs` builds its states
//! here too; nothing else should use it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::diagnose::{Policy, diagnose_with};
use crate::facts::{
    Access, AccessError, AccessErrorKind, LAYOUT_DIRS, LayoutEntry, MountInfo, NodeError,
    NodeErrorKind, NodeFacts, Persistence, ProbeFacts, Role, SharedDirSource, Usage,
};
use crate::tarballs::{
    FileKind, Listed, TarballInventory, TarballStatus, Visibility, VisibilityStatus, classify,
};
use crate::verify::{Cell, CellStatus, Cleanup, VerifyReport, WriteOutcome, WriteStatus, matrix};

use super::super::state::{App, NodePhase, NodeRow, Settings};
use super::super::theme::Theme;

/// 2025-11-24T16:00:00Z.
pub const NOW: u64 = 1_764_000_000;
const GIB: u64 = 1 << 30;
const DIR: &str = "/mnt/cluster-share";

pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

pub fn settings() -> Settings {
    Settings {
        config_name: "demo".to_owned(),
        read_only: false,
        read_only_reason: None,
        refresh_every: Duration::from_secs(30),
        theme: Theme::default(),
        policy: policy(),
        in_progress_secs: 600,
    }
}

fn policy() -> Policy {
    Policy {
        min_free_bytes: 20 * GIB,
        slow_io_mbps: 50.0,
    }
}

/// How a fixture node's storage behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// On the shared NFS export, at this path.
    Shared(&'static str),
    /// Shared, but `logs` is missing.
    SharedNoLogs,
    /// A local folder on the root filesystem.
    Local,
    Missing,
    ReadOnly,
    Unreachable,
}

fn layout(missing: &[&str]) -> Vec<LayoutEntry> {
    LAYOUT_DIRS
        .iter()
        .map(|d| LayoutEntry {
            name: (*d).to_owned(),
            present: !missing.contains(d),
            mode: (!missing.contains(d)).then(|| "1777".to_owned()),
            owner: (!missing.contains(d)).then(|| "root".to_owned()),
        })
        .collect()
}

fn nfs(target: &str, options: &[&str]) -> MountInfo {
    MountInfo {
        target: target.to_owned(),
        source: "10.0.0.5:/export/cluster".to_owned(),
        fstype: "nfs4".to_owned(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        network: true,
        provider: "nfs".to_owned(),
        is_mount_point: true,
    }
}

fn facts(name: &str, role: Role, index: usize, kind: Kind) -> NodeFacts {
    let path = match kind {
        Kind::Shared(p) => p,
        _ => DIR,
    };
    let mut probe = ProbeFacts {
        hostname: Some(name.to_owned()),
        kernel: Some("6.1.0-28-amd64".to_owned()),
        exists: true,
        is_dir: true,
        mount: Some(nfs(path, &["rw", "hard", "vers=4.2", "_netdev"])),
        access: Some(Access {
            read: true,
            write: true,
            error: None,
        }),
        usage: Some(Usage {
            total_bytes: 2048 * GIB,
            used_bytes: 1200 * GIB,
            avail_bytes: 848 * GIB,
        }),
        layout: layout(&[]),
        persistence: Some(Persistence {
            fstab: true,
            mount_unit: None,
        }),
        hung_steps: vec![],
        warnings: vec![],
    };
    let mut reachable = true;
    let mut error = None;
    match kind {
        Kind::Shared(_) => {}
        Kind::SharedNoLogs => probe.layout = layout(&["logs"]),
        Kind::Local => {
            probe.mount = Some(MountInfo {
                target: "/".to_owned(),
                source: "/dev/sda1".to_owned(),
                fstype: "ext4".to_owned(),
                options: vec!["rw".to_owned(), "relatime".to_owned()],
                network: false,
                provider: "local".to_owned(),
                is_mount_point: false,
            });
            probe.usage = Some(Usage {
                total_bytes: 100 * GIB,
                used_bytes: 88 * GIB,
                avail_bytes: 12 * GIB,
            });
            probe.persistence = None;
        }
        Kind::Missing => {
            probe.exists = false;
            probe.is_dir = false;
            probe.mount = None;
            probe.access = None;
            probe.usage = None;
            probe.layout = vec![];
            probe.persistence = None;
        }
        Kind::ReadOnly => {
            probe.mount = Some(nfs(DIR, &["ro", "soft", "vers=4.2"]));
            probe.access = Some(Access {
                read: true,
                write: false,
                error: Some(AccessError {
                    kind: AccessErrorKind::ReadOnly,
                    detail: format!(
                        "write: touch: cannot touch '{DIR}/.rivershare-probe': Read-only file system"
                    ),
                }),
            });
        }
        Kind::Unreachable => {
            reachable = false;
            error = Some(NodeError::new(
                NodeErrorKind::Unreachable,
                format!("10.0.0.{}:22: connection timed out after 5 s", 10 + index),
            ));
        }
    }
    NodeFacts {
        name: name.to_owned(),
        role,
        address: format!("10.0.0.{}", 10 + index),
        shared_dir: path.to_owned(),
        shared_dir_source: if matches!(kind, Kind::Shared(p) if p != DIR) {
            SharedDirSource::Kohakuriver
        } else {
            SharedDirSource::Config
        },
        reachable,
        rtt_ms: reachable.then_some(0.4 + 0.3 * index as f64),
        error,
        probe: (kind != Kind::Unreachable).then_some(probe),
    }
}

/// The storage a node's verification cells follow from: `None` takes no part.
fn storage(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Shared(_) | Kind::SharedNoLogs | Kind::ReadOnly => Some("nfs"),
        Kind::Local => Some("local"),
        Kind::Missing | Kind::Unreachable => None,
    }
}

fn why_not(kind: Kind) -> &'static str {
    match kind {
        Kind::Missing => "path missing",
        Kind::Unreachable => "unreachable",
        Kind::ReadOnly => "read_only",
        _ => "",
    }
}

fn verify_report(nodes: &[(String, Kind)], group: bool) -> VerifyReport {
    let mut cells = Vec::with_capacity(nodes.len() * nodes.len());
    for (w, (writer, wk)) in nodes.iter().enumerate() {
        for (r, (reader, rk)) in nodes.iter().enumerate() {
            let (status, detail, ms) = match (storage(*wk), storage(*rk)) {
                (None, _) => (
                    CellStatus::Skipped,
                    Some(format!("writer {}", why_not(*wk))),
                    None,
                ),
                _ if *wk == Kind::ReadOnly => (
                    CellStatus::Skipped,
                    Some("writer read_only".to_owned()),
                    None,
                ),
                (_, None) => (
                    CellStatus::Skipped,
                    Some(format!("reader {}", why_not(*rk))),
                    None,
                ),
                (Some(a), Some(b)) if a == b => {
                    let ms = if w == r {
                        2
                    } else {
                        40 + ((w * 7 + r * 13) % 9) as u64 * 25
                    };
                    (CellStatus::Ok, None, Some(ms))
                }
                _ => (
                    CellStatus::Missing,
                    Some(format!(
                        "no file at {DIR}/.rivershare/verify/r-{NOW}/{writer} after 2.0 s"
                    )),
                    None,
                ),
            };
            cells.push(Cell {
                writer: writer.clone(),
                reader: reader.clone(),
                status,
                visible_after_ms: ms,
                detail,
                error_kind: None,
            });
        }
    }
    let names: Vec<String> = nodes.iter().map(|(n, _)| n.clone()).collect();
    let grouping = if group {
        matrix::groups(&names, &cells)
    } else {
        // The greedy grouping is cubic: large benchmark clusters are grouped by
        // the storage they were built on, which is what it would find.
        let by = |s: &str| -> Vec<String> {
            nodes
                .iter()
                .filter(|(_, k)| storage(*k) == Some(s))
                .map(|(n, _)| n.clone())
                .collect()
        };
        matrix::Grouping {
            shared: Some(by("nfs")),
            split: false,
            groups: [by("nfs"), by("local")]
                .into_iter()
                .filter(|g| !g.is_empty())
                .collect(),
        }
    };
    VerifyReport {
        run_id: format!("r-{NOW}"),
        deadline_ms: 2000,
        matrix: cells,
        groups: grouping.groups,
        shared: grouping.shared,
        split: grouping.split,
        writes: nodes
            .iter()
            .map(|(n, k)| WriteOutcome {
                node: n.clone(),
                status: match k {
                    Kind::Missing | Kind::Unreachable | Kind::ReadOnly => WriteStatus::Skipped,
                    _ => WriteStatus::Ok,
                },
                detail: (!why_not(*k).is_empty()).then(|| why_not(*k).to_owned()),
                error_kind: None,
            })
            .collect(),
        io_bench: None,
        cleanup: Cleanup {
            complete: true,
            stale_runs_removed: 1,
            problems: vec![],
        },
    }
}

fn listed(file: &str, size: u64, age_secs: i64, kind: FileKind, growing: bool) -> Listed {
    Listed {
        file: file.to_owned(),
        file_hex: None,
        size_bytes: size,
        mtime: NOW as i64 - age_secs,
        inode: 4_000_000 + size % 997,
        kind,
        growing,
    }
}

/// The zoo: versions, an in-progress file, a legacy file, a symlink, an
/// upper-case name, a file that matches no pattern.
fn zoo() -> Vec<Listed> {
    let t = |age: i64| NOW as i64 - age;
    let day = 86_400;
    vec![
        listed(
            &format!("base-{}.tar", t(30 * day)),
            3 * GIB + 1,
            30 * day,
            FileKind::Regular,
            false,
        ),
        listed(
            &format!("base-{}.tar", t(9 * day)),
            3 * GIB + 2,
            9 * day,
            FileKind::Regular,
            false,
        ),
        listed(
            &format!("base-{}.tar", t(2 * day)),
            3 * GIB + 3,
            2 * day,
            FileKind::Regular,
            false,
        ),
        listed(
            &format!("gpu-env-{}.tar", t(5 * day)),
            7 * GIB,
            5 * day,
            FileKind::Regular,
            false,
        ),
        listed(
            &format!("gpu-env-{}.tar", t(40)),
            2 * GIB,
            40,
            FileKind::Regular,
            true,
        ),
        listed(
            &format!("MyEnv-{}.tar", t(3 * day)),
            900 << 20,
            3 * day,
            FileKind::Regular,
            false,
        ),
        listed(
            "old-image.tar",
            1200 << 20,
            200 * day,
            FileKind::Regular,
            false,
        ),
        listed(
            &format!("current-{}.tar", t(2 * day)),
            64,
            2 * day,
            FileKind::Symlink,
            false,
        ),
        listed(
            "notes.v2.tar.bak.tar",
            5 << 20,
            60 * day,
            FileKind::Other,
            false,
        ),
    ]
}

fn inventory(nodes: &[(String, Kind)], listing: &[Listed]) -> TarballInventory {
    let (entries, summary) = classify(listing, NOW as i64, 600);
    let latest: Vec<&str> = entries
        .iter()
        .filter(|e| e.status == TarballStatus::Latest)
        .map(|e| e.file.as_str())
        .collect();
    let mut visibility = Vec::new();
    for (runner, kind) in nodes.iter().skip(1) {
        for file in &latest {
            let (status, detail) = match kind {
                Kind::Local => (
                    VisibilityStatus::Missing,
                    Some("No such file or directory".to_owned()),
                ),
                Kind::Missing | Kind::Unreachable => {
                    (VisibilityStatus::Skipped, Some(why_not(*kind).to_owned()))
                }
                _ => (VisibilityStatus::Visible, None),
            };
            visibility.push(Visibility {
                runner: runner.clone(),
                file: (*file).to_owned(),
                status,
                detail,
            });
        }
    }
    TarballInventory {
        node: nodes.first().map(|(n, _)| n.clone()),
        dir: Some(format!("{DIR}/kohakuriver-containers")),
        entries,
        summary,
        visibility,
        error: None,
    }
}

fn raw_probe(f: &NodeFacts) -> Option<String> {
    let p = f.probe.as_ref()?;
    let mount = p.mount.as_ref().map_or_else(String::new, |m| {
        format!(
            "{{\"filesystems\":[{{\"target\":\"{}\",\"source\":\"{}\",\"fstype\":\"{}\",\"options\":\"{}\"}}]}}",
            m.target,
            m.source,
            m.fstype,
            m.options.join(",")
        )
    });
    Some(format!(
        "@@host\n{}\n@@exists\n{}\n@@findmnt\n{mount}\n@@df\n{}\n",
        f.name,
        if p.exists { "dir" } else { "missing" },
        p.usage.map_or(0, |u| u.avail_bytes)
    ))
}

fn app_for(nodes: &[(String, Role, Kind)], listing: &[Listed], group: bool) -> App {
    let all: Vec<NodeFacts> = nodes
        .iter()
        .enumerate()
        .map(|(i, (n, r, k))| facts(n, *r, i, *k))
        .collect();
    let kinds: Vec<(String, Kind)> = nodes.iter().map(|(n, _, k)| (n.clone(), *k)).collect();
    let verify = verify_report(&kinds, group);
    let inv = inventory(&kinds, listing);
    let findings = diagnose_with(&all, Some(&verify), Some(&inv), policy());
    let rows = all
        .iter()
        .map(|f| NodeRow {
            name: f.name.clone(),
            role: f.role,
            address: f.address.clone(),
            shared_dir: f.shared_dir.clone(),
            phase: NodePhase::Done,
            raw: raw_probe(f),
            facts: Some(f.clone()),
            updated: Some(now() - Duration::from_secs(14)),
        })
        .collect();
    let mut app = App::new(settings(), rows, now());
    app.verify = Some(verify);
    app.tarballs = Some(inv);
    app.findings = findings;
    app.sweep.last_done = Some(now() - Duration::from_secs(12));
    app.sweep.last_duration = Some(Duration::from_millis(3240));
    app.notes =
        vec!["key `legacy_option` in /etc/rivershare.toml is not known; skipped".to_owned()];
    app
}

fn demo_nodes() -> Vec<(String, Role, Kind)> {
    [
        ("host", Role::Host, Kind::Shared(DIR)),
        ("runner-01", Role::Runner, Kind::Shared(DIR)),
        ("runner-02", Role::Runner, Kind::Shared("/srv/kohaku/share")),
        ("runner-03", Role::Runner, Kind::Local),
        ("runner-04", Role::Runner, Kind::Missing),
        ("runner-05", Role::Runner, Kind::ReadOnly),
        ("runner-06", Role::Runner, Kind::Unreachable),
        ("runner-07", Role::Runner, Kind::SharedNoLogs),
    ]
    .into_iter()
    .map(|(n, r, k)| (n.to_owned(), r, k))
    .collect()
}

/// The demo-like cluster, swept 12 s ago, nothing running.
pub fn demo_app() -> App {
    app_for(&demo_nodes(), &zoo(), true)
}

/// The same nodes before any sweep reached them: everything pending.
pub fn empty_app() -> App {
    let rows = demo_nodes()
        .iter()
        .enumerate()
        .map(|(i, (n, r, k))| {
            let f = facts(n, *r, i, *k);
            NodeRow {
                name: f.name,
                role: f.role,
                address: f.address,
                shared_dir: f.shared_dir,
                phase: NodePhase::Pending,
                facts: None,
                raw: None,
                updated: None,
            }
        })
        .collect();
    App::new(settings(), rows, now())
}

/// `nodes` nodes (a Host, then Runners, every 17th local, every 23rd
/// unreachable, every 29th read-only) and `tarballs` tarball files (versions of
/// `tarballs / 5` names), for the render benchmark.
pub fn large_app(nodes: usize, tarballs: usize) -> App {
    let list: Vec<(String, Role, Kind)> = (0..nodes)
        .map(|i| {
            let kind = match i {
                0 => Kind::Shared(DIR),
                i if i % 23 == 0 => Kind::Unreachable,
                i if i % 17 == 0 => Kind::Local,
                i if i % 29 == 0 => Kind::ReadOnly,
                _ => Kind::Shared(DIR),
            };
            let (name, role) = if i == 0 {
                ("host".to_owned(), Role::Host)
            } else {
                (format!("runner-{i:03}"), Role::Runner)
            };
            (name, role, kind)
        })
        .collect();
    let names = tarballs.div_ceil(5).max(1);
    let listing: Vec<Listed> = (0..tarballs)
        .map(|i| {
            let (name, version) = (i % names, i / names);
            let age = 86_400 * (1 + version as i64);
            listed(
                &format!("image-{name:04}-{}.tar", NOW as i64 - age),
                GIB + i as u64,
                age,
                FileKind::Regular,
                false,
            )
        })
        .collect();
    app_for(&list, &listing, false)
}
