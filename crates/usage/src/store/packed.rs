//! Aggregate rows packed into one BLOB per chunk of a file's rows: the SQLite store's layout
//! for what files bring (one B-tree row per chunk, not per group).
//!
//! Why: a file at a large provider's cardinality folds into millions of groups, and one
//! SQLite row each (thirteen columns, an eight-text key, a B-tree insert) made storing them
//! take several times longer than reading the file. A chunk is written once and read back
//! whole by the report, so it needs no per-row index: its own text table and, per row,
//! small numbers into it.
//!
//! Layout (integers are unsigned LEB128 unless said):
//!
//! ```text
//! format (one byte, 1) · rows · texts · texts × (length · UTF-8 bytes)
//! rows × (account · month · service · capability · region class · unit ·
//!         billing account · billing period · first · last        (indexes into the texts)
//!         · quantity · cost                                       (IEEE 754 doubles, little-endian)
//!         · lines)
//! ```
//!
//! Numbers are stored bit for bit, so a report read from chunks adds exactly what one read
//! from rows did.

use rustc_hash::FxHashMap;

use super::RowSums;
use crate::fold::{Key, Sums};

/// The layout's version byte.
const FORMAT: u8 = 1;

/// Rows per chunk: a few MiB each, so neither a write nor a read holds much at once.
pub(super) const CHUNK_ROWS: usize = 65_536;

/// Text fields per row (key, slice, first and last day).
const TEXTS: usize = 10;

/// One stored row: key, slice (billing account, billing period), sums.
pub(super) type SliceRow = (Key, (String, String), Sums);

/// Builds one chunk.
#[derive(Default)]
pub(super) struct Packer {
    ids: FxHashMap<Box<str>, u32>,
    texts: Vec<Box<str>>,
    rows: usize,
    body: Vec<u8>,
    /// The previous row's ids: neighbouring rows share most of their text, so a field equal
    /// to the one before is not looked up again.
    last: [u32; TEXTS],
}

impl Packer {
    /// Rows packed so far.
    pub(super) fn len(&self) -> usize {
        self.rows
    }

    /// Adds a row.
    pub(super) fn push(&mut self, key: [&str; 6], slice: (&str, &str), sums: &RowSums<'_>) {
        let fields: [&str; TEXTS] =
            [key[0], key[1], key[2], key[3], key[4], key[5], slice.0, slice.1, sums.first, sums.last];
        for (i, text) in fields.into_iter().enumerate() {
            let id = match self.texts.get(self.last[i] as usize) {
                Some(t) if self.rows > 0 && **t == *text => self.last[i],
                _ => self.id(text),
            };
            self.last[i] = id;
            varint(&mut self.body, u64::from(id));
        }
        self.body.extend_from_slice(&sums.quantity.to_le_bytes());
        self.body.extend_from_slice(&sums.cost.to_le_bytes());
        varint(&mut self.body, sums.lines);
        self.rows += 1;
    }

    fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.texts.push(text.into());
        self.ids.insert(text.into(), id);
        id
    }

    /// The chunk's bytes; the packer is empty again.
    pub(super) fn finish(&mut self) -> Vec<u8> {
        let text_bytes: usize = self.texts.iter().map(|t| t.len() + 2).sum();
        let mut out = Vec::with_capacity(1 + 20 + text_bytes + self.body.len());
        out.push(FORMAT);
        varint(&mut out, self.rows as u64);
        varint(&mut out, self.texts.len() as u64);
        for t in &self.texts {
            varint(&mut out, t.len() as u64);
            out.extend_from_slice(t.as_bytes());
        }
        out.extend_from_slice(&self.body);
        *self = Packer::default();
        out
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A chunk being read, one row at a time (its text table decoded, its rows not yet): what a
/// merge of many files' chunks holds per file.
pub(super) struct ChunkRows {
    blob: Vec<u8>,
    texts: Vec<Box<str>>,
    rows: u64,
    read: u64,
    at: usize,
}

impl ChunkRows {
    /// Opens a chunk: its header and text table. A chunk that does not follow the layout (a
    /// damaged file) is an error saying where it stopped.
    pub(super) fn new(blob: Vec<u8>) -> Result<ChunkRows, String> {
        let mut r = Reader { buf: &blob, at: 0 };
        let format = r.byte()?;
        if format != FORMAT {
            return Err(format!("a chunk of format {format}, not {FORMAT}"));
        }
        let rows = r.varint()?;
        let count = r.varint()?;
        // Every text and row takes at least one byte, so a count beyond the chunk's size is
        // damage, not a reason to allocate; and a chunk holds at most CHUNK_ROWS rows, each
        // naming at most TEXTS texts (an empty text takes one byte here but a pointer and a
        // length in memory, so the chunk's size alone would let it claim 16 times itself).
        if count > blob.len() as u64
            || rows > blob.len() as u64
            || rows > CHUNK_ROWS as u64
            || count > rows * TEXTS as u64
        {
            return Err(format!("a chunk of {} bytes claiming {rows} rows and {count} texts", blob.len()));
        }
        let mut texts: Vec<Box<str>> = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let len = r.varint()?;
            let bytes = r.take(usize::try_from(len).map_err(|_| "a text longer than memory".to_string())?)?;
            texts.push(std::str::from_utf8(bytes).map_err(|_| format!("text {} is not UTF-8", texts.len()))?.into());
        }
        let at = r.at;
        Ok(ChunkRows { blob, texts, rows, read: 0, at })
    }

    /// The next row whose slice `keep` accepts, of a month `month` accepts; `None` after the
    /// last. Every row is read (a damaged one is an error wherever it is); only those kept are
    /// made.
    pub(super) fn next(
        &mut self,
        keep: &dyn Fn(&str, &str) -> bool,
        month: &dyn Fn(&str) -> bool,
    ) -> Result<Option<SliceRow>, String> {
        let mut r = Reader { buf: &self.blob, at: self.at };
        while self.read < self.rows {
            let row = self.read;
            self.read += 1;
            let mut t = [0usize; TEXTS];
            for slot in &mut t {
                let id = r.varint()?;
                *slot = usize::try_from(id)
                    .ok()
                    .filter(|&i| i < self.texts.len())
                    .ok_or_else(|| format!("row {row} names text {id} of {}", self.texts.len()))?;
            }
            let quantity = f64::from_le_bytes(r.array()?);
            let cost = f64::from_le_bytes(r.array()?);
            let lines = r.varint()?;
            if self.read == self.rows && r.at != self.blob.len() {
                return Err(format!("{} bytes after the last row", self.blob.len() - r.at));
            }
            self.at = r.at;
            let text = |i: usize| self.texts[t[i]].to_string();
            if !keep(&self.texts[t[6]], &self.texts[t[7]]) || !month(&self.texts[t[1]]) {
                continue;
            }
            let key = Key {
                account: text(0),
                month: text(1),
                service: text(2),
                capability: text(3),
                region_class: text(4),
                unit: text(5),
            };
            let sums = Sums { quantity, cost, lines, first: text(8), last: text(9) };
            return Ok(Some((key, (text(6), text(7)), sums)));
        }
        if r.at != self.blob.len() {
            return Err(format!("{} bytes after the last row", self.blob.len() - r.at));
        }
        Ok(None)
    }
}

