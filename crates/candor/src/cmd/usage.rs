//! `candor usage …`: the capability taxonomy.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use usage::store::Phase;
use usage::taxonomy::{Line, Taxonomy};

use crate::cli::UsageCommand;
use crate::console::{emit, emit_all, progress};

fn load(extra: Option<&Path>) -> Result<Taxonomy> {
    Ok(Taxonomy::builtin_with(extra)?)
}

pub fn run(cmd: UsageCommand) -> Result<ExitCode> {
    match cmd {
        UsageCommand::Migrate(crate::cli::MigrateArgs { from, to, json }) => {
            let (from, to) = crate::cmd::migrate_places(&from, &to)?;
            let moved = crate::console::moving("the usage database", |progress| {
                usage::store::UsageStore::move_to_postgres(&from, &to, progress)
            })
            .with_context(|| format!("moving {} to {}", from.display(), pg::redact(&to)))?;
            crate::console::emit_all(&moved, json)?;
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Taxonomy { extra, json } => {
            emit(&usage::listing::Listing::of(&load(extra.as_deref())?), json)?;
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Ingest { files, usage_db, strict, extra, json } => {
            let t = load(extra.as_deref())?;
            let mut store = usage::store::UsageStore::open(&usage_db)?;
            let mut reports = Vec::new();
            for f in &files {
                let mut bar = progress(0, &format!("ingesting {}", f.display()));
                let mut writing = false;
                let mut tick = |phase, done, total| {
                    if phase == Phase::Writing && !writing {
                        // The file is folded; the store write is the second, counted in groups.
                        writing = true;
                        bar.finish_and_clear();
                        bar = progress(total, &format!("writing the groups of {} to the store", f.display()));
                    }
                    bar.set_length(total);
                    bar.set_position(done);
                };
                let r = store.ingest_with_progress(&t, f, usage::focus::ReadOptions { strict }, &mut tick);
                bar.finish_and_clear();
                let r = r?;
                if strict && !r.read.nonconformance.is_empty() {
                    // Strict: the file was read, but report what does not conform.
                    eprintln!(
                        "{}: {} finding(s) of non-conformance to FOCUS",
                        f.display(),
                        r.read.nonconformance_counts.values().sum::<u64>()
                    );
                }
                reports.push(r);
            }
            emit_all(&reports, json)?;
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Report { usage_db, db, period, json } => {
            let store = usage::store::UsageStore::open(&usage_db)?;
            let rows = store.rows()?;
            // Accounts become organisations through confirmed links only.
            let owners = app::period::owners::confirmed_owners(&db.db)?;
            let g = if period == "month" { usage::fold::Granularity::Month } else { usage::fold::Granularity::Quarter };
            let report = usage::aggregate::owner_report(&rows, g, |a| {
                owners.get(a).cloned().unwrap_or_else(|| format!("account {a} (not linked)"))
            });
            emit(&report, json)?;
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Scan { files, strict, extra, json } => {
            let t = load(extra.as_deref())?;
            let paths: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
            let bar = progress(0, "reading");
            let r = usage::scan::scan_with_progress(
                &t,
                &paths,
                usage::focus::ReadOptions { strict },
                &mut |i, done, total| {
                    bar.set_message(paths[i].display().to_string());
                    bar.set_length(total);
                    bar.set_position(done);
                },
            );
            bar.finish_and_clear();
            emit(&r?, json)?;
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Sql { dialect, columns_from, table, extra } => {
            let t = load(extra.as_deref())?;
            let d = usage::sql::Dialect::parse(&dialect).context("--dialect")?;
            let header = match &columns_from {
                Some(path) => {
                    let mut first = String::new();
                    let f = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
                    std::io::BufRead::read_line(&mut std::io::BufReader::new(f), &mut first)?;
                    first
                }
                None => usage::sql::FOCUS_COLUMNS.join(","),
            };
            let headers: Vec<&str> = header.trim().split(',').map(|h| h.trim().trim_matches('"')).collect();
            if !table.chars().all(|c| c.is_ascii_alphanumeric() || "_.`\"".contains(c)) {
                anyhow::bail!("--table {table:?}: use a plain (optionally qualified) table name");
            }
            print!("{}", usage::sql::aggregate_query(&t, &usage::sql::Columns::from_headers(&headers), &table, d));
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::IngestAggregate { files, usage_db } => {
            let mut store = usage::store::UsageStore::open(&usage_db)?;
            for f in &files {
                print!("{}", store.ingest_aggregate(f)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Classify { provider, service, usage_type, operation, region, extra, json } => {
            let t = load(extra.as_deref())?;
            let line = Line { provider: &provider, service: &service, usage_type: &usage_type, operation: &operation };
            emit(&usage::listing::Classification::of(&t, &line, &region), json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
