//! A [`Plan`] as a ready rivershare config: a header that says where it came from,
//! the warnings as comments, one `[[nodes]]` table per node. `shared_dir` is never
//! written, so each node's own KohakuRiver config decides it.

use std::fmt::Write as _;

use super::plan::{Entry, Placement, Plan};
use super::url::HostUrl;

/// The config text for `plan`. `discovered_at` is an RFC 3339 time.
pub fn render_toml(host: &HostUrl, plan: &Plan, discovered_at: &str) -> String {
    let mut out = String::new();
    header(&mut out, host, discovered_at);
    if !plan.warnings.is_empty() {
        out.push_str("\n# Warnings at discovery:\n");
        for warning in &plan.warnings {
            comment_wrapped(&mut out, "# - ", "#   ", warning);
        }
    }
    for entry in &plan.entries {
        if entry.placement == Placement::OnHost {
            continue;
        }
        out.push('\n');
        node(&mut out, entry);
    }
    out
}

fn header(out: &mut String, host: &HostUrl, discovered_at: &str) {
    let lines = [
        format!("rivershare config for the KohakuRiver cluster whose Host is {host},"),
        format!(
            "written by `rivershare discover` from GET {} at {discovered_at}.",
            host.nodes_url()
        ),
        String::new(),
        "shared_dir is not set: for each node, rivershare reads SHARED_DIR from that node's own \
         KohakuRiver config (the --config of its kohakuriver-host or kohakuriver-runner unit, \
         else ~/.kohakuriver/host_config.py or runner_config.py), and falls back to \
         /mnt/cluster-share. Set shared_dir in [defaults] or on a node to override it."
            .to_string(),
        String::new(),
        "The SSH user, port and keys come from ~/.ssh/config unless set here. KohakuRiver runs \
         as root, so the SSH user must be able to read and write SHARED_DIR, e.g.:"
            .to_string(),
    ];
    for line in &lines {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            comment_wrapped(out, "# ", "# ", line);
        }
    }
    out.push_str("# [defaults]\n# user = \"root\"\n# identity_files = [\"~/.ssh/id_ed25519\"]\n");
    out.push_str(
        "#\n# `rivershare init` (without --host) writes an example that documents every key.\n",
    );
}

fn node(out: &mut String, entry: &Entry) {
    let shown = super::plan::shown;
    let heading = entry.source.as_ref().map(|api| {
        format!(
            "Runner {:?}: {}, last heartbeat {}, url {}.",
            shown(&api.hostname),
            api.status
                .as_deref()
                .map_or("status unknown".to_string(), shown),
            api.last_heartbeat
                .as_deref()
                .map_or("none".to_string(), shown),
            api.url.as_deref().map_or("none".to_string(), shown),
        )
    });
    for line in heading.iter().chain(&entry.notes) {
        comment_wrapped(out, "# ", "# ", line);
    }
    let prefix = match &entry.placement {
        Placement::CommentedOut { reason } => {
            comment_wrapped(out, "# Left out: ", "#   ", reason);
            "# "
        }
        _ => "",
    };
    let address = if entry.address.is_empty() {
        "REPLACE-WITH-ITS-ADDRESS"
    } else {
        &entry.address
    };
    let _ = writeln!(out, "{prefix}[[nodes]]");
    let _ = writeln!(out, "{prefix}name = {}", quote(&entry.name));
    let _ = writeln!(out, "{prefix}role = {}", quote(entry.role.as_str()));
    let _ = writeln!(out, "{prefix}address = {}", quote(address));
}

/// `text` as comment lines of at most ~92 columns, first line after `first`, the
/// rest after `rest`. `text` is already free of control characters.
fn comment_wrapped(out: &mut String, first: &str, rest: &str, text: &str) {
    const WIDTH: usize = 92;
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// A TOML basic string.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
