//! The engine end to end through the local transport: real `sh`, the real probe,
//! verification and tarball scripts, real files in temporary folders. No root
//! needed: the shared storage is one folder, seen by a second node through a
//! symlink, and a third node has a folder of its own.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use rivershare::audit::AuditLog;
use rivershare::config::Config;
use rivershare::diagnose::{Code, Finding, Severity};
use rivershare::engine::{
    self, DebugOutput, DebugTarget, Event, PruneRequest, PruneStep, SweepOptions,
};
use rivershare::sweep::{Fleet, Progress};
use rivershare::tarballs::{PruneOutcome, TarballStatus};

struct Cluster {
    tmp: tempfile::TempDir,
    share: PathBuf,
    tars: PathBuf,
    cfg: Config,
}

#[path = "support/local_config.rs"]
mod local_config;
use local_config::config;

fn write_tar(dir: &Path, name: &str, bytes: usize, age_secs: u64) {
    let p = dir.join(name);
    std::fs::write(&p, vec![b'x'; bytes]).expect("write tarball");
    let f = std::fs::File::options().write(true).open(&p).expect("open");
    f.set_modified(SystemTime::now() - Duration::from_secs(age_secs))
        .expect("set mtime");
}

/// host and r1 share one folder (r1 through a symlink); r2 has its own.
fn cluster(extra: &str) -> Cluster {
    let tmp = tempfile::tempdir().expect("tempdir");
    let share = tmp.path().join("share");
    let tars = share.join("kohakuriver-containers");
    std::fs::create_dir_all(&tars).expect("tarball folder");
    for d in ["shared_data", "logs"] {
        std::fs::create_dir_all(share.join(d)).expect("layout");
    }
    let r1 = tmp.path().join("r1-view");
    std::os::unix::fs::symlink(&share, &r1).expect("symlink");
    let r2 = tmp.path().join("r2-own");
    std::fs::create_dir_all(&r2).expect("r2 folder");
    let day = 86_400;
    write_tar(&tars, "base-1700000001.tar", 1000, 3 * day);
    write_tar(&tars, "base-1700000002.tar", 2000, 2 * day);
    write_tar(&tars, "base-1700000003.tar", 3000, day);
    write_tar(&tars, "solo-1700000000.tar", 5, day);
    let cfg = config(
        &[
            ("host", "host", &share),
            ("r1", "runner", &r1),
            ("r2", "runner", &r2),
        ],
        extra,
    );
    Cluster {
        tmp,
        share,
        tars,
        cfg,
    }
}

fn collect(events: &Mutex<Vec<Event>>) -> impl Fn(Event) + Sync + '_ {
    move |e| events.lock().expect("lock").push(e)
}