/// Reads a chunk, passing each row whose slice `keep` accepts to `each`. A chunk that does
/// not follow the layout (a damaged file) is an error saying where it stopped.
pub(super) fn unpack(
    blob: &[u8],
    keep: &dyn Fn(&str, &str) -> bool,
    each: &mut dyn FnMut(SliceRow),
) -> Result<(), String> {
    let mut rows = ChunkRows::new(blob.to_vec())?;
    while let Some(row) = rows.next(keep, &|_| true)? {
        each(row);
    }
    Ok(())
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| format!("the chunk ends at byte {} inside a value", self.buf.len()))?;
        let out = &self.buf[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn array(&mut self) -> Result<[u8; 8], String> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(a)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(format!("a number at byte {} longer than 64 bits", self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums<'a>(q: f64, lines: u64, first: &'a str, last: &'a str) -> RowSums<'a> {
        RowSums { quantity: q, cost: q / 3.0, lines, first, last }
    }

    #[test]
    fn rows_come_back_bit_for_bit_and_filtered_by_slice() {
        let mut p = Packer::default();
        let k = |a: &'static str, m: &'static str| {
            [a, m, "Amazon Rekognition", "face_identification", "commercial", "Images"]
        };
        p.push(k("111", "2026-07"), ("b1", "2026-07"), &sums(0.1 + 0.2, 3, "2026-07-01", "2026-07-09"));
        p.push(k("111", "2026-08"), ("b1", "2026-08"), &sums(f64::MIN_POSITIVE, u64::MAX, "", ""));
        p.push(k("é", "2026-08"), ("", ""), &sums(-0.0, 0, "2026-08-02", "2026-08-02"));
        assert_eq!(p.len(), 3);
        let blob = p.finish();
        assert_eq!(p.len(), 0, "finish empties the packer");
        let mut all = Vec::new();
        unpack(&blob, &|_, _| true, &mut |r| all.push(r)).expect("unpack");
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].2.quantity.to_bits(), (0.1f64 + 0.2).to_bits());
        assert_eq!((all[1].2.lines, all[1].2.quantity), (u64::MAX, f64::MIN_POSITIVE));
        assert!(all[2].2.quantity.is_sign_negative() && all[2].0.account == "é");
        assert_eq!(
            (all[0].0.month.as_str(), all[0].1.0.as_str(), all[0].2.last.as_str()),
            ("2026-07", "b1", "2026-07-09")
        );
        let mut kept = Vec::new();
        unpack(&blob, &|a, p| !(a == "b1" && p == "2026-08"), &mut |r| kept.push(r)).expect("unpack");
        assert_eq!(kept.len(), 2);
        assert!(kept.iter().all(|r| r.1 != ("b1".to_string(), "2026-08".to_string())));
    }

    #[test]
    fn a_damaged_chunk_is_an_error_not_a_panic() {
        let mut p = Packer::default();
        p.push(["1", "2026-07", "s", "c", "r", "u"], ("b", "p"), &sums(1.0, 1, "2026-07-01", "2026-07-01"));
        let blob = p.finish();
        for cut in 0..blob.len() {
            assert!(unpack(&blob[..cut], &|_, _| true, &mut |_| {}).is_err(), "cut at {cut}");
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert!(unpack(&longer, &|_, _| true, &mut |_| {}).is_err());
        let mut wrong = blob.clone();
        wrong[0] = 9;
        assert!(unpack(&wrong, &|_, _| true, &mut |_| {}).expect_err("wrong format").contains("format 9"));
        // Claims of more rows or texts than bytes are refused before anything is allocated.
        let huge = [FORMAT, 0xff, 0xff, 0xff, 0xff, 0x0f, 0];
        assert!(unpack(&huge, &|_, _| true, &mut |_| {}).is_err());
        // A million empty texts fit in a megabyte but would take 16 MB of pointers: more texts
        // than its rows can name is damage too, as are more rows than a chunk holds.
        let mut many = vec![FORMAT, 1];
        varint(&mut many, 1_000_000);
        many.resize(many.len() + 1_000_000, 0);
        let e = unpack(&many, &|_, _| true, &mut |_| {}).expect_err("too many texts");
        assert!(e.contains("claiming 1 rows and 1000000 texts"), "{e}");
        let mut rows = vec![FORMAT];
        varint(&mut rows, CHUNK_ROWS as u64 + 1);
        rows.push(0);
        rows.resize(rows.len() + 40 * CHUNK_ROWS, 0);
        assert!(unpack(&rows, &|_, _| true, &mut |_| {}).expect_err("too many rows").contains("65537 rows"));
    }
}
