//! Appending entries to a log in batches (`candor log append`): whole files or lines, each
//! checked against the entry size limit before its batch is written, and each index reported
//! only once its batch (checkpoint included) is durable.

use std::io::{BufRead, Read};

use anyhow::{Context, Result, bail};
use tlog::{DirStorage, Hash, LogWriter, MAX_ENTRY_SIZE};

/// Collects entries into batches and appends each batch once it is full.
pub struct Batcher<'a> {
    writer: LogWriter<DirStorage>,
    batch: Vec<(Vec<u8>, String)>,
    batch_size: usize,
    appended: u64,
    /// Called with each durable entry's index and source.
    on_durable: &'a mut dyn FnMut(u64, &str) -> std::io::Result<()>,
}

/// What a whole append did.
#[derive(Debug, Clone)]
pub struct Appended {
    /// Entries appended.
    pub appended: u64,
    /// The log's size after.
    pub size: u64,
    /// Its root after.
    pub root: Hash,
    /// Its origin.
    pub origin: String,
}

impl<'a> Batcher<'a> {
    /// Appends through `writer`, `batch_size` entries per checkpoint.
    pub fn new(
        writer: LogWriter<DirStorage>,
        batch_size: usize,
        on_durable: &'a mut dyn FnMut(u64, &str) -> std::io::Result<()>,
    ) -> Batcher<'a> {
        Batcher { writer, batch: Vec::new(), batch_size: batch_size.max(1), appended: 0, on_durable }
    }

    /// Adds one entry from `source` (a file name, or `name:line`).
    pub fn push(&mut self, entry: Vec<u8>, source: String) -> Result<()> {
        if entry.len() > MAX_ENTRY_SIZE {
            bail!(
                "{source}: the entry is {} bytes, but log entries are limited to {MAX_ENTRY_SIZE} bytes; \
                 nothing from this batch was written ({} entries appended before it are durable)",
                entry.len(),
                self.appended
            );
        }
        self.batch.push((entry, source));
        if self.batch.len() >= self.batch_size {
            self.flush()?;
        }
        Ok(())
    }

    /// Appends the batch; reports each index only after the batch is durable.
    pub fn flush(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let entries: Vec<&[u8]> = self.batch.iter().map(|(e, _)| e.as_slice()).collect();
        let range = self.writer.append(&entries).context("appending to the log")?;
        let count = range.end - range.start;
        for (index, (_, source)) in range.zip(self.batch.drain(..)) {
            (self.on_durable)(index, &source)?;
        }
        self.appended += count;
        Ok(())
    }

    /// Pushes every line of `input` (without its newline) as an entry, never holding more
    /// than one over-long line's worth of bytes in memory.
    pub fn push_lines(&mut self, mut input: impl BufRead, name: &str) -> Result<()> {
        let mut line_no = 0u64;
        loop {
            let mut line = Vec::new();
            let n = (&mut input)
                .take(MAX_ENTRY_SIZE as u64 + 2)
                .read_until(b'\n', &mut line)
                .with_context(|| name.to_string())?;
            if n == 0 {
                return Ok(());
            }
            line_no += 1;
            if line.last() == Some(&b'\n') {
                line.pop();
            } else if line.len() > MAX_ENTRY_SIZE {
                bail!(
                    "{name} line {line_no}: the line is longer than {MAX_ENTRY_SIZE} bytes, the limit for a log entry; \
                     nothing from this batch was written ({} entries appended before it are durable)",
                    self.appended
                );
            }
            self.push(line, format!("{name}:{line_no}"))?;
        }
    }

    /// Appends what is left and says what the whole run did.
    pub fn finish(self) -> Result<Appended> {
        self.finish_with_writer().map(|(done, _)| done)
    }

    /// Appends what is left and gives the writer back (to publish its checkpoint once
    /// witnessed).
    pub fn finish_with_writer(mut self) -> Result<(Appended, LogWriter<DirStorage>)> {
        self.flush()?;
        let done = Appended {
            appended: self.appended,
            size: self.writer.size(),
            root: self.writer.root(),
            origin: self.writer.origin().to_string(),
        };
        Ok((done, self.writer))
    }
}
