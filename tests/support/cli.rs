//! Run the real `rivershare` binary with `home` as its HOME and XDG folders, and
//! nothing inherited that could pick another config or an SSH agent.

use std::path::Path;
use std::process::{Command, Output};

pub fn rivershare(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rivershare"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".state"))
        .env_remove("RIVERSHARE_CONFIG")
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .expect("rivershare runs")
}
