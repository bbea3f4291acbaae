//! `rivershare discover --host URL`: a ready config from a KohakuRiver Host's node list.

use rivershare::report::exit;

#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    /// The Host's API, e.g. http://10.0.0.1:8000
    #[arg(long, value_name = "URL")]
    pub host: String,
}

pub fn run(_args: &DiscoverArgs) -> i32 {
    eprintln!("rivershare: discover is not built yet");
    exit::UNKNOWN
}
