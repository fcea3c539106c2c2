//! `candor publish --period 2026-Q3`: parse, publish the period, print what it did.

use std::process::ExitCode;

use anyhow::Result;
use app::period::{PublishPeriod, publish_period};
use serde_json::json;
use tlog::LocalLog;

use crate::cli::PublishArgs;
use crate::console::print_json;

pub fn run(args: &PublishArgs) -> Result<ExitCode> {
    let p = publish_period(&PublishPeriod {
        period: args.period.clone(),
        log_dir: args.log.dir.clone(),
        registry_db: args.policy.db.clone(),
        usage_db: args.usage_db.clone(),
        policy_db: args.policy.policy_db.clone(),
        exact_quantities: args.exact_quantities,
        demonstration: args.demonstration_data,
    })?;
    let public = LocalLog::at(&args.log.dir).public_dir();
    if args.json {
        print_json(&json!({
            "period": args.period, "appended": p.outcome.appended, "organisation_records": p.outcome.organisation_records,
            "summary": p.outcome.summary, "size": p.outcome.size, "site": public, "files": p.site.files,
            "organisations": p.organisations, "withheld": p.withheld,
            "accounts_awaiting_review_ambiguous": p.ambiguous_accounts,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    if p.outcome.appended.is_empty() {
        println!("{}: nothing new to publish; the log is unchanged at size {}", args.period, p.outcome.size);
    } else {
        println!(
            "{}: appended {} records (log now {} entries) and signed the checkpoint:",
            args.period,
            p.outcome.appended.len(),
            p.outcome.size
        );
        for (i, kind) in &p.outcome.appended {
            println!("  #{i} {kind}");
        }
    }
    println!(
        "  {} organisations disclosed; withheld: {}; {} accounts awaiting review: ambiguous",
        p.organisations,
        p.withheld_text(),
        p.ambiguous_accounts
    );
    println!(
        "  report: {} ({} files; open index.html, or candor serve --dir {})",
        public.display(),
        p.site.files,
        args.log.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