fn probed(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::NodeProbed { facts, .. } => Some(facts.name.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_streams_each_node_then_verifies_and_lists_tarballs_at_once() {
    // One node at a time, so streaming is visible: a node's facts must arrive
    // before the next node is even connected to.
    let c = cluster("concurrency = 1\n");
    let fleet = Fleet::prepare(c.cfg.clone(), false).await;
    let events = Mutex::new(Vec::new());
    let result = engine::sweep(&fleet, &SweepOptions::everything(), &collect(&events)).await;
    let events = events.into_inner().expect("lock");

    assert_eq!(probed(&events), ["host", "r1", "r2"]);
    let pos = |want: &dyn Fn(&Event) -> bool| {
        events
            .iter()
            .position(want)
            .unwrap_or_else(|| panic!("event missing in {events:#?}"))
    };
    let probed_at =
        |n: &str| pos(&|e| matches!(e, Event::NodeProbed { facts, .. } if facts.name == n));
    let connecting = |n: &str| {
        pos(&|e| matches!(e, Event::Progress(Progress::Connecting { node }) if node == n))
    };
    assert!(probed_at("host") < connecting("r1"), "{events:#?}");
    assert!(probed_at("r1") < connecting("r2"), "{events:#?}");
    // The Host can list, so the inventory needs nothing from verification or
    // from the other nodes: its listing begins as soon as the Host's probe is
    // in (here, one node at a time, before r2's probe is), so it runs beside
    // the probes and verification; its node's probe is not counted twice.
    let verified = pos(&|e| matches!(e, Event::Verified(_)));
    let listing = pos(
        &|e| matches!(e, Event::Progress(Progress::ListingTarballs { node }) if node == "host"),
    );
    let tarballs = pos(&|e| matches!(e, Event::Tarballs(_)));
    assert!(probed_at("host") < listing, "{events:#?}");
    assert!(listing < probed_at("r2"), "{events:#?}");
    assert!(
        probed_at("r2") < verified && probed_at("r2") < tarballs,
        "{events:#?}"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Progress(Progress::Connecting { .. })))
            .count(),
        3,
        "one Connecting a node, from the probes: {events:#?}"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Verified(_)))
            .count(),
        1
    );

    // The raw probe output is the real script's, framed.
    for e in &events {
        if let Event::NodeProbed { facts, raw } = e {
            let raw = raw.as_deref().expect("the probe ran");
            assert!(raw.contains("@@rivershare begin"), "{raw}");
            assert!(raw.len() <= engine::RAW_CAP);
            assert!(facts.reachable && facts.error.is_none(), "{facts:?}");
        }
    }

    let names: Vec<&str> = result.facts.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["host", "r1", "r2"]);
    assert_eq!(Path::new(&result.facts[0].shared_dir), c.share);
    let verify = result.verify.as_ref().expect("verification ran");
    let mut shared = verify.shared.clone().expect("a shared group");
    shared.sort();
    assert_eq!(shared, ["host", "r1"]);
    let inv = result.tarballs.as_ref().expect("inventory ran");
    assert_eq!(inv.node.as_deref(), Some("host"));
    assert_eq!(
        inv.dir.as_deref(),
        Some(c.tars.to_str().expect("utf-8")),
        "discovery is off: the default folder"
    );
    assert!(
        result
            .findings
            .iter()
            .any(|f| f.code == Code::NotShared && f.nodes == ["r2"]),
        "{:#?}",
        result.findings
    );
    let report = result
        .clone()
        .into_report("engine-test.toml".into(), vec!["a note".into()]);
    assert_eq!(report.exit_code, 2, "not_shared is critical");
    assert_eq!(report.notes, ["a note"]);
}

