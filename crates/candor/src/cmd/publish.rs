//! `candor publish --period 2026-Q3`: parse, publish the period, print what it did; `candor
//! reconcile`: the period held against public records.

use std::process::ExitCode;

use anyhow::Result;
use app::period::{PublishPeriod, publish_period};

use crate::cli::{PublishArgs, ReconcileArgs, ReconcileReportArgs, ReconcileStatementArgs};
use crate::console::emit;

pub fn run(args: &PublishArgs) -> Result<ExitCode> {
    let stores = args.policy.stores().with_usage(args.usage_db.path());
    let p = publish_period(
        &stores,
        &PublishPeriod {
            period: args.period.clone(),
            log_dir: args.log.dir.clone(),
            exact_quantities: args.exact_quantities,
            demonstration: args.demonstration_data,
            witness_fail_open: args.witness_fail_open,
            provider: args.provider.clone(),
            rebuild_site: args.rebuild_site,
        },
    )?;
    emit(&p.report(args.period.as_str(), &args.log.dir), args.json)?;
    Ok(ExitCode::SUCCESS)
}

pub fn reconcile(args: &ReconcileArgs) -> Result<ExitCode> {
    let stores = args.db.stores().with_usage(args.usage_db.path());
    let req = app::reconcile::ReconcilePeriod {
        period: args.period.clone(),
        log_dir: args.log.dir.clone(),
        provider: args.provider.clone(),
    };
    emit(&app::reconcile::reconcile_period(&stores, &req)?, args.json)?;
    Ok(ExitCode::SUCCESS)
}

pub fn reconcile_report(args: &ReconcileReportArgs) -> Result<ExitCode> {
    let req = app::reconcile_outside::OutsideCheck {
        source: args.source.clone(),
        vkey: args.vkey.as_deref().map(crate::console::vkey_arg).transpose()?,
        fedramp: args.fedramp.clone(),
        ai_inventory: args.ai_inventory.clone(),
        references: args.reference.clone(),
        provider: args.provider.clone(),
        period: args.period.clone(),
    };
    let bar = crate::console::progress(3, "checking");
    let result = app::reconcile_outside::check(&req, &mut |step| {
        bar.set_message(step.to_string());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let result = result?;
    emit(&result, args.json)?;
    Ok(if result.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn reconcile_statement(args: &ReconcileStatementArgs) -> Result<ExitCode> {
    let req = app::reconcile::Statement {
        organisation: args.org.clone(),
        reason: args.reason.clone(),
        reviewer: args.reviewer.clone(),
        withdraw: args.withdraw,
    };
    emit(&app::reconcile::state(&args.db.stores(), &args.log.dir, &req)?, args.json)?;
    Ok(ExitCode::SUCCESS)
}
