//! The Host's own KohakuRiver config, read over the fleet's connection (never
//! executed): the unit's `--config` path first (`systemctl cat kohakuriver-host`),
//! then `~/.kohakuriver/host_config.py` of the SSH user, then root's, since
//! KohakuRiver's services run as root. Used for the tarball folder
//! (`CONTAINER_DIR`).

use std::time::Duration;

use super::Fleet;
use crate::config::Node;
use crate::facts::Role;
use crate::kohakuriver::{TarballDir, config_path_from_unit, tarball_dir_from};
use crate::probe::parse::frame;
use crate::shell::sh_quote;

/// Each file is read whole up to this size: config files are small.
const CONFIG_CAP: usize = 65_536;

fn section(name: &str, command: &str) -> String {
    format!(
        "printf '@@rivershare {name} ok\\n'\n{{ {command}; }} 2>/dev/null | head -c {CONFIG_CAP} | sed 's/^/|/'\necho\n"
    )
}

fn discovery_script() -> String {
    let mut s = String::from("printf '@@rivershare begin 1\\n'\n");
    s.push_str(&section(
        "unit",
        "timeout -k 1 3 systemctl cat kohakuriver-host",
    ));
    s.push_str(&section(
        "home",
        "cat -- \"$HOME/.kohakuriver/host_config.py\"",
    ));
    s.push_str(&section("root", "cat -- /root/.kohakuriver/host_config.py"));
    s.push_str("printf '@@rivershare end\\n'\n");
    s
}

fn file_script(path: &str) -> String {
    let mut s = String::from("printf '@@rivershare begin 1\\n'\n");
    s.push_str(&section("file", &format!("cat -- {}", sh_quote(path))));
    s.push_str("printf '@@rivershare end\\n'\n");
    s
}

/// A section's text, or `None` when it is empty (file absent, command failed).
fn text_of(f: &frame::Frame, name: &str) -> Option<String> {
    f.section(name)
        .map(frame::Section::stdout)
        .filter(|t| !t.trim().is_empty())
}

impl Fleet {
    /// The Host's KohakuRiver config as (where it was read, its text), if any.
    async fn host_config(&self, node: &Node) -> Option<(String, String)> {
        let transport = self.transport(node).await.ok()?;
        let limit = Duration::from_secs(5).min(self.config.command_timeout);
        let out = transport.run(&discovery_script(), limit).await.ok()?;
        let f = frame::split(&out.stdout);
        if let Some(path) = text_of(&f, "unit").and_then(|u| config_path_from_unit(&u)) {
            let path = path.display().to_string();
            if let Ok(out) = transport.run(&file_script(&path), limit).await
                && let Some(text) = text_of(&frame::split(&out.stdout), "file")
            {
                return Some((path, text));
            }
        }
        text_of(&f, "home")
            .map(|t| ("~/.kohakuriver/host_config.py".to_owned(), t))
            .or_else(|| {
                text_of(&f, "root").map(|t| ("/root/.kohakuriver/host_config.py".to_owned(), t))
            })
    }

    /// The tarball folder of `node`: the Host's `CONTAINER_DIR` when its config sets
    /// one, else `SHARED_DIR/kohakuriver-containers`. The second value says where
    /// a configured folder came from, or why the config could not be used.
    pub(crate) async fn tarball_dir(&self, node: &Node) -> (String, Option<String>) {
        let default = crate::kohakuriver::default_tarball_dir(&node.shared_dir);
        // The demo's local nodes run on the operator's own machine: its real
        // KohakuRiver config says nothing about them.
        if node.role != Role::Host || !self.config.kohakuriver_discovery {
            return (default, None);
        }
        let Some((source, text)) = self.host_config(node).await else {
            return (default, None);
        };
        match tarball_dir_from(&text, Role::Host, &node.shared_dir) {
            TarballDir::Configured(dir) => (dir, Some(format!("CONTAINER_DIR from {source}"))),
            TarballDir::Default(dir) => (dir, None),
            TarballDir::Unknown(raw) => (
                default,
                Some(format!(
                    "CONTAINER_DIR in {source} is not a plain string ({raw}); using the default folder"
                )),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn discovery_script_reads_the_home_config_and_survives_missing_ones() {
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(home.path().join(".kohakuriver")).expect("dir");
        std::fs::write(
            home.path().join(".kohakuriver/host_config.py"),
            "CONTAINER_DIR = '/srv/tars'\n",
        )
        .expect("write");
        let out = Command::new("sh")
            .arg("-c")
            .arg(discovery_script())
            .env("HOME", home.path())
            .output()
            .expect("sh runs");
        let f = frame::split(&out.stdout);
        assert_eq!(
            text_of(&f, "home").as_deref().map(str::trim),
            Some("CONTAINER_DIR = '/srv/tars'")
        );
        assert!(
            text_of(&f, "unit").is_none(),
            "no kohakuriver-host unit on this machine"
        );
    }

    #[test]
    fn file_script_quotes_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("it's $(touch x).py");
        std::fs::write(&path, "SHARED_DIR = \"/mnt/a\"\n").expect("write");
        let out = Command::new("sh")
            .arg("-c")
            .arg(file_script(path.to_str().expect("utf-8")))
            .current_dir(dir.path())
            .output()
            .expect("sh runs");
        assert_eq!(
            text_of(&frame::split(&out.stdout), "file")
                .as_deref()
                .map(str::trim),
            Some("SHARED_DIR = \"/mnt/a\"")
        );
        assert!(!dir.path().join("x").exists());
    }
}
