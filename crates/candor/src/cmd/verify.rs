//! `candor verify URL-or-folder`: an auditor's check of a published report, trusting nothing
//! the site says about itself except what the log's key signed.

use std::process::ExitCode;

use anyhow::{Context, Result};
use publish::check::check_report_remembering;
use publish::check::memory::{Memory, Remembered, usage_index_beside};
use serde_json::json;
use tlog::ReadStorage;

use crate::cli::VerifyArgs;
use crate::console::{print_json, vkey_arg};

pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    let (source, pages) = app::log::remote::open_report(&args.source)?;
    let mut warnings = Vec::new();
    let verifier = match &args.vkey {
        Some(k) => vkey_arg(k)?,
        None => {
            let served = source.read("vkey")?.context("the site serves no vkey file; pass --vkey")?;
            warnings.push(
                "no --vkey given: using the key the site itself serves, which shows the report is consistent with \
                 itself, not that the key is the provider's; compare it with the key the provider publishes elsewhere"
                    .to_string(),
            );
            tlog::Verifier::from_vkey(String::from_utf8_lossy(&served).trim()).context("the site's vkey file")?
        }
    };
    let mut trusted = Vec::new();
    for f in &args.trusted {
        trusted.push(std::fs::read(f).with_context(|| format!("reading trusted checkpoint {}", f.display()))?);
    }
    let remembered = match &args.remember {
        None => Remembered::Nothing,
        Some(path) => Memory::read(path).with_context(|| format!("reading {}", path.display()))?,
    };
    let since = match remembered {
        Remembered::Nothing => None,
        Remembered::Checkpoint(cp) => {
            trusted.push(cp);
            None
        }
        // A full check still proves the log extends what was verified.
        Remembered::Memory(m) if args.full => {
            trusted.push(m.checkpoint.clone().into_bytes());
            None
        }
        Remembered::Memory(m) => Some(m),
    };
    let bar = crate::console::progress(3, "verifying");
    // Beside the memory, what the check read of each usage record (read only from memory).
    let usage_index = args.remember.as_deref().map(usage_index_beside);
    let result = check_report_remembering(
        &*source,
        &verifier,
        &trusted,
        &pages,
        since.as_deref(),
        usage_index.as_deref(),
        &mut |step| {
            bar.set_message(step.to_string());
            bar.inc(1);
        },
    );
    bar.finish_and_clear();
    let (report, memory, mut faults) = match result {
        Ok((r, memory)) => {
            let f = r.faults.clone();
            (Some(r), Some(memory), f)
        }
        Err(e) => (None, None, vec![format!("the log (checkpoint, tiles, entries): {e:#}")]),
    };
    let witnessed = judge_witnesses(&*source, args, &mut warnings, &mut faults)?;
    if faults.is_empty()
        && let (Some(path), Some(memory)) = (&args.remember, &memory)
        && let Err(e) = memory.write(path)
    {
        faults.push(format!("{}: could not remember what was verified: {e}", path.display()));
    }
    if args.json {
        print_json(&json!({"source": args.source, "verified": faults.is_empty(), "faults": faults,
                           "warnings": warnings, "report": report, "witnessed": witnessed}));
    } else {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
        if let Some(r) = &report {
            println!(
                "log: checkpoint signed by {} (size {}, root {}); {} entries rehashed; consistent with {} trusted checkpoint(s)",
                verifier.name(),
                r.size,
                r.root,
                r.entries,
                r.trusted
            );
            println!(
                "report: {} records in data/records.json, {} pages, {} records shown on pages checked against the log",
                r.listed_records, r.pages, r.records_on_pages
            );
            if r.remembered {
                println!(
                    "from what was verified before: {} files found as they were verified, {} record pages and download parts not rendered again ({} of them known by their stamps, not read)",
                    r.unchanged_files, r.pages_left, r.files_not_read
                );
            }
        }
        if let Some(w) = &witnessed {
            println!("witnesses of the checkpoint:");
            print!("{w}");
        }
        if faults.is_empty() {
            println!("VERIFIED: every record the site shows is in the log, with a valid proof");
        } else {
            println!("FAILED: {} fault(s)", faults.len());
            for f in &faults {
                println!("  {f}");
            }
        }
    }
    Ok(if faults.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The site's checkpoint judged by the trust policy given, or else the one the site serves:
/// per witness, cosigned or not; a quorum not met, a bad cosignature by a known witness or
/// one dated in the future is a fault.
fn judge_witnesses(
    source: &dyn ReadStorage,
    args: &VerifyArgs,
    warnings: &mut Vec<String>,
    faults: &mut Vec<String>,
) -> Result<Option<app::log::witnessed::Witnessed>> {
    let policy = match &args.policy {
        Some(p) => app::log::witnessed::read_policy(p)?,
        None => match source.read(tlog::POLICY_FILE)? {
            None => return Ok(None),
            Some(text) => {
                warnings.push(
                    "no --policy given: judging the witnesses by the trust policy the site itself serves; \
                     compare its witness keys with the ones the witnesses publish"
                        .to_string(),
                );
                tlog::trust::Policy::parse(&String::from_utf8_lossy(&text)).context("the site's trust-policy")?
            }
        },
    };
    let Some(checkpoint) = source.read(tlog::CHECKPOINT_PATH)? else { return Ok(None) };
    match app::log::witnessed::witnessed(&checkpoint, &policy, app::log::witnessed::now()) {
        Ok(w) => {
            if !w.quorum_met {
                faults.push(format!(
                    "the checkpoint is not witnessed as the policy requires: quorum {} not met",
                    w.quorum.as_deref().unwrap_or("none")
                ));
            }
            Ok(Some(w))
        }
        Err(e) => {
            faults.push(format!("the checkpoint's witness cosignatures: {e}"));
            Ok(None)
        }
    }
}
