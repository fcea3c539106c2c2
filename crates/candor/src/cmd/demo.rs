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

use std::process::ExitCode;

use anyhow::Result;
use app::demo::{NOTICE, ORIGIN, PERIOD};
use serde_json::json;

use crate::cli::DemoArgs;
use crate::console::print_json;

pub fn run(args: &DemoArgs) -> Result<ExitCode> {
    let run = app::demo::run(&args.dir)?;
    let (first, corrected, confirmed, check) = (&run.first, &run.corrected, &run.confirmed, &run.check);
    let (log, vkey, trusted, registry, policy) = (&run.log, &run.vkey, &run.trusted, &run.registry, &run.policy);
    let public = log.public_dir();
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
            "registry": registry.json, "policy": policy.json, "policy_proposal": run.notice.json, "gate": run.gate.json,
            "witnesses": {"trust_policy": run.witnesses.policy, "urls": run.witnesses.urls(),
                          "witnessed": first.witnessing, "fork_refused": run.fork},
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
            first.withheld_text()
        );
        if let Some(round) = &first.witnessing {
            let names: Vec<&str> =
                round.answers.iter().filter(|a| a.outcome == "cosigned").map(|a| a.witness.as_str()).collect();
            println!(
                "   witnessed: {} cosigned the checkpoint before it was served (trust policy {}, quorum 2 of 2)",
                names.join(" and "),
                run.witnesses.policy.display()
            );
        }
        println!("   wrote the static report ({} files) next to the tiles in {}", first.site.files, public.display());
        println!("   published {PERIOD} again: nothing new, nothing appended");
        let open = first.outcome.appended.iter().filter(|(_, k)| k == "candor.enforcement").count();
        println!(
            "   the audit's findings are disclosed with the organisation ({open} enforcement record(s), every finding open); then the provider recorded: {} {} under {} from {} (candor enforce record)",
            run.suspended.organisation, run.suspended.action, run.suspended.policy, run.suspended.effective
        );
        if let Some(name) = &confirmed {
            let kinds: Vec<String> = corrected.outcome.appended.iter().map(|(i, k)| format!("#{i} {k}")).collect();
            println!(
                "   a reviewer (demo-reviewer, published as a pseudonym) confirmed the role of {name}; publishing again disclosed it and the action taken, appending {}",
                kinds.join(", ")
            );
        }
        print!("{}", run.notice.text);
        print!("{}", run.gate.text);
        println!(
            "   published {} too (generated usage for October to December: the suspended sheriff's office no longer \
             uses face recognition, the fictional vendor starts to): {} records appended; every organisation's page now \
             shows both periods side by side with what is new and what stopped, and the overview lists the changes first",
            app::demo::SECOND_PERIOD,
            run.second.outcome.appended.len()
        );
        println!(
            "9. verified the report from its files: checkpoint signature, {} entries rehashed, {} pages, {} records shown on them and {} listed, each in the log with a valid proof",
            check.entries, check.pages, check.records_on_pages, check.listed_records
        );
        println!(
            "10. a forked history: a checkpoint of the same size with its last entry replaced, signed with the log's own key"
        );
        for (name, status, why) in &run.fork.answers {
            println!("    {name} refused it: {status} {why}");
        }
        for a in run.fork.monitor_alerts.iter().filter(|a| a.kind == "split_view") {
            println!("    a monitor shown that forked view alerted: {}", a.message);
            if let Some(p) = &a.proof {
                println!("    its proof (both signed checkpoints): {}", p.file.display());
            }
        }
        println!(
            "    (follow the log yourself: {} monitor --config {} --once)",
            std::env::args().next().unwrap_or_else(|| "candor".into()),
            run.fork.monitor_config.display()
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
    crate::console::init_request_logs();
    server::run_until_signal(run.state, &args.listen, &|url| {
        if !json {
            println!("  {} verify {url} --vkey {vkey}\n", std::env::args().next().unwrap_or_else(|| "candor".into()));
            println!("11. serving the report on {url}/ — open it in a browser; each record page verifies itself.");
            println!("    Verifier key: {vkey}");
            println!("    API: {url}/openapi.json · review UI: {url}/review · metrics: {url}/metrics · Ctrl-C to stop");
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
