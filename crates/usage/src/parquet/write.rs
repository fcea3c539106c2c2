//! Writes the Parquet files the generator makes: one row group per call, each column chunk a
//! dictionary page (text, timestamps) and data pages v1 of `page_rows` rows, Snappy
//! compressed. Amounts are DOUBLE or INT64 decimals. Columns are flat, except an optional MAP column with the same single entry in
//! every row (AWS writes its tags as a MAP; this lets readers be tested against one).

use std::io::{self, Write};

use super::page::NULL;
use super::thrift::{Writer as Thrift, ty};

/// A column's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Optional UTF-8 text, dictionary-encoded.
    Text,
    /// Required DOUBLE.
    Double,
    /// Required INT64 DECIMAL(18, scale), written from doubles rounded to `scale` digits.
    Decimal {
        /// Digits after the point.
        scale: u32,
    },
    /// Required INT64 timestamp, microseconds, UTC; dictionary-encoded.
    TimestampMicros,
    /// Required INT96 timestamp (the legacy encoding AWS still writes); dictionary-encoded.
    Int96,
    /// Optional MAP<string, string> with one entry, `key` → the row's value, in every row.
    MapOneEntry {
        /// The key.
        key: String,
    },
}

/// A column of the file.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name.
    pub name: String,
    /// Type.
    pub kind: Kind,
}

/// One row group's data for one column.
pub enum Data<'a> {
    /// Text: a dictionary and one id per row ([`NULL`] for null).
    Text {
        /// Distinct values.
        dict: &'a [String],
        /// Per row.
        ids: &'a [u32],
    },
    /// Doubles, one per row.
    Double(&'a [f64]),
    /// Timestamps (microseconds since the epoch, UTC): a dictionary and one id per row.
    Time {
        /// Distinct values.
        dict: &'a [i64],
        /// Per row.
        ids: &'a [u32],
    },
    /// The MAP entry's value, the same in each of `rows` rows.
    MapConst {
        /// The value.
        value: &'a str,
        /// Rows.
        rows: usize,
    },
}

/// A leaf column's physical type id, levels and path.
struct LeafSpec {
    physical: i32,
    max_def: u32,
    /// Inside a repeated group (with one entry per row).
    rep: bool,
    path: Vec<String>,
}

impl LeafSpec {
    fn flat(physical: i32, max_def: u32, name: String) -> LeafSpec {
        LeafSpec { physical, max_def, rep: false, path: vec![name] }
    }
}

struct ChunkMeta {
    physical: i32,
    path: Vec<String>,
    num_values: i64,
    uncompressed: i64,
    compressed: i64,
    dict_offset: i64,
    data_offset: i64,
}

/// A Parquet file being written.
pub struct Writer<W: Write> {
    out: W,
    offset: u64,
    fields: Vec<Field>,
    row_groups: Vec<(i64, Vec<ChunkMeta>)>,
    rows: i64,
    page_rows: usize,
    created_by: String,
}

fn bits_for(max: usize) -> u32 {
    (usize::BITS - max.leading_zeros()).max(1)
}

/// Appends `values` in the RLE/bit-packed hybrid encoding: runs of 8 or more equal values
/// as RLE runs, the rest bit-packed in groups of 8.
pub fn encode_hybrid(values: &[u32], width: u32, out: &mut Vec<u8>) {
    let uleb = |mut v: u64, out: &mut Vec<u8>| {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    };
    let run_at = |i: usize| values[i..].iter().take_while(|&&v| v == values[i]).count();
    let mut i = 0;
    while i < values.len() {
        let run = run_at(i);
        if run >= 8 {
            uleb((run as u64) << 1, out);
            out.extend_from_slice(&values[i].to_le_bytes()[..width.div_ceil(8) as usize]);
            i += run;
            continue;
        }
        let start = i;
        while i < values.len() && run_at(i) < 8 {
            i = (i + 8).min(values.len());
        }
        let groups = (i - start).div_ceil(8);
        uleb(((groups as u64) << 1) | 1, out);
        let mut acc: u64 = 0;
        let mut nbits = 0;
        for k in 0..groups * 8 {
            let v = values.get(start + k).filter(|_| start + k < i).copied().unwrap_or(0);
            acc |= u64::from(v) << nbits;
            nbits += width;
            while nbits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                nbits -= 8;
            }
        }
    }
}

