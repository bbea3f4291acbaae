//! config/example.toml loads, and resolves to what its comments say.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rivershare::config::{Config, HostKeyPolicy, TransportKind};
use rivershare::facts::{Role, SharedDirSource};

fn example() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/example.toml");
    let text = std::fs::read_to_string(&path).expect("config/example.toml is readable");
    match Config::from_toml_str_with_home(&text, &path, Some(Path::new("/home/op"))) {
        Ok(c) => c,
        Err(e) => panic!("example.toml must load: {e}"),
    }
}

#[test]
fn example_top_level_values() {
    let c = example();
    assert_eq!(
        c.ssh.ssh_config,
        Some(PathBuf::from("/home/op/.ssh/config"))
    );
    assert_eq!(
        c.ssh.known_hosts,
        PathBuf::from("/home/op/.ssh/known_hosts")
    );
    assert_eq!(c.ssh.host_key_policy, HostKeyPolicy::Strict);
    assert_eq!(c.ssh.connect_timeout, Duration::from_secs(5));
    assert_eq!(c.command_timeout, Duration::from_secs(10));
    assert_eq!(c.concurrency, 64);
    assert_eq!(c.min_free_bytes, 20 << 30);
    assert!(!c.read_only);
    assert_eq!(c.verify_deadline, Duration::from_secs(5));
    assert_eq!(c.slow_io_mbps, 50.0);
    assert_eq!(c.in_progress_secs, 600);
    assert_eq!(c.refresh, Duration::from_secs(30));
    assert_eq!(c.theme, rivershare::config::ThemeName::Dark);
    assert!(c.kohakuriver_discovery);
}

#[test]
fn example_nodes() {
    let c = example();
    let names: Vec<_> = c.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["host", "runner-1", "runner-2", "this-machine"]);
    let [host, r1, r2, local] = &c.nodes[..] else {
        panic!("4 nodes")
    };

    assert_eq!((host.role, host.address.as_str()), (Role::Host, "10.0.0.1"));
    assert_eq!((host.user.as_deref(), host.port), (Some("root"), Some(22)));
    assert_eq!(
        host.identity_files,
        vec![PathBuf::from("/home/op/.ssh/id_ed25519")]
    );
    assert_eq!(
        (host.shared_dir.as_str(), host.shared_dir_source),
        ("/mnt/cluster-share", SharedDirSource::Config)
    );
    assert_eq!(host.transport, TransportKind::Ssh);

    assert_eq!((r1.role, r1.address.as_str()), (Role::Runner, "10.0.0.11"));
    assert_eq!(r1.shared_dir, "/data/cluster-share");

    assert_eq!(r2.address, "gpu-box-2");
    assert_eq!((r2.user.as_deref(), r2.port), (Some("admin"), Some(2222)));
    assert_eq!(
        r2.identity_files,
        vec![
            PathBuf::from("/home/op/.ssh/gpu_ed25519"),
            PathBuf::from("/etc/rivershare/fleet_key")
        ]
    );
    assert_eq!(r2.shared_dir, "/mnt/cluster-share");

    assert_eq!(
        (local.transport, local.address.as_str(), local.role),
        (TransportKind::Local, "localhost", Role::Runner)
    );
}

#[test]
fn example_documents_every_key() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/example.toml"))
            .expect("readable");
    let keys = rivershare::config::TOP_KEYS
        .iter()
        .chain(rivershare::config::NODE_KEYS)
        .chain(rivershare::config::DEFAULTS_KEYS);
    for key in keys {
        let set = text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with(&format!("{key} ="))
                || l.starts_with(&format!("[{key}]"))
                || l.starts_with(&format!("[[{key}]]"))
        });
        assert!(set, "example.toml does not set `{key}`");
    }
}

#[test]
fn the_real_entry_point_loads_example_toml() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/example.toml");
    let loaded = Config::load(Some(&path)).expect("example.toml loads through Config::load");
    assert_eq!(loaded.origin, rivershare::config::ConfigOrigin::Flag(path));
    assert_eq!(loaded.config.nodes.len(), 4);
}
