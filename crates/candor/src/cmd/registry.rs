//! `candor registry …` and `candor explain`: import public records and accounts, classify,
//! and explain a classification with its evidence.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use registry::classify::{ClassifyConfig, Explanation, classify};
use registry::import::{self, ImportOptions, ImportReport};
use registry::{SqliteStore, Store};

use crate::cli::{ImportKind, RegistryCommand, ReviewCommand, ScreenArgs};
use crate::console::{print_json, progress};

pub fn open(db: &Path) -> Result<SqliteStore> {
    SqliteStore::open(db).with_context(|| format!("opening the registry {}", db.display()))
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
            if json {
                print_json(&serde_json::to_value(&reports)?);
            } else {
                for r in &reports {
                    print_import(r);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Classify { db, min_amount, since, json } => {
            let cfg = config(min_amount, since)?;
            let mut store = open(&db.db)?;
            let r = classify(&mut store, &cfg)?;
            if json {
                print_json(&serde_json::to_value(&r)?);
            } else {
                println!("agencies by reference:          {}", r.reference_agencies);
                println!("agencies proposed from awards:  {}", r.proposed_agencies);
                println!("suppliers (own awards):         {}", r.suppliers);
                println!("suppliers proposed by roll-up:  {}", r.proposed_by_rollup);
                println!("history events appended:        {}", r.events_appended);
            }
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
        RegistryCommand::Stats { db, json } => {
            let store = open(&db.db)?;
            let c = store.counts()?;
            if json {
                print_json(&serde_json::to_value(c)?);
            } else {
                println!("organisations          {}", c.organisations);
                println!("aliases                {}", c.aliases);
                println!("identifiers            {}", c.identifiers);
                println!("relationships          {}", c.relationships);
                println!("customer accounts      {}", c.accounts);
                println!("link events            {}", c.link_events);
                println!("classification events  {}", c.classification_events);
                println!("imported files         {}", c.imports);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_import(r: &ImportReport) {
    if r.already_imported {
        println!("{}: imported before (same SHA-256); nothing changed", r.file);
        return;
    }
    println!(
        "{} ({}): {} rows; +{} organisations, +{} relationships, +{} accounts",
        r.file,
        r.kind,
        r.rows,
        r.after.organisations - r.before.organisations,
        r.after.relationships - r.before.relationships,
        r.after.accounts - r.before.accounts
    );
    for s in &r.skipped {
        println!("  skipped line {}, column {}: {}", s.line, s.column, s.message);
    }
}

pub fn explain(db: &Path, org: &str, min_amount: f64, since: Option<String>, json: bool) -> Result<ExitCode> {
    let cfg = config(min_amount, since)?;
    let store = open(db)?;
    // A customer account id explains the account: its links, then its organisation.
    if let Some(a) = registry::classify::explain_account(&store, org, &cfg)? {
        if json {
            print_json(&serde_json::to_value(&a)?);
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "customer account {} ({}{})",
            a.account.account_id,
            a.account.legal_name,
            a.account.state.as_deref().map(|s| format!(", {s}")).unwrap_or_default()
        );
        if a.links.is_empty() {
            println!("  not linked to any organisation (run candor screen, then candor review)");
        }
        for l in &a.links {
            let score =
                l.proposal.as_ref().and_then(|p| p.score).map(|s| format!(" (score {s:.2})")).unwrap_or_default();
            println!(
                "  → {} (#{}){score}: {} by {} at {}: {}",
                l.org_name, l.latest.org_id, l.latest.status, l.latest.actor, l.latest.at, l.latest.reason
            );
        }
        if let Some(e) = &a.organisation {
            print_explanation(e);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let e = registry::classify::explain(&store, org, &cfg)?;
    if json {
        print_json(&serde_json::to_value(&e)?);
    } else {
        print_explanation(&e);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_explanation(e: &Explanation) {
    let o = &e.organisation;
    let j = &o.jurisdiction;
    let place: Vec<&str> = [&j.city, &j.county, &j.state, &j.country].iter().filter_map(|x| x.as_deref()).collect();
    println!(
        "{} (#{}, {}, {})",
        o.name,
        o.id,
        o.kind,
        if place.is_empty() { "place unknown".into() } else { place.join(", ") }
    );
    if !e.identifiers.is_empty() {
        println!("  identifiers: {}", e.identifiers.join(", "));
    }
    let others: Vec<&String> = e.aliases.iter().filter(|a| **a != o.name).collect();
    if !others.is_empty() {
        println!("  also known as: {}", others.iter().map(|a| a.as_str()).collect::<Vec<_>>().join("; "));
    }
    match &e.current {
        None => println!("  classification: none (no reference lists it and no law-enforcement award names it)"),
        Some(c) => println!("  classification: {} ({}) — {}", c.role, c.status, c.reason),
    }
    for h in &e.history {
        println!("    {} {} {} by {}: {}", h.at, h.role, h.status, h.actor, h.reason);
    }
    if !e.technologies.is_empty() {
        println!("  surveillance technologies (EFF Atlas of Surveillance):");
        for t in &e.technologies {
            let ev = &t.evidence;
            println!(
                "    {} {} {} {}: {}{} [{}:{}]",
                t.relation,
                t.technology,
                if t.relation == "supplies" { "to" } else { "from" },
                t.counterpart,
                ev.award_id.as_deref().unwrap_or("Atlas row"),
                [ev.citation.as_deref(), ev.permalink.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(|x| format!(", {x}"))
                    .collect::<String>(),
                ev.source.file,
                ev.source.line
            );
        }
    }
    if e.paths.is_empty() {
        return;
    }
    println!("  enablement paths ({}):", e.paths.len());
    for p in e.paths.iter().take(20) {
        let mut line = format!("    {}", o.name);
        for s in &p.steps {
            let ev = &s.evidence;
            let amount = ev.amount.map(|a| format!(" ${a:.2}")).unwrap_or_default();
            let award = ev.award_id.as_deref().map(|a| format!(" {a}")).unwrap_or_default();
            let award = match &ev.technology {
                Some(t) => format!("{award} {t}"),
                None => award,
            };
            line.push_str(&format!(
                " —{}{award}{amount} [{}:{}]→ {}",
                s.relation, ev.source.file, ev.source.line, s.to_name
            ));
        }
        println!("{line}");
    }
    if e.paths.len() > 20 {
        println!("    … {} more (use --json for all)", e.paths.len() - 20);
    }
}

pub fn screen(args: &ScreenArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!("--threshold must be between 0 and 1");
    }
    let cfg = registry::screen::ScreenConfig { threshold: args.threshold, ..Default::default() };
    let db = &args.db.db;
    if let Some(eval) = &args.evaluate {
        let store = open(db)?;
        let r = registry::eval::evaluate(&store, eval, &cfg)?;
        if args.json {
            print_json(&serde_json::to_value(&r)?);
        } else {
            print_evaluation(&r);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = &args.name {
        let store = open(db)?;
        let matcher = registry::screen::Matcher::build(&store)?;
        let account = registry::model::Account {
            account_id: "(name given on the command line)".into(),
            legal_name: name.clone(),
            country: None,
            state: args.state.clone(),
            city: None,
            uei: None,
            domain: None,
        };
        let p = matcher.screen(&account, &cfg, &mut registry::screen::Scratch::default());
        let reading = registry::names::reading(name);
        if args.json {
            print_json(&serde_json::json!({"reading": reading, "proposal": p}));
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "read as: {}{}",
            reading.tokens.join(" "),
            if reading.legal_forms.is_empty() {
                String::new()
            } else {
                format!(" (legal form: {})", reading.legal_forms.join(", "))
            }
        );
        match p {
            None => println!("{name:?}: no organisation reaches {:.2}", cfg.threshold),
            Some(p) if p.is_ambiguous() => {
                println!("{name:?}: ambiguous, {} candidates for a reviewer:", p.candidates.len());
                for c in &p.candidates {
                    println!("  {} (#{})  score {:.2}: {}", c.org_name, c.org_id, c.score, c.reasons.join("; "));
                }
            }
            Some(p) => {
                println!("{name:?}  →  {} (#{})  score {:.2}: {}", p.org_name, p.org_id, p.score, p.reasons.join("; "))
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = open(db)?;
    let r = registry::screen::screen_all(&mut store, &cfg)?;
    if args.json {
        print_json(&serde_json::to_value(&r)?);
    } else {
        for p in &r.proposals {
            if p.is_ambiguous() {
                let names: Vec<String> =
                    p.candidates.iter().map(|c| format!("{} (#{}, {:.2})", c.org_name, c.org_id, c.score)).collect();
                println!("{}  →  ambiguous: {}", p.account_id, names.join(" | "));
            } else {
                println!(
                    "{}  →  {} (#{})  score {:.2}: {}",
                    p.account_id,
                    p.org_name,
                    p.org_id,
                    p.score,
                    p.reasons.join("; ")
                );
            }
        }
        println!(
            "{} accounts screened, {} proposals, {} new in the review queue (candor review list); {} awaiting review: ambiguous",
            r.accounts,
            r.proposals.len(),
            r.queued,
            r.ambiguous
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_evaluation(r: &registry::eval::EvalReport) {
    for m in &r.misses {
        let proposed = if m.proposed.is_empty() {
            "nothing".to_string()
        } else {
            format!("{} ({:.2})", m.proposed, m.score.unwrap_or(0.0))
        };
        println!(
            "miss [{}] {:?}: expected {}, proposed {proposed}",
            m.how,
            m.legal_name,
            if m.expected.is_empty() { "no match" } else { &m.expected }
        );
    }
    if r.categories.len() > 1 {
        println!(
            "{:<44} {:>6} {:>9} {:>10} {:>8} {:>9}",
            "category (how)", "rows", "positives", "precision", "recall", "unlinked"
        );
        let num = |x: Option<f64>| x.map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into());
        for (how, c) in &r.categories {
            println!(
                "{:<44} {:>6} {:>9} {:>10.4} {:>8} {:>9}",
                if how.is_empty() { "(none)" } else { how },
                c.tally.rows,
                c.tally.positives,
                c.precision,
                num(c.recall),
                num(c.rejected)
            );
        }
    }
    println!(
        "{} rows ({} positives): precision {:.4}, recall {:.4}, F1 {:.4} (TP {}, FP {}, FN {}; {} true positives ambiguous)",
        r.rows,
        r.positives,
        r.precision,
        r.recall,
        r.f1,
        r.true_positives,
        r.false_positives,
        r.false_negatives,
        r.ambiguous
    );
}

pub fn review(cmd: ReviewCommand) -> Result<ExitCode> {
    match cmd {
        ReviewCommand::List { db, all, json } => {
            let store = open(&db.db)?;
            let links = if all { registry::review::links(&store)? } else { registry::review::queue(&store)? };
            if json {
                print_json(&serde_json::to_value(&links)?);
            } else {
                let names: std::collections::HashMap<i64, String> =
                    store.organisations()?.into_iter().map(|o| (o.id, o.name)).collect();
                for l in &links {
                    let p = l.proposal.as_ref().unwrap_or(&l.latest);
                    let open_ambiguous = l.latest.status == registry::model::Status::Proposed && p.candidates.len() > 1;
                    if open_ambiguous {
                        println!(
                            "[{}] {} {:?} → ambiguous, {} candidates (accept with --org):",
                            p.id,
                            l.latest.account_id,
                            l.account_name,
                            p.candidates.len()
                        );
                        for c in &p.candidates {
                            let name = names.get(&c.org_id).map(String::as_str).unwrap_or("?");
                            println!("      #{} {name} {:.2}: {}", c.org_id, c.score, c.reason);
                        }
                        continue;
                    }
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
                println!("{} link(s){}", links.len(), if all { "" } else { " waiting for review" });
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Accept(d) => decide(d, true),
        ReviewCommand::Reject(d) => decide(d, false),
    }
}

fn decide(d: crate::cli::Decision, accept: bool) -> Result<ExitCode> {
    let mut store = open(&d.db.db)?;
    let org = d.org.as_deref().map(|o| organisation_id(&store, o)).transpose()?;
    let id = registry::review::decide(
        &mut store,
        &registry::review::Decision { event_id: d.id, accept, org, reviewer: &d.reviewer, reason: &d.reason },
    )?;
    let chosen = org.map(|o| format!(" to organisation #{o}")).unwrap_or_default();
    println!("{} link {}{chosen} (event {id}, by {})", if accept { "confirmed" } else { "rejected" }, d.id, d.reviewer);
    Ok(ExitCode::SUCCESS)
}

/// An organisation named on the command line: `#123` or `123`, a natural key, or an
/// identifier (`ori:…` or the bare value).
fn organisation_id(store: &SqliteStore, text: &str) -> Result<i64> {
    let t = text.trim();
    if let Ok(id) = t.trim_start_matches('#').parse::<i64>()
        && store.organisation(id)?.is_some()
    {
        return Ok(id);
    }
    if let Some(o) = store.organisations()?.into_iter().find(|o| o.key == t) {
        return Ok(o.id);
    }
    let value = registry::names::normalize_identifier(t.split_once(':').map_or(t, |(_, v)| v));
    let held: Vec<i64> = store.identifiers()?.into_iter().filter(|(_, _, v)| *v == value).map(|(o, _, _)| o).collect();
    match held.as_slice() {
        [one] => Ok(*one),
        [] => bail!("--org {t:?}: no organisation has this id, key or identifier"),
        _ => bail!("--org {t:?}: several organisations hold this identifier; give the organisation's #id"),
    }
}
