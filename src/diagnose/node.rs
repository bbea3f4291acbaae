//! Findings about one node on its own (with its cluster for the storage
//! server a node without a mount of its own should reach). Why, fix and
//! commands come from the hint catalogue, filled with this node's values.

use super::hints::Vars;
use super::{Code, Finding, Policy};
use crate::facts::{
    AccessErrorKind, LAYOUT_DIRS, MountInfo, NodeErrorKind, NodeFacts, ProbeFacts, Role,
};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

pub(super) fn findings(node: &NodeFacts, nodes: &[NodeFacts], policy: Policy) -> Vec<Finding> {
    let vars = Vars::for_node_in(node, nodes);
    if let Some(error) = &node.error {
        return vec![
            connection_finding(node, error.kind, &vars).with_evidence(error.detail.clone()),
        ];
    }
    match &node.probe {
        Some(probe) => probe_findings(node, probe, policy, &vars),
        None => Vec::new(),
    }
}

fn connection_finding(node: &NodeFacts, kind: NodeErrorKind, vars: &Vars) -> Finding {
    let name = &node.name;
    match kind {
        NodeErrorKind::Unreachable => {
            Finding::catalogued(Code::Unreachable, name, "node unreachable over SSH", vars)
        }
        NodeErrorKind::AuthFailed => {
            Finding::catalogued(Code::AuthFailed, name, "SSH authentication failed", vars)
        }
        NodeErrorKind::HostKeyUnknown => Finding::catalogued(
            Code::HostKeyUnknown,
            name,
            "host key not in known_hosts",
            vars,
        ),
        NodeErrorKind::HostKeyChanged => {
            Finding::catalogued(Code::HostKeyChanged, name, "HOST KEY CHANGED", vars)
        }
        NodeErrorKind::CommandTimeout => Finding::catalogued(
            Code::StorageHung,
            name,
            "probe did not finish: storage hung",
            vars,
        )
        .refine(
            "The node answered SSH but the probe did not finish within command_timeout_secs. Every \
             step of the probe has its own timeout, so a whole-probe timeout almost always means \
             processes stuck in uninterruptible I/O on a dead hard-mounted share.",
        ),
        NodeErrorKind::Transport | NodeErrorKind::Probe | NodeErrorKind::Local => {
            Finding::catalogued(Code::ProbeFailed, name, "probe failed", vars)
        }
    }
}

fn probe_findings(
    node: &NodeFacts,
    probe: &ProbeFacts,
    policy: Policy,
    vars: &Vars,
) -> Vec<Finding> {
    let name = node.name.as_str();
    let mut out = Vec::new();

    let hung_now = !probe.hung_steps.is_empty();
    if hung_now {
        out.push(hung(node, vars, &probe.hung_steps.join(", ")));
    }
    if !probe.exists {
        out.push(path_missing(node, vars, false));
        return out;
    }
    let access_error = probe.access.as_ref().and_then(|a| a.error.as_ref());
    // A hung mount already has its finding; the write step timing out says nothing new.
    let access_error = access_error.filter(|e| !(hung_now && e.kind == AccessErrorKind::Hung));

    // The probe reports `exists` when stat failed with ESTALE or EACCES: such a path is
    // "not a directory" only because it cannot be stat'ed, and is not missing.
    if !probe.is_dir {
        let unstatable = access_error.filter(|e| {
            matches!(
                e.kind,
                AccessErrorKind::StaleHandle | AccessErrorKind::PermissionDenied
            )
        });
        if let Some(error) = unstatable {
            out.extend(
                access_finding(node, vars, error.kind)
                    .map(|f| f.with_evidence(error.detail.clone())),
            );
        } else if !hung_now {
            out.push(path_missing(node, vars, true));
        }
        return out;
    }
    if let Some(error) = access_error {
        out.extend(
            access_finding(node, vars, error.kind).map(|f| f.with_evidence(error.detail.clone())),
        );
    }

    if let Some(mount) = probe.mount.as_ref().filter(|m| !m.network) {
        out.push(not_mounted(node, vars, mount));
    }
    if let Some(usage) = probe.usage
        && usage.avail_bytes < policy.min_free_bytes
    {
        out.push(
            Finding::catalogued(
                Code::LowSpace,
                name,
                format!(
                    "less than {:.0} GiB free",
                    policy.min_free_bytes as f64 / GIB
                ),
                vars,
            )
            .with_evidence(format!("{} bytes available", usage.avail_bytes)),
        );
    }
    let missing: Vec<&str> = probe
        .layout
        .iter()
        .filter(|e| !e.present)
        .map(|e| e.name.as_str())
        .collect();
    if !missing.is_empty() && probe.layout.len() == LAYOUT_DIRS.len() {
        out.push(layout_missing(node, vars, &missing));
    }
    if let (Some(mount), Some(persistence)) = (&probe.mount, &probe.persistence)
        && mount.network
        && !persistence.fstab
        && persistence.mount_unit.is_none()
    {
        out.push(not_persistent(node, vars, mount));
    }
    out
}

fn path_missing(node: &NodeFacts, vars: &Vars, exists: bool) -> Finding {
    let what = if exists {
        "is not a directory"
    } else {
        "does not exist"
    };
    Finding::catalogued(
        Code::PathMissing,
        &node.name,
        format!("SHARED_DIR {} {what}", node.shared_dir),
        vars,
    )
    .refine(role_consequence(node, vars, Code::PathMissing))
}

