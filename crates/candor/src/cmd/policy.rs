//! `candor authorize` and `candor policy …`: parse, call the policy use cases, print.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use app::policy::{Activation, Authorize};
use policy::engine::Request;
use serde_json::json;

use crate::cli::{PolicyCommand, PolicyPlaces};
use crate::console::{emit, print_json};

/// What `candor authorize` asks.
pub struct Ask {
    pub account: String,
    pub capability: String,
    pub service: String,
    pub region_class: String,
    pub purpose: String,
}

pub fn authorize(
    places: &PolicyPlaces,
    ask: Ask,
    policy_file: Option<PathBuf>,
    record: bool,
    json: bool,
) -> Result<ExitCode> {
    let request = Request {
        account: ask.account,
        capability: ask.capability,
        service: ask.service,
        region_class: ask.region_class,
        purpose: ask.purpose,
    };
    let a = app::policy::authorize(&places.places(), Authorize { request, policy_file, record })?;
    emit(&a, json)?;
    Ok(if a.decision.allow { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn run(cmd: PolicyCommand) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Schema => {
            print!("{}", policy::schema::builtin_text()?);
        }
        PolicyCommand::Default => {
            print!("{}", policy::DEFAULT_POLICY);
        }
        PolicyCommand::Validate { file, json } => {
            let v = app::policy::read_policy(&file, &policy::schema::builtin()?)?;
            if json {
                print_json(&json!({"file": file, "valid": true, "sha256": v.sha256, "policies": v.policies()}));
            } else {
                println!("{}: valid ({} policies, sha256 {})", file.display(), v.policies().len(), v.sha256);
                for p in v.policies() {
                    println!("  {:7} {}", p.effect, p.id);
                }
            }
        }
        PolicyCommand::Activate { policy: places, log, file, by, json } => {
            match app::policy::activate_file(&places.places(), &log.dir, &file, &by)? {
                Activation::AlreadyActive { .. } => {
                    println!("{} is already the active version; nothing to do", file.display());
                }
                Activation::Activated { activated, sha256, file: name } => {
                    if json {
                        print_json(&json!({"version": activated.version, "sha256": sha256,
                                           "log_index": activated.log_index, "file": name}));
                    } else {
                        println!(
                            "activated {} as policy version {} (sha256 {sha256}), log entry {}",
                            file.display(),
                            activated.version,
                            activated.log_index
                        );
                    }
                }
            }
        }
        PolicyCommand::History { policy: places, json } => {
            let versions = app::policy::open_store(&places.places())?.versions()?;
            if json {
                print_json(&json!(versions));
            } else if versions.is_empty() {
                println!("no policy version has been activated");
            } else {
                let last = versions.len();
                for v in &versions {
                    let mark = if v.version as usize == last { " (active)" } else { "" };
                    println!(
                        "version {}{mark}: {} sha256 {} log entry {} activated {} by {}",
                        v.version, v.file, v.sha256, v.log_index, v.activated_at, v.activated_by
                    );
                }
            }
        }
        PolicyCommand::Audit { policy: places, usage_db, period, policy_version, json } => {
            let a =
                app::policy::audit_usage(&places.places(), &usage_db, policy_version.as_deref(), period.as_deref())?;
            emit(&a, json)?;
            return Ok(if a.violations.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        PolicyCommand::Diff { policy: places, usage_db, old, new, json } => {
            let change = app::policy::diff_versions(&places.places(), &usage_db, &old, &new)?;
            if json {
                print_json(&json!(change));
            } else {
                println!(
                    "{old} → {new}: {} account(s) newly denied ({} lines of past usage), {} newly allowed ({} lines)",
                    change.accounts_newly_denied,
                    change.lines_newly_denied,
                    change.accounts_newly_allowed,
                    change.lines_newly_allowed
                );
                for c in &change.changes {
                    println!(
                        "  {} [{}] {} ({}, {}): {} → {} ({} lines, ${:.2}) by {}",
                        c.organisation,
                        c.account,
                        c.capability,
                        c.service,
                        c.region_class,
                        if c.before { "allow" } else { "deny" },
                        if c.after { "allow" } else { "deny" },
                        c.lines,
                        c.cost,
                        c.policies.join(", ")
                    );
                }
            }
        }
        PolicyCommand::RegisterUse { policy: places, account, use_case, reviewer, reason, withdraw, json } => {
            let mut store = app::policy::open_store(&places.places())?;
            let id = store.register_use(&account, &use_case, !withdraw, &reviewer, &reason)?;
            if json {
                print_json(&json!({"event": id, "account": account, "use_case": use_case, "registered": !withdraw}));
            } else {
                let what = if withdraw { "withdrew" } else { "registered" };
                println!("{what} use case {use_case} for account {account} (event {id})");
            }
        }
        PolicyCommand::Replay { policy: places, json } => {
            let r = app::policy::replay_decisions(&places.places())?;
            emit(&r, json)?;
            return Ok(if r.different.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        PolicyCommand::Serve { policy: places, usage_db, listen, tokens, record, limits } => {
            let mut state = app::serving::decision_point(&app::serving::ServePlaces {
                log_dir: PathBuf::new(),
                policy: places.places(),
                usage_db,
                tokens,
                record,
            })?;
            state.limits = limits.limits();
            let sha = state.decider.as_ref().map(|d| d.version().sha256.clone()).unwrap_or_default();
            crate::console::init_request_logs();
            server::run_until_signal(state, &listen, &|url| {
                eprintln!("serving POST /v1/authorize on {url} (policy {})", &sha[..12.min(sha.len())]);
            })?;
        }
        PolicyCommand::Token { role, label, tokens } => {
            let r = server::auth::Role::parse(&role).context("--role must be admin, reviewer or authorizer")?;
            let token = server::auth::Tokens::issue(&tokens, r, &label)?;
            eprintln!("a {role} token (shown once; {} keeps only its hash):", tokens.display());
            println!("{token}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
