//! Config loading and KohakuRiver config reading, on real TOML / Python / unit text
//! and real files in temp dirs.

mod cli;
mod discover;
mod errors;
mod example;
mod load;
mod python;
mod resolve;
mod unit;

use std::path::Path;

use rivershare::config::{Config, ConfigError, InvalidConfig};

pub const FILE: &str = "/etc/rivershare.toml";
pub const HOME: &str = "/home/op";

pub fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml_str_with_home(text, Path::new(FILE), Some(Path::new(HOME)))
}

pub fn ok(text: &str) -> Config {
    match parse(text) {
        Ok(c) => c,
        Err(e) => panic!("expected config to load, got: {e}"),
    }
}

/// The refusal, and its rendered message.
pub fn invalid(text: &str) -> (InvalidConfig, String) {
    match parse(text) {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(ConfigError::Invalid(inv)) => {
            let shown = inv.to_string();
            (*inv, shown)
        }
        Err(other) => panic!("expected Invalid, got {other:?}"),
    }
}
