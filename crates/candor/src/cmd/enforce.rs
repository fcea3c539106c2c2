//! `candor enforce record|list`: enforcement actions, recorded append-only and disclosed by
//! `candor publish` beside the audit's findings.

use std::process::ExitCode;

use anyhow::Result;
use app::enforcement::{RecordAction, Subject};

use crate::cli::EnforceCommand;
use crate::console::print_json;

pub fn run(cmd: EnforceCommand) -> Result<ExitCode> {
    match cmd {
        EnforceCommand::Record(a) => {
            let subject = match (a.org, a.account) {
                (Some(org), _) => Subject::Organisation(org),
                (None, Some(account)) => Subject::Account(account),
                (None, None) => anyhow::bail!("give --org or --account"),
            };
            let recorded = app::enforcement::record(
                &a.policy.stores(),
                &RecordAction {
                    subject,
                    action: a.action,
                    policy: a.policy_id,
                    reason: a.reason,
                    reviewer: a.reviewer,
                    effective: a.effective,
                },
            )?;
            if a.json {
                print_json(&serde_json::to_value(&recorded)?);
            } else {
                println!(
                    "recorded #{}: {} {} under {} from {} (by {}); candor publish discloses it with the period's findings",
                    recorded.id,
                    recorded.organisation,
                    recorded.action,
                    recorded.policy,
                    recorded.effective,
                    recorded.reviewer
                );
            }
        }
        EnforceCommand::List { policy, json } => {
            let all = app::enforcement::list(&policy.stores())?;
            if json {
                print_json(&serde_json::to_value(&all)?);
            } else if all.is_empty() {
                println!("no enforcement actions recorded");
            } else {
                for a in &all {
                    println!(
                        "#{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        a.id, a.effective, a.organisation, a.action, a.policy, a.reviewer, a.reason
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
