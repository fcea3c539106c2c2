//! Column chunks decoded into values and per-row ids — candor's fast path over the `parquet`
//! crate's page reader (which parses page headers and decompresses).
//!
//! Every column chunk, whatever its encoding, comes out the same way: a table of distinct-ish
//! values (the dictionary, then any plainly encoded values) and one id per row into it, with
//! nulls as [`NULL`]. Dictionary-encoded chunks — what every mainstream writer produces for
//! billing data's repetitive text — are therefore never expanded to strings per row: the
//! caller converts each table entry once and indexes by id. With `dedupe`, plainly encoded
//! values are looked up and shared too, so equal values always have equal ids.
//!
//! The fast path reads dictionary pages, PLAIN and dictionary-encoded data pages (v1 and v2)
//! with RLE definition levels, flat columns. Any other encoding (DELTA_*, BYTE_STREAM_SPLIT)
//! is [`Refused::Encoding`], and the chunk is read again with the crate's column reader
//! ([`decode_with_reader`]), which reads them all.

use std::hash::Hasher;

use parquet::basic::Encoding;
use parquet::column::page::{Page, PageReader};
use parquet::column::reader::ColumnReader;
use parquet::data_type::{ByteArray, FixedLenByteArray, Int96};
use rustc_hash::{FxHashMap, FxHasher};

use super::meta::{Leaf, Physical};

/// The id of a null.
pub const NULL: u32 = u32::MAX;

type Result<T> = std::result::Result<T, String>;

/// A table of values of one physical type.
#[derive(Debug, Clone)]
pub enum Values {
    /// BYTE_ARRAY values: `data[offsets[i]..offsets[i + 1]]`.
    Var {
        /// Concatenated bytes.
        data: Vec<u8>,
        /// Start of each value, plus the end.
        offsets: Vec<u32>,
    },
    /// Fixed-width values (numbers, INT96, FIXED_LEN_BYTE_ARRAY).
    Fixed {
        /// Bytes per value.
        width: usize,
        /// Concatenated bytes.
        data: Vec<u8>,
    },
}

