//! Column chunks decoded into values and per-row ids.
//!
//! Every column chunk, whatever its encoding, comes out the same way: a table of distinct-ish
//! values (the dictionary, then any plainly encoded values) and one id per row into it, with
//! nulls as [`NULL`]. Dictionary-encoded chunks — what every mainstream writer produces for
//! billing data's repetitive text — are therefore never expanded to strings per row: the
//! caller converts each table entry once and indexes by id. With `dedupe`, plainly encoded
//! values are looked up and shared too, so equal values always have equal ids.
//!
//! Supported: data pages v1 and v2, PLAIN, PLAIN_DICTIONARY and RLE_DICTIONARY values,
//! DELTA_* and BYTE_STREAM_SPLIT values (via [`super::delta`]), RLE/bit-packed levels, codecs
//! UNCOMPRESSED, SNAPPY, GZIP and ZSTD, flat (non-repeated) columns.

use std::hash::Hasher;
use std::io::Read;

use rustc_hash::{FxHashMap, FxHasher};

use super::delta::uleb;
use super::meta::{Codec, Leaf, Physical};
use super::thrift::{Reader, ThriftError, ty};

/// The id of a null.
pub const NULL: u32 = u32::MAX;

/// Largest page candor will decompress (pages are normally about 1 MiB).
const MAX_PAGE: usize = 1 << 30;

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
    page: Vec<u8>,
    levels: Vec<u32>,
    indices: Vec<u32>,
}

struct PageHeader {
    kind: i32,
    uncompressed: usize,
    compressed: usize,
    num_values: usize,
    encoding: i32,
    def_encoding: i32,
    // v2 only
    def_len: usize,
    rep_len: usize,
    v2_compressed: bool,
}

fn read_page_header(r: &mut Reader) -> std::result::Result<PageHeader, ThriftError> {
    let mut h = PageHeader {
        kind: -1,
        uncompressed: 0,
        compressed: 0,
        num_values: 0,
        encoding: 0,
        def_encoding: 3,
        def_len: 0,
        rep_len: 0,
        v2_compressed: true,
    };
    let nonneg = |v: i32| usize::try_from(v).map_err(|_| ThriftError("negative size in page header".into()));
    let mut last = 0;
    while let Some((id, t)) = r.field(&mut last)? {
        match (id, t) {
            (1, ty::I32) => h.kind = r.i32()?,
            (2, ty::I32) => h.uncompressed = nonneg(r.i32()?)?,
            (3, ty::I32) => h.compressed = nonneg(r.i32()?)?,
            (5 | 7 | 8, ty::STRUCT) => {
                r.enter()?;
                let mut l2 = 0;
                while let Some((fid, ft)) = r.field(&mut l2)? {
                    match (id, fid, ft) {
                        // DataPageHeader: num_values, encoding, definition_level_encoding.
                        (5, 1, ty::I32) => h.num_values = nonneg(r.i32()?)?,
                        (5, 2, ty::I32) => h.encoding = r.i32()?,
                        (5, 3, ty::I32) => h.def_encoding = r.i32()?,
                        // DictionaryPageHeader: num_values, encoding.
                        (7, 1, ty::I32) => h.num_values = nonneg(r.i32()?)?,
                        (7, 2, ty::I32) => h.encoding = r.i32()?,
                        // DataPageHeaderV2.
                        (8, 1, ty::I32) => h.num_values = nonneg(r.i32()?)?,
                        (8, 4, ty::I32) => h.encoding = r.i32()?,
                        (8, 5, ty::I32) => h.def_len = nonneg(r.i32()?)?,
                        (8, 6, ty::I32) => h.rep_len = nonneg(r.i32()?)?,
                        (8, 7, ty::TRUE | ty::FALSE) => h.v2_compressed = ft == ty::TRUE,
                        _ => r.skip(ft)?,
                    }
                }
                r.leave();
            }
            _ => r.skip(t)?,
        }
    }
    Ok(h)
}

fn encoding_name(e: i32) -> String {
    match e {
        0 => "PLAIN".into(),
        2 => "PLAIN_DICTIONARY".into(),
        3 => "RLE".into(),
        4 => "BIT_PACKED".into(),
        5 => "DELTA_BINARY_PACKED".into(),
        6 => "DELTA_LENGTH_BYTE_ARRAY".into(),
        7 => "DELTA_BYTE_ARRAY".into(),
        8 => "RLE_DICTIONARY".into(),
        9 => "BYTE_STREAM_SPLIT".into(),
        n => format!("encoding {n}"),
    }
}

