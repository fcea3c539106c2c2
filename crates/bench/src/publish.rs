//! `candor-bench publish`: how publishing scales with the number of organisations disclosed.
//! A registry of fictional organisations (confirmed roles, one confirmed account each) and
//! generated usage for them; with `--periods N`, the N-1 quarters before 2026-Q3 are published
//! first (untimed, the site written once after them); then, each timed for 2026-Q3: gathering
//! the period, appending its records (from the log's record index, as `candor publish` does),
//! writing the static site, publishing again (nothing new), and `candor verify`'s outside check
//! of the whole folder. All data is fictional and marked as benchmark data.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use publish::append::{Options, publish};
use publish::gather::{Period, gather};
use registry::model::{Account, Jurisdiction, Kind, NewOrganisation, Role, Status};
use registry::{SqliteStore, Store};
use serde_json::json;
use tlog::{Dir, LocalLog};
use usage::store::UsageStore;

use crate::cli::BenchPublishArgs;
use crate::memory::{peak_rss_kb, reset_peak};
use crate::output::{print_json, progress};

const NOTE: &str = "benchmark data: a fictional organisation made up by candor-bench publish";

/// Runs `step` of this benchmark in a process of its own (`candor-bench publish-step`): its
/// seconds (timed inside it), peak memory (MB) and report.
fn own_process(step: &str, home: &Path, memory: Option<&Path>) -> Result<(f64, f64, serde_json::Value)> {
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.args(["publish-step", step, "--home"]).arg(home);
    if let Some(m) = memory {
        cmd.arg("--memory").arg(m);
    }
    let out = cmd.output().with_context(|| format!("running the {step} step"))?;
    if !out.status.success() {
        bail!("the {step} step failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let mut v: serde_json::Value =
        serde_json::from_slice(&out.stdout).with_context(|| format!("the {step} step's output"))?;
    let number = |key: &str| v.get(key).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
    let (seconds, peak) = (number("seconds"), number("peak_mb"));
    Ok((seconds, peak, v.get_mut("report").map(serde_json::Value::take).unwrap_or_default()))
}

fn registry(path: &Path, orgs: usize) -> Result<Vec<String>> {
    let mut store = SqliteStore::open(path)?;
    let mut tx = store.begin()?;
    let mut accounts = Vec::with_capacity(orgs);
    for i in 0..orgs {
        let (name, kind, role) = if i % 2 == 0 {
            (format!("Example County Police Department {i:06} (fictional)"), Kind::LocalAgency, Role::Agency)
        } else {
            (format!("Example Analytics {i:06} Inc. (fictional)"), Kind::Company, Role::Supplier)
        };
        let org = tx.insert_organisation(&NewOrganisation {
            key: format!("bench:{i}"),
            name,
            kind,
            jurisdiction: Jurisdiction { country: Some("USA".into()), state: Some("MN".into()), ..Default::default() },
        })?;
        tx.append_classification(org, role, Status::Confirmed, NOTE, "candor:bench")?;
        let account = format!("bench-acct-{i:06}");
        tx.upsert_account(&Account {
            account_id: account.clone(),
            legal_name: format!("bench account {i} (fictional)"),
            country: None,
            state: None,
            city: None,
            uei: None,
            domain: None,
        })?;
        tx.append_link(&account, org, Status::Confirmed, Some(1.0), NOTE, "candor:bench")?;
        accounts.push(account);
    }
    tx.commit()?;
    Ok(accounts)
}

/// The largest HTML page under `dir`: its size and path relative to `root`.
fn largest_page(root: &Path, dir: &Path, best: &mut (u64, String)) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        if path.is_dir() {
            largest_page(root, &path, best);
        } else if path.extension().is_some_and(|x| x == "html") {
            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
            if len > best.0 {
                *best = (len, path.strip_prefix(root).unwrap_or(&path).display().to_string());
            }
        }
    }
}

