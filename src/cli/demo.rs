//! `rivershare demo`: the console (or, with `--check`, the `check` report) on
//! a simulated cluster of local folders, removed again on exit.

use std::io::IsTerminal as _;

use rivershare::config::{ConfigOrigin, Loaded};
use rivershare::demo::Demo;
use rivershare::report::exit;

use super::{CheckArgs, DemoArgs};

pub fn run(args: &DemoArgs, read_only: bool) -> i32 {
    // Asked for explicitly (like `tui`): only a terminal is needed, whatever CI says.
    if !args.check && !std::io::stdout().is_terminal() {
        eprintln!(
            "rivershare: the demo console needs a terminal on stdout; `rivershare demo --check` prints the report instead"
        );
        return exit::UNKNOWN;
    }
    let demo = match Demo::create() {
        Ok(demo) => demo,
        Err(err) => {
            eprintln!("rivershare: {err}");
            return exit::UNKNOWN;
        }
    };
    let mut config = demo.config().clone();
    let why = read_only.then(|| "--read-only was given".to_owned());
    config.read_only = read_only;
    let code = if args.check {
        let loaded = Loaded {
            config,
            origin: ConfigOrigin::Demo(demo.config_path().to_path_buf()),
            notes: demo.notes().to_vec(),
        };
        let check = CheckArgs {
            json: args.json,
            no_color: args.no_color,
            ..CheckArgs::everything()
        };
        super::check::run(loaded, &check)
    } else {
        super::console::open(config, "demo".to_owned(), why, demo.notes().to_vec())
    };
    // The folder goes now (and on unwinding, by the same drop).
    drop(demo);
    code
}
