//! `candor demo`: the whole pipeline on built-in demonstration data, ending with the public
//! report served on http://127.0.0.1:8080.
//!
//! 1–4 build a registry from candor's federal reference (and the real public records beside
//! the checkout, when present) plus fictional records, screen generated fictional accounts,
//! and generate and ingest usage for fictional accounts only; 5–7 activate the default use
//! policy through the log and audit the usage; 8 publishes the period 2026-Q3 (records in the
//! log, static report next to its tiles) and publishes again to show it adds nothing; 9 checks
//! the report from the outside; then the report is served. Every record with usage is about a
//! fictional organisation and says "demonstration data".

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use publish::check::check_report;
use serde_json::json;
use tlog::{Dir, LocalLog};

use crate::cli::{DemoArgs, PolicyPlaces};
use crate::output::print_json;

/// Marks a folder as made by `candor demo`, so a rerun may replace it and nothing else.
const MARKER: &str = "DEMONSTRATION-DATA.txt";
const ORIGIN: &str = "candor.example/demo-log";
const NOTICE: &str = "demonstration data: fictional organisations and generated figures";
const PERIOD: &str = "2026-Q3";

pub fn run(args: &DemoArgs) -> Result<ExitCode> {
    let dir = &args.dir;
    prepare(dir)?;
    let log = LocalLog::at(dir.join("log"));
    log.init(ORIGIN).context("creating the demo log")?;
    let verifier = log.verifier()?;

    let registry = crate::cmd::demo_registry::run(dir).context("the registry demo")?;
    let policy = crate::cmd::demo_policy::run(dir).context("the policy demo")?;

    let publish = |dir: &Path| {
        crate::cmd::publish::publish_period(
            PERIOD,
            &dir.join("log"),
            &dir.join("registry.db"),
            &dir.join("usage.db"),
            &dir.join("policy.db"),
            false,
            true,
        )
    };
    let first = publish(dir).context("publishing the demo period")?;
    let again = publish(dir).context("publishing the demo period again")?;
    if !again.outcome.appended.is_empty() {
        bail!("publishing the same period twice appended {} records", again.outcome.appended.len());
    }
    // A reviewer confirms the role that was withheld as awaiting review; publishing again
    // discloses the organisation and corrects the period's summary, openly.
    let confirmed = confirm_withheld_role(dir)?;
    let corrected = publish(dir).context("publishing the demo period after the review")?;

    // Check the report from the outside, as an auditor would, and keep its checkpoint.
    let public = log.public_dir();
    let check = check_report(&Dir::new(&public), &verifier, &[], &[], &mut |_| {})?;
    if !check.faults.is_empty() {
        bail!("the demo report does not verify: {}", check.faults.join("; "));
    }
    let trusted = dir.join("trusted-checkpoint");
    fs::copy(public.join(tlog::CHECKPOINT_PATH), &trusted)?;

    let vkey = verifier.to_vkey();
    let places = PolicyPlaces { db: dir.join("registry.db"), policy_db: dir.join("policy.db") };
    let state = crate::cmd::serve::state(&dir.join("log"), &places, &dir.join("usage.db"), &dir.join("tokens"), false)?;
    if args.json {
        print_json(&json!({
            "demonstration_data": true, "notice": NOTICE,
            "log_home": log.home(), "public_dir": public, "origin": ORIGIN, "vkey": vkey,
            "size": check.size, "root": check.root,
            "published": {"period": PERIOD, "appended": first.outcome.appended, "organisations": first.organisations,
                          "withheld": first.withheld, "files": first.site.files, "republished_appended": 0,
                          "after_review": {"confirmed": confirmed, "appended": corrected.outcome.appended,
                                           "organisations": corrected.organisations, "withheld": corrected.withheld}},
            "verified": {"records_listed": check.listed_records, "pages": check.pages,
                         "records_on_pages": check.records_on_pages},
            "registry": registry.json, "policy": policy.json,
            "url": if args.no_serve { serde_json::Value::Null } else { json!(format!("http://{}", args.listen)) },
        }));
    } else {
        println!("candor demo — {NOTICE}\n");
        print!("{}", registry.text);
        print!("{}", policy.text);
        println!(
            "8. published {PERIOD}: {} records appended to the log {ORIGIN} (size {}), checkpoint signed; {} organisations disclosed, withheld: {}",
            first.outcome.appended.len(),
            first.outcome.size,
            first.organisations,
            crate::cmd::publish::withheld_text(&first.withheld)
        );
        println!("   wrote the static report ({} files) next to the tiles in {}", first.site.files, public.display());
        println!("   published {PERIOD} again: nothing new, nothing appended");
        if let Some(name) = &confirmed {
            let kinds: Vec<String> = corrected.outcome.appended.iter().map(|(i, k)| format!("#{i} {k}")).collect();
            println!(
                "   a reviewer (demo-reviewer, published as a pseudonym) confirmed the role of {name}; publishing again appended {}",
                kinds.join(", ")
            );
        }
        println!(
            "9. verified the report from its files: checkpoint signature, {} entries rehashed, {} pages, {} records shown on them and {} listed, each in the log with a valid proof",
            check.entries, check.pages, check.records_on_pages, check.listed_records
        );
        println!();
        println!("Files:");
        println!(
            "  {:<40} the report: host this folder anywhere (pages, downloads, feed, tiles, checkpoint)",
            public.display()
        );
        println!("  {:<40} private signing key, mode 0600", log.key_path().display());
        println!("  {:<40} the checkpoint verified now, to check later reports against", trusted.display());
        println!("\nVerifier key: {vkey}\n");
        let exe = std::env::args().next().unwrap_or_else(|| "candor".into());
        println!("Check it yourself:");
        println!("  {exe} verify {} --vkey {vkey} --trusted {}", public.display(), trusted.display());
    }
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let json = args.json;
    crate::cmd::serve::serve_until_signal(state, &args.listen, &|url| {
        if !json {
            println!("  {} verify {url} --vkey {vkey}\n", std::env::args().next().unwrap_or_else(|| "candor".into()));
            println!("10. serving the report on {url}/ — open it in a browser; each record page verifies itself.");
            println!("    Verifier key: {vkey}");
            println!("    API: {url}/openapi.json · review UI: {url}/review · metrics: {url}/metrics · Ctrl-C to stop");
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Confirms the first fictional organisation whose law-enforcement role is only proposed (the
/// demo's fictional parent company), as the demo's reviewer. Returns its name.
fn confirm_withheld_role(dir: &Path) -> Result<Option<String>> {
    use registry::Store as _;
    use registry::model::Status;
    let mut store = registry::SqliteStore::open(&dir.join("registry.db"))?;
    let graph = registry::classify::Graph::load(&store)?;
    let mut proposed: Vec<_> = graph
        .latest
        .values()
        .filter(|c| c.status == Status::Proposed)
        .filter(|c| graph.orgs.get(&c.org_id).is_some_and(|o| o.name.contains("(fictional)")))
        .collect();
    proposed.sort_by_key(|c| c.org_id);
    let Some(c) = proposed.first() else { return Ok(None) };
    let name = graph.orgs[&c.org_id].name.clone();
    let mut tx = store.begin()?;
    tx.append_classification(
        c.org_id,
        c.role,
        Status::Confirmed,
        &format!("{} — confirmed on review (demonstration data)", c.reason),
        "demo-reviewer",
    )?;
    tx.commit()?;
    Ok(Some(name))
}

/// Makes `dir` an empty demo folder; replaces only a folder an earlier demo made.
fn prepare(dir: &Path) -> Result<()> {
    if dir.exists() {
        if !dir.join(MARKER).exists() {
            bail!("{} exists and was not made by candor demo; choose another --dir", dir.display());
        }
        fs::remove_dir_all(dir).with_context(|| format!("removing the earlier demo in {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    fs::write(dir.join(MARKER), format!("Everything in this folder was made by `candor demo`.\nIt is {NOTICE}.\n"))?;
    Ok(())
}
