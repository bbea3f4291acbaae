//! The multi-node test cluster, seen from Rust: bring it up and down with
//! tests/cluster/cluster.sh, talk to its nodes with the OpenSSH client, run
//! `rivershare` against it with a watchdog, and write config variants.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// connect_timeout_secs / command_timeout_secs that cluster.sh writes into rivershare.toml.
pub const CONNECT_TIMEOUT_SECS: u64 = 3;
pub const COMMAND_TIMEOUT_SECS: u64 = 8;
/// The storage node's export, as every sshfs node's mount source shows it.
pub const STORAGE_SOURCE: &str = "root@10.250.0.2:/export";

/// One line of tests/cluster/nodes.tsv: the single list of nodes, shared with cluster.sh.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub name: String,
    pub address: String,
    pub kind: String,
    pub shared_dir: String,
    pub fstab: bool,
    /// `None` for the storage node, which is not a KohakuRiver node.
    pub role: Option<String>,
    /// The node's own KohakuRiver files (nodes.tsv's 7th column): `config`, `unit`,
    /// `discover`, `unordered`, `broken`, `expr` or `-`.
    pub kohakuriver: String,
}

pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cluster")
}

pub fn node_table() -> Vec<NodeSpec> {
    let path = scripts_dir().join("nodes.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert!(f.len() >= 6, "{}: bad line {l:?}", path.display());
            NodeSpec {
                name: f[0].to_string(),
                address: f[1].to_string(),
                kind: f[2].to_string(),
                shared_dir: f[3].to_string(),
                fstab: f[4] == "yes",
                role: (f[5] != "-").then(|| f[5].to_string()),
                kohakuriver: f.get(6).unwrap_or(&"-").to_string(),
            }
        })
        .collect()
}

pub fn node(name: &str) -> NodeSpec {
    node_table()
        .into_iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("node {name} is not in tests/cluster/nodes.tsv"))
}

