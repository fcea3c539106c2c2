//! One module per command group; [`run`] dispatches.

mod bench;
mod bench_policy;
mod bench_publish;
mod bench_screen;
mod bench_usage;
mod demo;
mod demo_policy;
mod demo_registry;
mod generate;
mod log;
mod policy;
mod publish;
mod registry;
mod serve;
mod usage;
mod verify;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{BenchCommand, Cli, Command};

/// Runs a parsed command line and returns the process exit code:
/// 0 success, 1 a verification found a fault, 2 an error (printed by `main`).
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Log(cmd) => log::run(cmd),
        Command::Bench(BenchCommand::Log(args)) => bench::log(&args),
        Command::Bench(BenchCommand::Screen(args)) => bench_screen::run(&args),
        Command::Bench(BenchCommand::Usage(args)) => bench_usage::run(&args),
        Command::Bench(BenchCommand::Policy(args)) => bench_policy::run(&args),
        Command::Bench(BenchCommand::Publish(args)) => bench_publish::run(&args),
        Command::Registry(cmd) => registry::run(cmd),
        Command::Screen(args) => registry::screen(&args),
        Command::Review(cmd) => registry::review(cmd),
        Command::Usage(cmd) => usage::run(cmd),
        Command::Gen(cmd) => generate::run(cmd),
        Command::Authorize {
            policy,
            account,
            capability,
            service,
            region_class,
            purpose,
            policy_file,
            record,
            json,
        } => policy::authorize(
            &policy,
            policy::Ask { account, capability, service, region_class, purpose },
            policy_file,
            record,
            json,
        ),
        Command::Policy(cmd) => policy::run(cmd),
        Command::Publish(args) => publish::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Explain { db, org, min_amount, since, json } => {
            registry::explain(&db.db, &org, min_amount, since, json)
        }
    }
}