fn decompress<'a>(body: &'a [u8], codec: Codec, size: usize, out: &'a mut Vec<u8>) -> Result<&'a [u8]> {
    if size > MAX_PAGE {
        return Err(format!("page of {size} bytes is larger than candor's limit of {MAX_PAGE}"));
    }
    // Each codec fills `out` with exactly the size the page header gives.
    let (name, n) = match codec {
        Codec::Uncompressed => return Ok(body),
        Codec::Snappy => {
            out.clear();
            out.resize(size, 0);
            ("snappy", snap::raw::Decoder::new().decompress(body, out).map_err(|e| format!("snappy: {e}"))?)
        }
        Codec::Gzip => {
            out.clear();
            let mut d = flate2::read::MultiGzDecoder::new(body).take(size as u64 + 1);
            ("gzip", d.read_to_end(out).map_err(|e| format!("gzip: {e}"))?)
        }
        Codec::Other(6) => {
            out.clear();
            out.resize(size, 0);
            ("zstd", ruzstd::decoding::FrameDecoder::new().decode_all(body, out).map_err(|e| format!("zstd: {e}"))?)
        }
        other => {
            return Err(format!(
                "compression {} is not supported (candor reads UNCOMPRESSED, SNAPPY, GZIP and ZSTD)",
                other.name()
            ));
        }
    };
    if n != size {
        return Err(format!("{name} page is {n} bytes, header says {size}"));
    }
    Ok(&out[..])
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

/// Decodes one column chunk (`bytes` from its first page to its end).
pub fn decode_chunk(
    bytes: &[u8],
    leaf: &Leaf,
    codec: Codec,
    num_values: usize,
    dedupe: bool,
    scratch: &mut Scratch,
) -> Result<Column> {
    if leaf.max_rep > 0 {
        return Err("repeated (nested) columns are not read by candor".into());
    }
    let mut values = Values::new(leaf.physical);
    let mut ids: Vec<u32> = Vec::with_capacity(num_values.min(1 << 20));
    let mut dict_len: Option<usize> = None;
    let mut map: Option<FxHashMap<u64, u32>> = None;
    let def_width = bit_width(leaf.max_def);
    let mut pos = 0;
    while ids.len() < num_values {
        let rest = bytes.get(pos..).filter(|r| !r.is_empty()).ok_or("column chunk ends before all its values")?;
        let mut r = Reader::new(rest);
        let h = read_page_header(&mut r).map_err(|e| format!("page header: {}", e.0))?;
        pos += r.position();
        let body = bytes.get(pos..pos.saturating_add(h.compressed)).ok_or("page past the end of the column chunk")?;
        pos += h.compressed;
        let vals: Option<&[u8]> = match h.kind {
            // Dictionary page.
            2 => {
                if dict_len.is_some() || !ids.is_empty() {
                    return Err("a second dictionary page".into());
                }
                let data = decompress(body, codec, h.uncompressed, &mut scratch.page)?;
                let mut sink = Vec::new();
                decode_plain(data, h.num_values, leaf.physical, &mut values, None, &mut sink)?;
                dict_len = Some(values.len());
                None
            }
            // Data page v1: levels and values compressed together.
            0 => {
                let data = decompress(body, codec, h.uncompressed, &mut scratch.page)?;
                let mut p = 0;
                scratch.levels.clear();
                if leaf.max_def > 0 {
                    if h.def_encoding != 3 {
                        return Err(format!(
                            "definition levels in {} are not supported",
                            encoding_name(h.def_encoding)
                        ));
                    }
                    let len = data.get(0..4).ok_or("truncated definition levels")?;
                    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                    let levels = data.get(4..4usize.saturating_add(len)).ok_or("truncated definition levels")?;
                    decode_hybrid(levels, def_width, h.num_values, &mut scratch.levels)?;
                    p = 4 + len;
                }
                let vals = data.get(p..).ok_or("truncated page")?;
                Some(vals)
            }
            // Data page v2: levels first and never compressed.
            3 => {
                let levels_len = h.rep_len.saturating_add(h.def_len);
                let levels = body.get(h.rep_len..levels_len).ok_or("truncated levels")?;
                scratch.levels.clear();
                if leaf.max_def > 0 {
                    decode_hybrid(levels, def_width, h.num_values, &mut scratch.levels)?;
                }
                let raw = body.get(levels_len..).ok_or("truncated page")?;
                let vals = if h.v2_compressed {
                    decompress(raw, codec, h.uncompressed.saturating_sub(levels_len), &mut scratch.page)?
                } else {
                    raw
                };
                Some(vals)
            }
            // Index pages and unknown page types carry no values.
            _ => None,
        };
        if let Some(vals) = vals {
            let d = Dedupe { wanted: dedupe, map: &mut map };
            decode_values(vals, &h, leaf, dict_len, &mut values, d, &scratch.levels, &mut scratch.indices, &mut ids)?;
        }
        if ids.len() > num_values {
            return Err(format!("pages hold {} values, the column chunk says {num_values}", ids.len()));
        }
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
    h: &PageHeader,
    leaf: &Leaf,
    dict_len: Option<usize>,
    values: &mut Values,
    dedupe: Dedupe<'_>,
    levels: &[u32],
    indices: &mut Vec<u32>,
    ids: &mut Vec<u32>,
) -> Result<()> {
    let present =
        if leaf.max_def > 0 { levels.iter().filter(|&&l| l == u32::from(leaf.max_def)).count() } else { h.num_values };
    indices.clear();
    match h.encoding {
        0 => {
            // Plain values after a dictionary (writers fall back when it grows too big), or
            // a chunk without one. Dedupe when asked so equal values share an id.
            let map = dedupe.map_for(values);
            decode_plain(data, present, leaf.physical, values, map, indices)?;
        }
        2 | 8 => {
            let dict_len = dict_len.ok_or("dictionary-encoded page without a dictionary page")?;
            let width = u32::from(*data.first().ok_or("empty dictionary-encoded page")?);
            decode_hybrid(&data[1..], width, present, indices)?;
            if let Some(bad) = indices.iter().find(|&&i| i as usize >= dict_len) {
                return Err(format!("dictionary index {bad} out of range ({dict_len} entries)"));
            }
        }
        5..=7 | 9 => {
            let plain = super::delta::to_plain(h.encoding, data, present, leaf.physical)
                .map_err(|e| format!("{}: {e}", encoding_name(h.encoding)))?;
            let map = dedupe.map_for(values);
            decode_plain(&plain, present, leaf.physical, values, map, indices)?;
        }
        e => return Err(format!("values in {} are not supported", encoding_name(e))),
    }
    if leaf.max_def == 0 || present == h.num_values {
        ids.extend_from_slice(indices);
    } else {
        let mut next = indices.iter();
        for &l in levels {
            ids.push(if l == u32::from(leaf.max_def) { next.next().copied().unwrap_or(NULL) } else { NULL });
        }
    }
    Ok(())
}