/// What a finished child process left behind.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl RunOutput {
    pub fn describe(&self) -> String {
        format!(
            "exit {:?} after {:.2} s\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            self.elapsed.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
}

/// Runs `cmd`, killing it after `limit`: a hung command fails the test instead of hanging it.
pub fn run_with_timeout(mut cmd: Command, limit: Duration) -> Result<RunOutput, String> {
    let what = format!("{cmd:?}");
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("{what}: {e}"))? {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{what} still running after {} s: killed",
                limit.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    Ok(RunOutput {
        code: status.code(),
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
        elapsed,
    })
}

/// A running cluster. Dropping it brings the cluster down (also while unwinding a panic).
pub struct Cluster {
    pub statedir: PathBuf,
    pub up_output: RunOutput,
}

impl Cluster {
    pub fn up() -> Result<Cluster, String> {
        let uid = run_with_timeout(
            {
                let mut c = Command::new("id");
                c.arg("-u");
                c
            },
            Duration::from_secs(5),
        )?;
        if uid.stdout.trim() != "0" {
            return Err(format!(
                "the test cluster needs root (network namespaces, mounts); running as uid {}",
                uid.stdout.trim()
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("rvs-cluster-")
            .tempdir()
            .map_err(|e| format!("cannot create a statedir: {e}"))?;
        // Kept on purpose: the caller removes it after a clean `down` (see `remove_statedir`),
        // and a failed run leaves its logs behind.
        let statedir = dir.keep();
        let mut cmd = Command::new("bash");
        cmd.arg(scripts_dir().join("cluster.sh"))
            .arg("up")
            .arg(&statedir);
        let mut cluster = Cluster {
            statedir,
            up_output: RunOutput {
                code: None,
                stdout: String::new(),
                stderr: String::new(),
                elapsed: Duration::ZERO,
            },
        };
        // From here on, a failure still runs `down` through Drop.
        let out = run_with_timeout(cmd, Duration::from_secs(90))?;
        if out.code != Some(0) {
            return Err(format!(
                "cluster.sh up failed (logs in {}/logs): {}",
                cluster.statedir.display(),
                out.describe()
            ));
        }
        cluster.up_output = out;
        Ok(cluster)
    }

    pub fn down(&self) -> Result<RunOutput, String> {
        let mut cmd = Command::new("bash");
        cmd.arg(scripts_dir().join("cluster.sh"))
            .arg("down")
            .arg(&self.statedir);
        let out = run_with_timeout(cmd, Duration::from_secs(60))?;
        if out.code != Some(0) {
            return Err(format!("cluster.sh down failed: {}", out.describe()));
        }
        Ok(out)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.statedir.join(name)
    }

    /// `ssh -F statedir/ssh_config <node> <script>` with the OpenSSH client.
    pub fn ssh(&self, node: &str, script: &str) -> Result<RunOutput, String> {
        self.ssh_with(&[], node, script)
    }

    /// [`Cluster::ssh`] with extra client options before the node, e.g. `["-o", "ProxyJump=none"]`.
    pub fn ssh_with(&self, opts: &[&str], node: &str, script: &str) -> Result<RunOutput, String> {
        let mut cmd = Command::new("ssh");
        cmd.arg("-F")
            .arg(self.path("ssh_config"))
            .args(opts)
            .arg(node)
            .arg(script);
        run_with_timeout(cmd, Duration::from_secs(20))
    }

    /// Like [`Cluster::ssh`], but the command must succeed; returns its stdout.
    pub fn ssh_ok(&self, node: &str, script: &str) -> Result<String, String> {
        let out = self.ssh(node, script)?;
        if out.code != Some(0) {
            return Err(format!(
                "node {node}: `{script}` failed: {}",
                out.describe()
            ));
        }
        Ok(out.stdout)
    }

    /// Runs the rivershare binary with a clean environment: no agent, no
    /// RIVERSHARE_CONFIG, HOME inside the statedir, no colour.
    pub fn rivershare(&self, args: &[&str]) -> Result<RunOutput, String> {
        self.rivershare_env(args, &[])
    }

    /// [`Cluster::rivershare`] with extra environment variables.
    pub fn rivershare_env(
        &self,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Result<RunOutput, String> {
        let home = self.path("home");
        std::fs::create_dir_all(&home).map_err(|e| format!("{}: {e}", home.display()))?;
        // RIVERSHARE_BIN runs another build (e.g. target/release/rivershare) against the cluster.
        let bin = std::env::var_os("RIVERSHARE_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_rivershare")));
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("RIVERSHARE_CONFIG")
            .env_remove("XDG_CONFIG_HOME")
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .envs(envs.iter().copied());
        // Far above the bound the tests assert, so a hang shows as a failure, not a stuck run.
        run_with_timeout(cmd, Duration::from_secs(120))
    }

    /// Writes a variant of rivershare.toml with only `nodes`, whose ssh_config and
    /// known_hosts both point at `known_hosts` (so whichever rivershare honours, it is that file).
    ///
    /// `policy` is `strict` or `accept-new`; the ssh_config variant says the same.
    pub fn write_config(
        &self,
        label: &str,
        nodes: &[&str],
        known_hosts: &Path,
        policy: &str,
    ) -> PathBuf {
        let sd = self.statedir.display().to_string();
        let ssh_config = std::fs::read_to_string(self.path("ssh_config"))
            .expect("read ssh_config")
            .replace(
                &format!("{sd}/known_hosts"),
                &known_hosts.display().to_string(),
            )
            .replace(
                "StrictHostKeyChecking yes",
                if policy == "strict" {
                    "StrictHostKeyChecking yes"
                } else {
                    "StrictHostKeyChecking accept-new"
                },
            );
        let ssh_config_path = self.path(&format!("ssh_config.{label}"));
        std::fs::write(&ssh_config_path, ssh_config).expect("write ssh_config variant");
        let mut toml = format!(
            "# variant {label} written by tests/cluster.rs\n\
             ssh_config = \"{}\"\n\
             known_hosts = \"{}\"\n\
             host_key_policy = \"{policy}\"\n\
             connect_timeout_secs = {CONNECT_TIMEOUT_SECS}\n\
             command_timeout_secs = {COMMAND_TIMEOUT_SECS}\n\
             min_free_gib = 0\n\n\
             [defaults]\n\
             user = \"root\"\n\
             identity_files = [\"{sd}/id_ed25519\"]\n\
             shared_dir = \"/mnt/cluster-share\"\n",
            ssh_config_path.display(),
            known_hosts.display(),
        );
        for name in nodes {
            let n = node(name);
            let role = n.role.as_deref().expect("a KohakuRiver node");
            toml.push_str(&format!(
                "\n[[nodes]]\nname = \"{}\"\nrole = \"{role}\"\naddress = \"{}\"\nshared_dir = \"{}\"\n",
                n.name, n.address, n.shared_dir
            ));
        }
        let path = self.path(&format!("rivershare.{label}.toml"));
        std::fs::write(&path, toml).expect("write config variant");
        path
    }

    /// Removes the statedir; only call after a successful `down` (no node holds it then).
    pub fn remove_statedir(&self) -> Result<(), String> {
        std::fs::remove_dir_all(&self.statedir)
            .map_err(|e| format!("cannot remove {}: {e}", self.statedir.display()))
    }
}

impl Drop for Cluster {
    /// Only reached when `up` fails half-way (the shared cluster lives in a static and is
    /// taken down by the test binary's guard): bring down whatever came up.
    fn drop(&mut self) {
        if let Err(e) = self.down() {
            eprintln!("test cluster: {e}");
        }
    }
}

/// Is `name` mentioned in `text`, literally or inside a clush-style folded set
/// such as `runner-[01-02,05]`?
pub fn mentions(text: &str, name: &str) -> bool {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let literal = text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(is_name_char) && !after.is_some_and(is_name_char)
    });
    if literal {
        return true;
    }
    let digits: String = name
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if digits.is_empty() {
        return false;
    }
    let prefix = &name[..name.len() - digits.len()];
    let Ok(want) = digits.parse::<u64>() else {
        return false;
    };
    let open = format!("{prefix}[");
    text.match_indices(&open).any(|(i, _)| {
        let rest = &text[i + open.len()..];
        let Some(end) = rest.find(']') else {
            return false;
        };
        rest[..end].split(',').any(|part| {
            let (lo, hi) = part.split_once('-').unwrap_or((part, part));
            match (lo.trim().parse::<u64>(), hi.trim().parse::<u64>()) {
                (Ok(lo), Ok(hi)) => lo <= want && want <= hi,
                _ => false,
            }
        })
    })
}
