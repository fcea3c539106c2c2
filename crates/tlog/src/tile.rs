//! C2SP tlog-tiles layout: tile coordinates, resource paths, tile widths at a tree size,
//! and the entry bundle encoding.

use crate::checkpoint::parse_decimal;
use crate::error::Error;
use crate::hash::{HASH_SIZE, Hash};

/// Height of every tile: each tile holds a subtree of height 8.
pub const TILE_HEIGHT: u32 = 8;
/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// The largest entry an entry bundle can hold (uint16 length prefix).
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;
/// The highest tile level a path may name.
pub const MAX_LEVEL: u8 = 63;

/// What a tile holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileKind {
    /// Merkle tree hashes at tile level `level` (tree level `8 * level`).
    Hashes {
        /// Tile level, 0 to 63.
        level: u8,
    },
    /// An entry bundle: the log entries under the level-0 tile of the same index.
    Entries,
}

/// One tile or entry bundle resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Hash tile or entry bundle.
    pub kind: TileKind,
    /// Index of the tile within its level.
    pub index: u64,
    /// Number of hashes or entries, 1 to 256; 256 is a full tile.
    pub width: u16,
}

impl TileId {
    /// A hash tile.
    pub fn hashes(level: u8, index: u64, width: u16) -> TileId {
        TileId { kind: TileKind::Hashes { level }, index, width }
    }

    /// An entry bundle.
    pub fn entries(index: u64, width: u16) -> TileId {
        TileId { kind: TileKind::Entries, index, width }
    }

    /// True for a full (256-wide) tile.
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }

    /// The resource path relative to the log prefix, e.g. `tile/0/x001/234.p/7`.
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".to_string(),
        };
        let mut p = format!("tile/{level}/{}", index_path(self.index));
        if !self.is_full() {
            p.push_str(&format!(".p/{}", self.width));
        }
        p
    }

    /// Parses a resource path; only canonical paths are accepted.
    pub fn parse_path(path: &str) -> Result<TileId, Error> {
        let bad = |d: &str| Error::malformed("tile path", format!("{path:?}: {d}"));
        let rest = path.strip_prefix("tile/").ok_or_else(|| bad("must start with tile/"))?;
        let (level, rest) = rest.split_once('/').ok_or_else(|| bad("missing level"))?;
        let kind = if level == "entries" {
            TileKind::Entries
        } else {
            match parse_decimal(level) {
                Some(l) if l <= u64::from(MAX_LEVEL) => TileKind::Hashes { level: l as u8 },
                _ => return Err(bad("level must be 0 to 63 without leading zeroes")),
            }
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((i, w)) => match parse_decimal(w) {
                Some(w) if (1..TILE_WIDTH).contains(&w) => (i, w as u16),
                _ => return Err(bad("partial width must be 1 to 255 without leading zeroes")),
            },
            None => (rest, TILE_WIDTH as u16),
        };
        let index = parse_index_path(index_part)
            .ok_or_else(|| bad("index must be 3-digit elements, all but the last prefixed x"))?;
        Ok(TileId { kind, index, width })
    }

    /// Size in bytes of a hash tile of this width.
    pub fn hash_tile_len(&self) -> usize {
        usize::from(self.width) * HASH_SIZE
    }
}

/// Encodes a tile index as zero-padded 3-digit path elements, all but the last prefixed
/// with `x`: 1234067 becomes `x001/x234/067`.
pub fn index_path(mut n: u64) -> String {
    let mut s = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        s = format!("x{:03}/{s}", n % 1000);
    }
    s
}

fn parse_index_path(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split('/').collect();
    let (last, init) = parts.split_last()?;
    let mut n: u64 = 0;
    for (i, p) in init.iter().enumerate() {
        let digits = p.strip_prefix('x')?;
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) || (i == 0 && digits == "000") {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(digits.parse::<u64>().ok()?)?;
    }
    if last.len() != 3 || !last.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.checked_mul(1000)?.checked_add(last.parse::<u64>().ok()?)
}

/// Number of hashes at tile level `level` in a tree of `size` entries.
pub fn hashes_at_level(level: u8, size: u64) -> u64 {
    size.checked_shr(TILE_HEIGHT * u32::from(level)).unwrap_or(0)
}

/// Width of tile `index` at tile level `level` in a tree of `size` entries:
/// 256 when full, 1 to 255 when partial, 0 when the tile does not exist at that size.
/// Entry bundles have the widths of level 0.
pub fn width_at(level: u8, index: u64, size: u64) -> u16 {
    let n = hashes_at_level(level, size);
    let Some(start) = index.checked_mul(TILE_WIDTH) else {
        return 0;
    };
    if n >= start.saturating_add(TILE_WIDTH) {
        TILE_WIDTH as u16
    } else if n > start {
        (n - start) as u16
    } else {
        0
    }
}

/// The highest tile level that has any hash in a tree of `size` entries, or `None` when empty.
pub fn top_level(size: u64) -> Option<u8> {
    (0..=MAX_LEVEL).rev().find(|&l| hashes_at_level(l, size) > 0)
}

