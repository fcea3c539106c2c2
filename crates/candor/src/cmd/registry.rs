//! `candor registry …` and `candor explain`: import public records and accounts, classify,
//! and explain a classification with its evidence.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use app::organisations::Source;

use crate::cli::{ImportKind, RegistryCommand, ReviewCommand, ScreenArgs};
use crate::console::{emit, emit_all, print_json, progress};

pub fn run(cmd: RegistryCommand) -> Result<ExitCode> {
    match cmd {
        RegistryCommand::Import { db, kind, files, skip_bad_rows, json } => {
            let source = match kind {
                ImportKind::Usaspending => Source::Usaspending,
                ImportKind::Fbi => Source::Fbi,
                ImportKind::Atlas => Source::Atlas,
                ImportKind::Accounts => Source::Accounts,
                ImportKind::Ftm => Source::Ftm,
                ImportKind::Reference => Source::Reference,
                ImportKind::Fedramp => Source::Fedramp,
                ImportKind::AiInventory => Source::AiInventory,
            };
            // One bar per file, made when the file's first progress arrives.
            let mut bar: Option<(std::path::PathBuf, indicatif::ProgressBar)> = None;
            let mut tick = |file: &Path, done: u64, total: u64| {
                if bar.as_ref().is_none_or(|(f, _)| f != file) {
                    if let Some((_, b)) = bar.take() {
                        b.finish_and_clear();
                    }
                    bar = Some((file.to_path_buf(), progress(0, &format!("importing {}", file.display()))));
                }
                if let Some((_, b)) = &bar {
                    b.set_length(total);
                    b.set_position(done);
                }
            };
            let reports = app::organisations::import(&db.stores(), source, &files, skip_bad_rows, &mut tick);
            if let Some((_, b)) = bar {
                b.finish_and_clear();
            }
            emit_all(&reports?, json)?;
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Classify { db, min_amount, since, json } => {
            let cfg = app::organisations::classify_config(min_amount, since)?;
            emit(&app::organisations::classify(&db.stores(), &cfg)?, json)?;
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::ExportFtm { db, out } => {
            let stores = db.stores();
            let n = match &out {
                Some(path) => {
                    let mut f = std::io::BufWriter::new(
                        std::fs::File::create(path).with_context(|| format!("{}", path.display()))?,
                    );
                    app::organisations::export_ftm(&stores, &mut f)?
                }
                None => app::organisations::export_ftm(&stores, &mut std::io::stdout().lock())?,
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
            emit(&app::organisations::stats(&db.stores())?, json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn explain(
    db: &crate::cli::RegistryDb,
    org: &str,
    min_amount: f64,
    since: Option<String>,
    json: bool,
) -> Result<ExitCode> {
    let cfg = app::organisations::classify_config(min_amount, since)?;
    emit(&app::organisations::explain(&db.stores(), org, &cfg)?, json)?;
    Ok(ExitCode::SUCCESS)
}

pub fn screen(args: &ScreenArgs) -> Result<ExitCode> {
    let cfg = app::organisations::screen_config(args.threshold)?;
    let db = &args.db.stores();
    if let Some(eval) = &args.evaluate {
        emit(&app::organisations::evaluate(db, eval, &cfg)?, args.json)?;
    } else if let Some(name) = &args.name {
        emit(&app::organisations::screen_name(db, name, args.state.as_deref(), &cfg)?, args.json)?;
    } else {
        emit(&app::organisations::screen_all(db, &cfg)?, args.json)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn review(cmd: ReviewCommand) -> Result<ExitCode> {
    match cmd {
        ReviewCommand::List { db, all: true, json, .. } => {
            let links = app::organisations::links(&db.stores())?;
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
            let stores = db.stores().with_usage(usage_db.path()).with_policy(policy_db.path());
            let index = app::review::QueueIndex::build(&stores, &app::notice::log::today())?;
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
            bulk_accept(&queue.stores(&db), &ids, &reviewer, &reason, queue.four_eyes == "deny", json)
        }
        ReviewCommand::Reject(d) => decide(d, false),
    }
}

fn decide(d: crate::cli::Decision, accept: bool) -> Result<ExitCode> {
    let stores = d.queue.stores(&d.db);
    let store = stores.registry()?;
    let mut store = app::stores::lock(&store);
    let org =
        d.org.as_deref().map(|o| app::organisations::organisation_named(&**store, o).context("--org")).transpose()?;
    let index = app::review::QueueIndex::build_from(&**store, &stores, &app::notice::log::today())?;
    let ask = app::review::decide::Ask {
        proposal_id: d.id,
        accept,
        org,
        reviewer: &d.reviewer,
        reason: &d.reason,
        overrides: d.overrides,
    };
    let done = app::review::decide::decide(&mut **store, &index, &ask, d.queue.four_eyes == "deny")?;
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

fn bulk_accept(
    stores: &app::stores::Stores,
    ids: &[i64],
    reviewer: &str,
    reason: &str,
    four_eyes: bool,
    json: bool,
) -> Result<ExitCode> {
    let store = stores.registry()?;
    let mut store = app::stores::lock(&store);
    let index = app::review::QueueIndex::build_from(&**store, stores, &app::notice::log::today())?;
    let done = app::review::decide::bulk_accept(&mut **store, &index, ids, reviewer, reason, four_eyes)?;
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
