//! The console's end-to-end helpers: a private tmux server driven like a
//! person at a terminal, polling instead of sleeping, and file listings.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A private tmux server (its own socket), killed when the test ends.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(cmd: &str, env: &[(&str, &Path)]) -> Self {
        let version = Command::new("tmux").arg("-V").output();
        assert!(
            version.as_ref().is_ok_and(|o| o.status.success()),
            "tmux is required for the console end-to-end test (apt-get install tmux): {version:?}"
        );
        // One server per test: tests run in parallel, and kill-server must
        // only ever stop this test's own.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "rivershare-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let tmux = Self { socket };
        let mut args: Vec<String> = ["-f", "/dev/null", "new-session", "-d"]
            .map(String::from)
            .to_vec();
        args.extend(["-x", "120", "-y", "40", "-s", "e2e"].map(String::from));
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={}", v.display()));
        }
        args.push(cmd.into());
        let out = tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "tmux new-session: {out:?}");
        // Accept OSC 52 from the application into a tmux buffer (the clipboard).
        let out = tmux.run(&["set", "-g", "set-clipboard", "on"]);
        assert!(out.status.success(), "tmux set-clipboard: {out:?}");
        tmux
    }

    /// The newest tmux paste buffer (where OSC 52 lands), if any.
    pub fn clipboard(&self) -> Option<String> {
        let out = self.run(&["show-buffer"]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Literal text.
    pub fn type_text(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", "e2e", "-l", text]);
        assert!(out.status.success(), "send-keys {text:?}: {out:?}");
    }

    /// A tmux key name (`Enter`, `Tab`, `Escape`, `Space`) or a single key.
    pub fn key(&self, key: &str) {
        let out = self.run(&["send-keys", "-t", "e2e", key]);
        assert!(out.status.success(), "send-keys {key}: {out:?}");
    }

    pub fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "e2e"]);
        assert!(out.status.success(), "capture-pane: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn alternate_on(&self) -> bool {
        let out = self.run(&["display", "-p", "-t", "e2e", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// The pane's cursor is shown (DECTCEM), as a shell needs it.
    pub fn cursor_visible(&self) -> bool {
        let out = self.run(&["display", "-p", "-t", "e2e", "#{cursor_flag}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Poll the screen until `ok` holds; panic with the screen after `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < limit,
                "timed out after {limit:?} waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// Poll `ok` until it holds or `limit` passes.
pub fn eventually(what: &str, limit: Duration, ok: impl Fn() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "timed out after {limit:?}: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn children(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.expect("entry").path()).collect(),
        Err(_) => Vec::new(),
    }
}

pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = children(dir)
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Colour parameters of SGR sequences (`ESC [ ... m`): 30-37, 38, 40-47, 48,
/// 90-97, 100-107. Bold, reverse and resets are not colour.
pub fn colour_codes(screen: &str) -> Vec<String> {
    let mut found = Vec::new();
    for seq in screen.split("\x1b[").skip(1) {
        let Some(end) = seq.find('m') else { continue };
        let params = &seq[..end];
        if !params.chars().all(|c| c.is_ascii_digit() || c == ';') {
            continue;
        }
        let is_colour = params
            .split(';')
            .next()
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|p| matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107));
        if is_colour {
            found.push(params.to_owned());
        }
    }
    found
}
