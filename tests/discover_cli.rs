//! `rivershare discover` and `rivershare init`, run as the real binary against a
//! small HTTP server on 127.0.0.1 that plays a KohakuRiver Host's `/api/nodes`.

#[path = "discover_cli/host.rs"]
mod host;
#[path = "discover_cli/init.rs"]
mod init;
// Shared with the console's end-to-end test; only `Tmux` is used here.
#[allow(dead_code)]
#[path = "support/tmux.rs"]
mod tmux;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use host::Host;

use rivershare::config::Config;
use rivershare::facts::Role;

/// A Host with an online Runner, an offline one, and one that registered as
/// 127.0.0.1 (it could not find its own address). Extra fields as KohakuRiver sends.
const NODES: &str = r#"[
  {"hostname": "gpu-1", "url": "http://10.0.0.11:8001", "total_cores": 32,
   "cores_in_use": 0, "available_cores": 32, "status": "online",
   "last_heartbeat": "2026-11-26T10:41:07.123456", "gpu_info": [], "vm_capable": false},
  {"hostname": "gpu-2", "url": "http://10.0.0.12:8001", "total_cores": 16,
   "cores_in_use": "N/A", "available_cores": 0, "status": "offline",
   "last_heartbeat": "2026-11-25T08:00:00"},
  {"hostname": "lonely", "url": "http://127.0.0.1:8001", "status": "online",
   "last_heartbeat": "2026-11-26T10:41:05"}
]"#;

const TOKEN: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// The real binary with `home` as HOME and nothing inherited that could pick a
/// config or a token.
fn rivershare(args: &[&str], home: &Path, token_env: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rivershare"));
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".state"))
        .env_remove("RIVERSHARE_CONFIG")
        .env_remove("RIVERSHARE_TOKEN");
    if let Some(token) = token_env {
        cmd.env("RIVERSHARE_TOKEN", token);
    }
    cmd.output().expect("rivershare runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn load(text: &str) -> Config {
    Config::from_toml_str_with_home(text, Path::new("discovered.toml"), None)
        .unwrap_or_else(|e| panic!("the config must load: {e}\n{text}"))
}

fn nodes_of(config: &Config) -> Vec<(String, Role, String)> {
    config
        .nodes
        .iter()
        .map(|n| (n.name.clone(), n.role, n.address.clone()))
        .collect()
}

#[test]
fn discover_prints_a_config_that_loads_and_warns_on_stderr() {
    let host = Host::nodes();
    let home = tempfile::tempdir().expect("home");
    // Lenient URL: no scheme, a trailing /api/.
    let out = rivershare(
        &["discover", "--host", &format!("{}/api/", host.addr)],
        home.path(),
        None,
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");

    let requests = host.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].starts_with("GET /api/nodes HTTP/1.1\r\n"),
        "{}",
        requests[0]
    );
    assert!(
        !requests[0].to_ascii_lowercase().contains("authorization"),
        "{}",
        requests[0]
    );

    let config = load(&stdout);
    let want = |n: &str, r, a: &str| (n.to_string(), r, a.to_string());
    assert_eq!(
        nodes_of(&config),
        [
            want("host", Role::Host, "127.0.0.1"),
            want("gpu-1", Role::Runner, "10.0.0.11"),
            want("gpu-2", Role::Runner, "10.0.0.12"),
        ]
    );
    assert!(
        stdout.contains(
            "# [[nodes]]\n# name = \"lonely\"\n# role = \"runner\"\n# address = \"127.0.0.1\"\n"
        ),
        "the 127.0.0.1 Runner is written commented out:\n{stdout}"
    );
    assert!(stdout.contains("not an SSH target"), "{stdout}");
    assert!(
        stdout.contains(&format!("GET {}/api/nodes", host.url())),
        "{stdout}"
    );
    assert!(
        !stdout.contains("shared_dir ="),
        "shared_dir is never written:\n{stdout}"
    );
    assert!(
        stdout.contains("# Not online at discovery"),
        "the offline Runner is flagged in the TOML:\n{stdout}"
    );
    assert!(
        stderr.contains(
            "rivershare: warning: runner \"gpu-2\" (10.0.0.12) is not online (status \"offline\", \
             last heartbeat 2026-11-25T08:00:00)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("rivershare: warning: runner \"lonely\" is left out (commented out): its url http://127.0.0.1:8001 is a loopback address"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("gpu-1"),
        "an online Runner gets no warning: {stderr}"
    );
}

#[test]
fn the_token_is_sent_as_bearer_and_never_printed() {
    let host = Host::nodes();
    let home = tempfile::tempdir().expect("home");
    let url = host.url();
    let from_flag = rivershare(
        &["discover", "--host", &url, "--token", TOKEN],
        home.path(),
        None,
    );
    let from_env = rivershare(&["discover", "--host", &url], home.path(), Some(TOKEN));
    for out in [&from_flag, &from_env] {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(!text(&out.stdout).contains(TOKEN));
        assert!(!text(&out.stderr).contains(TOKEN));
    }
    let requests = host.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert!(
            request.contains(&format!("\r\nauthorization: Bearer {TOKEN}\r\n"))
                || request.contains(&format!("\r\nAuthorization: Bearer {TOKEN}\r\n")),
            "{request}"
        );
    }
    // Not in the log either, even at trace level (ureq dumps raw requests there).
    let log = home.path().join("trace.log");
    let traced = Command::new(env!("CARGO_BIN_EXE_rivershare"))
        .args([
            "--log-file",
            log.to_str().expect("utf-8"),
            "discover",
            "--host",
            &url,
        ])
        .env("HOME", home.path())
        .env("RIVERSHARE_TOKEN", TOKEN)
        .env("RIVERSHARE_LOG", "trace")
        .output()
        .expect("rivershare runs");
    assert_eq!(traced.status.code(), Some(0), "{}", text(&traced.stderr));
    let logged = std::fs::read_to_string(&log).expect("the log is written");
    assert!(logged.contains("asking the Host for its nodes"), "{logged}");
    assert!(logged.contains("token=true"), "{logged}");
    assert!(
        !logged.contains(&TOKEN[..12]) && !logged.contains("Bearer"),
        "{logged}"
    );
    // --help shows where the token may come from, never its value.
    let help = rivershare(&["discover", "--help"], home.path(), Some(TOKEN));
    assert!(text(&help.stdout).contains("RIVERSHARE_TOKEN"));
    assert!(!text(&help.stdout).contains(TOKEN));
}

