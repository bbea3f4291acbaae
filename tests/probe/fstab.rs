//! Secrets in /etc/fstab never leave the node: the real probe script, run by the
//! real `sh` in a private mount namespace where a fixture fstab (an SMB line
//! with a password) is bind-mounted over /etc/fstab and a tmpfs sits on
//! SHARED_DIR. The whole raw output (what the console keeps and the log holds)
//! must not contain the password; the parsed entry must be the redacted line.

use super::*;
use rivershare::diagnose::{Code, Finding, Policy, diagnose};
use rivershare::facts::{FstabEntry, NodeFacts, Role, SharedDirSource};

/// The fixture's secret, including the part after a doubled comma (a literal
/// comma in a mount.cifs password).
const SECRETS: [&str; 3] = ["Hunter2-s3cr3t", "s3cr3t", ",x,"];

fn fixture_fstab() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/storage/cifs-password/fstab.constructed");
    std::fs::read_to_string(p).expect("cifs-password fstab fixture")
}

/// A temp folder holding an empty `share` folder, and that folder.
fn temp_share() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("mkdir share");
    (tmp, share)
}

#[test]
fn fstab_passwords_are_redacted_on_the_node() {
    require_root();
    let (tmp, share) = temp_share();
    let dir = share.to_str().expect("utf-8");
    let fixture = fixture_fstab();
    assert!(fixture.contains(SECRETS[0]), "the fixture holds the secret");
    // The fixture's SMB line, plus the same line with a `pass=` spelling and a
    // Ceph `secret=`, all mounting on this test's SHARED_DIR.
    let mut fstab = fixture.replace("/mnt/cluster-share", dir);
    fstab.push_str("#//old/share /mnt/old cifs user=u,pass=Hunter2-s3cr3t 0 0\n");
    fstab.push_str("mon1:/ /mnt/ceph ceph name=k,secret=AQBs3cr3t== 0 0\n");
    let fstab_path = tmp.path().join("fstab");
    std::fs::write(&fstab_path, &fstab).expect("write fstab");

    let script = script::build(dir, STEP);
    let out = probe_in_private_mounts(
        "mount --bind \"$1\" /etc/fstab && mount -t tmpfs rvs-fstab \"$2\"",
        &[&fstab_path, &share],
        &script,
    );
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "probe under unshare failed: {stderr}\n{raw}"
    );
    assert!(raw.contains("@@rivershare fstab ok"), "{raw}");
    for secret in SECRETS {
        assert!(
            !raw.contains(secret),
            "{secret:?} leaked into the raw probe output:\n{raw}"
        );
        assert!(!stderr.contains(secret), "{secret:?} leaked into stderr");
    }
    assert!(raw.contains("password=***,vers=2.1"), "{raw}");
    assert!(raw.contains("user=u,pass=*** 0 0"), "{raw}");
    assert!(raw.contains("name=k,secret=*** 0 0"), "{raw}");

    let facts = parse::parse(&out.stdout, dir);
    let mount = facts.mount.as_ref().expect("the tmpfs mount");
    assert_eq!(mount.target, dir);
    let persistence = facts.persistence.clone().expect("persistence");
    assert!(persistence.fstab);
    assert_eq!(
        persistence.fstab_entry,
        Some(FstabEntry {
            source: "//fileserver/cluster".into(),
            target: dir.into(),
            fstype: "cifs".into(),
            options: [
                "username=kohaku",
                "password=***",
                "vers=2.1",
                "uid=0",
                "gid=0"
            ]
            .map(String::from)
            .to_vec(),
        })
    );

    // Through the diagnosis: the SMB line gives credentials_in_fstab (the share
    // is not mounted here, the line alone is the risk), and no finding, nor the
    // JSON of the facts, holds any part of the secret.
    let (node, findings) = diagnose_one(dir, facts);
    let creds = credentials_finding(&findings);
    assert!(
        creds.hint.contains(&format!(
            "//fileserver/cluster {dir} cifs credentials=/etc/samba/fileserver.cred,vers=2.1,uid=0,gid=0 0 0"
        )),
        "{}",
        creds.hint
    );
    assert!(
        creds.commands.contains(
            &"sudo install -m 600 -o root -g root /dev/null /etc/samba/fileserver.cred".to_owned()
        ),
        "{:?}",
        creds.commands
    );
    let all = format!(
        "{}{}",
        serde_json::to_string(&findings).expect("json"),
        serde_json::to_string(&node).expect("json")
    );
    for secret in SECRETS {
        assert!(
            !all.contains(secret),
            "{secret:?} leaked into findings or facts"
        );
    }
}

