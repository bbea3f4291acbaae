//! The console's disk-usage view end to end: `rivershare demo` in tmux. After
//! the first sweep the walk runs in the background and the Tarballs & usage
//! pane shows the demo share's entries with their sizes (checked against
//! `du -B1` on the same folders); `u` walks again and sees a task folder added
//! meanwhile; Enter on `logs` lists its task folders; Esc goes back.
//!
//! NEEDS the real walk (`engine::usage`, issue 8): against a stub the pane
//! shows the stub's error line and this journey fails, saying so.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::tmux::children;

/// Bytes `du -x -B1 -s` counts for `path`: the reference the walk must match.
fn du_bytes(path: &Path) -> u64 {
    let out = Command::new("du")
        .args(["-x", "-B1", "-s"])
        .arg(path)
        .output()
        .expect("du runs");
    assert!(out.status.success(), "du {}: {out:?}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("du output: {out:?}"))
}

/// `2.5 MiB` → bytes (the console's humansize, binary units).
fn parse_size(text: &str) -> Option<f64> {
    let (num, unit) = text.trim().trim_start_matches('≥').split_once(' ')?;
    let scale = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(num.parse::<f64>().ok()? * scale)
}

/// The usage row of `entry` on the screen: its line, from the entry's name on.
fn usage_row<'a>(screen: &'a str, entry: &str) -> Option<&'a str> {
    screen.lines().find_map(|l| {
        let inner = l.trim_start_matches(['┃', '│']);
        inner
            .strip_prefix(entry)
            .filter(|rest| rest.starts_with(' '))
            .map(|_| inner)
    })
}

/// The SIZE cell of a usage row: the text after the bar, up to the `% FS` cell.
fn row_size(row: &str) -> Option<f64> {
    let after_bar = row
        .rsplit_once(['█', '░', '▏', '▎', '▍', '▌', '▋', '▊', '▉'])?
        .1;
    let mut words = after_bar.split_whitespace();
    let num = words.next()?;
    let unit = words.next()?;
    parse_size(&format!("{num} {unit}"))
}

/// The entry's row shows a size within rounding (one decimal) of `du`'s.
fn shows_size_of(screen: &str, entry: &str, du: u64) -> bool {
    usage_row(screen, entry)
        .and_then(row_size)
        .is_some_and(|shown| (shown - du as f64).abs() <= du as f64 * 0.05 + 1024.0)
}

#[test]
fn demo_console_shows_what_fills_the_share_and_u_walks_it_again() {
    let (tmp, tmux) = super::demo_shell();
    let demos = tmp.path().join("demos");
    tmux.key("Enter");
    tmux.wait_for("the first frame", Duration::from_secs(10), |s| {
        s.contains("rivershare") && !s.contains("e2e-prompt$")
    });
    let demo_dirs = children(&demos);
    assert_eq!(demo_dirs.len(), 1, "one demo folder: {demo_dirs:?}");
    let storage = demo_dirs[0].join("storage");

    // No key needed: the walk follows the first sweep on its own.
    tmux.key("3");
    tmux.wait_for("the pane's new name", Duration::from_secs(5), |s| {
        s.contains("[3 Tarballs & usage]")
    });
    let (logs_du, shared_du) = (
        du_bytes(&storage.join("logs")),
        du_bytes(&storage.join("shared_data")),
    );
    tmux.wait_for(
        "the walk's entries with du's sizes",
        Duration::from_secs(60),
        |s| {
            assert!(
                !s.contains("usage walk failed"),
                "the walk failed (is the real engine::usage merged?):\n{s}"
            );
            // The whole finished view at once: a capture taken while a frame is
            // being drawn shows part of the old one (seen in CI).
            s.contains("Disk usage of host:")
                && s.contains("walked ")
                && shows_size_of(s, "logs", logs_du)
                && shows_size_of(s, "shared_data", shared_du)
                && usage_row(s, "kohakuriver-containers").is_some()
                && usage_row(s, "logs").is_some_and(|r| r.contains("8 task folders, 120 d …"))
        },
    );

    // A task finishes meanwhile: `u` walks again and sees its logs.
    let new_task = storage.join("logs/7346027000000000000");
    std::fs::create_dir_all(&new_task).expect("new task folder");
    std::fs::write(new_task.join("stdout.log"), vec![b'x'; 3 << 20]).expect("new log");
    let logs_du = du_bytes(&storage.join("logs"));
    tmux.key("u");
    tmux.wait_for(
        "the walk again, with the new task",
        Duration::from_secs(60),
        |s| {
            usage_row(s, "logs").is_some_and(|r| r.contains("9 task folders"))
                && shows_size_of(s, "logs", logs_du)
        },
    );

    // Enter on `logs` (filtered down to it): its task folders, largest first.
    tmux.key("/");
    tmux.type_text("logs");
    tmux.key("Enter");
    tmux.key("g");
    tmux.key("Enter");
    let popup = tmux.wait_for("the children of logs", Duration::from_secs(5), |s| {
        s.contains("Usage logs") && s.contains("9 children")
    });
    let first = popup
        .find("7346027000000000000")
        .expect("the new, largest task folder is listed");
    let older = popup
        .find("7346023381206474752")
        .expect("the next largest task folder is listed");
    assert!(first < older, "largest first:\n{popup}");
    tmux.key("Escape");
    tmux.wait_for("back to the pane", Duration::from_secs(5), |s| {
        !s.contains("Usage logs") && s.contains("[3 Tarballs & usage]")
    });

    tmux.key("q");
    tmux.wait_for("the shell after quitting", Duration::from_secs(10), |s| {
        s.contains("rivershare exited 0")
    });
}
