//! `candor registry …` and `candor explain`: import public records and accounts, classify,
//! and explain a classification with its evidence.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use registry::Store;
use registry::classify::{ClassifyConfig, classify};
use registry::import::{self, ImportOptions};

use crate::cli::{ImportKind, RegistryCommand, ReviewCommand, ScreenArgs};
use crate::console::{emit, emit_all, print_json, progress};

pub fn open(db: &Path) -> Result<Box<dyn Store>> {
    registry::open(db).with_context(|| format!("opening the registry {}", registry::describe(db)))
}

fn config(min_amount: f64, since: Option<String>) -> Result<ClassifyConfig> {
    if !min_amount.is_finite() || min_amount < 0.0 {
        bail!("--min-amount must be a non-negative number of dollars");
    }
    if let Some(s) = &since {
        let ok = s.len() == 10
            && s.as_bytes()[4] == b'-'
            && s.as_bytes()[7] == b'-'
            && s.chars().filter(char::is_ascii_digit).count() == 8;
        if !ok {
            bail!("--since {s:?}: expected an ISO date such as 2020-01-01");
        }
    }
    Ok(ClassifyConfig { min_amount, since })
}

pub fn run(cmd: RegistryCommand) -> Result<ExitCode> {
    match cmd {
        RegistryCommand::Import { db, kind, files, skip_bad_rows, json } => {
            let mut store = open(&db.db)?;
            let opts = ImportOptions { skip_bad_rows };
            let mut reports = Vec::new();
            if let ImportKind::Reference = kind {
                if files.is_empty() {
                    reports.push(import::import_reference(&mut store, None)?);
                }
                for f in &files {
                    reports.push(import::import_reference(&mut store, Some(f))?);
                }
            } else {
                if files.is_empty() {
                    bail!("give at least one file to import");
                }
                for f in &files {
                    let bar = progress(0, &format!("importing {}", f.display()));
                    let mut tick = |done: u64, total: u64| {
                        bar.set_length(total);
                        bar.set_position(done);
                    };
                    let r = match kind {
                        ImportKind::Usaspending => import::import_usaspending(&mut store, f, opts, &mut tick),
                        ImportKind::Fbi => import::import_fbi_agencies(&mut store, f, opts, &mut tick),
                        ImportKind::Atlas => import::import_atlas(&mut store, f, opts, &mut tick),
                        ImportKind::Accounts => import::import_accounts(&mut store, f, opts, &mut tick),
                        ImportKind::Ftm => registry::ftm::import(&mut store, f),
                        ImportKind::Reference => unreachable!("handled above"),
                    };
                    bar.finish_and_clear();
                    reports.push(r?);
                }
            }
            emit_all(&reports, json)?;
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Classify { db, min_amount, since, json } => {
            let cfg = config(min_amount, since)?;
            let mut store = open(&db.db)?;
            emit(&classify(&mut store, &cfg)?, json)?;
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::ExportFtm { db, out } => {
            let store = open(&db.db)?;
            let n = match &out {
                Some(path) => {
                    let mut f = std::io::BufWriter::new(
                        std::fs::File::create(path).with_context(|| format!("{}", path.display()))?,
                    );
                    let n = registry::ftm::export(&store, &mut f)?;
                    std::io::Write::flush(&mut f)?;
                    n
                }
                None => registry::ftm::export(&store, &mut std::io::stdout().lock())?,
            };
            eprintln!("wrote {n} FollowTheMoney entities");
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Migrate(crate::cli::MigrateArgs { from, to, json }) => {
            let (from, to) = crate::cmd::migrate_places(&from, &to)?;
            let moved =
                crate::console::moving("the registry", |progress| registry::moving::to_postgres(&from, &to, progress))
                    .with_context(|| format!("moving {} to {}", from.display(), pg::redact(&to)))?;
            emit_all(&moved, json)?;
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Stats { db, json } => {
            let store = open(&db.db)?;
            emit(&store.counts()?, json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn explain(db: &Path, org: &str, min_amount: f64, since: Option<String>, json: bool) -> Result<ExitCode> {
    let cfg = config(min_amount, since)?;
    let store = open(db)?;
    // A customer account id explains the account: its links, then its organisation.
    match registry::classify::explain_account(&store, org, &cfg)? {
        Some(a) => emit(&a, json)?,
        None => emit(&registry::classify::explain(&store, org, &cfg)?, json)?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn screen(args: &ScreenArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!("--threshold must be between 0 and 1");
    }
    let cfg = registry::screen::ScreenConfig { threshold: args.threshold, ..Default::default() };
    let db = &args.db.db;
    if let Some(eval) = &args.evaluate {
        emit(&registry::eval::evaluate(&open(db)?, eval, &cfg)?, args.json)?;
    } else if let Some(name) = &args.name {
        emit(&registry::screen::screen_name(&open(db)?, name, args.state.as_deref(), &cfg)?, args.json)?;
    } else {
        emit(&registry::screen::screen_all(&mut open(db)?, &cfg)?, args.json)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn review(cmd: ReviewCommand) -> Result<ExitCode> {
    match cmd {
        ReviewCommand::List { db, all: true, json, .. } => {
            let store = open(&db.db)?;
            let links = registry::review::links(&store)?;
            if json {
                print_json(&serde_json::to_value(&links)?);
            } else {
                for l in &links {
                    let p = l.proposal.as_ref().unwrap_or(&l.latest);
                    println!(
                        "[{}] {} {:?} → {} (#{}) {} {}: {}",
                        p.id,
                        l.latest.account_id,
                        l.account_name,
                        l.org_name,
                        l.latest.org_id,
                        l.latest.status,
                        p.score.map(|s| format!("{s:.2}")).unwrap_or_default(),
                        l.latest.reason
                    );
                }
                println!("{} link(s)", links.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::List { db, usage_db, policy_db, filters, sort, offset, limit, all: false, json } => {
            let mut pairs = vec![
                ("sort".to_string(), sort),
                ("offset".to_string(), offset.to_string()),
                ("limit".to_string(), limit.to_string()),
            ];
            for f in &filters {
                let (k, v) = f.split_once('=').with_context(|| format!("--filter {f:?}: KEY=VALUE"))?;
                pairs.push((k.trim().to_string(), v.to_string()));
            }
            let query = app::review::query_from_pairs(&pairs)?;
            let places = app::PolicyPlaces { registry_db: db.db, policy_db };
            let index = app::review::QueueIndex::build(&places, &usage_db, &app::notice::log::today())?;
            let page = index.page(&query);
            if json {
                print_json(&serde_json::to_value(&page)?);
            } else {
                print!("{}", app::review::serve::PageText(&page));
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Accept(d) => decide(d, true),
        ReviewCommand::BulkAccept { db, ids, reviewer, reason, queue, json } => {
            bulk_accept(&db.db, &ids, &reviewer, &reason, &queue, json)
        }
        ReviewCommand::Reject(d) => decide(d, false),
    }
}

fn decide(d: crate::cli::Decision, accept: bool) -> Result<ExitCode> {
    let mut store = open(&d.db.db)?;
    let org = d.org.as_deref().map(|o| registry::review::organisation_named(&store, o).context("--org")).transpose()?;
    let index = queue_index(&d.db.db, &d.queue)?;
    let ask = app::review::decide::Ask {
        proposal_id: d.id,
        accept,
        org,
        reviewer: &d.reviewer,
        reason: &d.reason,
        overrides: d.overrides,
    };
    let done = app::review::decide::decide(&mut store, &index, &ask, d.queue.four_eyes == "deny")?;
    let chosen = org.map(|o| format!(" to organisation #{o}")).unwrap_or_default();
    let what = if done.awaiting_second_reviewer {
        "accepted once (accepting it makes a deny: a second reviewer must confirm)"
    } else if accept {
        "confirmed"
    } else {
        "rejected"
    };
    println!("{what} link {}{chosen} (event {}, by {})", d.id, done.event_id, d.reviewer);
    Ok(ExitCode::SUCCESS)
}

/// The review queue over the registry at `db` and the stores `q` names.
fn queue_index(db: &std::path::Path, q: &crate::cli::QueueStores) -> Result<app::review::QueueIndex> {
    let places = app::PolicyPlaces { registry_db: db.to_path_buf(), policy_db: q.policy_db.clone() };
    app::review::QueueIndex::build(&places, &q.usage_db, &app::notice::log::today())
}

fn bulk_accept(
    db: &std::path::Path,
    ids: &[i64],
    reviewer: &str,
    reason: &str,
    q: &crate::cli::QueueStores,
    json: bool,
) -> Result<ExitCode> {
    let mut store = open(db)?;
    let index = queue_index(db, q)?;
    let done = app::review::decide::bulk_accept(&mut store, &index, ids, reviewer, reason, q.four_eyes == "deny")?;
    if json {
        print_json(&serde_json::to_value(&done)?);
    } else {
        for d in &done {
            let what =
                if d.awaiting_second_reviewer { "accepted once, awaiting a second reviewer" } else { "confirmed" };
            println!("{what}: link {} (event {})", d.proposal_id, d.event_id);
        }
        println!("{} link(s) accepted by {reviewer}", done.len());
    }
    Ok(ExitCode::SUCCESS)
}
