//! `candor usage …`: billing files ingested and reported (through `app::billing`), the
//! capability taxonomy, the aggregation as SQL.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use usage::store::Phase;
use usage::taxonomy::{Line, Taxonomy};

use crate::cli::UsageCommand;
use crate::console::{emit, emit_all, emit_rows, progress};

fn load(extra: Option<&Path>) -> Result<Taxonomy> {
    app::billing::taxonomy(extra)
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
            // One bar per file and phase: reading (bytes), then writing the groups to the store.
            let mut bar: Option<(PathBuf, Phase, indicatif::ProgressBar)> = None;
            let mut tick = |file: &Path, phase: Phase, done: u64, total: u64| {
                if bar.as_ref().is_none_or(|(f, p, _)| f != file || *p != phase) {
                    if let Some((_, _, b)) = bar.take() {
                        b.finish_and_clear();
                    }
                    let what = match phase {
                        Phase::Reading => format!("ingesting {}", file.display()),
                        Phase::Writing => format!("writing the groups of {} to the store", file.display()),
                    };
                    bar = Some((file.to_path_buf(), phase, progress(total, &what)));
                }
                if let Some((_, _, b)) = &bar {
                    b.set_length(total);
                    b.set_position(done);
                }
            };
            let reports = app::billing::ingest(
                &app::stores::Stores::default().with_usage(usage_db.path()),
                &files,
                strict,
                extra.as_deref(),
                &mut tick,
            );
            if let Some((_, _, b)) = bar {
                b.finish_and_clear();
            }
            let reports = reports?;
            for (f, r) in files.iter().zip(&reports) {
                if strict && !r.read.nonconformance.is_empty() {
                    // Strict: the file was read, but report what does not conform.
                    eprintln!(
                        "{}: {} finding(s) of non-conformance to FOCUS",
                        f.display(),
                        r.read.nonconformance_counts.values().sum::<u64>()
                    );
                }
            }
            emit_all(&reports, json)?;
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Report { usage_db, db, period, json } => {
            let g = if period == "month" { usage::fold::Granularity::Month } else { usage::fold::Granularity::Quarter };
            let report = app::billing::owner_report(&db.stores().with_usage(usage_db.path()), g)?;
            emit_rows(&report, &report.0, json)?;
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
            print!("{}", app::billing::sql(&dialect, columns_from.as_deref(), &table, extra.as_deref())?);
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::IngestAggregate { files, usage_db } => {
            let stores = app::stores::Stores::default().with_usage(usage_db.path());
            for r in app::billing::ingest_aggregate(&stores, &files)? {
                print!("{r}");
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
