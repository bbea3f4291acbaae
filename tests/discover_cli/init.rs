//! `rivershare init`: the example without --host, discovery with it.

use std::time::Duration;

use rivershare::config::Config;
use rivershare::facts::Role;

use super::host::Host;
use super::tmux::Tmux;
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

/// On a terminal (a private tmux), `init --host` asks, and only `y` writes.
#[test]
fn init_with_a_host_asks_on_a_terminal() {
    let host = Host::nodes();
    let home = tempfile::tempdir().expect("home");
    for (answer, writes) in [("n", false), ("y", true)] {
        let path = home.path().join(format!("asked-{answer}.toml"));
        let cmd = format!(
            "env -u RIVERSHARE_TOKEN -u RIVERSHARE_CONFIG {} --config {} init --host {}; \
             echo EXIT=$?; sleep 60",
            env!("CARGO_BIN_EXE_rivershare"),
            path.display(),
            host.url()
        );
        let term = Tmux::start(&cmd, &[("HOME", home.path())]);
        let question = format!("Write 3 nodes to {}? [y/N]", path.display());
        term.wait_for("the question", Duration::from_secs(20), |s| {
            s.contains(&question)
        });
        assert!(!path.exists(), "nothing is written before the answer");
        term.type_text(answer);
        term.key("Enter");
        let screen = term.wait_for("the exit code", Duration::from_secs(20), |s| {
            s.contains("EXIT=")
        });
        assert!(screen.contains("EXIT=0"), "{screen}");
        assert_eq!(path.exists(), writes, "answer {answer}: {screen}");
        if writes {
            let text = std::fs::read_to_string(&path).expect("written");
            assert_eq!(load(&text).nodes.len(), 3);
            assert!(screen.contains("next: rivershare --config"), "{screen}");
        } else {
            assert!(screen.contains("nothing written"), "{screen}");
        }
    }
}
