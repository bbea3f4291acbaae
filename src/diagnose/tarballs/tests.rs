use super::super::tarball_fixture::{DIR, inventory};
use super::super::{Code, Policy, Severity, diagnose_with};
use crate::facts::{NodeFacts, Role};
use crate::tarballs::TarballInventory;
use crate::testutil::healthy;

const POLICY: Policy = Policy {
    min_free_bytes: 0,
    slow_io_mbps: 0.0,
};

fn nodes() -> Vec<NodeFacts> {
    let mut nodes = vec![
        healthy("host", Role::Host),
        healthy("runner-01", Role::Runner),
        healthy("runner-02", Role::Runner),
        healthy("runner-03", Role::Runner),
    ];
    // runner-02 mounts the share elsewhere: its commands must use its own path.
    nodes[2].shared_dir = "/data/share".to_owned();
    nodes
}

fn tarball_findings(inv: &TarballInventory) -> Vec<super::Finding> {
    diagnose_with(&nodes(), None, Some(inv), POLICY)
        .into_iter()
        .filter(|f| f.code.as_str().starts_with("tarball_"))
        .collect()
}

#[test]
fn every_status_gives_its_finding() {
    let found = tarball_findings(&inventory());
    let codes: Vec<(&str, Severity, Vec<String>)> = found
        .iter()
        .map(|f| (f.code.as_str(), f.severity, f.nodes.clone()))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        codes,
        vec![
            ("tarball_not_visible", Severity::Critical, s(&["runner-02"])),
            ("tarball_name_case", Severity::Warning, s(&["host"])),
            ("tarball_superseded", Severity::Info, s(&["host"])),
            ("tarball_in_progress", Severity::Info, s(&["host"])),
            ("tarball_unrecognized", Severity::Info, s(&["host"])),
        ]
    );
}

#[test]
fn not_visible_names_each_file_with_its_reason_and_the_runners_own_path() {
    let found = tarball_findings(&inventory());
    let f = found
        .iter()
        .find(|f| f.code == Code::TarballNotVisible)
        .expect("not visible");
    assert_eq!(
        f.evidence,
        vec![
            "runner-02: base-1700000300.tar: missing (No such file or directory)",
            "runner-02: MyEnv-1700000500.tar: size differs (12 bytes, expected 50)",
        ]
    );
    assert!(f.why.contains("Tarball not found"), "{}", f.why);
    assert!(f.hint.contains("same storage on every node"), "{}", f.hint);
    assert_eq!(
        f.debug_commands,
        vec![
            "ls -la /data/share/kohakuriver-containers",
            "findmnt -T /data/share"
        ]
    );
}

#[test]
fn name_case_suggests_a_non_clobbering_rename_to_lower_case() {
    let found = tarball_findings(&inventory());
    let f = found
        .iter()
        .find(|f| f.code == Code::TarballNameCase)
        .expect("name case");
    assert!(f.title.contains("MyEnv"), "{}", f.title);
    assert!(f.hint.contains("lower-cased name (myenv)"), "{}", f.hint);
    assert_eq!(
        f.commands,
        vec![format!(
            "mv -n -- {DIR}/MyEnv-1700000500.tar {DIR}/myenv-1700000500.tar"
        )]
    );
}

#[test]
fn superseded_reports_reclaimable_bytes_per_name_and_the_prune_command() {
    let found = tarball_findings(&inventory());
    let f = found
        .iter()
        .find(|f| f.code == Code::TarballSuperseded)
        .expect("superseded");
    assert!(f.title.starts_with("base: 2 older versions"), "{}", f.title);
    assert!(f.title.contains("300 B reclaimable"), "{}", f.title);
    assert_eq!(f.commands, vec!["rivershare prune --name base"]);
}

#[test]
fn in_progress_names_the_last_good_version() {
    let found = tarball_findings(&inventory());
    let f = found
        .iter()
        .find(|f| f.code == Code::TarballInProgress)
        .expect("in progress");
    assert!(f.title.contains("gpu-env-1700000900.tar"), "{}", f.title);
    assert!(
        f.hint
            .contains("gpu-env-1700000800.tar, is kept as last_good"),
        "{}",
        f.hint
    );
}

#[test]
fn info_findings_do_not_raise_the_exit_code() {
    let mut inv = inventory();
    inv.visibility.clear();
    inv.entries.retain(|e| e.name.as_deref() != Some("MyEnv"));
    // Only the tarball findings: runner-02's other path also gives shared_dir_differs.
    let findings = tarball_findings(&inv);
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f.severity == Severity::Info));
    assert_eq!(crate::report::exit_code(&findings), 0);
}

#[test]
fn a_failed_inventory_or_no_inventory_adds_nothing() {
    let mut inv = inventory();
    inv.error = Some("no reachable node".to_owned());
    assert!(tarball_findings(&inv).is_empty());
    let none = diagnose_with(&nodes(), None, None, POLICY);
    assert!(
        none.iter()
            .all(|f| !f.code.as_str().starts_with("tarball_"))
    );
}

#[test]
fn hostile_names_are_quoted_in_commands() {
    let mut inv = inventory();
    for e in &mut inv.entries {
        if e.name.as_deref() == Some("base") {
            e.name = Some("b$(reboot) x".to_owned());
        }
    }
    let found = tarball_findings(&inv);
    let f = found
        .iter()
        .find(|f| f.code == Code::TarballSuperseded)
        .expect("superseded");
    assert_eq!(f.commands, vec!["rivershare prune --name 'b$(reboot) x'"]);
}
