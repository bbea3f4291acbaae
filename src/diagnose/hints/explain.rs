//! `rivershare explain`: the catalogue as text (and JSON) for a person. Pure:
//! the CLI prints what these return.

use serde::Serialize;

use super::{Entry, PLACEHOLDERS, Vars, entry, runs_on_node};
use crate::diagnose::{Code, Severity};
use crate::report::human::wrap;

const WIDTH: usize = 92;

/// What each placeholder stands for, in `explain`'s legend.
fn meaning(key: &str) -> &'static str {
    match key {
        "node" => "the node's name in the rivershare config",
        "addr" => "the node's SSH address",
        "role" => "host or runner",
        "dir" => "the node's SHARED_DIR",
        "target" => "the mount point that holds SHARED_DIR",
        "source" => "that mount's source",
        "server" => "the storage server (from the mount, /etc/fstab or the other nodes)",
        "export" => "the export or share on that server",
        "fstype" => "the mount's filesystem type",
        "options" => "the mount's options",
        "port" => "the storage's TCP port (2049 NFS, 445 SMB, 24007 GlusterFS, 22 sshfs)",
        "unit" => "kohakuriver-host or kohakuriver-runner",
        "config" => "the node's KohakuRiver config file",
        "tarball_dir" => "the tarball folder as the node sees it",
        "name" => "a tarball name",
        "fstab_line" => "an /etc/fstab line for the share at this path",
        "nfs_server" => "the server, when it is plain NFS (rpcbind, mountd)",
        "fuse_target" => "the mount point, when it is a FUSE mount such as sshfs",
        "folder" => "a KohakuRiver folder in SHARED_DIR",
        "mode" => "the mode the security guide gives that folder",
        "file" => "a tarball file",
        "lower_file" => "that file name in lower case",
        _ => "",
    }
}

/// A code named on the command line that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub given: String,
    /// The closest code, when one is close enough to be a typo.
    pub suggestion: Option<Code>,
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown finding code {:?}", self.given)?;
        if let Some(code) = self.suggestion {
            write!(f, "; did you mean {}?", code.as_str())?;
        }
        write!(f, " (`rivershare explain` lists every code)")
    }
}

/// The code named `given` (case and `-`/`_` forgiven), or the nearest one.
pub fn lookup(given: &str) -> Result<Code, UnknownCode> {
    let wanted = given.trim().to_ascii_lowercase().replace('-', "_");
    if let Some(code) = Code::ALL.iter().find(|c| c.as_str() == wanted) {
        return Ok(*code);
    }
    let suggestion = Code::ALL
        .iter()
        .map(|c| (strsim::jaro_winkler(&wanted, c.as_str()), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c);
    Err(UnknownCode {
        given: given.to_owned(),
        suggestion,
    })
}

/// Every code, with its severity and one-line summary.
pub fn list() -> String {
    let width = Code::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for code in Code::ALL {
        out.push_str(&format!(
            "{:width$}  {:8}  {}\n",
            code.as_str(),
            code.severity().as_str(),
            code.summary()
        ));
    }
    out.push_str("\n`rivershare explain CODE` shows why it matters, the fix and the commands.\n");
    out
}

/// One code's catalogue entry, placeholders shown as `<SHARED_DIR>`, ...
pub fn render(code: Code) -> String {
    let mut out = format!("{} ({})", code.as_str(), severity_text(code.severity()));
    let Some(e) = entry(code) else {
        out.push_str(&format!(
            "\n  when: {}\n\n  The catalogue has no entry for this code yet.\n",
            code.summary()
        ));
        return out;
    };
    let vars = Vars::placeholders();
    out.push_str(&format!(": {}\n  when: {}\n", e.title, code.summary()));
    section(&mut out, "why", &vars.fill_text(e.why));
    section(&mut out, "fix", &vars.fill_text(e.fix));
    let (on_node, from_here): (Vec<&str>, Vec<&str>) =
        e.debug.iter().partition(|t| runs_on_node(t));
    commands(
        &mut out,
        "investigate (read-only; the console's x runs these on the node):",
        &vars.commands(&on_node),
    );
    commands(
        &mut out,
        "investigate from this machine (read-only):",
        &vars.commands(&from_here),
    );
    commands(
        &mut out,
        "fix commands (change the node; shown, never run):",
        &vars.commands(e.fix_commands),
    );
    let used = used_placeholders(e);
    if !used.is_empty() {
        out.push_str("\nplaceholders (a finding fills them with the node's real values):\n");
        for (key, shown) in used {
            out.push_str(&format!("  {shown:20} {}\n", meaning(key)));
        }
    }
    out
}

fn severity_text(severity: Severity) -> &'static str {
    severity.as_str()
}

fn section(out: &mut String, label: &str, text: &str) {
    out.push_str(&format!("\n{label}:\n"));
    for line in wrap(text, WIDTH) {
        out.push_str(&format!("  {line}\n"));
    }
}