impl Values {
    fn new(physical: Physical) -> Values {
        match physical.width() {
            Some(width) => Values::Fixed { width, data: Vec::new() },
            None => Values::Var { data: Vec::new(), offsets: vec![0] },
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::Var { offsets, .. } => offsets.len() - 1,
            Values::Fixed { width, data } => data.len() / width,
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i`'s bytes.
    pub fn get(&self, i: usize) -> &[u8] {
        match self {
            Values::Var { data, offsets } => &data[offsets[i] as usize..offsets[i + 1] as usize],
            Values::Fixed { width, data } => &data[i * width..(i + 1) * width],
        }
    }

    fn push(&mut self, v: &[u8]) -> Result<()> {
        match self {
            Values::Var { data, offsets } => {
                data.extend_from_slice(v);
                let end = u32::try_from(data.len()).map_err(|_| "column chunk over 4 GiB of text".to_string())?;
                offsets.push(end);
            }
            Values::Fixed { data, .. } => data.extend_from_slice(v),
        }
        Ok(())
    }
}

/// A decoded column chunk.
#[derive(Debug, Clone)]
pub struct Column {
    /// The value table.
    pub values: Values,
    /// Per row: an index into `values`, or [`NULL`].
    pub ids: Vec<u32>,
}

/// Reusable buffers for decoding (one per thread).
#[derive(Default)]
pub struct Scratch {
    levels: Vec<u32>,
    indices: Vec<u32>,
}

fn bit_width(max: u8) -> u32 {
    8 - u32::from(max).leading_zeros().saturating_sub(24)
}

/// Unpacks `n` little-endian bit-packed values of `width` bits.
fn unpack(bytes: &[u8], width: u32, n: usize, out: &mut Vec<u32>) {
    if width == 0 {
        out.resize(out.len() + n, 0);
        return;
    }
    let mask = if width == 32 { u64::from(u32::MAX) } else { (1u64 << width) - 1 };
    out.reserve(n);
    for i in 0..n {
        let bit = i * width as usize;
        let (byte, shift) = (bit / 8, bit % 8);
        let word = match bytes.get(byte..byte + 8) {
            Some(s) => u64::from_le_bytes(s.try_into().unwrap_or([0; 8])),
            None => {
                let mut w = [0u8; 8];
                let tail = bytes.get(byte..).unwrap_or(&[]);
                w[..tail.len().min(8)].copy_from_slice(&tail[..tail.len().min(8)]);
                u64::from_le_bytes(w)
            }
        };
        out.push(((word >> shift) & mask) as u32);
    }
}

/// An unsigned LEB128 varint at `pos`, advancing it.
fn uleb(buf: &[u8], pos: &mut usize) -> Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).ok_or("truncated run header")?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("run header too long".into())
}

/// Decodes `n` values of the RLE/bit-packed hybrid encoding.
pub fn decode_hybrid(buf: &[u8], width: u32, n: usize, out: &mut Vec<u32>) -> Result<()> {
    if width > 32 {
        return Err(format!("bit width {width} over 32"));
    }
    let target = out.len() + n;
    let mut pos = 0;
    while out.len() < target {
        let header = uleb(buf, &mut pos)?;
        let left = target - out.len();
        if header & 1 == 1 {
            let groups = usize::try_from(header >> 1).map_err(|_| "run too long")?;
            let bytes = groups.checked_mul(width as usize).ok_or("run too long")?;
            let data = buf.get(pos..pos.saturating_add(bytes)).ok_or("bit-packed run past the end of the page")?;
            pos += bytes;
            unpack(data, width, (groups * 8).min(left), out);
        } else {
            let run = usize::try_from(header >> 1).map_err(|_| "run too long")?;
            let nbytes = width.div_ceil(8) as usize;
            let raw = buf.get(pos..pos + nbytes).ok_or("RLE run past the end of the page")?;
            pos += nbytes;
            let mut v = [0u8; 4];
            v[..nbytes].copy_from_slice(raw);
            if run == 0 {
                return Err("empty RLE run".into());
            }
            out.resize(out.len() + run.min(left), u32::from_le_bytes(v));
        }
    }
    Ok(())
}

/// Appends plain-encoded values, returning their ids (deduplicated if `dedupe`).
fn decode_plain(
    data: &[u8],
    n: usize,
    physical: Physical,
    values: &mut Values,
    dedupe: Option<&mut FxHashMap<u64, u32>>,
    ids: &mut Vec<u32>,
) -> Result<()> {
    let mut pos = 0;
    let mut dedupe = dedupe;
    for _ in 0..n {
        let v = match physical {
            Physical::ByteArray => {
                let len = data.get(pos..pos + 4).ok_or("value past the end of the page")?;
                let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                pos += 4;
                let v = data.get(pos..pos.saturating_add(len)).ok_or("value past the end of the page")?;
                pos += len;
                v
            }
            Physical::Boolean => return Err("BOOLEAN columns are not read by candor".into()),
            p => {
                let w = p.width().unwrap_or(1);
                let v = data.get(pos..pos + w).ok_or("value past the end of the page")?;
                pos += w;
                v
            }
        };
        let id = match dedupe.as_deref_mut() {
            Some(map) => intern(map, values, v)?,
            None => {
                values.push(v)?;
                (values.len() - 1) as u32
            }
        };
        ids.push(id);
    }
    Ok(())
}

fn hash(v: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(v);
    h.finish()
}

/// The id of `v` in `values`, adding it if new. Hash collisions probe onwards.
fn intern(map: &mut FxHashMap<u64, u32>, values: &mut Values, v: &[u8]) -> Result<u32> {
    let mut h = hash(v);
    loop {
        match map.get(&h) {
            Some(&id) if values.get(id as usize) == v => return Ok(id),
            Some(_) => h = h.wrapping_add(0x9e37_79b9_7f4a_7c15),
            None => {
                values.push(v)?;
                let id = (values.len() - 1) as u32;
                map.insert(h, id);
                return Ok(id);
            }
        }
    }
}

/// Why the fast path could not decode a column chunk.
pub enum Refused {
    /// A page in an encoding the fast path does not read (DELTA_*, BYTE_STREAM_SPLIT, …): read
    /// the chunk with the crate's column reader instead.
    Encoding,
    /// The chunk is bad.
    Bad(String),
}

impl From<String> for Refused {
    fn from(m: String) -> Refused {
        Refused::Bad(m)
    }
}

impl From<&str> for Refused {
    fn from(m: &str) -> Refused {
        Refused::Bad(m.to_string())
    }
}

/// Decodes one column chunk from the crate's page reader (pages already decompressed) when
/// every data page is dictionary-encoded or PLAIN, keeping dictionary ids.
pub fn decode_pages(
    pages: &mut dyn PageReader,
    leaf: &Leaf,
    num_values: usize,
    dedupe: bool,
    scratch: &mut Scratch,
) -> std::result::Result<Column, Refused> {
    if leaf.max_rep > 0 {
        return Err("repeated (nested) columns are not read by candor".into());
    }
    let mut values = Values::new(leaf.physical);
    let mut ids: Vec<u32> = Vec::with_capacity(num_values.min(1 << 20));
    let mut dict_len: Option<usize> = None;
    let mut map: Option<FxHashMap<u64, u32>> = None;
    let def_width = bit_width(leaf.max_def);
    while ids.len() < num_values {
        let page = pages
            .get_next_page()
            .map_err(|e| Refused::Bad(e.to_string()))?
            .ok_or("column chunk ends before all its values")?;
        let (vals, n, encoding) = match &page {
            Page::DictionaryPage { buf, num_values, .. } => {
                if dict_len.is_some() || !ids.is_empty() {
                    return Err("a second dictionary page".into());
                }
                let mut sink = Vec::new();
                decode_plain(buf, *num_values as usize, leaf.physical, &mut values, None, &mut sink)?;
                dict_len = Some(values.len());
                continue;
            }
            // v1: definition levels (RLE, length-prefixed) then values.
            Page::DataPage { buf, num_values, encoding, def_level_encoding, .. } => {
                let n = *num_values as usize;
                scratch.levels.clear();
                let mut p = 0;
                if leaf.max_def > 0 {
                    if *def_level_encoding != Encoding::RLE {
                        return Err(Refused::Encoding);
                    }
                    let len = buf.get(0..4).ok_or("truncated definition levels")?;
                    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                    let levels = buf.get(4..4usize.saturating_add(len)).ok_or("truncated definition levels")?;
                    decode_hybrid(levels, def_width, n, &mut scratch.levels)?;
                    p = 4 + len;
                }
                (buf.get(p..).ok_or("truncated page")?, n, *encoding)
            }
            // v2: repetition and definition levels first, never compressed.
            Page::DataPageV2 { buf, num_values, encoding, def_levels_byte_len, rep_levels_byte_len, .. } => {
                let n = *num_values as usize;
                let (rep_len, def_len) = (*rep_levels_byte_len as usize, *def_levels_byte_len as usize);
                let levels = buf.get(rep_len..rep_len.saturating_add(def_len)).ok_or("truncated levels")?;
                scratch.levels.clear();
                if leaf.max_def > 0 {
                    decode_hybrid(levels, def_width, n, &mut scratch.levels)?;
                }
                (buf.get(rep_len + def_len..).ok_or("truncated page")?, n, *encoding)
            }
        };
        let d = Dedupe { wanted: dedupe, map: &mut map };
        decode_values(
            vals,
            n,
            encoding,
            leaf,
            dict_len,
            &mut values,
            d,
            &scratch.levels,
            &mut scratch.indices,
            &mut ids,
        )?;
        if ids.len() > num_values {
            return Err(format!("pages hold {} values, the column chunk says {num_values}", ids.len()).into());
        }
    }
    Ok(Column { values, ids })
}

/// Values read by the crate's column reader, one batch at a time.
const BATCH: usize = 8192;

/// Decodes one column chunk with the crate's column reader: every encoding the crate reads,
/// values interned as they come (so equal values share an id when `dedupe`).
pub fn decode_with_reader(reader: ColumnReader, leaf: &Leaf, num_values: usize, dedupe: bool) -> Result<Column> {
    if leaf.max_rep > 0 {
        return Err("repeated (nested) columns are not read by candor".into());
    }
    let mut values = Values::new(leaf.physical);
    let mut ids: Vec<u32> = Vec::with_capacity(num_values.min(1 << 20));
    let mut map = FxHashMap::default();
    let mut levels: Vec<i16> = Vec::with_capacity(BATCH);
    let max_def = i16::from(leaf.max_def);
    // Reads every record, calling `push` with each value's bytes in order; nulls from levels.
    macro_rules! read_all {
        ($r:expr, $bytes:expr) => {{
            let mut r = $r;
            let mut batch = Vec::with_capacity(BATCH);
            while ids.len() < num_values {
                batch.clear();
                levels.clear();
                let def = if leaf.max_def > 0 { Some(&mut levels) } else { None };
                let (records, _, _) = r.read_records(BATCH, def, None, &mut batch).map_err(|e| e.to_string())?;
                if records == 0 {
                    return Err("column chunk ends before all its values".into());
                }
                let mut next = batch.iter();
                for i in 0..records {
                    let present = leaf.max_def == 0 || levels.get(i) == Some(&max_def);
                    if !present {
                        ids.push(NULL);
                        continue;
                    }
                    let v = next.next().ok_or("fewer values than definition levels say")?;
                    let bytes = $bytes(v);
                    let id = if dedupe {
                        intern(&mut map, &mut values, bytes.as_ref())?
                    } else {
                        values.push(bytes.as_ref())?;
                        (values.len() - 1) as u32
                    };
                    ids.push(id);
                }
            }
        }};
    }
    match reader {
        ColumnReader::ByteArrayColumnReader(r) => read_all!(r, |v: &ByteArray| v.data().to_vec()),
        ColumnReader::FixedLenByteArrayColumnReader(r) => read_all!(r, |v: &FixedLenByteArray| v.data().to_vec()),
        ColumnReader::Int32ColumnReader(r) => read_all!(r, |v: &i32| v.to_le_bytes()),
        ColumnReader::Int64ColumnReader(r) => read_all!(r, |v: &i64| v.to_le_bytes()),
        ColumnReader::FloatColumnReader(r) => read_all!(r, |v: &f32| v.to_le_bytes()),
        ColumnReader::DoubleColumnReader(r) => read_all!(r, |v: &f64| v.to_le_bytes()),
        ColumnReader::Int96ColumnReader(r) => read_all!(r, |v: &Int96| {
            let d = v.data();
            let mut b = [0u8; 12];
            b[..4].copy_from_slice(&d[0].to_le_bytes());
            b[4..8].copy_from_slice(&d[1].to_le_bytes());
            b[8..].copy_from_slice(&d[2].to_le_bytes());
            b
        }),
        ColumnReader::BoolColumnReader(_) => return Err("BOOLEAN columns are not read by candor".into()),
    }
    if ids.len() != num_values {
        return Err(format!("pages hold {} values, the column chunk says {num_values}", ids.len()));
    }
    Ok(Column { values, ids })
}

/// Whether to share ids between equal plain values, and the lookup doing it (built lazily).
struct Dedupe<'a> {
    wanted: bool,
    map: &'a mut Option<FxHashMap<u64, u32>>,
}

impl<'a> Dedupe<'a> {
    /// The lookup to share ids through, built from the values so far on first use.
    fn map_for(self, values: &Values) -> Option<&'a mut FxHashMap<u64, u32>> {
        if !self.wanted {
            return None;
        }
        if self.map.is_none() {
            let mut m = FxHashMap::default();
            for i in 0..values.len() {
                let mut h = hash(values.get(i));
                while m.contains_key(&h) {
                    h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
                }
                m.insert(h, i as u32);
            }
            *self.map = Some(m);
        }
        self.map.as_mut()
    }
}

/// Decodes a data page's values and appends one id per level (nulls as [`NULL`]).
#[allow(clippy::too_many_arguments)]
fn decode_values(
    data: &[u8],
    n: usize,
    encoding: Encoding,
    leaf: &Leaf,
    dict_len: Option<usize>,
    values: &mut Values,
    dedupe: Dedupe<'_>,
    levels: &[u32],
    indices: &mut Vec<u32>,
    ids: &mut Vec<u32>,
) -> std::result::Result<(), Refused> {
    let present = if leaf.max_def > 0 { levels.iter().filter(|&&l| l == u32::from(leaf.max_def)).count() } else { n };
    indices.clear();
    match encoding {
        Encoding::PLAIN => {
            // Plain values after a dictionary (writers fall back when it grows too big), or
            // a chunk without one. Dedupe when asked so equal values share an id.
            let map = dedupe.map_for(values);
            decode_plain(data, present, leaf.physical, values, map, indices)?;
        }
        Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY => {
            let dict_len = dict_len.ok_or("dictionary-encoded page without a dictionary page")?;
            let width = u32::from(*data.first().ok_or("empty dictionary-encoded page")?);
            decode_hybrid(&data[1..], width, present, indices)?;
            if let Some(bad) = indices.iter().find(|&&i| i as usize >= dict_len) {
                return Err(format!("dictionary index {bad} out of range ({dict_len} entries)").into());
            }
        }
        _ => return Err(Refused::Encoding),
    }
    if leaf.max_def == 0 || present == n {
        ids.extend_from_slice(indices);
    } else {
        let mut next = indices.iter();
        for &l in levels {
            ids.push(if l == u32::from(leaf.max_def) { next.next().copied().unwrap_or(NULL) } else { NULL });
        }
    }
    Ok(())
}
