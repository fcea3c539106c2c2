//! Reading the files publishing keeps in the log's private `state/` folder (the record index,
//! the site's stamp): caches that are rebuilt when missing, and never read into memory past
//! the size a true one could have.

use std::io::Read as _;
use std::path::Path;

/// The bytes of the file at `path`, or `None` when it is missing or holds more than `max`
/// bytes (judged before reading, and again while reading, in case it grows meanwhile).
pub(crate) fn read_at_most(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if file.metadata()?.len() > max {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}
