//! `candor-bench`: candor's benchmarks, outside the product's crate graph. Each measures real
//! work on this machine beside a named baseline in the same run (raw SHA-256, a Python
//! rapidfuzz matcher, DuckDB, cedar-policy called directly, a publish of nothing new, NGINX
//! without the gate) and prints the numbers, or JSON with `--json`. Dated results are in
//! `bench/README.md`.

mod cli;
mod gateway;
mod log;
mod memory;
mod output;
mod policy;
mod publish;
mod publish_serve;
mod publish_step;
mod reconcile;
mod review;
mod screen;
mod stores;
mod usage;
mod witness;
mod wrk;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{BenchCommand, Cli};

/// The allocator `candor` uses (see its `main.rs`), so its steps measure the same.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        BenchCommand::Log(args) => log::run(&args),
        BenchCommand::Screen(args) => screen::run(&args),
        BenchCommand::Usage(args) => usage::run(&args),
        BenchCommand::Policy(args) => policy::run(&args),
        BenchCommand::Publish(args) => publish::run(&args),
        BenchCommand::PublishStep(args) => publish_step::run(&args),
        BenchCommand::Witness(args) => witness::run(&args),
        BenchCommand::Stores(args) => stores::run(&args),
        BenchCommand::Review(args) => review::run(&args),
        BenchCommand::Reconcile(args) => reconcile::run(&args),
        BenchCommand::Gate(args) => gateway::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
