//! Reading a log's entries back, one entry bundle at a time.

use tlog::ReadStorage;
use tlog::tile::{TILE_WIDTH, TileId, parse_bundle, width_at};

use crate::Error;

/// Every entry of a log of `size` entries, in order.
pub fn read_all(storage: &dyn ReadStorage, size: u64) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::with_capacity(size as usize);
    for bundle in 0..size.div_ceil(TILE_WIDTH) {
        let id = TileId::entries(bundle, width_at(0, bundle, size));
        let bytes = tlog::read_tile(storage, id)?;
        let entries = parse_bundle(&bytes)?;
        if entries.len() != usize::from(id.width) {
            return Err(Error::BadEntry {
                index: bundle * TILE_WIDTH,
                message: format!("{} holds {} entries, expected {}", id.path(), entries.len(), id.width),
            });
        }
        out.extend(entries.into_iter().map(<[u8]>::to_vec));
    }
    Ok(out)
}

/// The candor records among the entries, with their indexes: known kinds typed, others kept
/// whole (see [`records::parse`]). Entries that are not candor's records are skipped.
pub fn records(entries: &[Vec<u8>]) -> Vec<(u64, records::Parsed)> {
    records::parse_all(entries)
}