fn commands(out: &mut String, label: &str, commands: &[String]) {
    if commands.is_empty() {
        return;
    }
    out.push_str(&format!("\n{label}\n"));
    for command in commands {
        out.push_str(&format!("  $ {command}\n"));
    }
}

/// The placeholders `e`'s texts and commands name, in [`PLACEHOLDERS`] order.
fn used_placeholders(e: &Entry) -> Vec<(&'static str, &'static str)> {
    let mut texts: Vec<&str> = vec![e.why, e.fix];
    texts.extend(e.debug);
    texts.extend(e.fix_commands);
    PLACEHOLDERS
        .iter()
        .filter(|(key, _)| {
            let wanted = format!("{{{key}}}");
            texts.iter().any(|t| t.contains(&wanted))
        })
        .copied()
        .collect()
}

/// One entry as JSON (`rivershare explain CODE --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryJson {
    pub code: Code,
    pub severity: Severity,
    pub summary: &'static str,
    pub title: Option<&'static str>,
    pub why: Option<String>,
    pub fix: Option<String>,
    pub debug_commands: Vec<String>,
    pub fix_commands: Vec<String>,
}

/// `code`'s entry as data, placeholders shown as `<SHARED_DIR>`, ...
pub fn json(code: Code) -> EntryJson {
    let vars = Vars::placeholders();
    let e = entry(code);
    EntryJson {
        code,
        severity: code.severity(),
        summary: code.summary(),
        title: e.map(|e| e.title),
        why: e.map(|e| vars.fill_text(e.why)),
        fix: e.map(|e| vars.fill_text(e.fix)),
        debug_commands: e.map_or_else(Vec::new, |e| vars.commands(e.debug)),
        fix_commands: e.map_or_else(Vec::new, |e| vars.commands(e.fix_commands)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_shows_its_commands_with_placeholders() {
        let text = render(Code::PermissionDenied);
        assert!(
            text.starts_with("permission_denied (critical): no write permission on SHARED_DIR\n"),
            "{text}"
        );
        assert!(text.contains("no_root_squash"), "{text}");
        assert!(text.contains("  $ ls -ld <SHARED_DIR>\n"), "{text}");
        assert!(
            text.contains("  $ sudo exportfs -v   # on <SERVER>: <EXPORT> should show"),
            "{text}"
        );
        assert!(text.contains("<NFS_SERVER>"), "{text}");
        // The investigate block comes before the fix block.
        let investigate = text.find("investigate").expect("investigate");
        let fix = text.find("fix commands").expect("fix commands");
        assert!(investigate < fix);
        // What reaches the node from outside is not said to run on it.
        let text = render(Code::Unreachable);
        assert!(
            text.contains(
                "investigate from this machine (read-only):\n  $ ping -c 3 <NODE_ADDRESS>\n"
            ),
            "{text}"
        );
        assert!(!text.contains("x runs these"), "{text}");
    }

    #[test]
    fn the_usage_codes_explain_their_commands() {
        let text = render(Code::LogsGrowth);
        assert!(
            text.starts_with("logs_growth (info): task logs take a large part of the share\n"),
            "{text}"
        );
        assert!(text.contains("never deletes"), "{text}");
        assert!(text.contains("  $ du -sh <SHARED_DIR>/logs\n"), "{text}");
        assert!(
            text.contains(
                "  $ find <SHARED_DIR>/logs -mindepth 1 -maxdepth 1 -type d -mtime +30 -print"
            ),
            "{text}"
        );
        // The list comes before the deletion.
        let list = text.find("-print").expect("list");
        let delete = text.find("-exec rm -rf -- {} +").expect("delete");
        assert!(list < delete, "{text}");
        let text = render(Code::DuPartial);
        assert!(text.starts_with("du_partial (info): "), "{text}");
        assert!(text.contains("du_timeout_secs"), "{text}");
        assert_eq!(lookup("logs-growth"), Ok(Code::LogsGrowth));
    }

    #[test]
    fn unknown_codes_suggest_the_nearest() {
        assert_eq!(lookup("not-mounted"), Ok(Code::NotMounted));
        assert_eq!(lookup("Stale_Handle"), Ok(Code::StaleHandle));
        let err = lookup("not_mountd").expect_err("a typo");
        assert_eq!(err.suggestion, Some(Code::NotMounted));
        assert!(err.to_string().contains("did you mean not_mounted?"));
        assert_eq!(lookup("zzzz").expect_err("nothing near").suggestion, None);
    }

    #[test]
    fn the_list_has_every_code_with_its_severity() {
        let text = list();
        for code in Code::ALL {
            let line = text
                .lines()
                .find(|l| l.split_whitespace().next() == Some(code.as_str()))
                .unwrap_or_else(|| panic!("{code:?} missing from {text}"));
            assert!(line.contains(code.severity().as_str()), "{line}");
        }
    }
}
