//! Hostile remote output, produced for real: the real probe script run by the
//! real `sh` with a fake `findmnt`, `df` or `stat` earlier in PATH, and a real
//! process flooding the local transport. Each must become a warning on the
//! node's facts that names the step, never a panic or a made-up number.

use super::*;
use rivershare::probe::parse::limit::OUTPUT_CAP;
use rivershare::transport::Transport as _;
use rivershare::transport::local::LocalTransport;

/// A folder of fake tools (`name`, `sh` script body) and a share beside it.
fn fakes(tmp: &Path, tools: &[(&str, &str)]) -> (std::path::PathBuf, String) {
    let bin = tmp.join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    for (name, body) in tools {
        let p = bin.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("fake tool");
        cmd("chmod", &["755", p.to_str().expect("utf-8")]);
    }
    let share = tmp.join("share");
    std::fs::create_dir(&share).expect("mkdir");
    (bin, share.to_str().expect("utf-8").to_owned())
}

fn has(f: &ProbeFacts, part: &str) -> bool {
    f.warnings.iter().any(|w| w.contains(part))
}

/// findmnt prints 100 KB of garbage: the script cuts it at its body cap and
/// says so, the parser names both, and the mount still comes from mountinfo.
#[test]
fn findmnt_printing_garbage_is_a_findmnt_warning_and_mountinfo_answers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (bin, share) = fakes(
        tmp.path(),
        &[(
            "findmnt",
            "printf '\\033[31mSegmentation fault\\033[0m {\\n'; head -c 100000 /dev/zero | tr '\\0' 'x'",
        )],
    );
    let r = run_probe(&share, STEP, false, Some(&bin));
    let f = &r.facts;
    assert!(
        has(
            f,
            "section findmnt: stdout truncated at 65536 bytes (it printed 100030)"
        ),
        "{:?}",
        f.warnings
    );
    assert!(
        has(f, "findmnt: output is not JSON") && has(f, "mount read from mountinfo"),
        "{:?}",
        f.warnings
    );
    assert!(f.mount.is_some(), "{}", r.raw);
    assert!(f.usage.is_some() && f.access.as_ref().is_some_and(|a| a.write));
}

/// A df that prints inode columns (an alias, a wrapper): no usage at all
/// rather than inode counts taken for bytes, and a df warning saying why.
#[test]
fn df_with_inode_columns_is_a_df_warning_not_a_wrong_number() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (bin, share) = fakes(
        tmp.path(),
        &[(
            "df",
            "printf 'Filesystem      Inodes  IUsed   IFree IUse%% Mounted on\\n/dev/vda 16777216 345678 16431538 3%% /\\n'",
        )],
    );
    let r = run_probe(&share, STEP, false, Some(&bin));
    let f = &r.facts;
    assert!(r.raw.contains("@@rivershare df ok"), "{}", r.raw);
    assert!(
        has(f, "df: unexpected columns: inode counts"),
        "{:?}",
        f.warnings
    );
    assert_eq!(f.usage, None);
    assert!(f.mount.is_some() && f.access.as_ref().is_some_and(|a| a.read));
}

