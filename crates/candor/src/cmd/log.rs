//! `candor log …`: create, append to, prove and verify a transparency log.

use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::json;
use tlog::{Checkpoint, Dir, LocalLog, MAX_ENTRY_SIZE, TlogProof, Verifier};

use app::log_append::Batcher;

use crate::cli::LogCommand;
use crate::console::{print_json, progress, vkey_arg};

/// Largest tlog-proof file read (a real one is a few kilobytes).
const MAX_PROOF_FILE: u64 = 1 << 20;

pub fn run(cmd: LogCommand) -> Result<ExitCode> {
    match cmd {
        LogCommand::Init { log, origin, json } => init(&log.dir, &origin, json),
        LogCommand::Append { log, files, lines, batch_size, json } => {
            append(&log.dir, &files, lines, batch_size as usize, json)
        }
        LogCommand::Checkpoint { log, out, json } => checkpoint(&log.dir, out.as_deref(), json),
        LogCommand::Prove { log, index, out, json } => prove(&log.dir, index, out, json),
        LogCommand::Verify { target, log, vkey, trusted, json } => {
            verify(target.as_deref().unwrap_or(&log.dir), vkey.as_deref(), &trusted, json)
        }
        LogCommand::VerifyProof { proof, entry, vkey, log, json } => {
            verify_proof(&proof, &entry, vkey.as_deref(), &log.dir, json)
        }
    }
}

fn init(dir: &Path, origin: &str, json: bool) -> Result<ExitCode> {
    if !tlog::note::is_valid_key_name(origin) {
        bail!("--origin {origin:?}: an origin must be non-empty, without spaces or '+' (e.g. example.com/log)");
    }
    let log = LocalLog::at(dir);
    let writer = log.init(origin).with_context(|| format!("creating a log in {}", dir.display()))?;
    let vkey = log.verifier()?.to_vkey();
    if json {
        print_json(&json!({
            "origin": origin,
            "home": dir,
            "public_dir": log.public_dir(),
            "private_key_file": log.key_path(),
            "vkey": vkey,
            "size": writer.size(),
        }));
    } else {
        println!("created log {origin} in {}", dir.display());
        println!("  serve this folder:          {}", log.public_dir().display());
        println!("  private key (mode 0600):    {}", log.key_path().display());
        println!("  verifier key (publish it):  {vkey}");
    }
    Ok(ExitCode::SUCCESS)
}

