//! `candor-bench reconcile`: importing the public records that corroborate a report (the FedRAMP
//! Marketplace, both layouts; the AI use-case inventory), each timed with this process's peak
//! memory, and reconciling a period on a registry of a large provider's size (1,000,000
//! fictional accounts, screened, their proposals queued). Side by side in the same run: the
//! ties computed from the same files by a short Python script (`json`, `csv`), what a person
//! checking by hand would run, which gives the same agencies but none of the report's side.
//! Only counts are printed; no account is real and nothing is published.

use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, Result};
use app::stores::Stores;
use registry::import::{self, ImportOptions};
use serde_json::json;

use crate::cli::BenchReconcileArgs;
use crate::memory::{peak_rss_kb, reset_peak};
use crate::output::print_json;

const MARKETPLACE: &str = "fedramp/fedramp-marketplace-2025-01-30.json";
const PRODUCTS: &str = "fedramp/fedramp-products-2026-05-30.json";
const INVENTORY: &str = "ai-inventory/2025-federal-ai-use-cases.csv";

/// Two offerings the Marketplace lists with many agencies' authorizations.
const PROVIDER: &str =
    "name = \"A provider under benchmark\"\nfedramp_offerings = [\"AGENCYAMAZONEW\", \"F1603047866\"]\n";

/// The baseline: the ties from the Marketplace file alone, by the reference's agency names.
const PYTHON: &str = r#"
import json, re, sys, time
t = time.perf_counter()
d = json.load(open(sys.argv[1]))["data"]
# The reference's law-enforcement agencies (its [[agency]] tables, not its departments).
agencies = open(sys.argv[2]).read().split("[[agency]]")[1:]
names = set()
for block in agencies:
    names |= set(re.findall(r'^name = "(.*)"', block, re.M))
    for al in re.findall(r'^aliases = \[(.*)\]', block, re.M):
        names |= set(re.findall(r'"([^"]*)"', al))
ids = {"AGENCYAMAZONEW", "F1603047866"}
tied = sorted({(a["sub"] or a["parent"]).strip() for a in d["Agencies"]
               if any(x["id"].strip() in ids for x in a["auths"]) and (a["sub"] or a["parent"]).strip() in names})
print(json.dumps({"seconds": time.perf_counter() - t, "tied": tied}))
"#;

fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64, u64)> {
    reset_peak();
    let t = Instant::now();
    let out = f()?;
    Ok((out, t.elapsed().as_secs_f64(), peak_rss_kb()))
}

pub fn run(args: &BenchReconcileArgs) -> Result<ExitCode> {
    let data = &args.data;
    for f in [MARKETPLACE, PRODUCTS, INVENTORY] {
        anyhow::ensure!(data.join(f).is_file(), "{}: absent (give --data)", data.join(f).display());
    }
    let dir = tempfile::tempdir()?;
    let registry_db = dir.path().join("registry.db");
    eprintln!("building the registry: the real public files, then {} fictional accounts", args.accounts);
    crate::stores::import_real_into(&registry_db, data)?;
    let mut imports = Vec::new();
    {
        let mut store = registry::open(&registry_db)?;
        for (name, f) in [("fedramp marketplace", MARKETPLACE), ("fedramp products", PRODUCTS)] {
            let (r, secs, kb) = timed(|| Ok(import::import_fedramp(&mut store, &data.join(f))?))?;
            imports.push(json!({"file": name, "rows": r.rows, "seconds": secs, "peak_rss_mb": kb / 1024}));
        }
        let (r, secs, kb) = timed(|| {
            Ok(import::import_ai_inventory(
                &mut store,
                &data.join(INVENTORY),
                ImportOptions::default(),
                &mut |_, _| {},
            )?)
        })?;
        imports.push(json!({"file": "ai inventory", "rows": r.rows, "seconds": secs, "peak_rss_mb": kb / 1024}));
    }
    let accounts = dir.path().join("accounts.csv");
    crate::stores::write_fictional_accounts(&accounts, &registry_db, args.accounts)?;
    let proposals = crate::stores::store_and_screen(&registry_db, &accounts)?;
    let provider = dir.path().join("provider.toml");
    std::fs::write(&provider, PROVIDER)?;

    let req = app::reconcile::ReconcilePeriod {
        period: publish::gather::Period::parse("2026-Q3")?,
        log_dir: dir.path().join("log"),
        provider,
    };
    let mut runs = Vec::new();
    let mut table = None;
    for _ in 0..args.repeats.max(1) {
        // A fresh process's view each time: the stores opened by the run itself.
        let stores = Stores::default().with_registry(&registry_db).with_usage(dir.path().join("usage.db"));
        let (t, secs, kb) = timed(|| app::reconcile::reconcile_period(&stores, &req))?;
        runs.push((secs, kb));
        table = Some(t);
    }
    let table = table.context("no run")?;
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (median, kb) = runs[runs.len() / 2];

    let reference = dir.path().join("reference.toml");
    std::fs::write(&reference, registry::import::REFERENCE_FILE)?;
    let t = Instant::now();
    let o = Command::new("python3")
        .args(["-c", PYTHON, &data.join(MARKETPLACE).display().to_string(), &reference.display().to_string()])
        .output()
        .context("running python3")?;
    let python_wall = t.elapsed().as_secs_f64();
    anyhow::ensure!(o.status.success(), "python3: {}", String::from_utf8_lossy(&o.stderr));
    let python: serde_json::Value = serde_json::from_slice(&o.stdout)?;
    let candor_tied: Vec<&str> = table.rows.iter().map(|r| r.tie.organisation.as_str()).collect();

    let out = json!({
        "accounts": args.accounts, "proposals": proposals, "imports": imports,
        "reconcile": {"median_seconds": median, "runs": runs.len(), "peak_rss_mb": kb / 1024,
                      "tied": candor_tied.len(), "counts": table.counts},
        "python_ties_from_the_file": {"seconds_in_script": python["seconds"], "wall_seconds": python_wall,
                                      "tied": python["tied"].as_array().map(|a| a.len()).unwrap_or(0)},
    });
    if args.json {
        print_json(&out);
    } else {
        for i in &imports {
            println!(
                "import {}: {} rows in {:.2} s, peak {} MB",
                i["file"],
                i["rows"],
                i["seconds"].as_f64().unwrap_or(0.0),
                i["peak_rss_mb"]
            );
        }
        println!(
            "reconcile 2026-Q3 on {} accounts ({proposals} proposals): median {median:.2} s of {}, peak {} MB; {} organisations tied",
            args.accounts,
            runs.len(),
            kb / 1024,
            candor_tied.len()
        );
        println!(
            "baseline (python json over the Marketplace file, ties only): {:.3} s in the script, {python_wall:.2} s with start-up; {} tied",
            python["seconds"].as_f64().unwrap_or(0.0),
            python["tied"].as_array().map(|a| a.len()).unwrap_or(0)
        );
    }
    Ok(ExitCode::SUCCESS)
}
