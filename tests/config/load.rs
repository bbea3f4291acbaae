//! Where the config comes from, with the environment injected.

use std::cell::Cell;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use rivershare::config::{Config, ConfigError, ConfigOrigin, LoadEnv, TransportKind};
use rivershare::facts::{Role, SharedDirSource};
use rivershare::kohakuriver::{LocalKohakuriver, Lookup};

const VALID: &str = "[[nodes]]\nname = \"from-file\"\nrole = \"host\"\naddress = \"10.0.0.1\"\n";

fn nothing_local() -> LocalKohakuriver {
    LocalKohakuriver {
        role: None,
        config_path: None,
        shared_dir: Lookup::Absent,
        notes: vec![],
    }
}

fn env(home: &Path) -> LoadEnv {
    LoadEnv {
        rivershare_config: None,
        xdg_config_home: None,
        home: Some(home.to_path_buf()),
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[test]
fn explicit_flag_wins_over_everything() {
    let home = tempfile::tempdir().expect("tempdir");
    let flag = home.path().join("flag.toml");
    write(&flag, VALID);
    let mut e = env(home.path());
    e.rivershare_config = Some(home.path().join("env.toml").into());
    write(
        &home.path().join(".config/rivershare/config.toml"),
        "garbage",
    );
    let loaded = Config::load_with(Some(&flag), &e, &nothing_local).expect("loads");
    assert_eq!(loaded.origin, ConfigOrigin::Flag(flag.clone()));
    assert_eq!(loaded.config.nodes[0].name, "from-file");
    assert_eq!(
        loaded.origin.to_string(),
        format!("{} (from --config)", flag.display())
    );
}

#[test]
fn missing_flag_or_env_file_is_an_error_naming_its_source() {
    let home = tempfile::tempdir().expect("tempdir");
    let missing = home.path().join("nope.toml");
    let err =
        Config::load_with(Some(&missing), &env(home.path()), &nothing_local).expect_err("missing");
    assert!(
        matches!(&err, ConfigError::NotFound { origin: ConfigOrigin::Flag(p) } if *p == missing)
    );
    assert_eq!(
        err.to_string(),
        format!(
            "config file {} (from --config) does not exist",
            missing.display()
        )
    );

    let mut e = env(home.path());
    e.rivershare_config = Some(missing.clone().into());
    let err = Config::load_with(None, &e, &nothing_local).expect_err("missing");
    assert_eq!(
        err.to_string(),
        format!(
            "config file {} (from $RIVERSHARE_CONFIG) does not exist",
            missing.display()
        )
    );
}

#[test]
fn env_var_wins_over_xdg_and_expands_tilde() {
    let home = tempfile::tempdir().expect("tempdir");
    write(&home.path().join("cfg/rs.toml"), VALID);
    write(
        &home.path().join(".config/rivershare/config.toml"),
        "garbage",
    );
    let mut e = env(home.path());
    e.rivershare_config = Some(OsString::from("~/cfg/rs.toml"));
    let loaded = Config::load_with(None, &e, &nothing_local).expect("loads");
    assert_eq!(
        loaded.origin,
        ConfigOrigin::Env(home.path().join("cfg/rs.toml"))
    );
}

#[test]
fn empty_env_var_counts_as_unset() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut e = env(home.path());
    e.rivershare_config = Some(OsString::new());
    let loaded = Config::load_with(None, &e, &nothing_local).expect("embedded");
    assert_eq!(loaded.origin, ConfigOrigin::Embedded);
}

#[test]
fn xdg_file_is_used_when_it_exists() {
    let home = tempfile::tempdir().expect("tempdir");
    let dot_config = home.path().join(".config/rivershare/config.toml");
    write(&dot_config, VALID);
    let loaded = Config::load_with(None, &env(home.path()), &nothing_local).expect("loads");
    assert_eq!(loaded.origin, ConfigOrigin::Xdg(dot_config.clone()));

    // $XDG_CONFIG_HOME replaces ~/.config when absolute...
    let xdg = tempfile::tempdir().expect("tempdir");
    let mut e = env(home.path());
    e.xdg_config_home = Some(xdg.path().into());
    assert_eq!(
        Config::load_with(None, &e, &nothing_local)
            .expect("loads")
            .origin,
        ConfigOrigin::Embedded
    );
    write(&xdg.path().join("rivershare/config.toml"), VALID);
    assert_eq!(
        Config::load_with(None, &e, &nothing_local)
            .expect("loads")
            .origin,
        ConfigOrigin::Xdg(xdg.path().join("rivershare/config.toml"))
    );
    // ...and is ignored when relative, as the XDG spec says.
    e.xdg_config_home = Some(OsString::from("relative/dir"));
    assert_eq!(
        Config::load_with(None, &e, &nothing_local)
            .expect("loads")
            .origin,
        ConfigOrigin::Xdg(dot_config)
    );
}

#[test]
fn a_bad_file_is_reported_with_its_path_and_discovery_does_not_run() {
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join(".config/rivershare/config.toml");
    write(
        &path,
        "[[nodes]]\nname = \"a\"\nrole = \"host\"\nadres = \"x\"\n",
    );
    let calls = Cell::new(0);
    let discover = || {
        calls.set(calls.get() + 1);
        nothing_local()
    };
    let err = Config::load_with(None, &env(home.path()), &discover).expect_err("invalid");
    assert!(
        err.to_string().starts_with(&format!(
            "{}:4:1: nodes[0]: unknown key 'adres'; did you mean 'address'?",
            path.display()
        )),
        "{err}"
    );
    assert_eq!(calls.get(), 0);
}

#[test]
fn an_unreadable_config_is_a_read_error() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("a-directory.toml");
    std::fs::create_dir(&dir).expect("mkdir");
    let err = Config::load_with(Some(&dir), &env(home.path()), &nothing_local).expect_err("dir");
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "cannot read config file {} (from --config): ",
            dir.display()
        )),
        "{err}"
    );
}

