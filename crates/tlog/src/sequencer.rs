//! Batched sequencing: many appenders, one writer thread, one commit per batch.
//!
//! Appends are queued; the writer thread takes everything queued (up to a batch limit),
//! integrates it as one batch — one set of tile writes, one checkpoint, one round of
//! fsyncs — and only then answers each appender with its indexes.

use std::ops::Range;
use std::sync::mpsc;
use std::thread::JoinHandle;

use crate::error::Error;
use crate::log::{LogWriter, check_entry_sizes};
use crate::storage::Storage;

/// Most entries integrated in one batch when no limit is given.
pub const DEFAULT_MAX_BATCH: usize = 4096;

struct Job {
    entries: Vec<Vec<u8>>,
    reply: mpsc::SyncSender<Result<Range<u64>, Error>>,
}

/// Runs a [`LogWriter`] on its own thread and batches concurrent appends.
pub struct Sequencer<S: Storage + 'static> {
    queue: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<LogWriter<S>>>,
}

/// A cloneable handle for appending through a [`Sequencer`].
#[derive(Clone)]
pub struct Appender {
    queue: mpsc::Sender<Job>,
}

impl<S: Storage + 'static> Sequencer<S> {
    /// Starts the writer thread. `max_batch` bounds the entries integrated at once.
    pub fn start(mut writer: LogWriter<S>, max_batch: usize) -> Sequencer<S> {
        let max_batch = max_batch.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut jobs = vec![first];
                let mut count = jobs[0].entries.len();
                while count < max_batch {
                    match rx.try_recv() {
                        Ok(job) => {
                            count += job.entries.len();
                            jobs.push(job);
                        }
                        Err(_) => break,
                    }
                }
                let entries: Vec<&[u8]> = jobs.iter().flat_map(|j| j.entries.iter().map(Vec::as_slice)).collect();
                match writer.append(&entries) {
                    Ok(range) => {
                        let mut next = range.start;
                        for job in jobs {
                            let end = next + job.entries.len() as u64;
                            let _ = job.reply.send(Ok(next..end));
                            next = end;
                        }
                    }
                    Err(e) => {
                        let why = e.to_string();
                        for job in jobs {
                            let _ = job.reply.send(Err(Error::Poisoned(format!("the batch failed: {why}"))));
                        }
                    }
                }
            }
            writer
        });
        Sequencer { queue: Some(tx), thread: Some(thread) }
    }

    /// A handle to append through.
    pub fn appender(&self) -> Appender {
        Appender { queue: self.queue.clone().expect("queue lives until shutdown") }
    }

    /// Stops the writer thread after the queued appends and returns the writer.
    pub fn shutdown(mut self) -> Result<LogWriter<S>, Error> {
        self.queue.take();
        let thread = self.thread.take().expect("thread lives until shutdown");
        thread.join().map_err(|_| Error::Poisoned("the writer thread panicked".into()))
    }
}

impl<S: Storage + 'static> Drop for Sequencer<S> {
    fn drop(&mut self) {
        self.queue.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Appender {
    /// Appends one entry; returns its index once it is durable.
    pub fn append(&self, entry: Vec<u8>) -> Result<u64, Error> {
        Ok(self.append_all(vec![entry])?.start)
    }

    /// Appends entries in order, in the same batch; returns their indexes once durable.
    pub fn append_all(&self, entries: Vec<Vec<u8>>) -> Result<Range<u64>, Error> {
        self.submit(entries)?.wait()
    }

    /// Queues entries without waiting; [`Pending::wait`] returns their indexes once durable.
    pub fn submit(&self, entries: Vec<Vec<u8>>) -> Result<Pending, Error> {
        check_entry_sizes(&entries)?;
        let (reply, rx) = mpsc::sync_channel(1);
        self.queue.send(Job { entries, reply }).map_err(|_| Error::Poisoned("the sequencer has stopped".into()))?;
        Ok(Pending { rx })
    }
}

/// Appends queued with [`Appender::submit`].
pub struct Pending {
    rx: mpsc::Receiver<Result<Range<u64>, Error>>,
}

impl Pending {
    /// Waits until the entries are durable and returns their indexes.
    pub fn wait(self) -> Result<Range<u64>, Error> {
        self.rx.recv().map_err(|_| Error::Poisoned("the sequencer stopped before answering".into()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::Signer;
    use crate::reader::TileReader;
    use crate::storage::MemStorage;

    #[test]
    fn concurrent_appends_get_distinct_durable_indexes() {
        let mem = MemStorage::new();
        let w = LogWriter::create(mem.clone(), Signer::generate("seq.example/log").expect("key")).expect("create");
        let seq = Sequencer::start(w, 64);
        let mut threads = Vec::new();
        for t in 0..4 {
            let a = seq.appender();
            threads.push(std::thread::spawn(move || {
                (0..100)
                    .map(|i| {
                        let e = format!("t{t}-{i}").into_bytes();
                        (a.append(e.clone()).expect("append"), e)
                    })
                    .collect::<Vec<_>>()
            }));
        }
        let results: Vec<(u64, Vec<u8>)> = threads.into_iter().flat_map(|t| t.join().expect("thread")).collect();
        let w = seq.shutdown().expect("shutdown");
        assert_eq!(w.size(), 400);
        let reader = TileReader::new(&mem, 400);
        let mut seen = std::collections::HashSet::new();
        for (index, entry) in results {
            assert!(seen.insert(index), "index {index} given twice");
            assert_eq!(reader.entry(index).expect("entry"), entry);
        }
    }

    #[test]
    fn oversized_entry_is_refused_before_queueing() {
        let w =
            LogWriter::create(MemStorage::new(), Signer::generate("seq.example/log").expect("key")).expect("create");
        let seq = Sequencer::start(w, 8);
        let err = seq.appender().append(vec![0; 70_000]).expect_err("refused");
        assert!(matches!(err, Error::EntryTooLarge { .. }));
        assert_eq!(seq.shutdown().expect("shutdown").size(), 0);
    }
}