fn append(dir: &Path, files: &[PathBuf], lines: bool, batch_size: usize, json: bool) -> Result<ExitCode> {
    let log = LocalLog::at(dir);
    let writer = log.open().with_context(|| format!("opening the log in {}", dir.display()))?;
    // Whole files are checked against the size limit before anything is written.
    if !lines {
        for f in files.iter().filter(|f| f.as_os_str() != "-") {
            let len = fs::metadata(f).with_context(|| format!("{}", f.display()))?.len();
            if len > MAX_ENTRY_SIZE as u64 {
                bail!(
                    "{}: the entry is {len} bytes, but log entries are limited to {MAX_ENTRY_SIZE} bytes; nothing was written",
                    f.display()
                );
            }
        }
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    // Each index is printed only once its batch is durable.
    let mut print = |index: u64, source: &str| -> io::Result<()> {
        if json {
            writeln!(out, "{}", json!({"index": index, "source": source}))?;
        } else {
            writeln!(out, "{index}\t{source}")?;
        }
        out.flush()
    };
    let mut b = Batcher::new(writer, batch_size, &mut print);
    if files.is_empty() {
        b.push_lines(io::stdin().lock(), "stdin")?;
    }
    for f in files {
        let name = f.display().to_string();
        if lines {
            if f.as_os_str() == "-" {
                b.push_lines(io::stdin().lock(), "stdin")?;
            } else {
                let file = fs::File::open(f).with_context(|| name.clone())?;
                b.push_lines(BufReader::new(file), &name)?;
            }
        } else if f.as_os_str() == "-" {
            let mut entry = Vec::new();
            io::stdin().lock().take(MAX_ENTRY_SIZE as u64 + 1).read_to_end(&mut entry).context("stdin")?;
            b.push(entry, "stdin".into())?;
        } else {
            let entry = fs::read(f).with_context(|| name.clone())?;
            b.push(entry, name)?;
        }
    }
    let done = b.finish()?;
    if json {
        println!("{}", json!({"appended": done.appended, "size": done.size, "root": done.root.to_base64()}));
    } else {
        eprintln!(
            "appended {} entries to {}; the log has {} entries, root {}",
            done.appended, done.origin, done.size, done.root
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The latest checkpoint of a log home, with what to do when there is none.
fn latest_checkpoint(log: &LocalLog) -> Result<(Vec<u8>, Checkpoint, Verifier)> {
    log.latest_checkpoint().with_context(|| {
        format!("reading the latest checkpoint of the log in {} (is it a log? candor log init)", log.home().display())
    })
}

fn checkpoint(dir: &Path, out: Option<&Path>, json: bool) -> Result<ExitCode> {
    let log = LocalLog::at(dir);
    let (bytes, cp, verifier) = latest_checkpoint(&log)?;
    if let Some(out) = out {
        fs::write(out, &bytes).with_context(|| format!("{}", out.display()))?;
    }
    if json {
        print_json(&json!({
            "origin": cp.origin, "size": cp.size, "root": cp.root.to_base64(),
            "vkey": verifier.to_vkey(), "checkpoint": String::from_utf8_lossy(&bytes),
        }));
    } else {
        io::stdout().write_all(&bytes)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn prove(dir: &Path, index: u64, out: Option<PathBuf>, json: bool) -> Result<ExitCode> {
    let log = LocalLog::at(dir);
    let (_, cp, _) = latest_checkpoint(&log)?;
    if index >= cp.size {
        bail!(
            "entry {index} is not in the log: it has {} entries (indexes 0 to {})",
            cp.size,
            cp.size.saturating_sub(1)
        );
    }
    // Never hand out a proof that does not verify (`prove` checks it).
    let (_, proof) =
        log.prove(index).context("the proof built from the stored tiles does not verify; run candor log verify")?;
    let out = out.unwrap_or_else(|| PathBuf::from(format!("entry-{index}.tlog-proof")));
    fs::write(&out, proof.to_bytes()).with_context(|| format!("{}", out.display()))?;
    if json {
        print_json(&json!({"index": index, "size": cp.size, "root": cp.root.to_base64(), "proof_file": out}));
    } else {
        println!("wrote {} (entry {index} in {} at size {})", out.display(), cp.origin, cp.size);
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(target: &Path, vkey: Option<&str>, trusted: &[PathBuf], json: bool) -> Result<ExitCode> {
    // A log home has public/; anything else is taken as a bare tlog-tiles folder.
    let home = LocalLog::at(target);
    let (root, verifier) = if home.public_dir().join(tlog::CHECKPOINT_PATH).exists() {
        let v = match vkey {
            Some(k) => vkey_arg(k)?,
            None => home.verifier().with_context(|| format!("reading {}", home.vkey_path().display()))?,
        };
        (home.public_dir(), v)
    } else if target.join(tlog::CHECKPOINT_PATH).exists() {
        let k = vkey.with_context(|| {
            format!("{} is a bare tlog-tiles folder: give the log's key with --vkey", target.display())
        })?;
        (target.to_path_buf(), vkey_arg(k)?)
    } else {
        bail!("{} has no checkpoint: it is neither a log home nor a tlog-tiles folder", target.display());
    };
    let mut trusted_bytes = Vec::new();
    for t in trusted {
        trusted_bytes.push(fs::read(t).with_context(|| format!("--trusted {}", t.display()))?);
    }
    let bar = progress(0, "verifying entries");
    let result = tlog::verify_log(&Dir::new(&root), &verifier, &trusted_bytes, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    match result {
        Ok(r) => {
            if json {
                print_json(&json!({
                    "ok": true, "folder": root, "origin": r.checkpoint.origin, "size": r.checkpoint.size,
                    "root": r.checkpoint.root.to_base64(), "entries_rehashed": r.entries, "tiles_checked": r.tiles,
                    "trusted_checkpoints": r.trusted.iter().map(|c| json!({"size": c.size, "root": c.root.to_base64()})).collect::<Vec<_>>(),
                }));
            } else {
                println!(
                    "OK: {} verified: signature by {}, {} entries rehashed, {} tiles checked, root {}",
                    root.display(),
                    verifier.to_vkey(),
                    r.entries,
                    r.tiles,
                    r.checkpoint.root
                );
                if !r.trusted.is_empty() {
                    let sizes: Vec<String> = r.trusted.iter().map(|c| c.size.to_string()).collect();
                    println!(
                        "    consistent with {} trusted checkpoint(s) at sizes {}",
                        r.trusted.len(),
                        sizes.join(", ")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                print_json(&json!({"ok": false, "folder": root, "fault": e.to_string(), "category": e.category()}));
            } else {
                println!("FAULT: {}: {e}", root.display());
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn verify_proof(proof_path: &Path, entry_path: &Path, vkey: Option<&str>, dir: &Path, json: bool) -> Result<ExitCode> {
    let verifier = match vkey {
        Some(k) => vkey_arg(k)?,
        None => LocalLog::at(dir).verifier().context("no --vkey given and no log.vkey in --dir")?,
    };
    let mut proof_bytes = Vec::new();
    fs::File::open(proof_path)
        .and_then(|f| f.take(MAX_PROOF_FILE).read_to_end(&mut proof_bytes))
        .with_context(|| format!("{}", proof_path.display()))?;
    let proof = TlogProof::parse(&proof_bytes).with_context(|| format!("{}", proof_path.display()))?;
    let entry = if entry_path.as_os_str() == "-" {
        let mut e = Vec::new();
        io::stdin().lock().take(MAX_ENTRY_SIZE as u64 + 1).read_to_end(&mut e).context("stdin")?;
        e
    } else {
        fs::read(entry_path).with_context(|| format!("{}", entry_path.display()))?
    };
    match proof.verify(&entry, &verifier) {
        Ok(cp) => {
            if json {
                print_json(
                    &json!({"ok": true, "index": proof.index, "origin": cp.origin, "size": cp.size, "root": cp.root.to_base64()}),
                );
            } else {
                println!(
                    "OK: the entry is at index {} of {} (checkpoint size {}, root {})",
                    proof.index, cp.origin, cp.size, cp.root
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                print_json(
                    &json!({"ok": false, "index": proof.index, "fault": e.to_string(), "category": e.category()}),
                );
            } else {
                println!("FAULT: {}: {e}", proof_path.display());
            }
            Ok(ExitCode::from(1))
        }
    }
}
