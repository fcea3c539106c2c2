//! `candor usage …`: the capability taxonomy.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;
use usage::taxonomy::{Line, Taxonomy};

use crate::cli::UsageCommand;
use crate::console::{print_json, progress};

fn load(extra: Option<&Path>) -> Result<Taxonomy> {
    Ok(Taxonomy::builtin_with(extra)?)
}

pub fn run(cmd: UsageCommand) -> Result<ExitCode> {
    match cmd {
        UsageCommand::Taxonomy { extra, json } => {
            let t = load(extra.as_deref())?;
            if json {
                let caps: Vec<_> = t.capabilities().iter().map(|c| json!({"id": c.id, "name": c.name})).collect();
                let rules: Vec<_> = t
                    .rules()
                    .iter()
                    .map(|r| json!({"provider": r.provider, "capability": t.capabilities()[r.capability].id, "note": r.note, "file": r.origin.0, "rule": r.origin.1}))
                    .collect();
                print_json(&json!({"capabilities": caps, "rules": rules}));
            } else {
                println!("capabilities:");
                for c in t.capabilities() {
                    println!("  {:26} {}", c.id, c.name);
                }
                println!("rules, tried in order ({}):", t.rules().len());
                for r in t.rules() {
                    let e = r.example.as_ref();
                    let example = e
                        .map(|e| format!("e.g. {} / {} / {}", e.service, e.usage_type, e.operation))
                        .unwrap_or_default();
                    println!(
                        "  {}#{:<3} {:6} → {:26} {example}",
                        r.origin.0,
                        r.origin.1,
                        r.provider,
                        t.capabilities()[r.capability].id
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Ingest { files, usage_db, strict, extra, json } => {
            let t = load(extra.as_deref())?;
            let mut store = usage::store::UsageStore::open(&usage_db)?;
            let mut reports = Vec::new();
            for f in &files {
                let bar = progress(0, &format!("ingesting {}", f.display()));
                let r = store.ingest_with_progress(&t, f, usage::focus::ReadOptions { strict }, &mut |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                });
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
            if json {
                print_json(&serde_json::to_value(&reports)?);
            } else {
                for r in &reports {
                    if r.already_ingested {
                        println!("{}: ingested before (same SHA-256); nothing added", r.file);
                        continue;
                    }
                    let unmapped: u64 = r.unmapped.values().sum();
                    println!(
                        "{}: {} lines into {} aggregate rows; {unmapped} unmapped line(s)",
                        r.file, r.read.rows, r.rows
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Report { usage_db, db, period, json } => {
            let store = usage::store::UsageStore::open(&usage_db)?;
            let rows = store.rows()?;
            // Accounts become organisations through confirmed links only.
            let owners = app::owners::confirmed_owners(&db.db)?;
            let g = if period == "month" { usage::fold::Granularity::Month } else { usage::fold::Granularity::Quarter };
            let report = usage::aggregate::report(&rows, g, |a| {
                owners.get(a).cloned().unwrap_or_else(|| format!("account {a} (not linked)"))
            });
            if json {
                let out: Vec<_> = report
                    .iter()
                    .map(|((owner, p, service, cap, class, unit), v)| json!({"owner": owner, "period": p, "service": service, "capability": cap, "region_class": class, "unit": unit, "quantity": v.quantity, "cost": v.cost, "lines": v.lines, "first_use": v.first, "last_use": v.last}))
                    .collect();
                print_json(&json!(out));
                return Ok(ExitCode::SUCCESS);
            }
            let mut last_owner = String::new();
            for ((owner, p, service, cap, class, unit), v) in &report {
                if *owner != last_owner {
                    println!("{owner}");
                    last_owner = owner.clone();
                }
                println!(
                    "  {p}  {cap:24} {class:10} {service:30} {:>14.2} {unit:10} ${:>10.2}  {}..{}",
                    v.quantity, v.cost, v.first, v.last
                );
            }
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
            let r = r?;
            if json {
                let caps: Vec<_> = r
                    .capabilities
                    .iter()
                    .map(|((c, class), v)| json!({"capability": c, "region_class": class, "lines": v.lines, "quantity": v.quantity, "cost": v.cost, "first_month": v.months.0, "last_month": v.months.1}))
                    .collect();
                print_json(&json!({"files": r.files, "capabilities": caps, "unmapped": r.unmapped}));
                return Ok(ExitCode::SUCCESS);
            }
            for (file, read) in &r.files {
                println!("{file}: {} rows", read.rows);
                for (kind, n) in &read.nonconformance_counts {
                    println!("  not conformant: {kind}: {n} finding(s)");
                }
                for n in read.nonconformance.iter().take(10) {
                    println!("    row {}, column {}: {}", n.row, n.column, n.message);
                }
            }
            println!("{:26} {:10} {:>8} {:>14}  months", "capability", "region", "lines", "cost");
            for ((c, class), v) in &r.capabilities {
                println!("{c:26} {class:10} {:>8} {:>14.2}  {}..{}", v.lines, v.cost, v.months.0, v.months.1);
            }
            let unmapped: u64 = r.unmapped.values().sum();
            if unmapped > 0 {
                println!(
                    "unmapped: {unmapped} line(s): {}",
                    r.unmapped.iter().map(|(s, n)| format!("{s} ({n})")).collect::<Vec<_>>().join(", ")
                );
            }
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
                let r = store.ingest_aggregate(f)?;
                if r.already_ingested {
                    println!("{}: ingested before (same SHA-256); nothing added", r.file);
                } else {
                    println!("{}: {} aggregate rows", r.file, r.rows);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UsageCommand::Classify { provider, service, usage_type, operation, region, extra, json } => {
            let t = load(extra.as_deref())?;
            let line = Line { provider: &provider, service: &service, usage_type: &usage_type, operation: &operation };
            let rule = t.rule_for(&line);
            let capability = rule.map(|i| &t.capabilities()[t.rules()[i].capability]);
            let class = t.region_class(&provider, &region);
            if json {
                print_json(&json!({
                    "capability": capability.map(|c| &c.id),
                    "rule": rule.map(|i| format!("{}#{}", t.rules()[i].origin.0, t.rules()[i].origin.1)),
                    "region_class": class.as_str(),
                }));
            } else {
                match (capability, rule) {
                    (Some(c), Some(i)) => {
                        println!("{} ({}) — by rule {}#{}", c.id, c.name, t.rules()[i].origin.0, t.rules()[i].origin.1)
                    }
                    _ => println!("unmapped: no rule matches this line (it would be counted under {service:?})"),
                }
                if !region.is_empty() {
                    println!("region {region}: {}", class.as_str());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
