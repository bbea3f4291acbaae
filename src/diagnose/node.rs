//! Findings about one node on its own.

use super::{Code, Finding, Policy};
use crate::facts::{
    AccessErrorKind, LAYOUT_DIRS, MountInfo, NodeErrorKind, NodeFacts, ProbeFacts, Role,
};
use crate::shell::sh_word;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

pub(super) fn findings(node: &NodeFacts, policy: Policy) -> Vec<Finding> {
    if let Some(error) = &node.error {
        return vec![connection_finding(node, error.kind).with_evidence(error.detail.clone())];
    }
    match &node.probe {
        Some(probe) => probe_findings(node, probe, policy),
        None => Vec::new(),
    }
}

fn connection_finding(node: &NodeFacts, kind: NodeErrorKind) -> Finding {
    let addr = sh_word(&node.address);
    let name = &node.name;
    let (code, title, hint, commands) = match kind {
        NodeErrorKind::Unreachable => (
            Code::Unreachable,
            "node unreachable over SSH".to_owned(),
            "rivershare could not open an SSH connection within the connect timeout. The node may be down, \
             sshd may not be running, or a firewall drops port 22. Until it answers nothing is known about its storage."
                .to_owned(),
            vec![format!("ping -c 3 {addr}"), format!("ssh -v {addr} true"), "systemctl status ssh   # on the node's console".to_owned()],
        ),
        NodeErrorKind::AuthFailed => (
            Code::AuthFailed,
            "SSH authentication failed".to_owned(),
            "The node answered but refused every key rivershare offered (agent first, then identity_files). \
             Check the user, and that the public key is in the node's authorized_keys."
                .to_owned(),
            vec![format!("ssh -v {addr} true"), format!("ssh-copy-id {addr}")],
        ),
        NodeErrorKind::HostKeyUnknown => (
            Code::HostKeyUnknown,
            "host key not in known_hosts".to_owned(),
            "host_key_policy is strict, so rivershare does not talk to a host whose key it has never seen. \
             Verify the fingerprint out of band, then record it, or set host_key_policy = \"accept-new\"."
                .to_owned(),
            vec![format!("ssh-keyscan {addr} | ssh-keygen -lf -"), format!("ssh -o StrictHostKeyChecking=accept-new {addr} true")],
        ),
        NodeErrorKind::HostKeyChanged => (
            Code::HostKeyChanged,
            "HOST KEY CHANGED".to_owned(),
            "The key this host presented differs from the one recorded in known_hosts. That is what a \
             man-in-the-middle looks like; it is also what a reinstalled node looks like. rivershare refuses to \
             connect under every policy. Confirm the new key with whoever rebuilt the node, then remove the old entry."
                .to_owned(),
            vec![format!("ssh-keyscan {addr} | ssh-keygen -lf -"), format!("ssh-keygen -R {addr}")],
        ),
        NodeErrorKind::CommandTimeout => (
            Code::StorageHung,
            "probe did not finish: storage hung".to_owned(),
            "The node answered SSH but the probe did not finish within command_timeout_secs. Every step of the \
             probe has its own timeout, so a whole-probe timeout almost always means processes stuck in \
             uninterruptible I/O on a dead hard-mounted share."
                .to_owned(),
            vec![format!("ssh {addr} findmnt -T {}", sh_word(&node.shared_dir)), format!("ssh {addr} 'ps -eo pid,stat,wchan:32,cmd | grep \" D\"'")],
        ),
        NodeErrorKind::Transport | NodeErrorKind::Probe | NodeErrorKind::Local => (
            Code::ProbeFailed,
            "probe failed".to_owned(),
            format!(
                "rivershare reached {name} but could not run or read its probe. The evidence says why; the \
                 log file has the full exchange."
            ),
            vec![format!("ssh -v {addr} 'sh -c true'")],
        ),
    };
    Finding::for_node(code, name, title, hint, commands)
}

