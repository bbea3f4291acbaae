//! The `rivershare` binary: parse the command line, set up logging and errors,
//! dispatch. Every command is a thin front end over the library's engine.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
