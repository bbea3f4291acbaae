//! Defaults and resolution: node value > [defaults] > unset.

use std::path::PathBuf;
use std::time::Duration;

use rivershare::config::{HostKeyPolicy, TransportKind};
use rivershare::facts::{Role, SharedDirSource};

use crate::{HOME, ok};

#[test]
fn a_minimal_config_gets_every_default() {
    let c = ok("[[nodes]]\nname = \"h\"\nrole = \"host\"\naddress = \"10.0.0.1\"\n");
    // HOME is a path that does not exist, so there is no implicit ~/.ssh/config.
    assert_eq!(c.ssh.ssh_config, None);
    assert_eq!(
        c.ssh.known_hosts,
        PathBuf::from("/home/op/.ssh/known_hosts")
    );
    assert_eq!(c.ssh.host_key_policy, HostKeyPolicy::Strict);
    assert_eq!(c.ssh.connect_timeout, Duration::from_secs(5));
    assert_eq!(c.command_timeout, Duration::from_secs(10));
    assert_eq!(c.concurrency, 64);
    assert_eq!(c.min_free_bytes, 20 * 1024 * 1024 * 1024);
    assert!(!c.read_only);
    assert_eq!(c.refresh, Duration::from_secs(30));
    assert_eq!(c.theme, rivershare::config::ThemeName::Dark);
    assert!(
        c.kohakuriver_discovery,
        "the loader always allows discovery"
    );
    let n = &c.nodes[0];
    assert_eq!(n.name, "h");
    assert_eq!(n.role, Role::Host);
    assert_eq!(n.address, "10.0.0.1");
    assert_eq!(n.user, None);
    assert_eq!(n.port, None);
    assert!(n.identity_files.is_empty());
    assert_eq!(n.shared_dir, "/mnt/cluster-share");
    assert_eq!(n.shared_dir_source, SharedDirSource::Default);
    assert_eq!(n.transport, TransportKind::Ssh);
}