fn probe_findings(node: &NodeFacts, probe: &ProbeFacts, policy: Policy) -> Vec<Finding> {
    let dir = sh_word(&node.shared_dir);
    let name = node.name.as_str();
    let mut out = Vec::new();

    let hung_now = !probe.hung_steps.is_empty();
    if hung_now {
        out.push(hung(node, &probe.hung_steps.join(", ")));
    }
    if !probe.exists {
        out.push(path_missing(node, false));
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
                access_finding(node, probe.mount.as_ref(), error.kind)
                    .map(|f| f.with_evidence(error.detail.clone())),
            );
        } else if !hung_now {
            out.push(path_missing(node, true));
        }
        return out;
    }
    if let Some(error) = access_error {
        out.extend(
            access_finding(node, probe.mount.as_ref(), error.kind)
                .map(|f| f.with_evidence(error.detail.clone())),
        );
    }

    if let Some(mount) = probe.mount.as_ref().filter(|m| !m.network) {
        out.push(not_mounted(node, mount));
    }
    if let Some(usage) = probe.usage
        && usage.avail_bytes < policy.min_free_bytes
    {
        out.push(Finding::for_node(
                Code::LowSpace,
                name,
                format!("less than {:.0} GiB free", policy.min_free_bytes as f64 / GIB),
                "KohakuRiver's Shared Storage Guide asks for 20 GB or more: container tarballs are several GB each \
                 and task logs are never deleted. See what fills the share before tasks start failing."
                    .to_owned(),
                vec![format!("df -h {dir}"), format!("sudo du -sh {dir}/*")],
            ).with_evidence(format!("{} bytes available", usage.avail_bytes)));
    }
    let missing: Vec<&str> = probe
        .layout
        .iter()
        .filter(|e| !e.present)
        .map(|e| e.name.as_str())
        .collect();
    if !missing.is_empty() && probe.layout.len() == LAYOUT_DIRS.len() {
        out.push(layout_missing(node, &missing));
    }
    if let (Some(mount), Some(persistence)) = (&probe.mount, &probe.persistence)
        && mount.network
        && !persistence.fstab
        && persistence.mount_unit.is_none()
    {
        out.push(not_persistent(node, mount));
    }
    out
}

fn path_missing(node: &NodeFacts, exists: bool) -> Finding {
    let dir = sh_word(&node.shared_dir);
    let what = if exists {
        "is not a directory"
    } else {
        "does not exist"
    };
    let consequence = match node.role {
        Role::Runner => {
            "The Runner logs \"Shared directory not found\" and tasks fail with \"Tarball not found\"."
        }
        Role::Host => {
            "At start-up the Host creates it on the local disk and builds a fresh base tarball there."
        }
    };
    Finding::for_node(
        Code::PathMissing,
        &node.name,
        format!("SHARED_DIR {} {what}", node.shared_dir),
        format!(
            "{consequence} Mount the share at this path (and make the mount persistent), or fix SHARED_DIR."
        ),
        vec![
            format!("grep -F {dir} /etc/fstab"),
            format!("sudo mkdir -p {dir} && sudo mount {dir}"),
            format!("findmnt -T {dir}"),
        ],
    )
}

fn hung(node: &NodeFacts, steps: &str) -> Finding {
    let dir = sh_word(&node.shared_dir);
    Finding::for_node(
        Code::StorageHung,
        &node.name,
        format!("storage at {} hung", node.shared_dir),
        "findmnt answered but stat, df or the write test did not finish in time. On a hard-mounted NFS share \
         whose server is gone every access blocks forever; check the server and the network, then remount."
            .to_owned(),
        vec![format!("findmnt -T {dir}"), format!("grep -F {dir} /proc/mounts"), format!("sudo umount -f -l {dir} && sudo mount {dir}")],
    )
    .with_evidence(format!("timed out: {steps}"))
}

fn not_mounted(node: &NodeFacts, mount: &MountInfo) -> Finding {
    let dir = sh_word(&node.shared_dir);
    let consequence = match node.role {
        Role::Runner => {
            "this Runner writes shared_data/ and logs to its own disk, and never sees the Host's tarballs"
        }
        Role::Host => "the Host builds tarballs on its own disk, where no Runner can load them",
    };
    Finding::for_node(
        Code::NotMounted,
        &node.name,
        format!(
            "SHARED_DIR {} is on local {}",
            node.shared_dir, mount.fstype
        ),
        format!(
            "The path exists but no network filesystem is mounted there, so {consequence}. \
             KohakuRiver only checks that the directory exists, so it will not complain."
        ),
        vec![
            format!("findmnt -T {dir}"),
            format!("grep -F {dir} /etc/fstab"),
            format!("sudo mount {dir}"),
        ],
    )
    .with_evidence(format!(
        "{} on {} ({})",
        mount.fstype, mount.target, mount.source
    ))
}

