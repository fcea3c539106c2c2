//! `candor publish --period 2026-Q3`: parse, publish the period, print what it did.

use std::process::ExitCode;

use anyhow::Result;
use app::period::{PublishPeriod, publish_period};

use crate::cli::PublishArgs;
use crate::console::emit;

pub fn run(args: &PublishArgs) -> Result<ExitCode> {
    let p = publish_period(&PublishPeriod {
        period: args.period.clone(),
        log_dir: args.log.dir.clone(),
        registry_db: args.policy.db.path().to_path_buf(),
        usage_db: args.usage_db.path().to_path_buf(),
        policy_db: args.policy.policy_db.path().to_path_buf(),
        exact_quantities: args.exact_quantities,
        demonstration: args.demonstration_data,
        witness_fail_open: args.witness_fail_open,
    })?;
    emit(&p.report(args.period.as_str(), &args.log.dir), args.json)?;
    Ok(ExitCode::SUCCESS)
}
