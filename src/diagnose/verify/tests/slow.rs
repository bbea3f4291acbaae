//! `slow_storage`: the speed test's threshold.

use super::*;

#[test]
fn slow_storage_is_strictly_below_the_threshold_for_write_or_read() {
    let mut sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
        ("runner-03", Node::On("nfs")),
        ("runner-04", Node::On("nfs")),
    ]);
    sim.io_bench = Some(vec![
        bench("host", Some(50.0), Some(50.0)),
        bench("runner-01", Some(49.9), Some(400.0)),
        bench("runner-02", Some(300.0), Some(12.5)),
        bench("runner-03", None, None),
        bench("runner-04", Some(f64::NAN), Some(900.0)),
    ]);
    let findings = run(&facts(&sim), &sim.report());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.code, Code::SlowStorage);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.nodes, names(&["runner-01", "runner-02"]));
    assert_eq!(f.title, "shared storage slower than 50 MB/s");
    assert_eq!(
        f.evidence,
        vec![
            "runner-01: write 49.9 MB/s, read 400.0 MB/s".to_owned(),
            "runner-02: write 300.0 MB/s, read 12.5 MB/s".to_owned()
        ]
    );
    assert!(f.hint.contains("wsize=131072") && f.hint.contains("noatime"));
    assert!(f.commands.is_empty(), "{:?}", f.commands);
    assert_eq!(
        f.debug_commands,
        vec![
            "findmnt -no OPTIONS -T /mnt/cluster-share".to_owned(),
            "nfsstat -m".to_owned(),
            "ip -s link".to_owned()
        ]
    );

    let strict = Policy {
        slow_io_mbps: 50.1,
        ..POLICY
    };
    let findings = diagnose_with(&facts(&sim), Some(&sim.report()), None, strict);
    assert_eq!(
        findings[0].nodes,
        names(&["host", "runner-01", "runner-02"])
    );
}