/// A copy of the folder `from` at `to`, so the site's step on it can be timed or profiled alone
/// (`publish-step site --home <copy>`). Its files are copied (with their modification times),
/// not linked: a link changes the linked file's change time, and a check from memory reads a
/// file whose stamp changed again.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type()?.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)?;
            // Its modification time too: the site's stamp knows its files by theirs.
            let modified = std::fs::metadata(&src)?.modified()?;
            std::fs::File::options().write(true).open(&dst)?.set_modified(modified)?;
        }
    }
    Ok(())
}

fn folder_size(dir: &Path) -> (u64, u64) {
    let (mut files, mut bytes) = (0, 0);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => {
                    let (f, b) = folder_size(&e.path());
                    files += f;
                    bytes += b;
                }
                Ok(_) => {
                    files += 1;
                    bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
                }
                Err(_) => {}
            }
        }
    }
    (files, bytes)
}

pub fn run(args: &BenchPublishArgs) -> Result<ExitCode> {
    if args.orgs == 0 {
        bail!("--orgs must be at least 1");
    }
    let tmp = tempfile::Builder::new().prefix("candor-bench-publish-").tempdir_in(".")?;
    let dir = tmp.path();
    let bar = progress(0, "preparing a fictional registry and usage");
    let accounts = registry(&dir.join("registry.db"), args.orgs)?;
    if args.periods == 0 || args.periods > 40 {
        bail!("--periods must be 1 to 40");
    }
    let usage_file = dir.join("usage.parquet");
    // The first month of the first quarter, counting back from July 2026.
    let first = 2026 * 12 + 6 - 3 * (args.periods as i64 - 1);
    let cfg = usage::generate::GenConfig {
        rows: args.orgs as u64 * args.lines_per_org * u64::from(args.periods),
        face_accounts: accounts.iter().step_by(10).cloned().collect(),
        accounts,
        start_month: ((first / 12) as u32, (first % 12 + 1) as u32),
        months: 3 * args.periods,
        seed: 7,
    };
    let f = std::io::BufWriter::new(std::fs::File::create(&usage_file)?);
    std::io::Write::flush(&mut usage::generate::write_parquet(f, &cfg, usage::generate::Layout::Focus, 65_536)?)?;
    let taxonomy = usage::taxonomy::Taxonomy::builtin()?;
    let mut usage_store = UsageStore::open(&dir.join("usage.db"))?;
    usage_store.ingest(&taxonomy, &usage_file, usage::focus::ReadOptions::default())?;
    let rows = usage_store.rows()?;
    let store = SqliteStore::open(&dir.join("registry.db"))?;
    let home = LocalLog::at(dir.join("log"));
    let mut writer = home.init("candor.example/bench-log")?;
    let verifier = home.verifier()?;
    let opts = Options {
        exact_quantities: false,
        demonstration: true,
        salt: b"bench".to_vec(),
        index: Some(home.home().join(tlog::STATE_DIR).join(publish::index::FILE_NAME)),
        ..Options::default()
    };
    // As `candor publish` writes the report: with the stamp that lets the next writing leave
    // what did not change.
    let stamp = home.home().join(tlog::STATE_DIR).join(publish::site::stamp::FILE_NAME);
    let update = |now: &str| publish::site::update_site(&home.public_dir(), &stamp, &verifier, now, false);
    for q in 0..args.periods - 1 {
        let m = first + 3 * i64::from(q);
        let earlier = Period::parse(&format!("{}-Q{}", m / 12, (m % 12) / 3 + 1))?;
        bar.set_message(format!("publishing {} first, with its site (not timed)", earlier.as_str()));
        publish(&mut writer, &gather(&store, &rows, &earlier)?, None, &opts)?;
        update("2026-07-01T00:00:00Z")?;
    }
    let size_before = writer.size();
    // What an auditor who checked the report of the earlier periods remembers (not timed), and
    // what that check read of each usage record, beside it.
    let memory_path = dir.join("check-memory.json");
    let memory = if args.periods > 1 {
        bar.set_message("checking the report of the earlier periods, remembering (not timed)");
        let usage_index = publish::check::memory::usage_index_beside(&memory_path);
        let (checked, memory) = publish::check::check_report_remembering(
            &Dir::new(home.public_dir()),
            &verifier,
            &[],
            &[],
            None,
            Some(&usage_index),
            &mut |_| {},
        )?;
        if !checked.faults.is_empty() {
            bail!("the report of the earlier periods does not verify: {}", checked.faults.join("; "));
        }
        Some(memory)
    } else {
        None
    };
    bar.finish_and_clear();

    let period = Period::parse("2026-Q3")?;
    // Peak memory (MB) of each step: the mark is reset before it and read after it.
    let mut peaks: Vec<f64> = Vec::new();
    let step = |peaks: &mut Vec<f64>| {
        peaks.push(peak_rss_kb() as f64 / 1024.0);
        reset_peak();
    };
    reset_peak();
    let t = Instant::now();
    let data = gather(&store, &rows, &period)?;
    let gather_s = t.elapsed().as_secs_f64();
    step(&mut peaks);
    let t = Instant::now();
    let first = publish(&mut writer, &data, None, &opts)?;
    let append_s = t.elapsed().as_secs_f64();
    step(&mut peaks);
    if args.keep {
        let before = dir.join("log-before-site");
        copy_tree(home.home(), &before).with_context(|| format!("copying the log to {}", before.display()))?;
        // Written out before the site's step, not while it is timed.
        let _ = std::process::Command::new("sync").status();
    }
    // Written in a process of its own, as `candor publish` writes it: its peak memory is its own.
    let (site_s, site_peak, site) = own_process("site", home.home(), None)?;
    let site: publish::site::SiteReport = serde_json::from_value(site).context("the site step's report")?;
    peaks.push(site_peak);
    // Published again in a process of its own, as `candor publish` does it (the writer's lock
    // let go first): the period's usage rows read from the store, gathered, every record found
    // already in the log, the site found as written.
    drop(writer);
    let (again_s, again_peak, again) = own_process("again", home.home(), None)?;
    peaks.push(again_peak);
    if again.get("appended").and_then(serde_json::Value::as_u64) != Some(0) {
        bail!("publishing again appended records: {again}");
    }
    if again.get("site_unchanged").and_then(serde_json::Value::as_bool) != Some(true) {
        bail!("publishing again wrote the site again, although the log did not change");
    }
    // Checked in processes of their own, as an auditor's `candor verify` checks.
    let (check_s, check_peak, check) = own_process("verify", home.home(), None)?;
    let check: publish::check::CheckReport = serde_json::from_value(check).context("the check's report")?;
    peaks.push(check_peak);
    // The same report checked from what the check of the earlier periods remembered.
    let (since_s, since) = match &memory {
        Some(m) => {
            m.write(&memory_path)?;
            let (s, peak, report) = own_process("verify", home.home(), Some(&memory_path))?;
            peaks.push(peak);
            (s, Some(serde_json::from_value::<publish::check::CheckReport>(report).context("the check's report")?))
        }
        None => {
            peaks.push(0.0);
            (0.0, None)
        }
    };
    if let Some(r) = since.as_ref().filter(|r| !r.faults.is_empty()) {
        bail!("the check from memory finds faults the full check did not: {}", r.faults.join("; "));
    }
    // A report the check refuses is a result too (at several periods of 10,000 organisations
    // the whole-log downloads outgrow what a reader takes): printed with the timings, and the
    // run fails.
    let serve = crate::publish_serve::measure(dir, home.home())?;
    let verified = check.faults.is_empty();
    if !verified {
        eprintln!("the report does not verify ({} faults): {}", check.faults.len(), check.faults.join("; "));
    }
    let (files, bytes) = folder_size(&home.public_dir());
    let mut largest = (0u64, String::new());
    largest_page(&home.public_dir(), &home.public_dir(), &mut largest);
    let index_kb =
        std::fs::metadata(home.public_dir().join("data/search.json")).map(|m| m.len()).unwrap_or(0) as f64 / 1e3;
    let overview_kb =
        std::fs::metadata(home.public_dir().join("index.html")).map(|m| m.len()).unwrap_or(0) as f64 / 1e3;
    let result = json!({
        "organisations": data.orgs.len(), "usage_rows": rows.len(), "records": first.appended.len(),
        "periods": args.periods, "entries_before": size_before,
        "gather_s": gather_s, "append_s": append_s, "site_s": site_s, "republish_s": again_s, "verify_s": check_s,
        "peak_mb": {"gather": peaks[0], "append": peaks[1], "site": peaks[2], "republish": peaks[3], "verify": peaks[4], "verify_remembered": peaks[5]},
        "verify_remembered_s": since.as_ref().map(|_| since_s),
        "verify_remembered": since.as_ref().map(|r| json!({"entries": r.entries, "unchanged_files": r.unchanged_files, "pages_left": r.pages_left, "files_not_read": r.files_not_read})),
        "site_files": files, "site_bytes": bytes, "record_pages_left": site.kept_pages, "download_parts_left": site.kept_parts, "files_compared": check.files_compared, "largest_page": largest.1, "largest_page_kb": largest.0 as f64 / 1e3,
        "overview_kb": overview_kb, "search_index_kb": index_kb, "pages_checked": check.pages, "records_on_pages": check.records_on_pages,
        "verified": verified, "faults": check.faults.len(), "serve": serve,
    });
    if args.keep {
        let kept = tmp.keep();
        eprintln!("kept {}", kept.display());
    }
    let code = if verified { ExitCode::SUCCESS } else { ExitCode::from(1) };
    if args.json {
        print_json(&result);
        return Ok(code);
    }
    println!(
        "{} fictional organisations, {} stored usage rows → {} records appended to a log of {} entries ({} earlier period(s))",
        data.orgs.len(),
        rows.len(),
        first.appended.len(),
        size_before,
        args.periods - 1
    );
    // Gathering, appending and publishing again run in the benchmark's process, whose peak
    // includes the preparation (the usage rows, the registry); the site and the checks each
    // run in a process of their own.
    println!("  {:<30} {:>8} {:>10}", "step", "seconds", "peak MB");
    println!("  {:<30} {gather_s:>8.2} {:>10.0}", "gather the period (in process)", peaks[0]);
    println!("  {:<30} {append_s:>8.2} {:>10.0}", "append, sign (in process)", peaks[1]);
    println!("  {:<30} {site_s:>8.2} {:>10.0}", "write the site (own process)", peaks[2]);
    println!("  {:<30} {again_s:>8.2} {:>10.0}", "publish again (own process)", peaks[3]);
    println!(
        "  {:<30} {check_s:>8.2} {:>10.0}{}",
        "verify the whole report (own)",
        peaks[4],
        if verified { "" } else { "  (does NOT verify: see above)" }
    );
    if let Some(r) = &since {
        println!("  {:<30} {since_s:>8.2} {:>10.0}", "verify from memory (own)", peaks[5]);
        println!(
            "    (from the check of the earlier periods: {} entries rehashed, {} files found as verified, {} record pages and download parts not rendered again, {} of them known by their stamps, not read)",
            r.entries, r.unchanged_files, r.pages_left, r.files_not_read
        );
    }
    println!(
        "  site: {} files, {:.1} MB, {} record pages ({} left as they were), {} download parts left; verify checked {} pages, {} records on them, {} entries",
        files,
        bytes as f64 / 1e6,
        site.record_pages,
        site.kept_pages,
        site.kept_parts,
        check.pages,
        check.records_on_pages,
        check.entries
    );
    // The check writes every file of the site in memory and compares it, byte for byte, with
    // what the incremental writing left: a full writing against the incremental one.
    println!(
        "  the check's full writing of the site, compared byte for byte with the incremental one: {} files, {} differ",
        check.files_compared,
        check
            .faults
            .iter()
            .filter(|f| f.contains("differs from what the log's records make") || f.contains("missing, although"))
            .count()
    );
    println!(
        "  pages: the largest is {} ({:.0} KB; target: none over ~500 KB); the overview {:.0} KB; search index data/search.json {:.0} KB",
        largest.1,
        largest.0 as f64 / 1e3,
        overview_kb,
        index_kb
    );
    crate::publish_serve::print(&serve);
    Ok(code)
}
