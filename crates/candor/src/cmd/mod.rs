//! One module per command group; [`run`] dispatches.

mod demo;
mod enforce;
mod gate;
mod generate;
mod log;
mod policy;
mod publish;
mod registry;
mod serve;
mod usage;
mod verify;
mod witness;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Runs a parsed command line and returns the process exit code:
/// 0 success, 1 a verification found a fault, 2 an error (printed by `main`).
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Log(cmd) => log::run(cmd),
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
        Command::Reconcile(args) => publish::reconcile(&args),
        Command::ReconcileReport(args) => publish::reconcile_report(&args),
        Command::ReconcileStatement(args) => publish::reconcile_statement(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Gate(args) => gate::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Witness(cmd) => witness::run(cmd),
        Command::Enforce(cmd) => enforce::run(cmd),
        Command::Monitor { config, once } => {
            monitor::run(&config, once, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { db, org, min_amount, since, json } => registry::explain(&db, &org, min_amount, since, json),
    }
}

/// The `--from sqlite:PATH` and `--to postgres://…` of a `migrate` command, checked.
fn migrate_places(from: &str, to: &str) -> Result<(std::path::PathBuf, String)> {
    let from = std::path::PathBuf::from(from.strip_prefix("sqlite:").unwrap_or(from));
    if !from.is_file() {
        anyhow::bail!("{}: no such SQLite database", from.display());
    }
    if !pg::is_url(to) {
        anyhow::bail!("--to must be a PostgreSQL URL (postgres://user@host/db)");
    }
    Ok((from, to.to_string()))
}
