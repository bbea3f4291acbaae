//! Terminal safety, end to end: the real binary's console (`rivershare demo`)
//! in a real terminal (tmux) is ended by a panic inside its event loop (forced
//! by the test-only `RIVERSHARE_TEST_PANIC` on the first key press), by SIGTERM
//! and by SIGHUP. Each
//! time the shell must get its terminal back: the normal screen with what was
//! on it before, a visible cursor, cooked mode (a typed command is echoed and
//! runs), the exit code the README documents, and the demo folder removed.
//!
//! The shell is dash (`sh`), which never sets terminal modes itself: a console
//! that left raw mode on would leave it on for the test to see. tmux is
//! required: without it the tests fail, they never skip.

use std::path::{Path, PathBuf};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_rivershare");

// Shared with the console's end-to-end tests; not every helper is used here.
#[allow(dead_code)]
#[path = "support/tmux.rs"]
mod tmux;
use tmux::{Tmux, children, eventually};

/// What the shell printed before the console started: it must be on the
/// screen again once the console is gone (the alternate screen was left).
const BEFORE: &str = "before-the-console-ran";

/// A console running in tmux, with the pid of the `rivershare` process.
struct Console {
    tmux: Tmux,
    pid: i32,
    demos: PathBuf,
    state: PathBuf,
    _tmp: tempfile::TempDir,
}

/// Start a shell in tmux, print [`BEFORE`], then run `rivershare demo` (with
/// `env` in front of it) and wait for its first frame.
fn open_demo(env: &str) -> Console {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let state = tmp.path().join("state");
    let demos = tmp.path().join("demos");
    std::fs::create_dir_all(&home).expect("home");
    let pidfile = tmp.path().join("pid");
    let tmux = Tmux::start(
        "env PS1='ts-prompt$ ' sh",
        &[
            ("HOME", &home),
            ("XDG_STATE_HOME", &state),
            ("RIVERSHARE_DEMO_DIR", &demos),
        ],
    );
    tmux.wait_for("the shell prompt", Duration::from_secs(10), |s| {
        s.contains("ts-prompt$")
    });
    tmux.type_text(&format!("echo {BEFORE}"));
    tmux.key("Enter");
    tmux.wait_for("the echo's output", Duration::from_secs(10), |s| {
        s.lines().any(|l| l.trim_end() == BEFORE)
    });
    // `exec`: the pid written is the console's own. No backtrace, so the whole
    // panic report fits on the screen.
    tmux.type_text(&format!(
        "sh -c 'echo $$ > \"$0\"; exec env RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0 {env} \"$1\" demo' '{}' '{BIN}'; echo \"rivershare exited $?\"",
        pidfile.display()
    ));
    tmux.key("Enter");
    tmux.wait_for("the first frame", Duration::from_secs(15), |s| {
        s.contains("rivershare") && s.contains("demo") && !s.contains(BEFORE)
    });
    assert!(tmux.alternate_on(), "the console uses the alternate screen");
    assert_eq!(children(&demos).len(), 1, "one demo folder while it runs");
    let pid = std::fs::read_to_string(&pidfile)
        .expect("pid file")
        .trim()
        .parse()
        .expect("a pid");
    Console {
        tmux,
        pid,
        demos,
        state,
        _tmp: tmp,
    }
}

/// After the console ended with `code`: the terminal is the shell's again.
/// Returns the screen as it was when the exit code appeared.
fn assert_terminal_given_back(c: &Console, code: i32) -> String {
    let tmux = &c.tmux;
    let screen = tmux.wait_for("the exit code", Duration::from_secs(15), |s| {
        exit_code(s).is_some()
    });
    assert_eq!(exit_code(&screen), Some(code), "{screen}");
    assert!(!tmux.alternate_on(), "the alternate screen was left");
    assert!(
        screen.lines().any(|l| l.trim_end() == BEFORE) && screen.contains("ts-prompt$"),
        "the normal screen, with what the shell printed before:\n{screen}"
    );
    assert!(tmux.cursor_visible(), "the cursor is shown again");
    // Cooked mode: the line is echoed as typed, Enter (a CR, which only cooked
    // mode's ICRNL turns into the newline the shell waits for) runs it, and
    // stty confirms canonical mode, echo and signals are on.
    tmux.type_text(
        "stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(isig|icanon|echo)' | tr '\\n' ' '; echo '<- tty modes'",
    );
    tmux.key("Enter");
    tmux.wait_for("cooked mode", Duration::from_secs(10), |s| {
        s.contains("isig icanon echo <- tty modes")
    });
    eventually("the demo folder is removed", Duration::from_secs(5), || {
        children(&c.demos).is_empty()
    });
    screen
}

/// The code in the shell's `rivershare exited <code>` line (not the typed
/// command, which holds `$?`).
fn exit_code(screen: &str) -> Option<i32> {
    screen
        .lines()
        .find_map(|l| l.trim_end().strip_prefix("rivershare exited "))
        .and_then(|code| code.parse().ok())
}

