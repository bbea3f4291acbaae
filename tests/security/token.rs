//! The KohakuRiver API token (`--token` or `$RIVERSHARE_TOKEN`) goes to the Host
//! and nowhere else: not into the config `init` writes, not into the log at
//! trace level, not onto stdout or stderr. (`discover`'s side:
//! tests/discover_cli.rs `the_token_is_sent_as_bearer_and_never_printed`.)

use super::host::Host;
use super::text;

const TOKEN: &str = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";

#[test]
fn init_with_a_token_writes_and_logs_no_trace_of_it() {
    let host = Host::nodes();
    let home = tempfile::tempdir().expect("home");
    let config = home.path().join("init.toml");
    let log = home.path().join("trace.log");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rivershare"))
        .args([
            "--log-file",
            log.to_str().expect("utf-8"),
            "--config",
            config.to_str().expect("utf-8"),
            "init",
            "--host",
            &host.url(),
            "--token",
            TOKEN,
            "--yes",
        ])
        .env("HOME", home.path())
        .env("RIVERSHARE_LOG", "trace")
        .env_remove("RIVERSHARE_TOKEN")
        .env_remove("RIVERSHARE_CONFIG")
        .output()
        .expect("rivershare runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        host.requests()
            .iter()
            .any(|r| r.to_ascii_lowercase().contains(&format!("bearer {TOKEN}"))),
        "the token went to the Host"
    );
    let written = std::fs::read_to_string(&config).expect("config written");
    assert!(written.contains("[[nodes]]"), "{written}");
    let logged = std::fs::read_to_string(&log).expect("log written");
    assert!(logged.contains("token=true"), "{logged}");
    for (what, haystack) in [
        ("config", written.as_str()),
        ("log", logged.as_str()),
        ("stdout", &text(&out.stdout)),
        ("stderr", &text(&out.stderr)),
    ] {
        assert!(!haystack.contains(&TOKEN[..16]), "{what} holds the token");
        assert!(!haystack.contains("Bearer"), "{what} holds the header");
    }
}