#[test]
fn http_401_is_exit_3_and_asks_for_the_token_without_printing_it() {
    // The Host echoes the header it got, as a careless proxy might.
    let host = Host::start(|head| {
        (
            "401 Unauthorized",
            "application/json",
            format!("{{\"detail\": {head:?}}}"),
        )
    });
    let home = tempfile::tempdir().expect("home");
    let none = rivershare(&["discover", "--host", &host.url()], home.path(), None);
    assert_eq!(none.status.code(), Some(3));
    let stderr = text(&none.stderr);
    assert!(stderr.contains("answered HTTP 401"), "{stderr}");
    assert!(stderr.contains("pass it with --token"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(none.stdout.is_empty());

    let wrong = rivershare(
        &["discover", "--host", &host.url()],
        home.path(),
        Some(TOKEN),
    );
    assert_eq!(wrong.status.code(), Some(3));
    let stderr = text(&wrong.stderr);
    assert!(
        stderr.contains("the one given was refused, so check --token"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

#[test]
fn other_statuses_quote_the_body_with_the_token_scrubbed() {
    let host = Host::start(|head| {
        (
            "500 Internal Server Error",
            "text/plain",
            format!("boom: {head}"),
        )
    });
    let home = tempfile::tempdir().expect("home");
    let out = rivershare(
        &["discover", "--host", &host.url(), "--token", TOKEN],
        home.path(),
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("answered HTTP 500 (body starts: \"boom: GET /api/nodes"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Bearer <token>"),
        "the echo is scrubbed: {stderr}"
    );
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

#[test]
fn a_refused_connection_is_exit_3() {
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    }; // dropped: nothing listens there now
    let home = tempfile::tempdir().expect("home");
    let out = rivershare(
        &["discover", "--host", &format!("http://{addr}")],
        home.path(),
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(
        stderr.contains("systemctl status kohakuriver-host"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn a_host_that_never_answers_times_out() {
    // Bound and listening, so the kernel completes the handshake, but never read.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let home = tempfile::tempdir().expect("home");
    let started = Instant::now();
    let out = rivershare(
        &[
            "discover",
            "--host",
            &format!("http://{addr}"),
            "--timeout",
            "1",
        ],
        home.path(),
        None,
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("did not answer within 1 s"), "{stderr}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    drop(listener);
}

#[test]
fn answers_that_are_not_node_lists_are_exit_3() {
    let home = tempfile::tempdir().expect("home");
    let html = Host::start(|_| {
        (
            "200 OK",
            "text/html",
            "<html><body>Welcome</body></html>".into(),
        )
    });
    let out = rivershare(&["discover", "--host", &html.url()], home.path(), None);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("did not answer with JSON"), "{stderr}");
    assert!(stderr.contains("<html><body>Welcome"), "{stderr}");

    let object = Host::start(|_| {
        (
            "200 OK",
            "application/json",
            "{\"detail\": \"Not Found\"}".into(),
        )
    });
    let out = rivershare(&["discover", "--host", &object.url()], home.path(), None);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("is not a list of nodes"),
        "{}",
        text(&out.stderr)
    );

    let https = rivershare(
        &["discover", "--host", "https://10.0.0.1"],
        home.path(),
        None,
    );
    assert_eq!(https.status.code(), Some(3));
    assert!(text(&https.stderr).contains("https is not supported"));
}

#[test]
fn write_creates_refuses_and_forces() {
    let host = Host::nodes();
    let home = tempfile::tempdir().expect("home");
    let path = home.path().join("new/dir/cluster.toml");
    let p = path.to_str().expect("utf-8 path");
    let first = rivershare(
        &["discover", "--host", &host.url(), "--write", p],
        home.path(),
        None,
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(first.stdout.is_empty(), "nothing on stdout with --write");
    let stderr = text(&first.stderr);
    assert!(
        stderr.contains(&format!("wrote 3 nodes to {p}")),
        "{stderr}"
    );
    assert!(stderr.contains("next: rivershare --config"), "{stderr}");
    let written = std::fs::read_to_string(&path).expect("written");
    assert_eq!(load(&written).nodes.len(), 3);

    std::fs::write(&path, "# mine\n").expect("overwrite by hand");
    let again = rivershare(
        &["discover", "--host", &host.url(), "--write", p],
        home.path(),
        None,
    );
    assert_eq!(again.status.code(), Some(3));
    assert!(
        text(&again.stderr).contains("already exists; pass --force"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), "# mine\n");
    assert_eq!(host.requests().len(), 1, "refused before asking the Host");

    let forced = rivershare(
        &["discover", "--host", &host.url(), "--write", p, "--force"],
        home.path(),
        None,
    );
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    let replaced = std::fs::read_to_string(&path).expect("replaced");
    assert_eq!(load(&replaced).nodes.len(), 3, "{replaced}");
}
