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

/// A candor record among the entries: its index and its JSON. Entries that are not JSON
/// objects with a `candor.` type are not candor's records and are skipped.
pub fn records(entries: &[Vec<u8>]) -> Vec<(u64, serde_json::Value)> {
    entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let v: serde_json::Value = serde_json::from_slice(e).ok()?;
            v.get("type")?.as_str()?.starts_with("candor.").then_some((i as u64, v))
        })
        .collect()
}