/// The `|` lines of section `name` in a probe's raw output, untagged.
fn section_lines(raw: &str, name: &str) -> Vec<String> {
    raw.split(&format!("@@rivershare {name} ok\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no {name} section: {raw}"))
        .lines()
        .take_while(|l| !l.starts_with("@@rivershare"))
        .filter_map(|l| l.strip_prefix('|').map(str::to_owned))
        .collect()
}

/// An fstab that cannot hold a secret is printed by the shell itself, byte for
/// byte: `sed` is bind-mounted over by a program that fails, and the section is
/// still whole. Lines that may hold one go through sed in their place, the rest
/// around them unchanged and in order.
#[test]
fn an_fstab_without_secrets_costs_no_sed_and_one_with_them_keeps_its_order() {
    require_root();
    let (tmp, share) = temp_share();
    let dir = share.to_str().expect("utf-8");
    let plain = [
        "# <file system> <mount point>   <type>  <options>       <dump>  <pass>",
        "UUID=0a1b /               ext4    errors=remount-ro 0       1",
        "  srv:/export\t/mnt/with\\040space\tnfs4\thard,passive 0 0",
        "\tindented\\ and a trailing backslash \\",
    ]
    .join("\n");
    // The last line has no newline, as an editor may leave it.
    let fstab_path = tmp.path().join("fstab");
    std::fs::write(&fstab_path, &plain).expect("write fstab");
    let failing_sed = tmp.path().join("sed");
    std::fs::write(&failing_sed, "#!/bin/sh\necho sed-ran >&2\nexit 97\n").expect("sed");
    std::fs::set_permissions(
        &failing_sed,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let script = script::build(dir, STEP);
    let out = probe_in_private_mounts(
        "mount --bind \"$1\" /etc/fstab && mount --bind \"$2\" \"$(command -v sed)\"",
        &[&fstab_path, &failing_sed],
        &script,
    );
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{raw}");
    assert!(
        !raw.contains("sed-ran"),
        "sed ran for an fstab without secrets: {raw}"
    );
    assert_eq!(
        section_lines(&raw, "fstab"),
        plain.lines().collect::<Vec<_>>(),
        "{raw}"
    );

    // The same file with secret lines among its lines, with the real sed.
    let mixed = format!(
        "{plain}\n//f/s /mnt/s cifs user=u,PassWord=Hunter2-s3cr3t,vers=3.0 0 0\n# pass=x\n\
         mon1:/ /mnt/ceph ceph name=k,secret=AQBs3cr3t== 0 0\nlast 0 0\n"
    );
    std::fs::write(&fstab_path, &mixed).expect("write fstab");
    let out = probe_in_private_mounts("mount --bind \"$1\" /etc/fstab", &[&fstab_path], &script);
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut expected: Vec<String> = plain.lines().map(str::to_owned).collect();
    expected.extend(
        [
            "//f/s /mnt/s cifs user=u,PassWord=***,vers=3.0 0 0",
            "# pass=***",
            "mon1:/ /mnt/ceph ceph name=k,secret=*** 0 0",
            "last 0 0",
        ]
        .map(str::to_owned),
    );
    assert_eq!(section_lines(&raw, "fstab"), expected, "{raw}");
}

/// On a node's first sweep the write test waits for the end of the script, so
/// the share budget's USR1 is still caught while the local files are read. A
/// cut that lands while `sed` redacts a line must not kill it: the line would
/// be missing, and the diagnosis would say the share is not in fstab. The
/// stand-in `sed` signals its process group itself, as the node's `timeout`
/// does when the budget ends, then runs the real one.
#[test]
fn a_cut_while_a_secret_line_is_redacted_loses_no_fstab_line() {
    require_root();
    let (tmp, share) = temp_share();
    let dir = share.to_str().expect("utf-8");
    let fstab_path = tmp.path().join("fstab");
    std::fs::write(
        &fstab_path,
        fixture_fstab().replace("/mnt/cluster-share", dir),
    )
    .expect("write fstab");
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir bin");
    let log = tmp.path().join("sed.log");
    cutting_tool(&bin, "sed", &log);
    let command =
        rivershare::transport::ssh::node_command(&script::build(dir, STEP), Duration::from_secs(8));
    assert!(command.contains("usr1"), "the exec path's cut: {command}");
    let out = probe_in_private_mounts(
        "mount --bind \"$1\" /etc/fstab && mount -t tmpfs rvs-fstab \"$2\" && \
         PATH=\"$3:$PATH\" && export PATH",
        &[&fstab_path, &share, &bin],
        &command,
    );
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{raw}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap_or_default(),
        "cut\n",
        "the stand-in sed ran once, for the one secret line"
    );
    let lines = section_lines(&raw, "fstab");
    assert!(
        lines.iter().any(|l| l.contains("password=***,vers=2.1")),
        "the redacted line is missing: {raw}"
    );
    assert!(!raw.contains(SECRETS[0]), "{raw}");
    let facts = parse::parse(&out.stdout, dir);
    let persistence = facts.persistence.expect("persistence");
    assert!(persistence.fstab, "{raw}");
    // The rest of the script went on: the write test ran, under its own
    // `timeout` since the cut had been seen.
    assert!(raw.contains("@@rivershare write ok\n"), "{raw}");
    assert!(raw.ends_with("@@rivershare end\n"), "{raw}");
}

