//! `rivershare explain [CODE]`: the hint catalogue.

use rivershare::report::exit;

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A finding code such as `not_mounted`; without one, every code is listed
    pub code: Option<String>,
}

pub fn run(_args: &ExplainArgs) -> i32 {
    eprintln!("rivershare: explain is not built yet");
    exit::UNKNOWN
}