/// Every tile of `kind` in a tree of `size` entries, full ones first, the partial one last.
pub fn tiles_of(kind: TileKind, size: u64) -> impl Iterator<Item = TileId> {
    let level = match kind {
        TileKind::Hashes { level } => level,
        TileKind::Entries => 0,
    };
    let n = hashes_at_level(level, size);
    let count = n.div_ceil(TILE_WIDTH);
    (0..count).map(move |index| TileId { kind, index, width: width_at(level, index, size) })
}

/// Splits a hash tile's bytes into hashes; the length must be exactly `32 * width`.
pub fn parse_hash_tile(bytes: &[u8], width: u16) -> Result<Vec<Hash>, Error> {
    if bytes.len() != usize::from(width) * HASH_SIZE {
        return Err(Error::malformed(
            "tile",
            format!("expected {} bytes for {width} hashes, found {}", usize::from(width) * HASH_SIZE, bytes.len()),
        ));
    }
    Ok(bytes.chunks_exact(HASH_SIZE).filter_map(Hash::from_slice).collect())
}

/// Appends one entry to a bundle being built: big-endian uint16 length, then the bytes.
pub fn push_bundle_entry(bundle: &mut Vec<u8>, entry: &[u8]) -> Result<(), Error> {
    let len = u16::try_from(entry.len()).map_err(|_| Error::EntryTooLarge { index: 0, len: entry.len() })?;
    bundle.extend_from_slice(&len.to_be_bytes());
    bundle.extend_from_slice(entry);
    Ok(())
}

/// Splits an entry bundle into its entries; at most 256, no trailing bytes.
pub fn parse_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let mut entries = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if entries.len() as u64 == TILE_WIDTH {
            return Err(Error::malformed("entry bundle", "more than 256 entries"));
        }
        let [hi, lo, tail @ ..] = rest else {
            return Err(Error::malformed(
                "entry bundle",
                format!("truncated length prefix after entry {}", entries.len()),
            ));
        };
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        if tail.len() < len {
            return Err(Error::malformed(
                "entry bundle",
                format!("entry {} declares {len} bytes but only {} remain", entries.len(), tail.len()),
            ));
        }
        entries.push(&tail[..len]);
        rest = &tail[len..];
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths() {
        for (n, p) in [
            (0, "000"),
            (5, "005"),
            (999, "999"),
            (1000, "x001/000"),
            (1234067, "x001/x234/067"),
            (1_000_000, "x001/x000/000"),
        ] {
            assert_eq!(index_path(n), p);
            assert_eq!(parse_index_path(p), Some(n));
        }
        for bad in ["", "5", "0005", "x000/005", "001/005", "x1/005", "x001/", "x001/05a"] {
            assert_eq!(parse_index_path(bad), None, "accepted {bad:?}");
        }
    }

    #[test]
    fn tile_paths_round_trip() {
        for (t, p) in [
            (TileId::hashes(0, 1234067, 256), "tile/0/x001/x234/067"),
            (TileId::hashes(1, 3, 17), "tile/1/003.p/17"),
            (TileId::entries(0, 15), "tile/entries/000.p/15"),
            (TileId::entries(1000, 256), "tile/entries/x001/000"),
        ] {
            assert_eq!(t.path(), p);
            assert_eq!(TileId::parse_path(p).expect("parse"), t);
        }
        for bad in [
            "tile/64/000",
            "tile/01/000",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/07",
            "tiles/0/000",
            "tile/entries",
            "tile/0/000/",
        ] {
            assert!(TileId::parse_path(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn widths_match_the_spec_example() {
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
        // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of
        // width 17, and one partial level 2 tile of width 1."
        let l0: Vec<_> = tiles_of(TileKind::Hashes { level: 0 }, 70_000).collect();
        assert_eq!(l0.len(), 274);
        assert!(l0[..273].iter().all(|t| t.is_full()));
        assert_eq!(l0[273].width, 112);
        let l1: Vec<_> = tiles_of(TileKind::Hashes { level: 1 }, 70_000).collect();
        assert_eq!(l1.iter().map(|t| t.width).collect::<Vec<_>>(), vec![256, 17]);
        let l2: Vec<_> = tiles_of(TileKind::Hashes { level: 2 }, 70_000).collect();
        assert_eq!(l2.iter().map(|t| t.width).collect::<Vec<_>>(), vec![1]);
        assert_eq!(top_level(70_000), Some(2));
        // "a tree of size 256 will be represented by a full level 0 tile and a partial
        // level 1 tile of width 1."
        assert_eq!(width_at(0, 0, 256), 256);
        assert_eq!(width_at(1, 0, 256), 1);
        assert_eq!(width_at(0, 1, 256), 0);
        assert_eq!(top_level(0), None);
    }

    #[test]
    fn bundles_round_trip_and_reject_truncation() {
        let mut b = Vec::new();
        for e in [&b"one"[..], b"", &[7u8; 300]] {
            push_bundle_entry(&mut b, e).expect("push");
        }
        let entries = parse_bundle(&b).expect("parse");
        assert_eq!(entries, vec![&b"one"[..], b"", &[7u8; 300]]);
        assert!(parse_bundle(&b[..b.len() - 1]).is_err());
        assert!(parse_bundle(&[0]).is_err());
        assert!(push_bundle_entry(&mut Vec::new(), &vec![0; MAX_ENTRY_SIZE + 1]).is_err());
    }
}
