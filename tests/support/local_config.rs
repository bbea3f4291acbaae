//! A config of local-transport nodes for the engine's end-to-end tests.

use std::path::Path;

use rivershare::config::Config;

/// `nodes` as (name, role, SHARED_DIR), all `transport = "local"`, with a 3 s
/// command timeout, no free-space floor and `extra` (TOML lines) on top.
pub fn config(nodes: &[(&str, &str, &Path)], extra: &str) -> Config {
    let mut text = format!("min_free_gib = 0\ncommand_timeout_secs = 3\n{extra}");
    for (name, role, dir) in nodes {
        text.push_str(&format!(
            "\n[[nodes]]\nname = {name:?}\nrole = {role:?}\ntransport = \"local\"\nshared_dir = {:?}\n",
            dir.display().to_string()
        ));
    }
    let mut cfg = Config::from_toml_str(&text, Path::new("engine-test.toml")).expect("valid");
    // The local Host is this machine: never read its real ~/.kohakuriver.
    cfg.kohakuriver_discovery = false;
    cfg
}