fn kill(pid: i32, signal: &str) {
    let out = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .output()
        .expect("kill runs");
    assert!(out.status.success(), "kill {signal} {pid}: {out:?}");
}

/// A panic inside the console's event loop restores the terminal first and
/// then prints the report (message and location); the process exits 101, and
/// unwinding still removes the demo folder.
#[test]
fn a_panic_in_the_console_gives_the_terminal_back_and_prints_the_report() {
    let c = open_demo("RIVERSHARE_TEST_PANIC=1");
    // The variable makes the first key press panic: the first frame is up.
    c.tmux.key("j");
    let screen = assert_terminal_given_back(&c, 101);
    for part in [
        "The application panicked",
        "RIVERSHARE_TEST_PANIC is set: a panic forced inside the console's event loop",
        "Location:",
        "src/console/run/mod.rs:",
    ] {
        assert!(screen.contains(part), "{part:?} in the report:\n{screen}");
    }
    // The report is printed after the screen was restored: it sits below what
    // the shell printed before, not inside a TUI frame.
    let before_at = screen.find(&format!("\n{BEFORE}")).expect("before");
    let report_at = screen.find("The application panicked").expect("report");
    assert!(before_at < report_at, "{screen}");
}

/// SIGTERM closes the console like a quit, with exit code 143 (128 + 15).
#[test]
fn sigterm_gives_the_terminal_back_and_exits_143() {
    let c = open_demo("");
    kill(c.pid, "-TERM");
    let screen = assert_terminal_given_back(&c, 143);
    assert!(
        screen.contains("rivershare: the console was closed by SIGTERM"),
        "{screen}"
    );
}

/// SIGHUP (the terminal went away, or a supervisor asked) closes it the same
/// way, with exit code 129 (128 + 1).
#[test]
fn sighup_gives_the_terminal_back_and_exits_129() {
    let c = open_demo("");
    kill(c.pid, "-HUP");
    let screen = assert_terminal_given_back(&c, 129);
    assert!(
        screen.contains("rivershare: the console was closed by SIGHUP"),
        "{screen}"
    );
}

/// The test variable is the only way to that panic: without it the same
/// console runs until it is told to stop (here by SIGINT, exit 130).
#[test]
fn without_the_test_variable_the_console_keeps_running() {
    let c = open_demo("");
    // Long enough for the first sweep to reach every demo node.
    c.tmux
        .wait_for("runner-04 in Mounts", Duration::from_secs(30), |s| {
            s.contains("runner-04")
        });
    // A key press is handled (the Verify pane opens) instead of panicking.
    c.tmux.key("2");
    c.tmux
        .wait_for("the Verify pane", Duration::from_secs(5), |s| {
            s.contains("[2 Verify]")
        });
    assert!(c.tmux.alternate_on(), "still the console");
    assert!(
        Path::new(&format!("/proc/{}", c.pid)).exists(),
        "still running"
    );
    kill(c.pid, "-INT");
    assert_terminal_given_back(&c, 130);
}

/// The terminal really goes away (the tmux pane is killed: a dropped SSH
/// session): the console must not hang on a dead terminal. It exits, and the
/// demo folder is removed on the way out.
#[test]
fn a_terminal_that_hangs_up_ends_the_console_and_removes_the_demo_folder() {
    let c = open_demo("");
    let out = c.tmux.run(&["kill-pane", "-t", "e2e"]);
    assert!(out.status.success(), "kill-pane: {out:?}");
    let start = std::time::Instant::now();
    while !gone(c.pid) {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the console is still running 15 s after its terminal hung up\n{}",
            post_mortem(&c)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eventually("the demo folder is removed", Duration::from_secs(5), || {
        children(&c.demos).is_empty()
    });
    // Closed as a hangup (the SIGHUP, or the failed draw or read that often
    // comes first), never as an error: 129 in its log, where it says why.
    let log = std::fs::read_to_string(c.state.join("rivershare/rivershare.log")).expect("the log");
    assert!(log.contains("console closed code=129"), "{log}");
}

/// What the console was doing: its threads' states and kernel wait channels,
/// and its log. For a failure that only shows on a loaded CI machine.
fn post_mortem(c: &Console) -> String {
    let mut out = String::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{}/task", c.pid)) {
        for task in tasks.flatten() {
            let read = |f: &str| std::fs::read_to_string(task.path().join(f)).unwrap_or_default();
            out += &format!(
                "thread {} {}: {} wchan {}\n",
                task.file_name().to_string_lossy(),
                read("comm").trim(),
                read("stat").rsplit_once(')').map_or("?", |(_, r)| r.trim()),
                read("wchan"),
            );
        }
    }
    let log = std::fs::read_to_string(c.state.join("rivershare/rivershare.log"));
    out + &format!(
        "the console's log:\n{}",
        log.unwrap_or_else(|e| e.to_string())
    )
}

/// No process `pid`, or only its zombie (its shell died with the pane, so
/// reaping is up to whoever adopted it).
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}
