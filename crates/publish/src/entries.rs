//! Reading a log's entries back, one entry bundle at a time.

use tlog::ReadStorage;
use tlog::tile::{TILE_WIDTH, TileId, parse_bundle, width_at};

use crate::Error;

/// An entry's bytes, shared: the site's model and the check's reading of the log hold the
/// same copy (years of entries, held twice, took a tenth of their peak memory).
pub type Entry = std::sync::Arc<[u8]>;

/// Every entry of a log of `size` entries, in order.
pub fn read_all(storage: &dyn ReadStorage, size: u64) -> Result<Vec<Entry>, Error> {
    let mut out = Vec::with_capacity(size as usize);
    for bundle in 0..size.div_ceil(TILE_WIDTH) {
        out.extend(read_bundle(storage, bundle, size)?);
    }
    Ok(out)
}

/// The entries of bundle `bundle` (entries `bundle * 256` on) of a log of `size` entries.
pub fn read_bundle(storage: &dyn ReadStorage, bundle: u64, size: u64) -> Result<Vec<Entry>, Error> {
    let id = TileId::entries(bundle, width_at(0, bundle, size));
    let bytes = tlog::read_tile(storage, id)?;
    let entries = parse_bundle(&bytes)?;
    if entries.len() != usize::from(id.width) {
        return Err(Error::BadEntry {
            index: bundle * TILE_WIDTH,
            message: format!("{} holds {} entries, expected {}", id.path(), entries.len(), id.width),
        });
    }
    Ok(entries.into_iter().map(Entry::from).collect())
}
