//! Writing records to the log: every record becomes its canonical entry, and the batch is
//! appended only if every entry fits, so a record too large never leaves half a batch behind.

use std::ops::Range;

use tlog::{LogWriter, MAX_ENTRY_SIZE, Storage};

use crate::Error;
use crate::record::Record;

/// The entry of `record`, checked against the log's entry limit.
pub fn entry(record: &Record) -> Result<Vec<u8>, Error> {
    let kind = record.kind();
    let bytes = record.entry().map_err(|source| Error::Canonical { kind, source })?;
    if bytes.len() > MAX_ENTRY_SIZE {
        return Err(Error::TooLarge { kind, len: bytes.len() });
    }
    Ok(bytes)
}

/// Appends `records` in order, all or none, and returns their indexes and entries.
pub fn append<S: Storage>(writer: &mut LogWriter<S>, records: &[Record]) -> Result<(Range<u64>, Vec<Vec<u8>>), Error> {
    let entries = records.iter().map(entry).collect::<Result<Vec<_>, _>>()?;
    let range = writer.append(&entries)?;
    Ok((range, entries))
}