/// When the Host cannot list, the inventory waits for verification: the first
/// usable member of the shared group lists. Here the Host is unreachable (SSH
/// to a closed port), r2 has a folder of its own and comes first, r1 and r3
/// share one folder: the group picks r1, where config order alone would pick r2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_host_the_inventory_waits_for_the_shared_group() {
    let c = cluster("");
    let r2 = c.tmp.path().join("r2-own");
    let r1 = c.tmp.path().join("r1-view");
    let r3 = c.tmp.path().join("r3-view");
    std::os::unix::fs::symlink(&c.share, &r3).expect("symlink");
    let host = "connect_timeout_secs = 2\n\n[[nodes]]\nname = \"host\"\nrole = \"host\"\n\
                address = \"127.0.0.1\"\nport = 9\nshared_dir = \"/srv/nowhere\"\n";
    let cfg = config(
        &[
            ("r2", "runner", &r2),
            ("r1", "runner", &r1),
            ("r3", "runner", &r3),
        ],
        host,
    );
    let fleet = Fleet::prepare(cfg, false).await;
    let events = Mutex::new(Vec::new());
    let result = engine::sweep(&fleet, &SweepOptions::everything(), &collect(&events)).await;
    let events = events.into_inner().expect("lock");

    let host = result
        .facts
        .iter()
        .find(|f| f.name == "host")
        .expect("host");
    assert!(host.error.is_some(), "the Host is unusable: {host:?}");
    let mut shared = result
        .verify
        .as_ref()
        .and_then(|v| v.shared.clone())
        .expect("a shared group");
    shared.sort();
    assert_eq!(shared, ["r1", "r3"]);
    let inv = result.tarballs.as_ref().expect("inventory ran");
    assert_eq!(inv.node.as_deref(), Some("r1"), "{inv:?}");
    assert_eq!(inv.entries.len(), 4, "{inv:?}");
    let pos = |want: &dyn Fn(&Event) -> bool| {
        events
            .iter()
            .position(want)
            .unwrap_or_else(|| panic!("event missing in {events:#?}"))
    };
    let verified = pos(&|e| matches!(e, Event::Verified(_)));
    let listing =
        pos(&|e| matches!(e, Event::Progress(Progress::ListingTarballs { node }) if node == "r1"));
    assert!(verified < listing, "{events:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_sweep_probes_only_the_named_node_and_a_second_sweep_reuses_the_fleet() {
    let c = cluster("");
    let fleet = Fleet::prepare(c.cfg.clone(), false).await;
    let first = engine::sweep(&fleet, &SweepOptions::everything(), &|_| {}).await;
    assert_eq!(first.facts.len(), 3);

    let events = Mutex::new(Vec::new());
    let opts = SweepOptions {
        nodes: Some(vec!["r1".into()]),
        ..SweepOptions::everything()
    };
    let partial = engine::sweep(&fleet, &opts, &collect(&events)).await;
    let events = events.into_inner().expect("lock");
    assert_eq!(probed(&events), ["r1"]);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Verified(_) | Event::Tarballs(_))),
        "a partial sweep probes mounts only: {events:#?}"
    );
    assert_eq!(partial.facts.len(), 1);
    assert_eq!(partial.facts[0].name, "r1");
    assert!(partial.verify.is_none() && partial.tarballs.is_none());

    // The same fleet again, everything: same facts as the first time.
    let again = engine::sweep(&fleet, &SweepOptions::everything(), &|_| {}).await;
    assert_eq!(again.facts.len(), 3);
    for (a, b) in first.facts.iter().zip(&again.facts) {
        assert_eq!(
            (&a.name, a.reachable, &a.error),
            (&b.name, b.reachable, &b.error)
        );
        assert_eq!(
            a.probe.as_ref().and_then(|p| p.mount.clone()),
            b.probe.as_ref().and_then(|p| p.mount.clone())
        );
    }
    let codes = |r: &engine::SweepResult| r.findings.iter().map(|f| f.code).collect::<Vec<_>>();
    assert_eq!(codes(&first), codes(&again));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_steps_once_per_file_and_really_deletes_superseded_ones() {
    let c = cluster("");
    let fleet = Fleet::prepare(c.cfg.clone(), false).await;
    let opts = SweepOptions {
        verify: false,
        ..SweepOptions::everything()
    };
    let swept = engine::sweep(&fleet, &opts, &|_| {}).await;
    let inv = swept.tarballs.expect("inventory");
    assert!(inv.error.is_none(), "{:?}", inv.error);
    let request = PruneRequest {
        keep: 1,
        names: Vec::new(),
        dry_run: true,
    };
    let plan = request.plan(&inv);
    let mut planned: Vec<&str> = plan.iter().map(|e| e.file.as_str()).collect();
    planned.sort();
    assert_eq!(planned, ["base-1700000001.tar", "base-1700000002.tar"]);
    assert!(plan.iter().all(|e| e.status == TarballStatus::Superseded));

    // Dry run: a step per file, nothing touched.
    let steps = Mutex::new(Vec::<PruneStep>::new());
    let on_step = |s| steps.lock().expect("lock").push(s);
    let dry = engine::prune(&fleet, &inv, &plan, request.clone(), None, &on_step).await;
    let taken = std::mem::take(&mut *steps.lock().expect("lock"));
    assert_eq!(taken.len(), 2);
    assert!(
        taken
            .iter()
            .all(|s| s.result.outcome == PruneOutcome::WouldDelete)
    );
    assert!(c.tars.join("base-1700000001.tar").exists());
    assert_eq!(dry.exit_code, 0);

    // For real, with the audit log.
    let log_path = c.tmp.path().join("state/audit.log");
    let log = AuditLog::at(&log_path);
    log.ensure_writable().expect("audit log writable");
    let real = PruneRequest {
        dry_run: false,
        ..request
    };
    let report = engine::prune(&fleet, &inv, &plan, real, Some(&log), &on_step).await;
    let taken = steps.into_inner().expect("lock");
    assert_eq!(taken.len(), plan.len(), "{taken:#?}");
    let dones: Vec<usize> = taken.iter().map(|s| s.done).collect();
    assert_eq!(dones, [1, 2]);
    assert!(taken.iter().all(|s| s.total == 2));
    assert!(
        taken
            .iter()
            .all(|s| s.result.outcome == PruneOutcome::Deleted),
        "{taken:#?}"
    );
    assert!(!c.tars.join("base-1700000001.tar").exists());
    assert!(!c.tars.join("base-1700000002.tar").exists());
    assert!(
        c.tars.join("base-1700000003.tar").exists(),
        "the latest stays"
    );
    assert!(c.tars.join("solo-1700000000.tar").exists());
    assert_eq!(report.exit_code, 0);
    assert_eq!(
        report.audit_log.as_deref(),
        Some(log_path.to_str().expect("utf-8"))
    );
    let lines = std::fs::read_to_string(&log_path).expect("audit log");
    assert_eq!(lines.lines().count(), 2, "{lines}");
    assert!(lines.contains("base-1700000001.tar") && lines.contains("base-1700000002.tar"));
    assert!(lines.contains("node=host"), "{lines}");
}