#[test]
fn embedded_default_without_kohakuriver() {
    let home = tempfile::tempdir().expect("tempdir");
    let loaded = Config::load_with(None, &env(home.path()), &nothing_local).expect("embedded");
    assert_eq!(loaded.origin, ConfigOrigin::Embedded);
    assert_eq!(
        loaded.origin.to_string(),
        "embedded default (no config file found)"
    );
    let c = &loaded.config;
    assert_eq!(c.nodes.len(), 1);
    let n = &c.nodes[0];
    assert_eq!(
        (n.name.as_str(), n.address.as_str()),
        ("localhost", "localhost")
    );
    assert_eq!((n.role, n.transport), (Role::Host, TransportKind::Local));
    assert_eq!(
        (n.shared_dir.as_str(), n.shared_dir_source),
        ("/mnt/cluster-share", SharedDirSource::Default)
    );
    assert_eq!(c.concurrency, 64);
    assert_eq!(c.ssh.known_hosts, home.path().join(".ssh/known_hosts"));
    assert!(
        loaded
            .notes
            .iter()
            .any(|n| n.contains("default SHARED_DIR /mnt/cluster-share")),
        "{:?}",
        loaded.notes
    );
}

#[test]
fn embedded_default_takes_role_and_shared_dir_from_kohakuriver() {
    let home = tempfile::tempdir().expect("tempdir");
    let local = || LocalKohakuriver {
        role: Some(Role::Runner),
        config_path: Some(PathBuf::from("/root/.kohakuriver/runner_config.py")),
        shared_dir: Lookup::Found("/data/share".into()),
        notes: vec![
            "SHARED_DIR \"/data/share\" read from /root/.kohakuriver/runner_config.py".into(),
        ],
    };
    let loaded = Config::load_with(None, &env(home.path()), &local).expect("embedded");
    let n = &loaded.config.nodes[0];
    assert_eq!(n.role, Role::Runner);
    assert_eq!(
        (n.shared_dir.as_str(), n.shared_dir_source),
        ("/data/share", SharedDirSource::Kohakuriver)
    );
    assert_eq!(
        loaded.notes,
        ["SHARED_DIR \"/data/share\" read from /root/.kohakuriver/runner_config.py"]
    );
}

#[test]
fn embedded_default_refuses_unusable_kohakuriver_values() {
    for lookup in [
        Lookup::Found("relative/share".into()),
        Lookup::Unknown("os.getenv('X')".into()),
    ] {
        let local = LocalKohakuriver {
            role: Some(Role::Host),
            config_path: None,
            shared_dir: lookup.clone(),
            notes: vec![],
        };
        let (config, notes) = Config::embedded(&local, None);
        let n = &config.nodes[0];
        assert_eq!(
            (n.shared_dir.as_str(), n.shared_dir_source),
            ("/mnt/cluster-share", SharedDirSource::Default),
            "{lookup:?}"
        );
        assert!(!notes.is_empty());
    }
}

#[test]
fn embedded_default_through_real_discovery_on_a_temp_home() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        &home.path().join(".kohakuriver/host_config.py"),
        "SHARED_DIR: str = '/mnt/kr'\n",
    );
    let homes = [home.path().to_path_buf()];
    let discover = || rivershare::kohakuriver::discover_with(&homes, &|_: &str| None);
    let loaded = Config::load_with(None, &env(home.path()), &discover).expect("embedded");
    let n = &loaded.config.nodes[0];
    assert_eq!(
        (n.role, n.shared_dir.as_str(), n.shared_dir_source),
        (Role::Host, "/mnt/kr", SharedDirSource::Kohakuriver)
    );
}