/// What this node's role makes of a SHARED_DIR that is missing or local.
fn role_consequence(node: &NodeFacts, vars: &Vars, code: Code) -> String {
    let text = match (node.role, code) {
        (Role::Runner, Code::PathMissing) => {
            "This Runner logs \"Shared directory '{dir}' not found\" and its tasks fail with \
             \"Tarball not found\"."
        }
        (Role::Host, Code::PathMissing) => {
            "At start-up the Host creates {dir} on its local disk and builds a fresh base tarball \
             there, where no Runner can load it."
        }
        (Role::Runner, _) => {
            "This Runner writes shared_data/ and task logs to its own disk, and never sees the \
             Host's tarballs."
        }
        (Role::Host, _) => {
            "The Host builds tarballs on its own disk, where no Runner can load them, and serves \
             task logs from there."
        }
    };
    vars.fill_text(text)
}

fn hung(node: &NodeFacts, vars: &Vars, steps: &str) -> Finding {
    Finding::catalogued(
        Code::StorageHung,
        &node.name,
        format!("storage at {} hung", node.shared_dir),
        vars,
    )
    .refine("findmnt answered but stat, df or the write test did not finish in time.")
    .with_evidence(format!("timed out: {steps}"))
    .with_evidence(stuck_evidence(node))
}

/// The node's processes stuck on storage, which a hung share leaves behind
/// (those in state D no signal removes): said, not hidden. Empty when there are none.
fn stuck_evidence(node: &NodeFacts) -> String {
    let stuck = node
        .probe
        .as_ref()
        .map_or(&[][..], |p| p.stuck_processes.as_slice());
    if stuck.is_empty() {
        return String::new();
    }
    const SHOWN: usize = 8;
    let more = stuck.len().saturating_sub(SHOWN);
    let mut text = format!(
        "{} process(es) stuck on storage (state D, or waiting for a FUSE daemon): {}",
        stuck.len(),
        stuck[..stuck.len().min(SHOWN)].join(", ")
    );
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// What only verification can tell apart from a real problem; `verify` drops it
/// when the node turns out not to share the storage.
pub(super) const STORAGE_SERVER_CAVEAT: &str =
    " If this node is the storage server and exports this very disk, nothing is wrong.";

fn not_mounted(node: &NodeFacts, vars: &Vars, mount: &MountInfo) -> Finding {
    let mut finding = Finding::catalogued(
        Code::NotMounted,
        &node.name,
        format!(
            "SHARED_DIR {} is on local {}",
            node.shared_dir, mount.fstype
        ),
        vars,
    )
    .refine(role_consequence(node, vars, Code::NotMounted))
    .with_evidence(format!(
        "{} on {} ({})",
        mount.fstype, mount.target, mount.source
    ));
    finding.hint.push_str(STORAGE_SERVER_CAVEAT);
    finding
}

fn access_finding(node: &NodeFacts, vars: &Vars, kind: AccessErrorKind) -> Option<Finding> {
    let name = node.name.as_str();
    let dir = &node.shared_dir;
    let finding = match kind {
        AccessErrorKind::ReadOnly => Finding::catalogued(
            Code::ReadOnly,
            name,
            format!("SHARED_DIR {dir} is read-only"),
            vars,
        ),
        AccessErrorKind::PermissionDenied => Finding::catalogued(
            Code::PermissionDenied,
            name,
            format!("no write permission on {dir}"),
            vars,
        )
        .refine("The write test failed with EACCES or EPERM."),
        AccessErrorKind::StaleHandle => Finding::catalogued(
            Code::StaleHandle,
            name,
            format!("stale handle on {dir}"),
            vars,
        ),
        AccessErrorKind::Hung => hung(node, vars, "write"),
        AccessErrorKind::Missing => Finding::catalogued(
            Code::PathMissing,
            name,
            format!("SHARED_DIR {dir} vanished during the probe"),
            vars,
        )
        .refine(
            "The directory existed when the probe started but was gone when it wrote: something \
             is unmounting or replacing it.",
        ),
        AccessErrorKind::NoSpace => {
            Finding::catalogued(Code::LowSpace, name, format!("{dir} is full"), vars).refine(
                "The write test failed with ENOSPC or EDQUOT: the share (or this user's quota) is \
                 full.",
            )
        }
        AccessErrorKind::Other => Finding::catalogued(
            Code::WriteFailed,
            name,
            format!("write test failed on {dir}"),
            vars,
        ),
    };
    Some(finding)
}

/// The security guide's mode for each of KohakuRiver's folders: Runners and
/// containers write as root, so `logs/` is writable by them at 755.
pub(crate) fn layout_mode(folder: &str) -> &'static str {
    match folder {
        "shared_data" => "1777",
        _ => "755",
    }
}

fn layout_missing(node: &NodeFacts, vars: &Vars, missing: &[&str]) -> Finding {
    let mut finding = Finding::catalogued(
        Code::LayoutMissing,
        &node.name,
        format!("missing in {}: {}", node.shared_dir, missing.join(", ")),
        vars,
    );
    finding.commands = missing
        .iter()
        .flat_map(|folder| {
            vars.clone()
                .with("folder", folder)
                .with("mode", layout_mode(folder))
                .commands(fix_templates(Code::LayoutMissing))
        })
        .collect();
    finding
}

fn fix_templates(code: Code) -> &'static [&'static str] {
    super::hints::entry(code).map_or(&[], |e| e.fix_commands)
}

fn not_persistent(node: &NodeFacts, vars: &Vars, mount: &MountInfo) -> Finding {
    Finding::catalogued(
        Code::NotPersistent,
        &node.name,
        format!("mount at {} is not persistent", mount.target),
        vars,
    )
}