fn finding(code: Code, nodes: &[&str]) -> Finding {
    Finding {
        code,
        severity: Severity::Critical,
        nodes: nodes.iter().map(|n| (*n).to_owned()).collect(),
        title: "t".into(),
        why: String::new(),
        hint: "h".into(),
        debug_commands: Vec::new(),
        commands: Vec::new(),
        evidence: Vec::new(),
    }
}

async fn debug(fleet: &Fleet, targets: &[DebugTarget]) -> Vec<DebugOutput> {
    let out = Mutex::new(Vec::new());
    engine::run_debug(fleet, targets, &|o| out.lock().expect("lock").push(o)).await;
    out.into_inner().expect("lock")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_commands_run_per_node_and_a_hung_command_times_out() {
    let c = cluster("");
    let fleet = Fleet::prepare(c.cfg.clone(), false).await;
    let swept = engine::sweep(&fleet, &SweepOptions::everything(), &|_| {}).await;
    let targets = engine::targets(&finding(Code::NotShared, &["host", "r2"]), &swept.facts);
    assert_eq!(targets.len(), 2);
    let outputs = debug(&fleet, &targets).await;
    let expected: usize = targets.iter().map(|t| t.commands.len()).sum();
    assert_eq!(outputs.len(), expected, "{outputs:#?}");
    for t in &targets {
        let mine: Vec<&DebugOutput> = outputs.iter().filter(|o| o.node == t.node).collect();
        let commands: Vec<&str> = mine.iter().map(|o| o.command.as_str()).collect();
        assert_eq!(
            commands,
            t.commands.iter().map(String::as_str).collect::<Vec<_>>()
        );
        let findmnt = mine[0];
        assert!(findmnt.command.starts_with("findmnt -T "));
        assert_eq!(findmnt.exit_status, Some(0), "{findmnt:?}");
        assert!(findmnt.output.contains("TARGET"), "{findmnt:?}");
        let ls = mine
            .iter()
            .find(|o| o.command.starts_with("ls -la"))
            .expect("ls -la");
        assert_eq!(ls.exit_status, Some(0), "{ls:?}");
        assert!(mine.iter().all(|o| !o.timed_out));
    }
    let host_ls = outputs
        .iter()
        .find(|o| o.node == "host" && o.command.starts_with("ls -la"))
        .expect("host ls");
    assert!(
        host_ls.output.contains("kohakuriver-containers"),
        "{host_ls:?}"
    );

    // run_debug runs what it is given; a command that hangs hits its step limit
    // (command_timeout_secs = 3: 1 s steps), and the next command still runs.
    let hang = [DebugTarget {
        node: "r2".into(),
        commands: vec!["sleep 30".into(), "echo after".into()],
    }];
    let started = Instant::now();
    let outputs = debug(&fleet, &hang).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_eq!(outputs.len(), 2, "{outputs:#?}");
    assert!(
        outputs[0].timed_out && outputs[0].exit_status.is_none(),
        "{outputs:#?}"
    );
    assert!(!outputs[1].timed_out);
    assert_eq!(outputs[1].output, "after");
    assert_eq!(outputs[1].exit_status, Some(0));

    // A node that is not in the config says so for each command.
    let ghost = [DebugTarget {
        node: "ghost".into(),
        commands: vec!["findmnt -T /".into()],
    }];
    let outputs = debug(&fleet, &ghost).await;
    assert_eq!(outputs.len(), 1);
    assert!(
        outputs[0].output.contains("not in the config"),
        "{outputs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_shared_dir_stays_data_in_debug_commands() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let canary = tmp.path().join("CANARY");
    let dir = tmp.path().join(format!(
        "s $(touch {}) `touch {}` it's",
        canary.display(),
        canary.display()
    ));
    std::fs::create_dir_all(&dir).expect("hostile dir");
    let cfg = config(&[("evil", "runner", &dir)], "");
    let fleet = Fleet::prepare(cfg, false).await;
    let swept = engine::sweep(&fleet, &SweepOptions::everything(), &|_| {}).await;
    assert!(swept.facts[0].probe.as_ref().is_some_and(|p| p.is_dir));
    let targets = engine::targets(&finding(Code::NotMounted, &["evil"]), &swept.facts);
    assert_eq!(targets.len(), 1);
    let outputs = debug(&fleet, &targets).await;
    assert_eq!(outputs.len(), targets[0].commands.len());
    assert!(!canary.exists(), "a debug command ran the path as code");
    let stat = outputs
        .iter()
        .find(|o| o.command.starts_with("stat "))
        .expect("stat");
    assert_eq!(stat.exit_status, Some(0), "{stat:?}");
    assert!(stat.output.contains("$(touch"), "{stat:?}");
}

/// Set in the child run of the discovery test: the process's HOME is a
/// temporary folder holding a KohakuRiver Host config.
const CHILD: &str = "RIVERSHARE_ENGINE_TEST_CHILD";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_off_never_reads_the_hosts_kohakuriver_config() {
    let Some(home) = std::env::var_os(CHILD) else {
        // Run this very test again in a child whose HOME has a host_config.py
        // that moves the tarball folder (the environment is not ours to change).
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join(".kohakuriver")).expect("kohakuriver dir");
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).expect("elsewhere");
        std::fs::write(
            home.join(".kohakuriver/host_config.py"),
            format!("CONTAINER_DIR = '{}'\n", elsewhere.display()),
        )
        .expect("host config");
        run_child(
            "discovery_off_never_reads_the_hosts_kohakuriver_config",
            (CHILD, home.as_ref()),
            &home,
        );
        return;
    };
    let home = PathBuf::from(home);
    let elsewhere = home.parent().expect("tmp").join("elsewhere");
    let share = home.parent().expect("tmp").join("share");
    std::fs::create_dir_all(share.join("kohakuriver-containers")).expect("share");
    let opts = SweepOptions {
        verify: false,
        ..SweepOptions::everything()
    };
    let dir_with = |discovery: bool| {
        let mut cfg = config(&[("host", "host", &share)], "");
        cfg.kohakuriver_discovery = discovery;
        let opts = opts.clone();
        async move {
            let fleet = Fleet::prepare(cfg, false).await;
            let swept = engine::sweep(&fleet, &opts, &|_| {}).await;
            swept.tarballs.expect("inventory").dir.expect("a folder")
        }
    };
    // With discovery on (what the loader gives), the Host's config is honoured...
    assert_eq!(
        Path::new(&dir_with(true).await),
        elsewhere,
        "the setup must be seen, or the next check proves nothing"
    );
    // ...and with it off (the demo), never.
    assert_eq!(
        Path::new(&dir_with(false).await),
        share.join("kohakuriver-containers")
    );
}

