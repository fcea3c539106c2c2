//! `candor-bench screen`: screening throughput and quality at scale, candor against a
//! straightforward Python rapidfuzz baseline, on the same generated accounts in one run.
//!
//! The registry is built from the real public files. Accounts are generated from it with a
//! fixed seed: 60% are spelling variants of registry names (case, legal form, punctuation,
//! abbreviation, word order, a typo), labelled with the organisation they came from; 40% are
//! fictional ordinary companies that must match nothing.
//!
//! Then the long-word comparison (`--long-words`): the first accounts screened as `candor
//! screen` screens them, against the same registry without and with one organisation's and
//! one account's name holding a very long word, so that the times show whether the work grows
//! with the bytes read or faster.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use registry::import::{self, ImportOptions};
use registry::model::{Account, Jurisdiction, Kind, NewOrganisation};
use registry::screen::{Matcher, Scratch, ScreenConfig, screen_all};
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
    let store = real_registry(&args.data)?;
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
    let mut stored_json = serde_json::Value::Null;
    if args.stored {
        let bar = progress(0, "screening as `candor screen` does, twice");
        let run = stored_run(&args.data, &accounts)?;
        bar.finish_and_clear();
        summary += &format!(
            "stored ({} accounts screened as `candor screen` screens them, one thread): first screening {:.2} s \
             ({} proposals queued); every proposal rejected; screened again {:.2} s ({} queued)\n",
            accounts.len(),
            run.first_secs,
            run.first_queued,
            run.again_secs,
            run.again_queued
        );
        stored_json = json!({
            "first_seconds": run.first_secs, "first_queued": run.first_queued,
            "again_seconds": run.again_secs, "again_queued": run.again_queued,
        });
    }
    // 4. Names holding one very long word, beside the same accounts without.
    let n = args.long_word_accounts.min(accounts.len());
    let mut long_words = Vec::new();
    let lengths: Vec<usize> = args.long_words.iter().copied().filter(|&l| l > 0).collect();
    if !lengths.is_empty() {
        summary += &format!(
            "long words ({n} accounts screened as `candor screen` screens them: index built from the store, one thread):\n"
        );
        for letters in std::iter::once(0).chain(lengths) {
            let run = long_word_run(&args.data, &accounts[..n], letters)?;
            summary += &format!(
                "  {}: {} bytes of names; index {:.3} s, screen {:.3} s, total {:.3} s; {} proposals\n",
                if letters == 0 {
                    "without".to_string()
                } else {
                    format!("a {letters}-letter word in one organisation's and one account's name")
                },
                run.bytes,
                run.index_secs,
                run.screen_secs,
                run.index_secs + run.screen_secs,
                run.proposals
            );
            long_words.push(json!({
                "letters": letters, "bytes": run.bytes, "index_seconds": run.index_secs,
                "screen_seconds": run.screen_secs, "proposals": run.proposals,
            }));
        }
    }
    if args.json {
        print_json(&json!({
            "organisations": orgs.len(), "aliases": aliases.len(), "accounts": accounts.len(), "threads": threads,
            "candor": {"seconds": screen_secs, "index_seconds": build_secs, "precision": candor.0, "recall": candor.1, "f1": candor.2},
            "baseline": baseline_json,
            "long_words": long_words,
            "stored": stored_json,
        }));
    } else {
        print!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The registry from the real files: the curated reference, the FBI's agency list and every
/// USAspending file, in name order.
fn real_registry(data: &Path) -> Result<SqliteStore> {
    let mut store = SqliteStore::in_memory()?;
    let opts = ImportOptions::default();
    import::import_reference(&mut store, None)?;
    import::import_fbi_agencies(&mut store, &data.join("agencies/fbi-ucr-agencies-2018.csv"), opts, &mut |_, _| {})?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("usaspending"))?.flatten().map(|e| e.path()).collect();
    files.sort();
    for f in &files {
        import::import_usaspending(&mut store, f, opts, &mut |_, _| {})?;
    }
    Ok(store)
}

