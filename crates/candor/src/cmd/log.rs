//! `candor log …`: create, append to, prove and verify a transparency log.

use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::json;
use tlog::{LocalLog, MAX_ENTRY_SIZE};

use app::log::append::Batcher;

use crate::cli::LogCommand;
use crate::console::{emit, progress, vkey_arg};

pub fn run(cmd: LogCommand) -> Result<ExitCode> {
    match cmd {
        LogCommand::Init { log, origin, json } => init(&log.dir, &origin, json),
        LogCommand::Append { log, files, lines, batch_size, witness_fail_open, json } => {
            append(&log.dir, &files, lines, batch_size as usize, witness_fail_open, json)
        }
        LogCommand::SetPolicy { log, policy, json } => {
            emit(&app::log::witnessing::set_policy(&LocalLog::at(&log.dir), &policy)?, json)?;
            Ok(ExitCode::SUCCESS)
        }
        LogCommand::Witness { log, witness_fail_open, json } => {
            let round = app::log::witnessing::witness_log(&log.dir, witness_fail_open)?;
            emit(&round, json)?;
            if !round.published {
                return Err(round.unpublished_error());
            }
            Ok(ExitCode::SUCCESS)
        }
        LogCommand::Checkpoint { log, out, json } => checkpoint(&log.dir, out.as_deref(), json),
        LogCommand::Prove { log, index, out, json } => prove(&log.dir, index, out, json),
        LogCommand::Verify { target, log, vkey, trusted, policy, json } => {
            verify(target.as_deref().unwrap_or(&log.dir), vkey.as_deref(), &trusted, policy.as_deref(), json)
        }
        LogCommand::VerifyProof { proof, entry, vkey, log, policy, json } => {
            verify_proof(&proof, &entry, vkey.as_deref(), &log.dir, policy.as_deref(), json)
        }
    }
}

fn init(dir: &Path, origin: &str, json: bool) -> Result<ExitCode> {
    emit(&app::log::init(dir, origin)?, json)?;
    Ok(ExitCode::SUCCESS)
}

fn append(
    dir: &Path,
    files: &[PathBuf],
    lines: bool,
    batch_size: usize,
    witness_fail_open: bool,
    json: bool,
) -> Result<ExitCode> {
    let log = LocalLog::at(dir);
    let (writer, policy) = app::log::witnessing::open_writer(&log)?;
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
    let (done, writer) = b.finish_with_writer()?;
    let round =
        policy.map(|p| app::log::witnessing::witness_and_publish(&log, &writer, &p, witness_fail_open)).transpose()?;
    if json {
        println!(
            "{}",
            json!({"appended": done.appended, "size": done.size, "root": done.root.to_base64(), "witnessing": round})
        );
    } else {
        eprintln!(
            "appended {} entries to {}; the log has {} entries, root {}",
            done.appended, done.origin, done.size, done.root
        );
        if let Some(r) = &round {
            eprint!("{r}");
        }
    }
    match round {
        Some(r) if !r.published => Err(r.unpublished_error()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn checkpoint(dir: &Path, out: Option<&Path>, json: bool) -> Result<ExitCode> {
    let latest = app::log::checkpoint(dir)?;
    if let Some(out) = out {
        fs::write(out, &latest.checkpoint).with_context(|| format!("{}", out.display()))?;
    }
    emit(&latest, json)?;
    Ok(ExitCode::SUCCESS)
}

fn prove(dir: &Path, index: u64, out: Option<PathBuf>, json: bool) -> Result<ExitCode> {
    emit(&app::log::prove(dir, index, out)?, json)?;
    Ok(ExitCode::SUCCESS)
}

fn verify(
    target: &Path,
    vkey: Option<&str>,
    trusted: &[PathBuf],
    policy: Option<&Path>,
    json: bool,
) -> Result<ExitCode> {
    let vkey = vkey.map(vkey_arg).transpose()?;
    let policy = policy.map(app::log::witnessed::read_policy).transpose()?;
    let bar = progress(0, "verifying entries");
    let r = app::log::verify(target, vkey, trusted, policy.as_ref(), &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let r = r?;
    emit(&r, json)?;
    Ok(if r.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn verify_proof(
    proof_path: &Path,
    entry_path: &Path,
    vkey: Option<&str>,
    dir: &Path,
    policy: Option<&Path>,
    json: bool,
) -> Result<ExitCode> {
    let policy = policy.map(app::log::witnessed::read_policy).transpose()?;
    let verifier = match vkey {
        Some(k) => vkey_arg(k)?,
        None => LocalLog::at(dir).verifier().context("no --vkey given and no log.vkey in --dir")?,
    };
    let r = app::log::verify_proof(proof_path, entry_path, &verifier, policy.as_ref())?;
    emit(&r, json)?;
    Ok(if r.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
