//! Pure, total parsers of the probe's framed output (see [`super::script`] for
//! the protocol). Any input, even garbage or a truncated run, gives
//! [`ProbeFacts`]; what could not be read becomes a warning, never a panic.
//!
//! Decisions worth knowing:
//! - The mount comes from `findmnt -J -T`. When findmnt is missing, failed (it
//!   prints nothing for a path that does not exist) or hung, it comes from
//!   `/proc/self/mountinfo` by longest path prefix, so a missing SHARED_DIR still
//!   reports the mount it would live on (`is_mount_point` is then false).
//! - `exists` is the `test -e` answer, except that it is also true when `stat`
//!   failed with ESTALE/ENOTCONN/EIO or EACCES/EPERM, or when the path step itself
//!   timed out: something is there that cannot be examined, and calling it
//!   missing would hide the real finding (`access.error`, `hung_steps`).
//! - `access.error` is the first failure in the order: a timed-out step (`Hung`),
//!   `stat`, missing path, not a directory, `list`, `write`, then `df` (only when
//!   its errno says something).

pub mod df;
pub mod errno;
pub mod findmnt;
pub mod frame;
pub mod fsclass;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod fuzz_scripts;
pub mod limit;
pub mod persist;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_whole;

pub use errno::classify_errno;
pub use fsclass::fs_class;

use crate::facts::{
    Access, AccessError, AccessErrorKind, LAYOUT_DIRS, LayoutEntry, MountInfo, Persistence,
    ProbeFacts,
};
use findmnt::{RawMount, normalize};
use frame::{Frame, Section, Status};
use persist::FstabStatus;

/// Steps that touch the share, in script order: a timeout in any of them means
/// the storage is hung.
const SHARE_STEPS: [&str; 7] = ["findmnt", "path", "stat", "df", "list", "write", "layout"];

