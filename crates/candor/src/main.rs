//! The `candor` command: a thin layer over the candor crates.
//!
//! `main → run(parse()) → exit code`: flags are parsed by clap into [`cli::Cli`], each
//! command turns them into a validated configuration before any work starts, and errors
//! become messages here, at the edge.

mod cli;
mod cmd;
mod console;

use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc, not the system's: the site is rendered on every core and each page freed by the
/// thread that writes it, which glibc's allocator made a third of the work (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = cli::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `candor … | head` closes stdout early; printing then fails. That is the reader's choice, not
/// an error: end quietly (as a C tool killed by SIGPIPE would) instead of reporting a panic.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
