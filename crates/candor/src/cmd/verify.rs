//! `candor verify URL-or-folder`: an auditor's check of a published report, trusting nothing
//! the site says about itself except what the log's key signed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use publish::check::check_report;
use serde_json::json;
use tlog::{Dir, ReadStorage};

use crate::cli::VerifyArgs;
use crate::output::{print_json, vkey_arg};

/// Largest resource fetched over HTTP (a tile is at most 8 KiB, a bundle at most 16 MiB).
const MAX_FETCH: u64 = 64 << 20;

/// A report served over HTTP(S), read as a log's storage.
struct Http {
    base: String,
    agent: ureq::Agent,
}

impl ReadStorage for Http {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, tlog::Error> {
        let url = format!("{}/{path}", self.base);
        let fail = |e: String| tlog::Error::io(&url, std::io::Error::other(e));
        match self.agent.get(&url).call() {
            Ok(mut res) => {
                res.body_mut().with_config().limit(MAX_FETCH).read_to_vec().map(Some).map_err(|e| fail(e.to_string()))
            }
            Err(ureq::Error::StatusCode(404)) => Ok(None),
            Err(e) => Err(fail(e.to_string())),
        }
    }
}

/// Every HTML file under `root`, as paths relative to it.
fn html_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(dir) = std::fs::read_dir(root.join(&rel)) else { continue };
        for e in dir.flatten() {
            let name = rel.join(e.file_name());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if !name.starts_with("tile") {
                    stack.push(name);
                }
            } else if name.extension().is_some_and(|x| x == "html") {
                out.push(name.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    let (source, pages): (Box<dyn ReadStorage>, Vec<String>) =
        if args.source.starts_with("http://") || args.source.starts_with("https://") {
            let agent = ureq::Agent::config_builder()
                .timeout_global(Some(std::time::Duration::from_secs(30)))
                .http_status_as_error(true)
                .build()
                .new_agent();
            (Box::new(Http { base: args.source.trim_end_matches('/').to_string(), agent }), Vec::new())
        } else {
            let mut root = PathBuf::from(&args.source);
            // A log's home holds its public folder; accept either.
            if !root.join(tlog::CHECKPOINT_PATH).exists() && root.join("public").join(tlog::CHECKPOINT_PATH).exists() {
                root = root.join("public");
            }
            if !root.join(tlog::CHECKPOINT_PATH).exists() {
                bail!("{}: no checkpoint here; give the report's folder (the log's public folder) or URL", args.source);
            }
            let pages = html_files(&root);
            (Box::new(Dir::new(root)), pages)
        };
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
    for f in args.trusted.iter().chain(args.remember.iter().filter(|p| p.exists())) {
        trusted.push(std::fs::read(f).with_context(|| format!("reading trusted checkpoint {}", f.display()))?);
    }
    let bar = crate::output::progress(3, "verifying");
    let result = check_report(&*source, &verifier, &trusted, &pages, &mut |step| {
        bar.set_message(step.to_string());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let (report, mut faults) = match result {
        Ok(r) => {
            let f = r.faults.clone();
            (Some(r), f)
        }
        Err(e) => (None, vec![format!("the log (checkpoint, tiles, entries): {e:#}")]),
    };
    if faults.is_empty()
        && let Some(path) = &args.remember
    {
        let cp = source.read(tlog::CHECKPOINT_PATH)?.context("the checkpoint vanished")?;
        if let Err(e) = std::fs::write(path, cp) {
            faults.push(format!("{}: could not remember the checkpoint: {e}", path.display()));
        }
    }
    if args.json {
        print_json(&json!({"source": args.source, "verified": faults.is_empty(), "faults": faults,
                           "warnings": warnings, "report": report}));
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