/// Parse the framed output of the probe script run for `shared_dir`: at most
/// [`limit::OUTPUT_CAP`] bytes of it (a warning says when there was more).
pub fn parse(stdout: &[u8], shared_dir: &str) -> ProbeFacts {
    let (framed, cut) = limit::capped(stdout);
    let frame = frame::split(framed);
    let mut facts = ProbeFacts {
        warnings: cut.into_iter().chain(frame.warnings.clone()).collect(),
        ..ProbeFacts::default()
    };
    let after = frame
        .preamble_value("step_timeout")
        .map(|s| format!(" after {s} s"))
        .unwrap_or_default();
    for s in &frame.sections {
        if s.status == Status::Timeout && !facts.hung_steps.contains(&s.name) {
            facts.hung_steps.push(s.name.clone());
        }
    }
    for name in ["tmp", "tools", "share"] {
        if let Some(s) = frame.section(name) {
            facts
                .warnings
                .push(format!("probe {name}: {}", s.stderr_message()));
        }
    }
    host(&frame, &mut facts);
    let real = path(&frame, &mut facts);
    let stat_err = stat_error(&frame, &mut facts);
    let here = real.clone().unwrap_or_else(|| shared_dir.to_string());
    facts.mount = mount(&frame, &here, facts.exists, &mut facts.warnings).map(|raw| {
        let (network, provider) = fs_class(&raw.fstype, &raw.source);
        let t = normalize(&raw.target);
        MountInfo {
            is_mount_point: t == normalize(shared_dir) || real.as_deref().map(normalize) == Some(t),
            target: raw.target,
            source: raw.source,
            fstype: raw.fstype,
            options: raw.options,
            network,
            provider,
        }
    });
    facts.usage = match frame.section("df") {
        Some(s) if s.status == Status::Ok => df::parse_df(&s.stdout())
            .map_err(|e| facts.warnings.push(format!("df: {e}")))
            .ok(),
        _ => None,
    };
    facts.access = access(&frame, &facts, stat_err, &after);
    if frame
        .section("write")
        .is_some_and(|s| s.status == Status::Skip("read-only-mode".into()))
    {
        facts
            .warnings
            .push("write test skipped: read_only = true in the config".into());
    }
    facts.layout = layout(&frame, &mut facts.warnings);
    let target = facts
        .mount
        .as_ref()
        .map_or_else(|| normalize(&here), |m| m.target.clone());
    facts.persistence = persistence(&frame, &target, &mut facts.warnings);
    facts.stuck_processes = frame
        .section("stuck")
        .filter(|s| s.status == Status::Ok)
        .map(|s| {
            s.out
                .iter()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    facts
}

fn host(frame: &Frame, facts: &mut ProbeFacts) {
    let Some(s) = frame.section("host") else {
        return;
    };
    if s.status != Status::Ok {
        facts
            .warnings
            .push(format!("host: {}: {}", s.status, s.stderr_message()));
    }
    let line = |i: usize| {
        s.out
            .get(i)
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
    };
    // `uname -n -r` prints both on one line (a node name holds no blank);
    // older probes printed them on two.
    match (line(0), line(1)) {
        (Some(first), None) if first.contains(char::is_whitespace) => {
            let (name, release) = first
                .split_once(char::is_whitespace)
                .unwrap_or((first.as_str(), ""));
            facts.hostname = Some(name.to_owned());
            facts.kernel = Some(release.trim().to_owned()).filter(|r| !r.is_empty());
        }
        (name, kernel) => {
            facts.hostname = name;
            facts.kernel = kernel;
        }
    }
}

/// Fill `exists` and `is_dir`; return the `realpath` of SHARED_DIR when known.
fn path(frame: &Frame, facts: &mut ProbeFacts) -> Option<String> {
    let s = frame.section("path")?;
    match &s.status {
        Status::Ok => {}
        Status::Timeout => {
            facts.exists = true;
            return None;
        }
        other => {
            facts
                .warnings
                .push(format!("path: {other}: {}", s.stderr_message()));
            return None;
        }
    }
    let mut real = None;
    for (i, l) in s.out.iter().enumerate() {
        match l.as_str() {
            "exists=1" => facts.exists = true,
            "dir=1" => facts.is_dir = true,
            _ => {
                if let Some(r) = l.strip_prefix("real=") {
                    // A path may hold newlines: the rest of the body is the path.
                    let mut p = r.to_string();
                    for more in &s.out[i + 1..] {
                        p.push('\n');
                        p.push_str(more);
                    }
                    real = Some(p);
                    break;
                }
            }
        }
    }
    real
}

/// The classified `stat` failure, if any; adjusts `exists` (see module docs).
fn stat_error(frame: &Frame, facts: &mut ProbeFacts) -> Option<AccessError> {
    let s = frame.section("stat")?;
    if !matches!(s.status, Status::Err(_)) {
        return None;
    }
    let e = step_error("stat", s);
    if matches!(
        e.kind,
        AccessErrorKind::StaleHandle | AccessErrorKind::PermissionDenied
    ) {
        facts.exists = true;
    }
    Some(e)
}

fn step_error(step: &str, s: &Section) -> AccessError {
    let msg = s.stderr_message();
    let code = match s.status {
        Status::Err(Some(c)) => format!("exit {c}"),
        _ => "failed".into(),
    };
    let msg = if msg.is_empty() {
        format!("{code}, no message")
    } else {
        msg
    };
    let stage = s
        .out
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("stage="))
        .map(|st| format!(" ({st})"))
        .unwrap_or_default();
    AccessError {
        kind: classify_errno(&msg),
        detail: format!("{step}{stage}: {msg}"),
    }
}

fn mount(frame: &Frame, path: &str, exists: bool, warnings: &mut Vec<String>) -> Option<RawMount> {
    if let Some(s) = frame.section("findmnt") {
        match &s.status {
            Status::Ok => match findmnt::parse_findmnt_json(&s.stdout(), path) {
                Ok(m) => return Some(m),
                Err(e) => warnings.push(format!("findmnt: {e}; mount read from mountinfo")),
            },
            Status::Skip(r) if r == "missing-tool" => {
                warnings.push("findmnt is not installed; mount read from mountinfo".into());
            }
            // findmnt prints nothing for a path that does not exist: expected.
            Status::Err(_) if !exists => {}
            Status::Err(_) => warnings.push(format!(
                "findmnt {}: {}; mount read from mountinfo",
                s.status,
                s.stderr_message()
            )),
            _ => {}
        }
    }
    let s = frame
        .section("mountinfo")
        .filter(|s| s.status == Status::Ok)?;
    let m = findmnt::parse_mountinfo(&s.stdout(), path);
    if m.is_none() {
        warnings.push("mountinfo: no mount holds SHARED_DIR".into());
    }
    m
}

fn access(
    frame: &Frame,
    facts: &ProbeFacts,
    stat_err: Option<AccessError>,
    after: &str,
) -> Option<Access> {
    if !["path", "stat", "list", "write"]
        .iter()
        .any(|n| frame.section(n).is_some())
    {
        return None;
    }
    let ok = |n: &str| frame.section(n).is_some_and(|s| s.status == Status::Ok);
    let write_done = frame
        .section("write")
        .is_some_and(|s| s.status == Status::Ok && s.out.iter().any(|l| l == "stage=done"));
    let failed = |n: &str| {
        frame
            .section(n)
            .filter(|s| matches!(s.status, Status::Err(_)))
            .map(|s| step_error(n, s))
    };
    let hung = SHARE_STEPS
        .iter()
        .find(|n| facts.hung_steps.iter().any(|h| h == *n))
        .map(|n| AccessError {
            kind: AccessErrorKind::Hung,
            detail: format!("{n} timed out{after}"),
        });
    let missing = (!facts.exists).then(|| AccessError {
        kind: AccessErrorKind::Missing,
        detail: "path: SHARED_DIR does not exist".into(),
    });
    let not_dir =
        (facts.exists && !facts.is_dir && frame.section("path").is_some()).then(|| AccessError {
            kind: AccessErrorKind::Other,
            detail: "path: SHARED_DIR is not a directory".into(),
        });
    let df = failed("df").filter(|e| e.kind != AccessErrorKind::Other);
    let error = hung
        .or(stat_err)
        .or(missing)
        .or(not_dir)
        .or_else(|| failed("list"))
        .or_else(|| failed("write"))
        .or(df);
    Some(Access {
        read: ok("list"),
        write: write_done,
        error,
    })
}

fn layout(frame: &Frame, warnings: &mut Vec<String>) -> Vec<LayoutEntry> {
    let Some(s) = frame.section("layout") else {
        return Vec::new();
    };
    if let Status::Err(_) = s.status {
        warnings.push(format!("layout: {}", s.stderr_message()));
    }
    if s.status != Status::Ok {
        return Vec::new();
    }
    LAYOUT_DIRS
        .iter()
        .map(|name| {
            let line = s
                .out
                .iter()
                .find(|l| l.split(' ').next() == Some(*name))
                .map(|l| l.split(' ').skip(1).collect::<Vec<_>>());
            match line.as_deref() {
                Some([mode, owner]) => LayoutEntry {
                    name: (*name).into(),
                    present: true,
                    mode: Some((*mode).into()),
                    owner: Some((*owner).into()),
                },
                Some(["-"]) => absent(name),
                Some(["?"]) => LayoutEntry {
                    present: true,
                    ..absent(name)
                },
                _ => {
                    warnings.push(format!("layout: no readable line for {name}"));
                    absent(name)
                }
            }
        })
        .collect()
}

fn absent(name: &str) -> LayoutEntry {
    LayoutEntry {
        name: name.into(),
        present: false,
        mode: None,
        owner: None,
    }
}

fn persistence(frame: &Frame, target: &str, warnings: &mut Vec<String>) -> Option<Persistence> {
    let fstab_sec = frame.section("fstab");
    let units_sec = frame.section("units");
    if fstab_sec.is_none() && units_sec.is_none() {
        return None;
    }
    let (fstab, fstab_entry) = match fstab_sec {
        Some(s) if s.status == Status::Ok => match persist::fstab_lookup(&s.stdout(), target) {
            (FstabStatus::AtBoot, entry) => (true, entry),
            (FstabStatus::NoAuto, entry) => {
                warnings.push(format!(
                    "fstab: the entry for {target} has noauto: it is not mounted at boot"
                ));
                (false, entry)
            }
            (FstabStatus::Absent, _) => (false, None),
        },
        Some(s) if matches!(s.status, Status::Err(_) | Status::Timeout) => {
            warnings.push(format!("fstab: could not be read: {}", s.stderr_message()));
            (false, None)
        }
        _ => (false, None),
    };
    let mount_unit = units_sec
        .filter(|s| s.status == Status::Ok)
        .and_then(|s| persist::mount_unit(&s.out, target))
        .map(|u| {
            if !u.enabled {
                warnings.push(format!(
                    "systemd unit {} exists but no .wants link enables it",
                    u.name
                ));
            }
            u.name
        });
    // Without an fstab line, the mount unit is the persistent definition to audit.
    let fstab_entry = fstab_entry.or_else(|| {
        let name = mount_unit.as_deref().filter(|n| n.ends_with(".mount"))?;
        let section = frame
            .section("mountunits")
            .filter(|s| s.status == Status::Ok)?;
        persist::unit_entry_for(&section.stdout(), name)
    });
    Some(Persistence {
        fstab,
        mount_unit,
        fstab_entry,
    })
}
