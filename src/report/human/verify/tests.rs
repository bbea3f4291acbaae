use std::time::{Duration, UNIX_EPOCH};

use crate::diagnose::{Policy, diagnose_with};
use crate::facts::{
    Access, AccessError, AccessErrorKind, NodeError, NodeErrorKind, NodeFacts, Role,
};
use crate::report::CheckReport;
use crate::report::human::{Style, render};
use crate::testutil::healthy;
use crate::verify::CellStatus;
use crate::verify::matrix::fixtures::{Node, Sim, bench};

const POLICY: Policy = Policy {
    min_free_bytes: 20 << 30,
    slow_io_mbps: 50.0,
};

fn facts(sim: &Sim) -> Vec<NodeFacts> {
    sim.names()
        .iter()
        .enumerate()
        .map(|(i, n)| healthy(n, if i == 0 { Role::Host } else { Role::Runner }))
        .collect()
}

fn report(sim: &Sim, nodes: &[NodeFacts]) -> CheckReport {
    let verify = sim.report();
    let findings = diagnose_with(nodes, Some(&verify), None, POLICY);
    CheckReport::new(
        nodes,
        findings,
        UNIX_EPOCH,
        Duration::from_millis(5321),
        "/etc/rivershare.toml".to_owned(),
        vec![],
        Some(verify),
    )
}

fn text(sim: &Sim, nodes: &[NodeFacts]) -> String {
    render(&report(sim, nodes), Style { color: false })
}

fn on_local(node: &mut NodeFacts, fstype: &str, source: &str) {
    let mount = node
        .probe
        .as_mut()
        .and_then(|p| p.mount.as_mut())
        .expect("mount");
    mount.fstype = fstype.to_owned();
    mount.source = source.to_owned();
    mount.target = "/".to_owned();
    mount.network = false;
    mount.options = vec!["rw".to_owned()];
}

fn unreachable(node: &mut NodeFacts) {
    node.reachable = false;
    node.probe = None;
    node.error = Some(NodeError::new(
        NodeErrorKind::Unreachable,
        format!("{}:22: connection refused", node.address),
    ));
}

#[test]
fn healthy_four_nodes() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
        ("runner-03", Node::On("nfs")),
    ]);
    insta::assert_snapshot!(text(&sim, &facts(&sim)));
}

#[test]
fn local_disk_and_tmpfs_nodes() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-local", Node::On("disk")),
        ("runner-tmpfs", Node::On("tmpfs")),
        ("runner-02", Node::On("nfs")),
    ]);
    let mut nodes = facts(&sim);
    on_local(&mut nodes[2], "ext4", "/dev/vda1");
    on_local(&mut nodes[3], "tmpfs", "tmpfs");
    insta::assert_snapshot!(text(&sim, &nodes));
}

#[test]
fn read_only_node_reads_but_does_not_write() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-ro", Node::ReadOnly("nfs")),
        ("runner-down", Node::Unreachable),
    ]);
    let mut nodes = facts(&sim);
    nodes[2].probe.as_mut().expect("probe").access = Some(Access {
        read: true,
        write: false,
        error: Some(AccessError {
            kind: AccessErrorKind::ReadOnly,
            detail: "write: Read-only file system".to_owned(),
        }),
    });
    unreachable(&mut nodes[3]);
    insta::assert_snapshot!(text(&sim, &nodes));
}

#[test]
fn split_two_and_two() {
    let sim = Sim::new(&[
        ("host", Node::On("a")),
        ("runner-01", Node::On("b")),
        ("runner-02", Node::On("a")),
        ("runner-03", Node::On("b")),
    ]);
    insta::assert_snapshot!(text(&sim, &facts(&sim)));
}

#[test]
fn mismatch_and_a_hung_reader() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
        ("runner-03", Node::Hung),
    ])
    .with(
        "host",
        "runner-02",
        CellStatus::Mismatch,
        "found token 7c1e9a (host, 2026-11-25T09:12:44Z), expected 3f9a02",
    );
    insta::assert_snapshot!(text(&sim, &facts(&sim)));
}

#[test]
fn io_bench_results() {
    let mut sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
    ]);
    sim.io_bench = Some(vec![
        bench("host", Some(412.3), Some(980.0)),
        bench("runner-01", Some(31.2), Some(118.6)),
        crate::verify::BenchResult {
            error: Some("dd: No space left on device".to_owned()),
            ..bench("runner-02", None, None)
        },
    ]);
    insta::assert_snapshot!(text(&sim, &facts(&sim)));
}

#[test]
fn twenty_nodes_stay_narrow() {
    let mut layout: Vec<(String, Node)> = vec![("host".to_owned(), Node::On("nfs"))];
    for i in 1..=19 {
        let kind = match i {
            7 => Node::On("disk"),
            12 => Node::ReadOnly("nfs"),
            _ => Node::On("nfs"),
        };
        layout.push((format!("gpu-runner-{i:02}"), kind));
    }
    let refs: Vec<(&str, Node)> = layout
        .iter()
        .map(|(n, k)| (n.as_str(), k.clone()))
        .collect();
    let sim = Sim::new(&refs);
    let mut nodes = facts(&sim);
    on_local(&mut nodes[7], "ext4", "/dev/nvme0n1p2");
    let out = text(&sim, &nodes);
    let grid_width = out
        .lines()
        .skip_while(|l| !l.starts_with("VERIFY"))
        .take_while(|l| !l.starts_with("legend"))
        .map(|l| l.chars().count())
        .max()
        .expect("grid lines");
    assert!(grid_width <= 80, "grid is {grid_width} columns wide");
    insta::assert_snapshot!(out);
}

#[test]
fn many_nodes_print_in_blocks_of_readers() {
    let names: Vec<String> = (1..=70).map(|i| format!("n{i:03}")).collect();
    let refs: Vec<(&str, Node)> = names
        .iter()
        .map(|n| (n.as_str(), Node::On("nfs")))
        .collect();
    let sim = Sim::new(&refs);
    let out = text(&sim, &facts(&sim));
    assert!(out.contains("readers 1-24:\n"), "{out}");
    assert!(out.contains("readers 25-48:\n"));
    assert!(out.contains("readers 49-70:\n"));
    let widest = out
        .lines()
        .take_while(|l| !l.starts_with("legend"))
        .filter(|l| l.starts_with(char::is_numeric) || l.starts_with("writer"))
        .map(|l| l.chars().count())
        .max()
        .expect("grid lines");
    // The corner label "writer\\reader" is wider than the names here.
    assert_eq!(widest, "writer\\reader".len() + 24 * 3, "{out}");
    // Each block has a row per writer.
    assert_eq!(out.lines().filter(|l| l.starts_with("70 n070 ")).count(), 3);
}

#[test]
fn colour_only_adds_escapes() {
    let sim = Sim::new(&[("host", Node::On("a")), ("runner-01", Node::On("b"))]);
    let nodes = facts(&sim);
    let checked = report(&sim, &nodes);
    let plain = render(&checked, Style { color: false });
    let coloured = render(&checked, Style { color: true });
    assert!(coloured.contains("\x1b[1;31m!M\x1b[0m"), "{coloured}");
    let mut stripped = String::new();
    let mut rest = coloured.as_str();
    while let Some(start) = rest.find('\x1b') {
        stripped.push_str(&rest[..start]);
        let end = rest[start..].find('m').expect("escape ends with m");
        rest = &rest[start + end + 1..];
    }
    stripped.push_str(rest);
    assert_eq!(stripped, plain);
}
