//! `candor-bench screen`: screening throughput and quality at scale, candor against a
//! straightforward Python rapidfuzz baseline, on the same generated accounts in one run.
//!
//! The registry is built from the real public files. Accounts are generated from it with a
//! fixed seed: 60% are spelling variants of registry names (case, legal form, punctuation,
//! abbreviation, word order, a typo), labelled with the organisation they came from; 40% are
//! fictional ordinary companies that must match nothing.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use registry::import::{self, ImportOptions};
use registry::model::Account;
use registry::screen::{Matcher, Scratch, ScreenConfig};
use registry::{SqliteStore, Store};
use serde_json::json;

use app::fixtures::{FIRST, FORMS, Rng, SECOND, STATES, vary};

use crate::cli::BenchScreenArgs;
use crate::output::{print_json, progress};

pub fn run(args: &BenchScreenArgs) -> Result<ExitCode> {
    if !args.data.join("usaspending").is_dir() || !args.data.join("agencies").is_dir() {
        bail!("{} does not hold the public data (usaspending/, agencies/); give --data", args.data.display());
    }
    let tmp;
    let dir: PathBuf = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            tmp = tempfile::Builder::new().prefix("candor-bench-screen-").tempdir_in(".")?;
            tmp.path().to_path_buf()
        }
    };

    // 1. The registry from the real files.
    let t = Instant::now();
    let mut store = SqliteStore::in_memory()?;
    let opts = ImportOptions::default();
    import::import_reference(&mut store, None)?;
    import::import_fbi_agencies(
        &mut store,
        &args.data.join("agencies/fbi-ucr-agencies-2018.csv"),
        opts,
        &mut |_, _| {},
    )?;
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(args.data.join("usaspending"))?.flatten().map(|e| e.path()).collect();
    files.sort();
    for f in &files {
        import::import_usaspending(&mut store, f, opts, &mut |_, _| {})?;
    }
    let import_secs = t.elapsed().as_secs_f64();
    let orgs = store.organisations()?;
    let states: HashMap<i64, Option<String>> = orgs.iter().map(|o| (o.id, o.jurisdiction.state.clone())).collect();
    let aliases = store.aliases()?;

    // 2. Inputs, written for the baseline too.
    let mut rng = Rng(0x5eed_2026_1127);
    let mut accounts = Vec::with_capacity(args.accounts);
    let mut labels: Vec<Option<i64>> = Vec::with_capacity(args.accounts);
    for i in 0..args.accounts {
        let id = format!("bench-{i:07}");
        if rng.below(10) < 6 {
            let (org, alias) = &aliases[rng.below(aliases.len())];
            let state = states.get(org).cloned().flatten();
            accounts.push(Account {
                account_id: id,
                legal_name: vary(alias, &mut rng),
                country: None,
                state,
                city: None,
                uei: None,
                domain: None,
            });
            labels.push(Some(*org));
        } else {
            let name = format!(
                "{} {} {}",
                FIRST[rng.below(FIRST.len())],
                SECOND[rng.below(SECOND.len())],
                FORMS[rng.below(FORMS.len())]
            );
            let state = Some(STATES[rng.below(STATES.len())].to_string());
            accounts.push(Account {
                account_id: id,
                legal_name: name.trim().to_string(),
                country: None,
                state,
                city: None,
                uei: None,
                domain: None,
            });
            labels.push(None);
        }
    }
    write_inputs(&dir, &accounts, &aliases, &states)?;

    // 3. candor, on every core.
    let t = Instant::now();
    let matcher = Matcher::build(&store)?;
    let build_secs = t.elapsed().as_secs_f64();
    let cfg = ScreenConfig::default();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let bar = progress(accounts.len() as u64, "screening");
    let t = Instant::now();
    let chunk = accounts.len().div_ceil(threads).max(1);
    // Each answer: the organisations proposed (several when ambiguous), or none.
    let results: Vec<Option<Vec<i64>>> = std::thread::scope(|s| {
        let handles: Vec<_> = accounts
            .chunks(chunk)
            .map(|part| {
                let (matcher, bar) = (&matcher, &bar);
                s.spawn(move || {
                    let mut scratch = Scratch::default();
                    part.iter()
                        .enumerate()
                        .map(|(i, a)| {
                            if i % 10_000 == 0 {
                                bar.inc(10_000);
                            }
                            matcher.screen(a, &cfg, &mut scratch).map(|p| p.org_ids())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    bar.finish_and_clear();
    let screen_secs = t.elapsed().as_secs_f64();
    let candor = score(&labels, &results);

    let mut summary = format!(
        "registry: {} organisations, {} aliases, imported in {:.1} s; index built in {:.2} s\n\
         candor: {} accounts in {:.2} s on {threads} threads ({:.0} accounts/s): precision {:.4}, recall {:.4}, F1 {:.4}\n",
        orgs.len(),
        aliases.len(),
        import_secs,
        build_secs,
        accounts.len(),
        screen_secs,
        accounts.len() as f64 / screen_secs,
        candor.0,
        candor.1,
        candor.2
    );
    let mut baseline_json = serde_json::Value::Null;
    if args.baseline {
        let out = dir.join("baseline-matches.csv");
        let t = Instant::now();
        let o = Command::new("python3")
            .arg(&args.baseline_script)
            .arg(dir.join("registry.csv"))
            .arg(dir.join("accounts.csv"))
            .arg(&out)
            .output()
            .context("running python3 (is rapidfuzz installed? pip install rapidfuzz)")?;
        if !o.status.success() {
            bail!("the baseline failed: {}", String::from_utf8_lossy(&o.stderr));
        }
        let wall = t.elapsed().as_secs_f64();
        let base: Vec<Option<Vec<i64>>> =
            read_baseline(&out, accounts.len())?.into_iter().map(|a| a.map(|o| vec![o])).collect();
        let b = score(&labels, &base);
        summary += &format!(
            "baseline (Python, rapidfuzz extractOne token_set_ratio ≥ 90 over same-state aliases, 1 thread): {:.1} s: precision {:.4}, recall {:.4}, F1 {:.4}\n",
            wall, b.0, b.1, b.2
        );
        baseline_json = json!({"seconds": wall, "precision": b.0, "recall": b.1, "f1": b.2});
    }
    if args.json {
        print_json(&json!({
            "organisations": orgs.len(), "aliases": aliases.len(), "accounts": accounts.len(), "threads": threads,
            "candor": {"seconds": screen_secs, "index_seconds": build_secs, "precision": candor.0, "recall": candor.1, "f1": candor.2},
            "baseline": baseline_json,
        }));
    } else {
        print!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

fn write_inputs(
    dir: &Path,
    accounts: &[Account],
    aliases: &[(i64, String)],
    states: &HashMap<i64, Option<String>>,
) -> Result<()> {
    let mut w = csv::Writer::from_path(dir.join("accounts.csv"))?;
    w.write_record(["account_id", "legal_name", "state"])?;
    for a in accounts {
        w.write_record([a.account_id.as_str(), a.legal_name.as_str(), a.state.as_deref().unwrap_or("")])?;
    }
    w.flush()?;
    let mut w = csv::Writer::from_path(dir.join("registry.csv"))?;
    w.write_record(["org_id", "alias", "state"])?;
    for (org, alias) in aliases {
        let state = states.get(org).cloned().flatten().unwrap_or_default();
        w.write_record([org.to_string().as_str(), alias.as_str(), state.as_str()])?;
    }
    w.flush()?;
    std::io::stdout().flush()?;
    Ok(())
}

fn read_baseline(path: &Path, n: usize) -> Result<Vec<Option<i64>>> {
    let mut out = Vec::with_capacity(n);
    for rec in csv::Reader::from_path(path)?.records() {
        let rec = rec?;
        out.push(rec.get(1).and_then(|v| v.parse().ok()));
    }
    if out.len() != n {
        bail!("the baseline answered {} of {n} accounts", out.len());
    }
    Ok(out)
}

/// Precision, recall, F1 of answers against labels, scored as `candor screen --evaluate`
/// scores: an ambiguous answer that lists the right organisation reaches a reviewer with it.
fn score(labels: &[Option<i64>], answers: &[Option<Vec<i64>>]) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut pos) = (0usize, 0usize, 0usize);
    for (l, a) in labels.iter().zip(answers) {
        if l.is_some() {
            pos += 1;
        }
        match (l, a) {
            (Some(l), Some(a)) if a.contains(l) => tp += 1,
            (_, Some(_)) => fp += 1,
            _ => {}
        }
    }
    let p = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
    let r = if pos == 0 { 1.0 } else { tp as f64 / pos as f64 };
    (p, r, if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) })
}
