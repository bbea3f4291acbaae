use super::fixtures::{Node, Sim};
use super::*;

fn grouping(sim: &Sim) -> Grouping {
    groups(&sim.names(), &sim.cells())
}

fn g(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn a_healthy_cluster_is_one_shared_group() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
        ("runner-03", Node::On("nfs")),
    ]);
    let all = g(&["host", "runner-01", "runner-02", "runner-03"]);
    assert_eq!(
        grouping(&sim),
        Grouping {
            groups: vec![all.clone()],
            shared: Some(all),
            split: false
        }
    );
}

#[test]
fn local_dir_and_tmpfs_nodes_see_only_themselves() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-local", Node::On("local-disk-1")),
        ("runner-01", Node::On("nfs")),
        ("runner-tmpfs", Node::On("tmpfs-3")),
    ]);
    let r = grouping(&sim);
    assert_eq!(
        r.groups,
        vec![
            g(&["host", "runner-01"]),
            g(&["runner-local"]),
            g(&["runner-tmpfs"])
        ]
    );
    assert_eq!(r.shared, Some(g(&["host", "runner-01"])));
    assert!(!r.split);
}

#[test]
fn read_only_nodes_join_the_group_they_read_even_without_writing() {
    // Two read-only nodes: nothing between them can be attempted, yet both read
    // every writer's token, so both belong to the shared storage.
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-ro1", Node::ReadOnly("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-ro2", Node::ReadOnly("nfs")),
    ]);
    let all = g(&["host", "runner-ro1", "runner-01", "runner-ro2"]);
    let r = grouping(&sim);
    assert_eq!(r.groups, vec![all.clone()]);
    assert_eq!(r.shared, Some(all));
}

#[test]
fn a_read_only_node_on_local_disk_is_in_no_group() {
    // It reads nothing and writes nothing: no `ok` cell proves anything about it.
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-ro", Node::ReadOnly("local")),
    ]);
    let r = grouping(&sim);
    assert_eq!(r.groups, vec![g(&["host", "runner-01"])]);
}

#[test]
fn a_different_export_is_a_second_group() {
    let sim = Sim::new(&[
        ("host", Node::On("export-a")),
        ("runner-01", Node::On("export-a")),
        ("runner-02", Node::On("export-b")),
        ("runner-03", Node::On("export-a")),
    ]);
    let r = grouping(&sim);
    assert_eq!(
        r.groups,
        vec![g(&["host", "runner-01", "runner-03"]), g(&["runner-02"])]
    );
    assert_eq!(r.shared, Some(g(&["host", "runner-01", "runner-03"])));
    assert!(!r.split);
}

#[test]
fn two_equal_groups_are_a_split() {
    let sim = Sim::new(&[
        ("host", Node::On("a")),
        ("runner-01", Node::On("b")),
        ("runner-02", Node::On("a")),
        ("runner-03", Node::On("b")),
    ]);
    let r = grouping(&sim);
    assert_eq!(
        r.groups,
        vec![g(&["host", "runner-02"]), g(&["runner-01", "runner-03"])]
    );
    assert_eq!(r.shared, None);
    assert!(r.split);
}

#[test]
fn nodes_that_each_see_only_themselves_are_a_split_of_ones() {
    let sim = Sim::new(&[("host", Node::On("a")), ("runner-01", Node::On("b"))]);
    let r = grouping(&sim);
    assert_eq!(r.groups, vec![g(&["host"]), g(&["runner-01"])]);
    assert!(r.split);
    assert_eq!(r.shared, None);
}

#[test]
fn a_single_node_is_its_own_shared_group() {
    let sim = Sim::new(&[("host", Node::On("local"))]);
    assert_eq!(
        grouping(&sim),
        Grouping {
            groups: vec![g(&["host"])],
            shared: Some(g(&["host"])),
            split: false
        }
    );
}

#[test]
fn unreachable_and_hung_nodes_are_in_no_group() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::Unreachable),
        ("runner-02", Node::Hung),
        ("runner-03", Node::On("nfs")),
    ]);
    let r = grouping(&sim);
    assert_eq!(r.groups, vec![g(&["host", "runner-03"])]);
    assert_eq!(r.shared, Some(g(&["host", "runner-03"])));

    let all_down = Sim::new(&[
        ("host", Node::Unreachable),
        ("runner-01", Node::Unreachable),
    ]);
    assert_eq!(grouping(&all_down), Grouping::default());
}

#[test]
fn a_mismatch_breaks_the_pair_but_not_the_rest() {
    // runner-02 finds another token at host's path: a stale copy or other storage.
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
        ("runner-03", Node::On("nfs")),
    ])
    .with("host", "runner-02", CellStatus::Mismatch, "other token");
    let r = grouping(&sim);
    // runner-02 conflicts only with host; the group grown from host (3) wins over
    // the one grown from runner-01 that takes runner-02 instead (also 3): earliest seed.
    assert_eq!(
        r.groups,
        vec![g(&["host", "runner-01", "runner-03"]), g(&["runner-02"])]
    );
    assert_eq!(r.shared, Some(g(&["host", "runner-01", "runner-03"])));
}

#[test]
fn groups_are_cliques_not_connected_components() {
    // a sees b, b sees c, but a and c miss each other's tokens: a chain, not a group.
    let sim = Sim::new(&[
        ("a", Node::On("x")),
        ("b", Node::On("x")),
        ("c", Node::On("x")),
    ])
    .with("a", "c", CellStatus::Missing, "no such file")
    .with("c", "a", CellStatus::Missing, "no such file");
    let r = grouping(&sim);
    assert_eq!(r.groups, vec![g(&["a", "b"]), g(&["c"])]);
    assert_eq!(r.shared, Some(g(&["a", "b"])));
}

#[test]
fn one_failed_direction_is_enough_to_separate() {
    // runner-01 reads host's token but host cannot read runner-01's.
    let sim = Sim::new(&[("host", Node::On("nfs")), ("runner-01", Node::On("nfs"))]).with(
        "runner-01",
        "host",
        CellStatus::Missing,
        "no such file",
    );
    assert!(grouping(&sim).split);
}

#[test]
fn a_node_that_cannot_read_its_own_token_is_in_no_group() {
    let sim = Sim::new(&[("host", Node::On("nfs")), ("runner-01", Node::On("nfs"))]).with(
        "runner-01",
        "runner-01",
        CellStatus::Error,
        "Input/output error",
    );
    let r = grouping(&sim);
    assert_eq!(r.groups, vec![g(&["host"])]);
    assert_eq!(r.shared, Some(g(&["host"])));
}

#[test]
fn the_largest_group_wins_regardless_of_config_order() {
    let sim = Sim::new(&[
        ("host", Node::On("local")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
    ]);
    let r = grouping(&sim);
    assert_eq!(r.groups, vec![g(&["runner-01", "runner-02"]), g(&["host"])]);
    assert_eq!(r.shared, Some(g(&["runner-01", "runner-02"])));
}