/// Set in the child run of the SHARED_DIR discovery test: the process's HOME
/// holds a KohakuRiver Runner config naming the share at another path.
const CHILD_DISCOVERY: &str = "RIVERSHARE_ENGINE_TEST_DISCOVERY";

/// A node with no shared_dir in rivershare's config (neither on the node nor in
/// `[defaults]`) takes SHARED_DIR from its own KohakuRiver config, and every stage
/// uses it: the probe, verification, the tarball visibility, the findings, the
/// debug commands and the JSON report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discovered_shared_dir_is_used_by_every_stage() {
    let Some(tmp) = std::env::var_os(CHILD_DISCOVERY) else {
        let tmp = tempfile::tempdir().expect("tempdir");
        let share = tmp.path().join("share");
        for d in ["kohakuriver-containers", "shared_data", "logs"] {
            std::fs::create_dir_all(share.join(d)).expect("layout");
        }
        write_tar(
            &share.join("kohakuriver-containers"),
            "base-1700000001.tar",
            100,
            86_400,
        );
        // The Runner reaches the same storage through a symlink at another path.
        std::os::unix::fs::symlink(&share, tmp.path().join("runner view")).expect("symlink");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join(".kohakuriver")).expect("kohakuriver dir");
        std::fs::write(
            home.join(".kohakuriver/runner_config.py"),
            format!(
                "import os\nSHARED_DIR: str = {:?}\n",
                tmp.path().join("runner view").display().to_string()
            ),
        )
        .expect("runner config");
        run_child(
            "a_discovered_shared_dir_is_used_by_every_stage",
            (CHILD_DISCOVERY, tmp.path().as_os_str()),
            &home,
        );
        return;
    };
    let tmp = PathBuf::from(tmp);
    let share = tmp.join("share");
    let view = tmp.join("runner view").display().to_string();
    let text = format!(
        "min_free_gib = 0\ncommand_timeout_secs = 5\n\
         [[nodes]]\nname = \"host\"\nrole = \"host\"\ntransport = \"local\"\nshared_dir = {:?}\n\
         [[nodes]]\nname = \"r1\"\nrole = \"runner\"\ntransport = \"local\"\n",
        share.display().to_string()
    );
    let cfg = Config::from_toml_str(&text, Path::new("discovery-test.toml")).expect("valid");
    assert!(cfg.kohakuriver_discovery, "the loader turns discovery on");
    let fleet = Fleet::prepare(cfg, false).await;
    let swept = engine::sweep(&fleet, &SweepOptions::everything(), &|_| {}).await;
    let r1 = swept.facts.iter().find(|f| f.name == "r1").expect("r1");
    assert_eq!(r1.shared_dir, view);
    assert_eq!(
        r1.shared_dir_source,
        rivershare::facts::SharedDirSource::Kohakuriver
    );
    let k = r1.kohakuriver.as_ref().expect("discovery ran");
    assert!(
        k.config_path
            .as_deref()
            .is_some_and(|p| p.ends_with("home/.kohakuriver/runner_config.py")),
        "{k:?}"
    );
    // The probe looked at the discovered folder.
    let probe = r1.probe.as_ref().expect("probe");
    assert!(probe.exists && probe.is_dir, "{probe:?}");
    // Verification wrote and read there: r1 shares storage with the host.
    let verify = swept.verify.as_ref().expect("verify");
    assert_eq!(
        verify.shared.as_deref(),
        Some(&["host".to_owned(), "r1".to_owned()][..]),
        "{verify:#?}"
    );
    // The Runner was asked at its own path, and sees the tarball.
    let inv = swept.tarballs.as_ref().expect("inventory");
    let seen: Vec<_> = inv
        .visibility
        .iter()
        .map(|v| (v.runner.as_str(), v.status))
        .collect();
    assert_eq!(
        seen,
        [("r1", rivershare::tarballs::VisibilityStatus::Visible)],
        "{inv:#?}"
    );
    // Another string than the host's: shared_dir_differs, naming r1 and both paths.
    let differs = swept
        .findings
        .iter()
        .find(|f| f.code == Code::SharedDirDiffers)
        .expect("shared_dir_differs");
    assert_eq!(differs.nodes, ["r1"]);
    assert!(
        differs.evidence.iter().any(|e| e == &format!("r1: {view}")),
        "{:?}",
        differs.evidence
    );
    // Debug commands of a finding on r1 name the discovered folder.
    let targets = engine::targets(differs, &swept.facts);
    assert!(
        targets[0].commands.contains(&format!("ls -la '{view}'")),
        "{targets:?}"
    );
    // The JSON report says where it came from.
    let report = swept.into_report("test".into(), vec![]);
    let json = serde_json::to_value(&report).expect("json");
    let source = |name: &str| {
        json["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["name"] == name)
            .map(|n| n["shared_dir_source"].clone())
    };
    assert_eq!(source("r1"), Some(serde_json::json!("kohakuriver")));
    assert_eq!(source("host"), Some(serde_json::json!("config")));
}

/// Runs one test of this binary again as a child process, with `HOME` (and so
/// `~/.kohakuriver/`) of its own and `var` telling it that it is the child.
fn run_child(test: &str, var: (&str, &std::ffi::OsStr), home: &std::path::Path) {
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", test, "--nocapture"])
        .env(var.0, var.1)
        .env("HOME", home)
        .output()
        .expect("child test runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("1 passed"),
        "child failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