#[test]
fn node_values_override_defaults_key_by_key() {
    let c = ok(r#"
[defaults]
user = "root"
port = 2200
identity_files = ["~/.ssh/id_ed25519"]
shared_dir = "/srv/share"

[[nodes]]
name = "h"
role = "host"
address = "h.example"

[[nodes]]
name = "r1"
role = "runner"
address = "r1.example"
user = "ops"
shared_dir = "/data/share"

[[nodes]]
name = "r2"
role = "runner"
address = "r2.example"
port = 22
identity_files = []
"#);
    let [h, r1, r2] = &c.nodes[..] else {
        panic!("3 nodes")
    };
    assert_eq!((h.user.as_deref(), h.port), (Some("root"), Some(2200)));
    assert_eq!(
        h.identity_files,
        vec![PathBuf::from("/home/op/.ssh/id_ed25519")]
    );
    assert_eq!(
        (h.shared_dir.as_str(), h.shared_dir_source),
        ("/srv/share", SharedDirSource::Config)
    );
    assert_eq!((r1.user.as_deref(), r1.port), (Some("ops"), Some(2200)));
    assert_eq!(
        (r1.shared_dir.as_str(), r1.shared_dir_source),
        ("/data/share", SharedDirSource::Config)
    );
    assert_eq!((r2.user.as_deref(), r2.port), (Some("root"), Some(22)));
    // An explicit empty list is the node's own choice, not "unset".
    assert!(r2.identity_files.is_empty());
}

#[test]
fn node_shared_dir_without_defaults_is_config_sourced() {
    let c = ok(
        "[[nodes]]\nname = \"h\"\nrole = \"host\"\naddress = \"x\"\nshared_dir = \"/a b/'q'\"\n",
    );
    assert_eq!(c.nodes[0].shared_dir, "/a b/'q'");
    assert_eq!(c.nodes[0].shared_dir_source, SharedDirSource::Config);
}

#[test]
fn top_level_settings() {
    let c = ok(r#"
ssh_config = "~/custom/ssh_config"
known_hosts = "/etc/ssh/fleet_known_hosts"
host_key_policy = "accept-new"
connect_timeout_secs = 3
command_timeout_secs = 30
concurrency = 1
min_free_gib = 0.5
read_only = true
[[nodes]]
name = "h"
role = "host"
address = "x"
"#);
    // An explicit ssh_config is kept even though it does not exist: ssh reports that.
    assert_eq!(
        c.ssh.ssh_config,
        Some(PathBuf::from("/home/op/custom/ssh_config"))
    );
    assert_eq!(
        c.ssh.known_hosts,
        PathBuf::from("/etc/ssh/fleet_known_hosts")
    );
    assert_eq!(c.ssh.host_key_policy, HostKeyPolicy::AcceptNew);
    assert_eq!(c.ssh.connect_timeout, Duration::from_secs(3));
    assert_eq!(c.command_timeout, Duration::from_secs(30));
    assert_eq!(c.concurrency, 1);
    assert_eq!(c.min_free_bytes, 512 * 1024 * 1024);
    assert!(c.read_only);
}

#[test]
fn integer_and_zero_min_free_gib() {
    let base = "[[nodes]]\nname = \"h\"\nrole = \"host\"\naddress = \"x\"\n";
    assert_eq!(ok(&format!("min_free_gib = 0\n{base}")).min_free_bytes, 0);
    assert_eq!(
        ok(&format!("min_free_gib = 1\n{base}")).min_free_bytes,
        1 << 30
    );
    assert_eq!(
        ok(&format!("min_free_gib = 1.5e3\n{base}")).min_free_bytes,
        1500 * (1 << 30)
    );
}

#[test]
fn local_transport_defaults_its_address() {
    let c = ok("[[nodes]]\nname = \"me\"\nrole = \"runner\"\ntransport = \"local\"\n");
    assert_eq!(c.nodes[0].address, "localhost");
    assert_eq!(c.nodes[0].transport, TransportKind::Local);
    let c = ok(
        "[[nodes]]\nname = \"me\"\nrole = \"runner\"\ntransport = \"local\"\naddress = \"box\"\n",
    );
    assert_eq!(c.nodes[0].address, "box");
}

#[test]
fn tilde_expansion() {
    use rivershare::config::expand_tilde;
    use std::path::Path;
    let home = Some(Path::new(HOME));
    assert_eq!(expand_tilde("~", home), Ok(PathBuf::from("/home/op")));
    assert_eq!(expand_tilde("~/", home), Ok(PathBuf::from("/home/op")));
    assert_eq!(
        expand_tilde("~/.ssh/k", home),
        Ok(PathBuf::from("/home/op/.ssh/k"))
    );
    assert_eq!(
        expand_tilde("/abs/~/x", home),
        Ok(PathBuf::from("/abs/~/x"))
    );
    assert_eq!(expand_tilde("rel/k", home), Ok(PathBuf::from("rel/k")));
    assert!(expand_tilde("~bob/k", home).is_err());
    assert!(expand_tilde("~/k", None).is_err());
    assert!(expand_tilde("", home).is_err());
}

/// Unless the config names one, no file is passed to `ssh -G`: ssh then reads
/// `~/.ssh/config` and `/etc/ssh/ssh_config` itself, as `ssh` does. (Passing
/// `~/.ssh/config` as `-F` would drop the system file.)
#[test]
fn an_unnamed_ssh_config_is_left_to_ssh() {
    let home = tempfile::tempdir().expect("tempdir");
    let load = |text: &str| {
        rivershare::config::Config::from_toml_str_with_home(
            text,
            std::path::Path::new("c.toml"),
            Some(home.path()),
        )
        .expect("loads")
    };
    let node = "[[nodes]]\nname = \"h\"\nrole = \"host\"\naddress = \"x\"\n";
    std::fs::create_dir(home.path().join(".ssh")).expect("mkdir");
    std::fs::write(home.path().join(".ssh/config"), "Host x\n").expect("write");
    assert_eq!(load(node).ssh.ssh_config, None);
    let named = format!("ssh_config = \"~/.ssh/config\"\n{node}");
    assert_eq!(
        load(&named).ssh.ssh_config,
        Some(home.path().join(".ssh/config"))
    );
}

#[test]
fn nodes_keep_file_order() {
    let c = ok(
        "[[nodes]]\nname = \"z\"\nrole = \"host\"\naddress = \"1\"\n[[nodes]]\nname = \"a\"\nrole = \"runner\"\naddress = \"2\"\n",
    );
    let names: Vec<_> = c.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["z", "a"]);
}

#[test]
fn toml_integer_spellings() {
    let c = ok(
        "concurrency = 1_000\n[[nodes]]\nname = \"h\"\nrole = \"host\"\naddress = \"x\"\nport = 0x16\n",
    );
    assert_eq!(c.concurrency, 1000);
    assert_eq!(c.nodes[0].port, Some(22));
}

#[test]
fn nodes_must_be_tables() {
    let (inv, shown) = crate::invalid("nodes = [\"host\"]\n");
    assert_eq!(
        (inv.line, inv.column, inv.key.as_deref()),
        (Some(1), Some(10), Some("nodes[0]"))
    );
    assert!(
        shown.ends_with("nodes[0]: expected a table, found a string"),
        "{shown}"
    );
}

#[test]
fn verification_keys_resolve_and_default() {
    let text = "verify_deadline_secs = 2.5\nslow_io_mbps = 120\n[[nodes]]\nname = \"a\"\nrole = \"host\"\naddress = \"a\"\n";
    let c = rivershare::config::Config::from_toml_str(text, std::path::Path::new("/x.toml"))
        .expect("valid");
    assert_eq!(c.verify_deadline, std::time::Duration::from_millis(2500));
    assert_eq!(c.slow_io_mbps, 120.0);
    let d = rivershare::config::Config::from_toml_str(
        "[[nodes]]\nname = \"a\"\nrole = \"host\"\naddress = \"a\"\n",
        std::path::Path::new("/x.toml"),
    )
    .expect("valid");
    assert_eq!(d.verify_deadline, std::time::Duration::from_secs(5));
    assert_eq!(d.slow_io_mbps, 50.0);
    assert_eq!(d.in_progress_secs, 600);
    let bad = rivershare::config::Config::from_toml_str(
        "slow_io_mbps = \"fast\"\n",
        std::path::Path::new("/x.toml"),
    )
    .expect_err("a string is not a number");
    assert!(bad.to_string().contains("/x.toml:1:"), "{bad}");
}

#[test]
fn in_progress_secs_resolves_and_is_checked() {
    let text = "in_progress_secs = 30\n[[nodes]]\nname = \"a\"\nrole = \"host\"\naddress = \"a\"\n";
    let c = rivershare::config::Config::from_toml_str(text, std::path::Path::new("/x.toml"))
        .expect("valid");
    assert_eq!(c.in_progress_secs, 30);
    let bad = rivershare::config::Config::from_toml_str(
        "in_progress_secs = -1\n[[nodes]]\nname = \"a\"\nrole = \"host\"\naddress = \"a\"\n",
        std::path::Path::new("/x.toml"),
    )
    .expect_err("a negative age is refused");
    assert!(bad.to_string().contains("/x.toml:1:"), "{bad}");
    assert!(bad.to_string().contains("in_progress_secs"), "{bad}");
}

#[test]
fn console_keys_resolve() {
    for (theme, want) in [
        ("dark", rivershare::config::ThemeName::Dark),
        ("light", rivershare::config::ThemeName::Light),
        ("high-contrast", rivershare::config::ThemeName::HighContrast),
    ] {
        let c = ok(&format!(
            "refresh_secs = 7\ntheme = \"{theme}\"\n[[nodes]]\nname = \"a\"\nrole = \"host\"\naddress = \"a\"\n"
        ));
        assert_eq!(c.refresh, Duration::from_secs(7));
        assert_eq!(c.theme, want);
        assert_eq!(c.theme.as_str(), theme);
    }
}
