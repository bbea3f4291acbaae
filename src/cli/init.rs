//! `rivershare init`: write a first config.

use std::path::Path;

use rivershare::report::exit;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Discover the nodes from this KohakuRiver Host (e.g. http://10.0.0.1:8000)
    #[arg(long, value_name = "URL")]
    pub host: Option<String>,
}

pub fn run(_args: &InitArgs, _config: Option<&Path>) -> i32 {
    eprintln!("rivershare: init is not built yet");
    exit::UNKNOWN
}