impl<W: Write> Writer<W> {
    /// Starts a file with these columns; data pages hold `page_rows` rows.
    pub fn new(mut out: W, fields: Vec<Field>, page_rows: usize, created_by: &str) -> io::Result<Writer<W>> {
        out.write_all(super::MAGIC)?;
        Ok(Writer {
            out,
            offset: 4,
            fields,
            row_groups: Vec::new(),
            rows: 0,
            page_rows: page_rows.max(1),
            created_by: created_by.into(),
        })
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Writes a page (header + Snappy-compressed body); returns (uncompressed, compressed)
    /// sizes including the header.
    fn page(&mut self, kind: i32, raw: &[u8], header_fields: impl Fn(&mut Thrift)) -> io::Result<(i64, i64)> {
        let body = snap::raw::Encoder::new().compress_vec(raw).map_err(io::Error::other)?;
        let mut h = Thrift::default();
        h.begin();
        h.i32_field(1, kind);
        h.i32_field(2, i32::try_from(raw.len()).map_err(io::Error::other)?);
        h.i32_field(3, i32::try_from(body.len()).map_err(io::Error::other)?);
        header_fields(&mut h);
        h.end();
        self.put(&h.buf)?;
        self.put(&body)?;
        Ok(((h.buf.len() + raw.len()) as i64, (h.buf.len() + body.len()) as i64))
    }

    fn dictionary_page(&mut self, plain: &[u8], n: usize) -> io::Result<(i64, i64)> {
        self.page(2, plain, |h| {
            h.struct_field(7);
            h.i32_field(1, n as i32);
            h.i32_field(2, 0);
            h.end();
        })
    }

    fn data_page(&mut self, raw: &[u8], n: usize, encoding: i32) -> io::Result<(i64, i64)> {
        self.page(0, raw, |h| {
            h.struct_field(5);
            h.i32_field(1, n as i32);
            h.i32_field(2, encoding);
            h.i32_field(3, 3);
            h.i32_field(4, 3);
            h.end();
        })
    }

    /// A dictionary-encoded chunk: dictionary page, then data pages of ids (with definition
    /// levels when `optional`, repetition levels when `rep`).
    fn dict_chunk(&mut self, plain_dict: &[u8], dict_len: usize, ids: &[u32], leaf: LeafSpec) -> io::Result<ChunkMeta> {
        let dict_offset = self.offset as i64;
        let (mut unc, mut comp) = self.dictionary_page(plain_dict, dict_len)?;
        let data_offset = self.offset as i64;
        let width = bits_for(dict_len.saturating_sub(1));
        let mut raw = Vec::new();
        let mut levels = Vec::new();
        let mut present = Vec::new();
        for page in ids.chunks(self.page_rows) {
            raw.clear();
            if leaf.rep {
                // Every row has exactly one entry: repetition level 0 throughout.
                levels.clear();
                encode_hybrid(&vec![0; page.len()], 1, &mut levels);
                raw.extend_from_slice(&(levels.len() as u32).to_le_bytes());
                raw.extend_from_slice(&levels);
            }
            present.clear();
            let max_def = leaf.max_def;
            if max_def > 0 {
                let defs: Vec<u32> = page.iter().map(|&id| if id == NULL { max_def - 1 } else { max_def }).collect();
                levels.clear();
                encode_hybrid(&defs, bits_for(max_def as usize), &mut levels);
                raw.extend_from_slice(&(levels.len() as u32).to_le_bytes());
                raw.extend_from_slice(&levels);
                present.extend(page.iter().copied().filter(|&id| id != NULL));
            } else {
                present.extend_from_slice(page);
            }
            raw.push(width as u8);
            encode_hybrid(&present, width, &mut raw);
            let (u, c) = self.data_page(&raw, page.len(), 8)?;
            unc += u;
            comp += c;
        }
        Ok(ChunkMeta {
            physical: leaf.physical,
            path: leaf.path,
            num_values: ids.len() as i64,
            uncompressed: unc,
            compressed: comp,
            dict_offset,
            data_offset,
        })
    }

    /// Writes one row group; `data` has one entry per field, all with the same row count.
    pub fn write_row_group(&mut self, data: &[Data<'_>]) -> io::Result<()> {
        let rows = data.first().map(rows_of).unwrap_or(0);
        if data.len() != self.fields.len() || data.iter().any(|d| rows_of(d) != rows) {
            return Err(io::Error::other("row group data does not match the columns"));
        }
        let mut chunks = Vec::new();
        let fields = self.fields.clone();
        for (field, d) in fields.iter().zip(data) {
            let name = field.name.clone();
            match (&field.kind, d) {
                (Kind::Text, Data::Text { dict, ids }) => {
                    if let Some(bad) = ids.iter().find(|&&i| i != NULL && i as usize >= dict.len()) {
                        return Err(io::Error::other(format!("{name}: id {bad} outside the dictionary")));
                    }
                    let mut plain = Vec::new();
                    for s in dict.iter() {
                        plain.extend_from_slice(&(s.len() as u32).to_le_bytes());
                        plain.extend_from_slice(s.as_bytes());
                    }
                    chunks.push(self.dict_chunk(&plain, dict.len(), ids, LeafSpec::flat(6, 1, name))?);
                }
                (Kind::TimestampMicros | Kind::Int96, Data::Time { dict, ids }) => {
                    if let Some(bad) = ids.iter().find(|&&i| i as usize >= dict.len()) {
                        return Err(io::Error::other(format!("{name}: id {bad} outside the dictionary")));
                    }
                    let mut plain = Vec::new();
                    let int96 = field.kind == Kind::Int96;
                    for &micros in dict.iter() {
                        if int96 {
                            let day = micros.div_euclid(86_400_000_000);
                            let nanos = micros.rem_euclid(86_400_000_000) * 1000;
                            plain.extend_from_slice(&nanos.to_le_bytes());
                            plain.extend_from_slice(&((day + 2_440_588) as i32).to_le_bytes());
                        } else {
                            plain.extend_from_slice(&micros.to_le_bytes());
                        }
                    }
                    let physical = if int96 { 3 } else { 2 };
                    chunks.push(self.dict_chunk(&plain, dict.len(), ids, LeafSpec::flat(physical, 0, name))?);
                }
                (Kind::Double | Kind::Decimal { .. }, Data::Double(values)) => {
                    let data_offset = self.offset as i64;
                    let (mut unc, mut comp) = (0, 0);
                    let mut raw = Vec::new();
                    let scale = match field.kind {
                        Kind::Decimal { scale } => Some(10f64.powi(scale as i32)),
                        _ => None,
                    };
                    for page in values.chunks(self.page_rows) {
                        raw.clear();
                        for v in page {
                            match scale {
                                Some(f) => raw.extend_from_slice(&((v * f).round() as i64).to_le_bytes()),
                                None => raw.extend_from_slice(&v.to_le_bytes()),
                            }
                        }
                        let (u, c) = self.data_page(&raw, page.len(), 0)?;
                        unc += u;
                        comp += c;
                    }
                    chunks.push(ChunkMeta {
                        physical: if scale.is_some() { 2 } else { 5 },
                        path: vec![name],
                        num_values: values.len() as i64,
                        uncompressed: unc,
                        compressed: comp,
                        dict_offset: -1,
                        data_offset,
                    });
                }
                (Kind::MapOneEntry { key }, Data::MapConst { value, rows }) => {
                    let key = key.clone();
                    for (leaf, text, max_def) in [("key", key.as_str(), 2), ("value", *value, 3)] {
                        let mut plain = (text.len() as u32).to_le_bytes().to_vec();
                        plain.extend_from_slice(text.as_bytes());
                        let path = vec![name.clone(), "key_value".into(), leaf.into()];
                        let leaf = LeafSpec { physical: 6, max_def, rep: true, path };
                        chunks.push(self.dict_chunk(&plain, 1, &vec![0; *rows], leaf)?);
                    }
                }
                _ => return Err(io::Error::other(format!("{name}: data of the wrong kind"))),
            }
        }
        self.rows += rows as i64;
        self.row_groups.push((rows as i64, chunks));
        Ok(())
    }

    fn schema(&self, t: &mut Thrift) {
        let leaves: usize = self.fields.len();
        t.list_field(2, ty::STRUCT, 1 + self.fields.iter().map(|f| schema_len(&f.kind)).sum::<usize>());
        t.begin();
        t.string_field(4, "schema");
        t.i32_field(5, leaves as i32);
        t.end();
        let string_type = |t: &mut Thrift| {
            t.struct_field(10);
            t.struct_field(1);
            t.end();
            t.end();
        };
        for f in &self.fields {
            t.begin();
            match &f.kind {
                Kind::Text => {
                    t.i32_field(1, 6);
                    t.i32_field(3, 1);
                    t.string_field(4, &f.name);
                    t.i32_field(6, 0);
                    string_type(t);
                }
                Kind::Double => {
                    t.i32_field(1, 5);
                    t.i32_field(3, 0);
                    t.string_field(4, &f.name);
                }
                Kind::Decimal { scale } => {
                    t.i32_field(1, 2);
                    t.i32_field(3, 0);
                    t.string_field(4, &f.name);
                    t.i32_field(6, 5);
                    t.i32_field(7, *scale as i32);
                    t.i32_field(8, 18);
                    t.struct_field(10);
                    t.struct_field(5);
                    t.i32_field(1, *scale as i32);
                    t.i32_field(2, 18);
                    t.end();
                    t.end();
                }
                Kind::TimestampMicros => {
                    t.i32_field(1, 2);
                    t.i32_field(3, 0);
                    t.string_field(4, &f.name);
                    t.i32_field(6, 10);
                    t.struct_field(10);
                    t.struct_field(8);
                    t.bool_field(1, true);
                    t.struct_field(2);
                    t.struct_field(2);
                    t.end();
                    t.end();
                    t.end();
                    t.end();
                }
                Kind::Int96 => {
                    t.i32_field(1, 3);
                    t.i32_field(3, 0);
                    t.string_field(4, &f.name);
                }
                Kind::MapOneEntry { .. } => {
                    t.i32_field(3, 1);
                    t.string_field(4, &f.name);
                    t.i32_field(5, 1);
                    t.i32_field(6, 1);
                    t.end();
                    t.begin();
                    t.i32_field(3, 2);
                    t.string_field(4, "key_value");
                    t.i32_field(5, 2);
                    t.end();
                    t.begin();
                    t.i32_field(1, 6);
                    t.i32_field(3, 0);
                    t.string_field(4, "key");
                    t.i32_field(6, 0);
                    string_type(t);
                    t.end();
                    t.begin();
                    t.i32_field(1, 6);
                    t.i32_field(3, 1);
                    t.string_field(4, "value");
                    t.i32_field(6, 0);
                    string_type(t);
                }
            }
            t.end();
        }
    }

    /// Writes the footer and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        let mut t = Thrift::default();
        t.begin();
        t.i32_field(1, 1);
        self.schema(&mut t);
        t.i64_field(3, self.rows);
        t.list_field(4, ty::STRUCT, self.row_groups.len());
        for (rows, chunks) in &self.row_groups {
            t.begin();
            t.list_field(1, ty::STRUCT, chunks.len());
            for c in chunks {
                t.begin();
                t.i64_field(2, if c.dict_offset >= 0 { c.dict_offset } else { c.data_offset });
                t.struct_field(3);
                t.i32_field(1, c.physical);
                let encodings: &[i32] = if c.dict_offset >= 0 { &[0, 3, 8] } else { &[0, 3] };
                t.list_field(2, ty::I32, encodings.len());
                for &e in encodings {
                    t.i32_elem(e);
                }
                t.list_field(3, ty::BINARY, c.path.len());
                for p in &c.path {
                    t.string_elem(p);
                }
                t.i32_field(4, 1);
                t.i64_field(5, c.num_values);
                t.i64_field(6, c.uncompressed);
                t.i64_field(7, c.compressed);
                t.i64_field(9, c.data_offset);
                if c.dict_offset >= 0 {
                    t.i64_field(11, c.dict_offset);
                }
                t.end();
                t.end();
            }
            t.i64_field(2, chunks.iter().map(|c| c.uncompressed).sum());
            t.i64_field(3, *rows);
            t.end();
        }
        t.string_field(6, &self.created_by);
        t.end();
        let footer = t.buf;
        self.put(&footer)?;
        self.put(&(footer.len() as u32).to_le_bytes())?;
        self.put(super::MAGIC)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn rows_of(d: &Data<'_>) -> usize {
    match d {
        Data::Text { ids, .. } | Data::Time { ids, .. } => ids.len(),
        Data::Double(v) => v.len(),
        Data::MapConst { rows, .. } => *rows,
    }
}

fn schema_len(k: &Kind) -> usize {
    match k {
        Kind::MapOneEntry { .. } => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parquet::page::decode_hybrid;

    #[test]
    fn hybrid_encoding_round_trips() {
        let cases: Vec<Vec<u32>> = vec![
            vec![],
            vec![5],
            vec![1, 2, 3],
            vec![7; 100],
            (0..1000).map(|i| (i * 7919 % 13) as u32).collect(),
            (0..300).map(|i| if i % 50 < 20 { 3 } else { i as u32 % 5 }).collect(),
        ];
        for values in cases {
            let width = bits_for(values.iter().copied().max().unwrap_or(0) as usize);
            let mut buf = Vec::new();
            encode_hybrid(&values, width, &mut buf);
            let mut back = Vec::new();
            decode_hybrid(&buf, width, values.len(), &mut back).expect("decode");
            assert_eq!(back, values);
        }
    }
}
