//! `rivershare explain [CODE]`: the hint catalogue.

use rivershare::diagnose::Code;
use rivershare::diagnose::hints::explain;
use rivershare::report::exit;

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A finding code such as `not_mounted`; without one, every code is listed
    pub code: Option<String>,

    /// JSON on stdout: the entry (with a code) or every entry
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ExplainArgs) -> i32 {
    let Some(given) = &args.code else {
        if args.json {
            let all: Vec<_> = Code::ALL.iter().map(|c| explain::json(*c)).collect();
            return print_json(&all);
        }
        print!("{}", explain::list());
        return exit::OK;
    };
    match explain::lookup(given) {
        Ok(code) if args.json => print_json(&explain::json(code)),
        Ok(code) => {
            print!("{}", explain::render(code));
            exit::OK
        }
        Err(unknown) => {
            eprintln!("rivershare: {unknown}");
            exit::UNKNOWN
        }
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> i32 {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            println!("{text}");
            exit::OK
        }
        Err(err) => {
            eprintln!("rivershare: cannot encode the catalogue as JSON: {err}");
            exit::UNKNOWN
        }
    }
}
