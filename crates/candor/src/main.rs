//! The `candor` command: a thin layer over the candor crates.
//!
//! `main → run(parse()) → exit code`: flags are parsed by clap into [`cli::Cli`], each
//! command turns them into a validated configuration before any work starts, and errors
//! become messages here, at the edge.

mod cli;
mod cmd;
mod output;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