/// A share mounted by a systemd mount unit, with no fstab line: the probe reads
/// the unit's `[Mount]` keys, redacted on the node, and the audit sees them as
/// the persistent definition (the password in a world-readable unit file is the
/// same risk as in /etc/fstab).
#[test]
fn mount_unit_options_are_read_and_redacted_on_the_node() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let share = tmp.path().join("unit share");
    std::fs::create_dir(&share).expect("mkdir share");
    let dir = share.to_str().expect("utf-8");
    let (units, name, empty_fstab) = enabled_mount_unit(
        tmp.path(),
        dir,
        "[Unit]\nDescription=KohakuRiver share\n\n[Mount]\nWhat=//fileserver/cluster\n\
         Where=@WHERE@\nType=cifs\nOptions=password=Hunter2-s3cr3t,username=kohaku,vers=3.0\n\n\
         [Install]\nWantedBy=remote-fs.target\n",
    );

    let script = script::build(dir, STEP);
    let out = probe_in_private_mounts(
        "mount --bind \"$1\" /etc/fstab && mkdir -p /etc/systemd/system && \
         mount --bind \"$2\" /etc/systemd/system && mount -t tmpfs rvs-unit \"$3\"",
        &[&empty_fstab, &units, &share],
        &script,
    );
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "probe under unshare failed: {}\n{raw}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(raw.contains("@@rivershare mountunits ok"), "{raw}");
    for secret in SECRETS {
        assert!(!raw.contains(secret), "{secret:?} leaked:\n{raw}");
    }
    let facts = parse::parse(&out.stdout, dir);
    let persistence = facts.persistence.clone().expect("persistence");
    assert!(!persistence.fstab);
    assert_eq!(persistence.mount_unit.as_deref(), Some(name.as_str()));
    assert_eq!(
        persistence.fstab_entry,
        Some(FstabEntry {
            source: "//fileserver/cluster".into(),
            target: dir.into(),
            fstype: "cifs".into(),
            options: ["password=***", "username=kohaku", "vers=3.0"]
                .map(String::from)
                .to_vec(),
        })
    );
    // The audit names where the password is: the unit, not /etc/fstab.
    let (_, findings) = diagnose_one(dir, facts);
    let creds = credentials_finding(&findings);
    assert!(
        creds.title.contains(&format!("mount unit {name}")),
        "{}",
        creds.title
    );
}