/// The two screenings of a stored run.
struct StoredRun {
    first_secs: f64,
    first_queued: usize,
    again_secs: f64,
    again_queued: usize,
}

/// Stores `accounts` in a fresh registry from the real files and screens them with
/// `screen_all` (the index built, the history read, proposals written); then rejects every
/// proposal and screens again, so the second screening reads a history of one rejection per
/// proposal and queues only what is new (nothing).
fn stored_run(data: &Path, accounts: &[Account]) -> Result<StoredRun> {
    let mut store = real_registry(data)?;
    let mut tx = store.begin()?;
    for a in accounts {
        tx.upsert_account(a)?;
    }
    tx.commit()?;
    let cfg = ScreenConfig::default();
    let t = Instant::now();
    let first = screen_all(&mut store, &cfg)?;
    let first_secs = t.elapsed().as_secs_f64();
    let proposals: Vec<_> =
        store.link_events()?.into_iter().filter(|e| e.status == registry::model::Status::Proposed).collect();
    let mut tx = store.begin()?;
    for p in &proposals {
        tx.append_link(&p.account_id, p.org_id, registry::model::Status::Rejected, None, "bench", "bench")?;
    }
    tx.commit()?;
    let t = Instant::now();
    let again = screen_all(&mut store, &cfg)?;
    let again_secs = t.elapsed().as_secs_f64();
    Ok(StoredRun { first_secs, first_queued: first.queued, again_secs, again_queued: again.queued })
}

/// One long-word run's input size and times.
struct LongWordRun {
    /// Bytes of every alias in the registry and every account name screened.
    bytes: usize,
    index_secs: f64,
    screen_secs: f64,
    proposals: usize,
}

/// Screens `accounts` as `candor screen` does (the index built from the store, then each
/// account in turn on one thread) against a fresh registry from the real files. With
/// `letters` > 0, one more organisation's name holds a word of that many letters, and one
/// more account's name the same word with two letters changed: an unknown word that today's
/// typo readings would look up, so a bound on the work per word is what keeps this time about
/// proportional to the bytes read.
fn long_word_run(data: &Path, accounts: &[Account], letters: usize) -> Result<LongWordRun> {
    let mut store = real_registry(data)?;
    let mut accounts = accounts.to_vec();
    if letters > 0 {
        let mut rng = Rng(0x10e9_5eed ^ letters as u64);
        let word: Vec<u8> = (0..letters).map(|_| b'a' + rng.below(26) as u8).collect();
        let org_name = format!("{} Surveillance Systems Inc", String::from_utf8_lossy(&word));
        let mut typo = word.clone();
        for at in [letters / 3, 2 * letters / 3] {
            typo[at] = if typo[at] == b'z' { b'a' } else { typo[at] + 1 };
        }
        let mut tx = store.begin()?;
        let org = tx.insert_organisation(&NewOrganisation {
            key: format!("bench:long-word:{letters}"),
            name: org_name.clone(),
            kind: Kind::Company,
            jurisdiction: Jurisdiction::default(),
        })?;
        tx.add_alias(org, &org_name)?;
        tx.commit()?;
        accounts.push(Account {
            account_id: "bench-long-word".into(),
            legal_name: format!("{} Surveillance Systems", String::from_utf8_lossy(&typo)),
            country: None,
            state: None,
            city: None,
            uei: None,
            domain: None,
        });
    }
    let bytes = store.aliases()?.iter().map(|(_, a)| a.len()).sum::<usize>()
        + accounts.iter().map(|a| a.legal_name.len()).sum::<usize>();
    let t = Instant::now();
    let matcher = Matcher::build(&store)?;
    let index_secs = t.elapsed().as_secs_f64();
    let cfg = ScreenConfig::default();
    let mut scratch = Scratch::default();
    let t = Instant::now();
    let proposals = accounts.iter().filter(|a| matcher.screen(a, &cfg, &mut scratch).is_some()).count();
    let screen_secs = t.elapsed().as_secs_f64();
    Ok(LongWordRun { bytes, index_secs, screen_secs, proposals })
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
