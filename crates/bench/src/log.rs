//! `candor-bench log`: the transparency log's throughput on this machine, measured side by
//! side with the machine's raw SHA-256 rate in the same run.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tlog::{Dir, Error, LocalLog, LogWriter, Object, ReadStorage, Signer, Storage, TileReader, leaf_hash};

use crate::cli::BenchLogArgs;
use crate::output::{print_json, progress};

/// Fills `buf` with a distinct entry for `n` (counter, then filler).
fn fill_entry(buf: &mut [u8], n: u64) {
    let c = n.to_be_bytes();
    let k = c.len().min(buf.len());
    buf[..k].copy_from_slice(&c[..k]);
}

fn entries_for(batch: usize, entry_size: usize) -> Vec<Vec<u8>> {
    (0..batch).map(|i| vec![b'a' + (i % 26) as u8; entry_size]).collect()
}

/// Storage that discards writes: isolates the Merkle, tile and signing work from I/O.
struct Discard;

impl ReadStorage for Discard {
    fn read(&self, _: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }
}

impl Storage for Discard {
    fn commit(&mut self, objects: &[Object], checkpoint: &[u8]) -> Result<(), Error> {
        std::hint::black_box((objects, checkpoint));
        Ok(())
    }
}

pub fn run(args: &BenchLogArgs) -> Result<ExitCode> {
    let tmp;
    let base: PathBuf = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::Builder::new()
                .prefix("candor-bench-")
                .tempdir_in(".")
                .context("creating a temporary folder")?;
            tmp.path().to_path_buf()
        }
    };
    let mut results = Vec::new();

    // 1. Raw SHA-256 over the same entries: the machine's ceiling.
    let raw = raw_sha256(args.entry_size, Duration::from_secs(2));
    let mut summary = format!(
        "raw SHA-256 of {}-byte messages: {:.0} hashes/s ({:.0} MB/s)\n",
        args.entry_size,
        raw,
        raw * args.entry_size as f64 / 1e6
    );

    // 2. Merkle and tile work without I/O.
    let merkle_entries = args.entries.min(4_000_000);
    let merkle_rate = merkle_work(merkle_entries, args.entry_size)?;
    summary += &format!(
        "Merkle + tile work (batch 1024, no I/O): {:.0} entries/s = {:.2} x raw SHA-256\n",
        merkle_rate,
        merkle_rate / raw
    );
    results.push(json!({"kind": "merkle_tile_work", "entries": merkle_entries, "entries_per_sec": merkle_rate, "ratio_to_raw_sha256": merkle_rate / raw}));

    // 3. Durable appends at each batch size.
    let mut batches = args.batch.clone();
    batches.sort_unstable();
    let largest = batches.last().copied().unwrap_or(1024);
    let mut largest_log = None;
    for &batch in &batches {
        let home = base.join(format!("batch-{batch}"));
        let _ = std::fs::remove_dir_all(&home);
        let limit = if batch == largest { None } else { Some(Duration::from_secs(args.max_seconds)) };
        let r = durable_appends(&home, batch as usize, args.entries, args.entry_size, limit)?;
        summary += &format!(
            "durable appends, batch {batch:>5}: {:>10.0} entries/s ({} entries, {} checkpoints, {:.1} s)\n",
            r.rate, r.entries, r.batches, r.seconds
        );
        results.push(json!({"kind": "durable_appends", "batch": batch, "entries": r.entries, "checkpoints": r.batches, "seconds": r.seconds, "entries_per_sec": r.rate}));
        if batch == largest {
            largest_log = Some((home, r.entries));
        }
    }

    // 4. Many concurrent single-entry appenders, batched by the sequencer.
    if args.appenders > 0 {
        let home = base.join("sequencer");
        let _ = std::fs::remove_dir_all(&home);
        let r = sequenced_appends(&home, args.appenders, args.entry_size, Duration::from_secs(args.max_seconds))?;
        summary += &format!(
            "sequencer, {} concurrent appenders of 1 entry each: {:.0} entries/s ({} entries, {} checkpoints, mean batch {:.0})\n",
            args.appenders,
            r.rate,
            r.entries,
            r.batches,
            r.entries as f64 / r.batches.max(1) as f64
        );
        results.push(json!({"kind": "sequencer", "appenders": args.appenders, "entries": r.entries, "checkpoints": r.batches, "seconds": r.seconds, "entries_per_sec": r.rate}));
    }

    // 5. Proofs and a full verification on the largest log.
    if let Some((home, size)) = largest_log {
        let public = Dir::new(LocalLog::at(&home).public_dir());
        let (gen_rate, verify_rate) = proofs(&public, size, Duration::from_secs(3))?;
        summary += &format!(
            "inclusion proofs from the tiles at size {size}: {gen_rate:.0} proofs/s generated, {verify_rate:.0} proofs/s verified\n"
        );
        results.push(json!({"kind": "inclusion_proofs", "size": size, "generated_per_sec": gen_rate, "verified_per_sec": verify_rate}));
        let verifier = LocalLog::at(&home).verifier()?;
        let bar = progress(size, "full verification");
        let start = Instant::now();
        tlog::verify_log(&public, &verifier, &[], &mut |done, _| bar.set_position(done))?;
        bar.finish_and_clear();
        let secs = start.elapsed().as_secs_f64();
        summary +=
            &format!("full verification of {size} entries: {:.1} s ({:.0} entries/s)\n", secs, size as f64 / secs);
        results.push(
            json!({"kind": "full_verify", "entries": size, "seconds": secs, "entries_per_sec": size as f64 / secs}),
        );

        // 6. What a monitor's poll verifies: 1,000 new entries from the frontier kept at `size`.
        let (secs, tiles) = incremental(&home, args.entry_size, 1000)?;
        summary += &format!(
            "incremental verification of 1000 new entries at size {size}: {:.2} ms ({tiles} hash tiles read)\n",
            secs * 1000.0
        );
        results.push(json!({"kind": "incremental_verify", "size": size, "new": 1000, "seconds": secs, "tiles": tiles}));
    }

    if args.json {
        print_json(
            &json!({"raw_sha256_per_sec": raw, "entry_size": args.entry_size, "results": Value::Array(results)}),
        );
    } else {
        print!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

fn raw_sha256(entry_size: usize, dur: Duration) -> f64 {
    let mut buf = vec![b'x'; entry_size];
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < dur {
        for _ in 0..10_000 {
            fill_entry(&mut buf, n);
            std::hint::black_box(Sha256::digest(&buf));
            n += 1;
        }
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn merkle_work(entries: u64, entry_size: usize) -> Result<f64> {
    let signer = Signer::generate("bench.candor.example/log")?;
    let mut w = LogWriter::create(Discard, signer)?;
    let mut batch = entries_for(1024, entry_size);
    let start = Instant::now();
    let mut n = 0u64;
    while n < entries {
        for e in &mut batch {
            fill_entry(e, n);
            n += 1;
        }
        w.append(&batch)?;
    }
    // Keep the root alive so no work is optimised away.
    std::hint::black_box(w.root());
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

struct AppendRun {
    entries: u64,
    batches: u64,
    seconds: f64,
    rate: f64,
}

fn durable_appends(
    home: &PathBuf,
    batch: usize,
    max_entries: u64,
    entry_size: usize,
    limit: Option<Duration>,
) -> Result<AppendRun> {
    let mut w = LocalLog::at(home).init("bench.candor.example/log")?;
    let mut entries = entries_for(batch, entry_size);
    let bar = progress(max_entries, &format!("batch {batch}"));
    let start = Instant::now();
    let (mut n, mut batches) = (0u64, 0u64);
    while n < max_entries && limit.is_none_or(|l| start.elapsed() < l) {
        let take = batch.min((max_entries - n) as usize);
        for e in &mut entries[..take] {
            fill_entry(e, n + leaf_hash(&n.to_le_bytes()).0[0] as u64);
            n += 1;
        }
        w.append(&entries[..take])?;
        batches += 1;
        if batches % 16 == 0 {
            bar.set_position(n);
        }
    }
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    Ok(AppendRun { entries: n, batches, seconds, rate: n as f64 / seconds })
}

fn sequenced_appends(home: &PathBuf, appenders: usize, entry_size: usize, dur: Duration) -> Result<AppendRun> {
    let writer = LocalLog::at(home).init("bench.candor.example/log")?;
    let start_size = writer.size();
    let seq = tlog::Sequencer::start(writer, tlog::DEFAULT_MAX_BATCH);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..appenders {
            let a = seq.appender();
            s.spawn(move || {
                let mut n = 0u64;
                while start.elapsed() < dur {
                    let mut e = vec![b'q'; entry_size];
                    fill_entry(&mut e, (t as u64) << 40 | n);
                    if a.append(e).is_err() {
                        break;
                    }
                    n += 1;
                }
            });
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    let writer = seq.shutdown()?;
    let entries = writer.size() - start_size;
    // Each checkpoint is one commit; count them from the commits the writer made.
    let batches = writer.commits();
    Ok(AppendRun { entries, batches, seconds, rate: entries as f64 / seconds })
}

fn proofs(public: &Dir, size: u64, dur: Duration) -> Result<(f64, f64)> {
    let cp_bytes = public.read(tlog::CHECKPOINT_PATH)?.context("no checkpoint")?;
    let root = TileReader::new(public, size).root()?;
    let mut x = 0x9e3779b97f4a7c15u64;
    let mut generated = Vec::new();
    let start = Instant::now();
    while start.elapsed() < dur {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let index = x % size;
        // A fresh reader per proof: every proof reads its own tiles.
        let mut reader = TileReader::new(public, size);
        let proof = reader.inclusion_proof(index)?;
        let leaf = reader.tile(0, index / 256)?[(index % 256) as usize];
        generated.push((index, leaf, proof));
    }
    let gen_rate = generated.len() as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    for (index, leaf, proof) in &generated {
        tlog::merkle::verify_inclusion(*index, size, leaf, proof, &root)?;
    }
    let verify_rate = generated.len() as f64 / start.elapsed().as_secs_f64();
    std::hint::black_box(cp_bytes);
    Ok((gen_rate, verify_rate))
}

/// Appends `new` entries to the log at `home` and times `tlog::verify_extension` from the
/// frontier of the checkpoint before them (read from its right-edge tiles): the seconds and the
/// hash tiles read.
fn incremental(home: &std::path::Path, entry_size: usize, new: usize) -> Result<(f64, u64)> {
    let log = LocalLog::at(home);
    let public = Dir::new(log.public_dir());
    let (signed, cp, verifier) = log.latest_checkpoint()?;
    let frontier = tlog::Frontier::from_tiles(&public, &cp)?;
    let base = tlog::Verified::new(tlog::Checkpoint::open(&signed, &verifier)?, frontier)?;
    let mut writer = log.open()?;
    writer.append(&entries_for(new, entry_size))?;
    let start = Instant::now();
    let checked = tlog::verify_extension(&public, &verifier, Some(&base), writer.checkpoint(), &mut |_, _| {})?;
    Ok((start.elapsed().as_secs_f64(), checked.tiles))
}