/// SHARED_DIR is a symlink to a folder inside a mount point whose name needs
/// escaping ("-", a space, UTF-8): the probe looks up the unit of the real
/// mount point, found from the real path the share group saw, not of the path
/// as configured; the enabling link is seen, no other unit is listed.
#[test]
fn the_unit_of_a_symlinked_shared_dirs_mount_point_is_found() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store -é");
    std::fs::create_dir(&store).expect("mkdir store");
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(store.join("kohaku"), &link).expect("symlink");
    let dir = link.to_str().expect("utf-8");
    let target = store.to_str().expect("utf-8");
    let (units, name, empty_fstab) = enabled_mount_unit(
        tmp.path(),
        target,
        "[Mount]\nWhat=srv:/export\nWhere=@WHERE@\nType=nfs4\nOptions=hard\n",
    );

    let out = probe_in_private_mounts(
        "mount --bind \"$1\" /etc/fstab && mkdir -p /etc/systemd/system && \
         mount --bind \"$2\" /etc/systemd/system && mount -t tmpfs rvs-unit \"$3\" && \
         mkdir \"$3/kohaku\"",
        &[&empty_fstab, &units, &store],
        &script::build(dir, STEP),
    );
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{raw}");
    let listed: Vec<&str> = raw
        .split("@@rivershare units ok\n")
        .nth(1)
        .and_then(|rest| rest.split("@@rivershare").next())
        .expect("a units section")
        .lines()
        .collect();
    // The fixture's folder is bind-mounted there.
    let u = "/etc/systemd/system";
    assert_eq!(
        listed,
        [
            format!("|{u}/{name}"),
            format!("|{u}/remote-fs.target.wants/{name}")
        ],
        "{raw}"
    );
    let facts = parse::parse(&out.stdout, dir);
    assert_eq!(
        facts.mount.as_ref().map(|m| m.target.as_str()),
        Some(target)
    );
    let persistence = facts.persistence.expect("persistence");
    assert_eq!(persistence.mount_unit.as_deref(), Some(name.as_str()));
    assert_eq!(
        persistence.fstab_entry.map(|e| (e.source, e.fstype)),
        Some(("srv:/export".to_owned(), "nfs4".to_owned()))
    );
    assert!(
        !facts.warnings.iter().any(|w| w.contains("no .wants link")),
        "{:?}",
        facts.warnings
    );
}

/// In `tmp`: a folder of units holding the mount unit of `mount_point` (`body`,
/// its `@WHERE@` replaced by the mount point), enabled by a link in
/// remote-fs.target.wants, and an fstab without lines. Returns the folder, the
/// unit's name and the fstab.
fn enabled_mount_unit(
    tmp: &Path,
    mount_point: &str,
    body: &str,
) -> (std::path::PathBuf, String, std::path::PathBuf) {
    let units = tmp.join("units");
    let wants = units.join("remote-fs.target.wants");
    std::fs::create_dir_all(&wants).expect("mkdir units");
    let name = format!(
        "{}.mount",
        rivershare::probe::parse::persist::systemd_escape_path(mount_point)
    );
    std::fs::write(units.join(&name), body.replace("@WHERE@", mount_point)).expect("unit");
    std::os::unix::fs::symlink(units.join(&name), wants.join(&name)).expect("enable");
    let empty_fstab = tmp.join("fstab");
    std::fs::write(&empty_fstab, "# no lines\n").expect("fstab");
    (units, name, empty_fstab)
}

/// One reachable Runner at `dir` with these probe facts, and its findings.
fn diagnose_one(dir: &str, facts: rivershare::facts::ProbeFacts) -> (NodeFacts, Vec<Finding>) {
    let node = NodeFacts {
        name: "runner-1".into(),
        role: Role::Runner,
        address: "127.0.0.1".into(),
        shared_dir: dir.into(),
        shared_dir_source: SharedDirSource::Config,
        reachable: true,
        rtt_ms: None,
        error: None,
        probe: Some(facts),
        kohakuriver: None,
    };
    let policy = Policy {
        min_free_bytes: 0,
        slow_io_mbps: 0.0,
    };
    let findings = diagnose(std::slice::from_ref(&node), policy);
    (node, findings)
}

fn credentials_finding(findings: &[Finding]) -> &Finding {
    findings
        .iter()
        .find(|f| f.code == Code::CredentialsInFstab)
        .unwrap_or_else(|| panic!("credentials_in_fstab expected: {findings:#?}"))
}

/// Runs `script` with the real `sh` in a private mount namespace, after `setup`
/// (a shell line whose `$1`, `$2`, ... are `paths`) has put the fixtures in place.
fn probe_in_private_mounts(setup: &str, paths: &[&Path], script: &str) -> std::process::Output {
    let n = paths.len() + 1;
    Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!("{setup} && exec sh -c \"${{{n}}}\""))
        .arg("rivershare-private-mounts")
        .args(paths)
        .arg(script)
        .stdin(Stdio::null())
        .current_dir("/")
        .output()
        .expect("unshare runs")
}