/// The owner `stat` prints is not UTF-8 (a name from another system's
/// encoding), for every path it is asked about: the stat section is named, the
/// rest of the node's facts are intact.
const STAT_LATIN1_OWNER: &str = r#"case "$3" in
  *%F*)
    for a in "$@"; do
      case $a in /*) printf 'directory|755|0|r\377\376t\n' ;; esac
    done
    ;;
  *) exec stat_real "$@" ;;
esac"#;

fn stat_faked(tmp: &Path) -> (std::path::PathBuf, String) {
    let (bin, share) = fakes(tmp, &[("stat", STAT_LATIN1_OWNER)]);
    let real = ["/usr/bin/stat", "/bin/stat"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("stat is installed");
    std::os::unix::fs::symlink(real, bin.join("stat_real")).expect("symlink");
    (bin, share)
}

#[test]
fn invalid_utf8_from_a_step_is_named_and_the_rest_is_read() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (bin, share) = stat_faked(tmp.path());
    std::fs::create_dir(Path::new(&share).join("shared_data")).expect("mkdir");
    let r = run_probe(&share, STEP, false, Some(&bin));
    let f = &r.facts;
    assert!(
        has(f, "section stat: output is not valid UTF-8"),
        "{:?}",
        f.warnings
    );
    assert!(f.mount.is_some() && f.usage.is_some());
    assert!(
        f.access.as_ref().is_some_and(|a| a.read && a.write),
        "{f:?}"
    );
    // The layout comes from the same stat: its folder is there, with its mode.
    let shared = f.layout.iter().find(|e| e.name == "shared_data");
    assert!(
        shared.is_some_and(|e| e.present && e.mode.as_deref() == Some("755")),
        "{:?}",
        f.layout
    );
}

/// A remote side that floods (2 MB in one section, far over anything the
/// probe script prints) through the real local transport: the parser reads
/// the first 1 MiB and says the output was cut.
#[test]
fn a_flood_over_the_output_cap_is_cut_and_reported() {
    let script = "printf '@@rivershare begin 1\\n@@rivershare host ok\\n|flood-node\\n@@rivershare flood ok\\n'; \
                  yes '|flooding' | head -c 2000000; printf '@@rivershare end\\n'";
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let out = rt
        .block_on(LocalTransport::new().run(script, Duration::from_secs(20)))
        .expect("sh runs");
    assert!(out.stdout.len() > 2_000_000, "{}", out.stdout.len());
    let f = parse::parse(&out.stdout, "/mnt/x");
    assert!(
        has(&f, &format!("over the {OUTPUT_CAP}-byte cap")),
        "{:?}",
        f.warnings
    );
    assert!(has(&f, "no end marker"), "{:?}", f.warnings);
    assert_eq!(f.hostname.as_deref(), Some("flood-node"));
}

/// End to end: `rivershare check --json` on a local node whose `df` prints
/// inode columns and whose `stat` prints invalid UTF-8 reports both on that
/// node (`nodes[].warnings`), and the run still completes with the node's
/// other facts.
#[test]
fn check_json_reports_hostile_output_on_the_node() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (bin, share) = fakes(
        tmp.path(),
        &[(
            "df",
            "printf 'Filesystem Inodes IUsed IFree IUse%% Mounted on\\n/dev/vda 10 1 9 10%% /\\n'",
        )],
    );
    std::os::unix::fs::symlink(
        ["/usr/bin/stat", "/bin/stat"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("stat is installed"),
        bin.join("stat_real"),
    )
    .expect("symlink");
    let fake = bin.join("stat");
    std::fs::write(&fake, format!("#!/bin/sh\n{STAT_LATIN1_OWNER}\n")).expect("fake stat");
    cmd("chmod", &["755", fake.to_str().expect("utf-8")]);
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "min_free_gib = 0\n[[nodes]]\nname = \"solo\"\nrole = \"host\"\ntransport = \"local\"\nshared_dir = {share:?}\n"
        ),
    )
    .expect("config");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_rivershare"))
        .args([
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--json",
        ])
        .env("PATH", path)
        .env("HOME", tmp.path())
        .env("XDG_CONFIG_HOME", tmp.path().join("config"))
        .env("XDG_STATE_HOME", tmp.path().join("state"))
        .env_remove("RIVERSHARE_CONFIG")
        .output()
        .expect("rivershare runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {stderr}"));
    let node = &report["nodes"][0];
    assert_eq!(node["name"], "solo", "{report}");
    let warnings: Vec<&str> = node["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    for part in [
        "df: unexpected columns: inode counts",
        "section stat: output is not valid UTF-8",
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(part)),
            "{part}: {warnings:?}"
        );
    }
    assert!(node["reachable"].as_bool().unwrap_or(false), "{node}");
}