fn access_finding(
    node: &NodeFacts,
    mount: Option<&MountInfo>,
    kind: AccessErrorKind,
) -> Option<Finding> {
    let dir = sh_word(&node.shared_dir);
    let target = sh_word(mount.map_or(node.shared_dir.as_str(), |m| m.target.as_str()));
    let name = node.name.as_str();
    let finding = match kind {
        AccessErrorKind::ReadOnly => Finding::for_node(
            Code::ReadOnly,
            name,
            format!("SHARED_DIR {} is read-only", node.shared_dir),
            "Writes fail with EROFS: tasks cannot write logs/ or shared_data/, and a Host cannot save tarballs. \
             Either the mount has the ro option or the server exports it read-only."
                .to_owned(),
            vec![format!("findmnt -no OPTIONS -T {dir}"), format!("sudo mount -o remount,rw {target}")],
        ),
        AccessErrorKind::PermissionDenied => Finding::for_node(
            Code::PermissionDenied,
            name,
            format!("no write permission on {}", node.shared_dir),
            "The write test failed with EACCES or EPERM for the SSH user. KohakuRiver runs as root, and containers \
             write as root: on NFS, root squashing (the export lacks no_root_squash) turns root into nobody."
                .to_owned(),
            vec![format!("ls -ld {dir}"), "id".to_owned(), format!("findmnt -no SOURCE,OPTIONS -T {dir}")],
        ),
        AccessErrorKind::StaleHandle => Finding::for_node(
            Code::StaleHandle,
            name,
            format!("stale handle on {}", node.shared_dir),
            "ESTALE, ENOTCONN or EIO: the server restarted or re-exported, or a FUSE daemon died. Tasks fail with \
             \"Stale file handle\". Remount the share."
                .to_owned(),
            vec![format!("sudo umount {target} && sudo mount {target}"), format!("sudo umount -l {target} && sudo mount {target}   # if busy")],
        ),
        AccessErrorKind::Hung => hung(node, "write"),
        AccessErrorKind::Missing => Finding::for_node(
            Code::PathMissing,
            name,
            format!("SHARED_DIR {} vanished during the probe", node.shared_dir),
            "The directory existed when the probe started but was gone when it wrote. Something is unmounting or \
             replacing it."
                .to_owned(),
            vec![format!("findmnt -T {dir}"), "journalctl -u '*.mount' --since -10min".to_owned()],
        ),
        AccessErrorKind::NoSpace => Finding::for_node(
            Code::LowSpace,
            name,
            format!("{} is full", node.shared_dir),
            "The write test failed with ENOSPC or EDQUOT: the share (or this user's quota) is full.".to_owned(),
            vec![format!("df -h {dir}"), format!("sudo du -sh {dir}/*")],
        ),
        AccessErrorKind::Other => Finding::for_node(
            Code::WriteFailed,
            name,
            format!("write test failed on {}", node.shared_dir),
            "Creating, syncing or removing a small file failed for a reason rivershare does not classify; the \
             evidence has the message."
                .to_owned(),
            vec![format!("ls -la {dir}"), format!("touch {dir}/.rivershare-test && rm {dir}/.rivershare-test")],
        ),
    };
    Some(finding)
}

fn layout_missing(node: &NodeFacts, missing: &[&str]) -> Finding {
    let dir = &node.shared_dir;
    let paths: Vec<String> = missing
        .iter()
        .map(|m| sh_word(&format!("{dir}/{m}")))
        .collect();
    let mut commands = vec![format!("sudo mkdir -p {}", paths.join(" "))];
    if missing.contains(&"shared_data") {
        commands.push(format!(
            "sudo chmod 1777 {}",
            sh_word(&format!("{dir}/shared_data"))
        ));
    }
    Finding::for_node(
        Code::LayoutMissing,
        &node.name,
        format!("missing in {dir}: {}", missing.join(", ")),
        "KohakuRiver expects kohakuriver-containers/ (tarballs, written by the Host), shared_data/ (mounted as \
         /shared in tasks) and logs/ (task output) in SHARED_DIR. A missing folder on a mounted share usually means \
         this node mounts a different export than the others."
            .to_owned(),
        commands,
    )
}

fn not_persistent(node: &NodeFacts, mount: &MountInfo) -> Finding {
    let fstab_line = format!(
        "{} {} {} {},_netdev 0 0",
        mount.source,
        mount.target,
        mount.fstype,
        mount.options.join(",")
    );
    Finding::for_node(
        Code::NotPersistent,
        &node.name,
        format!("mount at {} is not persistent", mount.target),
        "Neither /etc/fstab nor a systemd mount unit names this mount, so after a reboot the path is an empty local \
         directory and KohakuRiver silently works on the local disk. Add it to /etc/fstab (with _netdev), and give \
         the KohakuRiver unit RequiresMountsFor= the path."
            .to_owned(),
        vec![format!("echo {} | sudo tee -a /etc/fstab", sh_word(&fstab_line)), "sudo systemctl daemon-reload".to_owned()],
    )
}
