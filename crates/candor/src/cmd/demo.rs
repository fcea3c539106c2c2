//! `candor demo`: the whole pipeline on built-in demonstration data.
//!
//! Today the pipeline is the transparency log: create it, append disclosure records,
//! sign checkpoints, verify the log and an offline proof. Every record is demonstration
//! data about fictional organisations, and says so.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use tlog::{Checkpoint, Dir, LocalLog, TileReader, TlogProof};

use crate::cli::DemoArgs;
use crate::output::print_json;

/// Marks a folder as made by `candor demo`, so a rerun may replace it and nothing else.
const MARKER: &str = "DEMONSTRATION-DATA.txt";
const ORIGIN: &str = "candor.example/demo-log";
const NOTICE: &str = "demonstration data: fictional organisations and generated figures";

/// The demo's disclosure records. Organisations are fictional; nothing here describes a real
/// organisation's conduct.
fn records() -> Vec<Value> {
    let org = |name: &str, kind: &str, role: &str, caps: &[&str]| {
        json!({
            "type": "disclosure",
            "period": "2026-Q3",
            "organisation": name,
            "kind": kind,
            "law_enforcement_role": role,
            "capabilities": caps,
            "demonstration_data": true,
            "notice": NOTICE,
        })
    };
    vec![
        json!({
            "type": "policy_version",
            "version": 1,
            "title": "No face identification for law-enforcement agencies; no service to companies that enable immigration enforcement",
            "demonstration_data": true,
            "notice": NOTICE,
        }),
        org(
            "Lakemoor County Sheriff's Office (fictional)",
            "local agency",
            "agency",
            &["face detection", "compute", "storage"],
        ),
        org("Port Averly Police Department (fictional)", "local agency", "agency", &["face identification", "compute"]),
        org("Northwind Detention Services Inc. (fictional)", "company", "supplier", &["databases", "compute"]),
        org("State Bureau of Examples (fictional)", "state agency", "agency", &["speech and text analytics"]),
        json!({
            "type": "period_summary",
            "period": "2026-Q3",
            "organisations_disclosed": 4,
            "withheld": {"count": 0},
            "demonstration_data": true,
            "notice": NOTICE,
        }),
    ]
}

pub fn run(args: &DemoArgs) -> Result<ExitCode> {
    let dir = &args.dir;
    prepare(dir)?;
    let log = LocalLog::at(dir.join("log"));
    let mut writer = log.init(ORIGIN).context("creating the demo log")?;
    let verifier = log.verifier()?;

    // Two batches, two checkpoints: the second must be consistent with the first.
    let records = records();
    let encoded: Vec<Vec<u8>> = records.iter().map(serde_json::to_vec).collect::<Result<_, _>>()?;
    fs::create_dir_all(dir.join("records"))?;
    for (i, e) in encoded.iter().enumerate() {
        fs::write(dir.join("records").join(format!("record-{i}.json")), e)?;
    }
    writer.append(&encoded[..1])?;
    let first_checkpoint = writer.checkpoint().to_vec();
    fs::write(dir.join("checkpoint-after-policy"), &first_checkpoint)?;
    writer.append(&encoded[1..])?;
    let size = writer.size();
    drop(writer);

    // Verify everything from the files alone, as an outsider would.
    let public = Dir::new(log.public_dir());
    let report = tlog::verify_log(&public, &verifier, std::slice::from_ref(&first_checkpoint), &mut |_, _| {})
        .context("the demo log does not verify")?;
    let proved = 2u64;
    let checkpoint = fs::read(log.public_dir().join(tlog::CHECKPOINT_PATH))?;
    let cp = Checkpoint::open(&checkpoint, &verifier)?;
    let mut reader = TileReader::new(&public, cp.size);
    let proof = TlogProof { extra: None, index: proved, inclusion: reader.inclusion_proof(proved)?, checkpoint };
    let proof_path = dir.join(format!("record-{proved}.tlog-proof"));
    fs::write(&proof_path, proof.to_bytes())?;
    proof.verify(&encoded[proved as usize], &verifier).context("the demo proof does not verify")?;

    let registry = crate::cmd::demo_registry::run(dir).context("the registry demo")?;
    let policy = crate::cmd::demo_policy::run(dir).context("the policy demo")?;

    let vkey = verifier.to_vkey();
    let entry_path = dir.join("records").join(format!("record-{proved}.json"));
    if args.json {
        print_json(&json!({
            "demonstration_data": true,
            "log_home": log.home(), "public_dir": log.public_dir(), "origin": ORIGIN, "vkey": vkey,
            "size": size, "root": report.checkpoint.root.to_base64(),
            "records": records, "proof_file": proof_path, "verified": true,
            "registry": registry.json, "policy": policy.json,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    println!("candor demo — {NOTICE}\n");
    println!("1. created the transparency log {ORIGIN} in {}", log.home().display());
    println!("2. appended {} disclosure records (first the policy, then the period's records):", records.len());
    for (i, r) in records.iter().enumerate() {
        let what = r["organisation"].as_str().or(r["title"].as_str()).unwrap_or("period summary, 2026-Q3");
        println!("     [{i}] {:<15} {what}", r["type"].as_str().unwrap_or(""));
    }
    println!("3. signed a checkpoint after each batch; latest: size {size}, root {}", report.checkpoint.root);
    println!(
        "4. verified the log from its files: {} entries rehashed, {} tiles, signature, and consistency with the first checkpoint",
        report.entries, report.tiles
    );
    println!("5. wrote and checked an offline inclusion proof for record {proved}");
    print!("{}", registry.text);
    print!("{}", policy.text);
    println!();
    println!("Files:");
    println!("  {:<40} serve this folder: checkpoint and tiles (C2SP tlog-tiles)", log.public_dir().display());
    println!("  {:<40} private signing key, mode 0600", log.key_path().display());
    println!("  {:<40} the records, one file each", dir.join("records").display());
    println!("  {:<40} tlog-proof for record {proved}", proof_path.display());
    println!("\nVerifier key: {vkey}\n");
    // The program as it was invoked (target/release/candor under `cargo run`).
    let exe = std::env::args().next().unwrap_or_else(|| "candor".into());
    println!("Check it yourself:");
    println!("  {exe} log verify {} --trusted {}", log.home().display(), dir.join("checkpoint-after-policy").display());
    println!("  {exe} log verify-proof {} --entry {} --vkey {vkey}", proof_path.display(), entry_path.display());
    Ok(ExitCode::SUCCESS)
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
