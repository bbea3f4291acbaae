//! `rivershare init`: the example without --host, discovery with it.

use rivershare::config::Config;
use rivershare::facts::Role;

use super::host::Host;
use super::{TOKEN, load, rivershare, text};

#[test]
fn init_without_a_host_writes_an_example_that_loads() {
    let home = tempfile::tempdir().expect("home");
    // Default place: where the loader looks.
    let out = rivershare(&["init"], home.path(), None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let default = home.path().join(".config/rivershare/config.toml");
    let written = std::fs::read_to_string(&default).expect("written to the XDG path");
    let config = load(&written);
    assert_eq!(
        config.nodes.iter().map(|n| n.role).collect::<Vec<_>>(),
        [Role::Host, Role::Runner, Role::Runner]
    );
    assert!(
        text(&out.stderr).contains("next: rivershare check"),
        "{}",
        text(&out.stderr)
    );

    let again = rivershare(&["init"], home.path(), None);
    assert_eq!(again.status.code(), Some(3));
    assert!(text(&again.stderr).contains("--force"));

    // --config picks the place; the real entry point loads it.
    let path = home.path().join("elsewhere.toml");
    let p = path.to_str().expect("utf-8");
    let out = rivershare(&["--config", p, "init"], home.path(), None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let loaded = Config::load(Some(&path)).expect("Config::load reads the example");
    assert_eq!(loaded.config.nodes.len(), 3);
}

#[test]
fn init_with_a_host_needs_yes_off_a_terminal() {
    let host = Host::nodes();
    let home = tempfile::tempdir().expect("home");
    let path = home.path().join("init.toml");
    let p = path.to_str().expect("utf-8");
    let url = host.url();

    let refused = rivershare(&["--config", p, "init", "--host", &url], home.path(), None);
    assert_eq!(refused.status.code(), Some(3));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("pass --yes"), "{stderr}");
    assert!(
        stderr.contains("gpu-1"),
        "the node list is shown first: {stderr}"
    );
    assert!(!path.exists(), "nothing written without --yes");

    let out = rivershare(
        &["--config", p, "init", "--host", &url, "--yes"],
        home.path(),
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("lists 3 Runners"), "{stderr}");
    assert!(stderr.contains("(commented out)"), "{stderr}");
    assert!(
        stderr.contains(&format!("wrote 3 nodes to {p}")),
        "{stderr}"
    );
    assert!(stderr.contains("next: rivershare --config"), "{stderr}");
    assert!(!stderr.contains(TOKEN));
    let config = Config::load(Some(&path)).expect("loads").config;
    assert_eq!(config.nodes.len(), 3);
    assert!(
        host.requests().last().expect("asked").contains(TOKEN),
        "the token went to the Host"
    );

    let again = rivershare(
        &["--config", p, "init", "--host", &url, "--yes"],
        home.path(),
        None,
    );
    assert_eq!(again.status.code(), Some(3));
    assert!(text(&again.stderr).contains("--force"));
    let forced = rivershare(
        &["--config", p, "init", "--host", &url, "--yes", "--force"],
        home.path(),
        None,
    );
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
}
