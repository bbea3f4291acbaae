//! The terminal: raw mode and the alternate screen while the console runs,
//! restored by an RAII guard on every way out (quit, `?` errors, unwinding),
//! and by ratatui's panic hook before color-eyre's report is printed.

use std::io::Write as _;

use crossterm::cursor::Show;
use crossterm::execute;
use ratatui::DefaultTerminal;

/// Owns the terminal for the console's life; restores it when dropped.
pub struct TerminalGuard {
    /// Always `Some` until dropped (see `Drop`).
    terminal: Option<DefaultTerminal>,
}

impl TerminalGuard {
    /// Raw mode, alternate screen, and ratatui's panic hook. That hook restores
    /// the terminal and then calls the hook installed before it, which is
    /// color-eyre's when the CLI installed that first: so a panic leaves a
    /// usable terminal with the report printed on it.
    pub fn enter() -> std::io::Result<Self> {
        match ratatui::try_init() {
            Ok(terminal) => Ok(Self {
                terminal: Some(terminal),
            }),
            Err(err) => {
                // Raw mode may be on even though the alternate screen failed.
                let _ = ratatui::try_restore();
                Err(err)
            }
        }
    }
}

impl TerminalGuard {
    /// The terminal; only `Drop` takes it, so this never fails in practice.
    pub fn terminal(&mut self) -> std::io::Result<&mut DefaultTerminal> {
        self.terminal
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the terminal was already given back"))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // After a panic, ratatui's hook has already restored the terminal and
        // the report is on the screen. Leaving the alternate screen a second
        // time would move the cursor back up (it restores the position saved
        // on entry) and the shell would write over the report. Raw mode is
        // what that hook turns off first, so it tells whether to restore.
        if crossterm::terminal::is_raw_mode_enabled().unwrap_or(true) {
            if let Err(err) = ratatui::try_restore() {
                tracing::error!(%err, "cannot restore the terminal");
            }
            let _ = execute!(std::io::stdout(), Show);
        }
        // ratatui's `Terminal` shows a hidden cursor when dropped and reports a
        // failure with `eprintln!`, which panics when the terminal is gone (a
        // hangup: EIO), and a panic there (or in the panic hook) aborts: the
        // demo folder would be left behind. So the cursor is shown here, and a
        // terminal that cannot take it any more is forgotten, not dropped.
        if let Some(mut terminal) = self.terminal.take() {
            match terminal.show_cursor() {
                Ok(()) => drop(terminal),
                Err(err) => {
                    tracing::warn!(%err, "the terminal is gone; not dropping it");
                    std::mem::forget(terminal);
                }
            }
        }
    }
}

/// The OSC 52 sequence that puts `text` on the system clipboard (`c`), base64
/// encoded and terminated by ST (`ESC \`).
pub fn osc52(text: &str) -> String {
    format!(
        "\x1b]52;c;{}\x1b\\",
        data_encoding::BASE64.encode(text.as_bytes())
    )
}

/// Write `text` to the clipboard through the terminal. Done on the UI task,
/// between frames, so the sequence never lands inside a frame's output.
/// Returns the number of bytes copied.
pub fn copy(text: &str) -> Result<usize, String> {
    let mut out = std::io::stdout().lock();
    out.write_all(osc52(text).as_bytes())
        .and_then(|()| out.flush())
        .map(|()| text.len())
        .map_err(|e| format!("cannot write the clipboard sequence to the terminal: {e}"))
}

#[cfg(test)]
mod tests {
    use super::osc52;

    #[test]
    fn osc52_is_base64_between_the_introducer_and_st() {
        assert_eq!(
            osc52("umount -l /mnt"),
            "\x1b]52;c;dW1vdW50IC1sIC9tbnQ=\x1b\\"
        );
        let decoded = data_encoding::BASE64
            .decode(b"dW1vdW50IC1sIC9tbnQ=")
            .expect("base64");
        assert_eq!(decoded, b"umount -l /mnt");
    }
}
