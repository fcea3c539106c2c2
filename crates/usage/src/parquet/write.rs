//! Writes the Parquet files the generator makes, through the `parquet` crate's writer (so
//! candor's reader is tested against a writer nobody here wrote): one row group per call,
//! dictionary-encoded text and timestamps, plain amounts, data pages v1 of `page_rows` rows,
//! Snappy. Amounts are DOUBLE or INT64 decimals. Columns are flat, except an optional MAP column
//! with the same single entry in every row (AWS writes its tags as a MAP; this lets readers be
//! tested against one).

use std::io::{self, Write};
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type, Int96, Int96Type};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use super::page::NULL;

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

/// A Parquet file being written.
pub struct Writer<W: Write + Send> {
    inner: SerializedFileWriter<W>,
    fields: Vec<Field>,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// The schema line of one field.
fn schema_line(f: &Field) -> String {
    let n = &f.name;
    match &f.kind {
        Kind::Text => format!("optional binary {n} (STRING);"),
        Kind::Double => format!("required double {n};"),
        Kind::Decimal { scale } => format!("required int64 {n} (DECIMAL(18, {scale}));"),
        Kind::TimestampMicros => format!("required int64 {n} (TIMESTAMP(MICROS, true));"),
        Kind::Int96 => format!("required int96 {n};"),
        Kind::MapOneEntry { .. } => format!(
            "optional group {n} (MAP) {{ repeated group key_value {{ required binary key (STRING); optional binary value (STRING); }} }}"
        ),
    }
}

/// The INT96 of a UTC instant in microseconds: nanoseconds of the day, then the Julian day.
fn int96(micros: i64) -> Int96 {
    let day = micros.div_euclid(86_400_000_000);
    let nanos = (micros.rem_euclid(86_400_000_000) * 1000) as u64;
    let mut v = Int96::new();
    v.set_data(nanos as u32, (nanos >> 32) as u32, (day + 2_440_588) as u32);
    v
}

impl<W: Write + Send> Writer<W> {
    /// Starts a file with these columns; data pages hold at most `page_rows` rows.
    pub fn new(out: W, fields: Vec<Field>, page_rows: usize, created_by: &str) -> io::Result<Writer<W>> {
        let lines: Vec<String> = fields.iter().map(schema_line).collect();
        let schema = parse_message_type(&format!("message schema {{ {} }}", lines.join(" "))).map_err(other)?;
        let mut props = WriterProperties::builder()
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_compression(Compression::SNAPPY)
            .set_data_page_row_count_limit(page_rows.max(1))
            .set_max_row_group_row_count(None)
            .set_created_by(created_by.to_string());
        for f in &fields {
            if matches!(f.kind, Kind::Double | Kind::Decimal { .. }) {
                props = props.set_column_dictionary_enabled(ColumnPath::from(f.name.as_str()), false);
            }
        }
        let inner = SerializedFileWriter::new(out, Arc::new(schema), Arc::new(props.build())).map_err(other)?;
        Ok(Writer { inner, fields })
    }

    /// Writes one row group; `data` holds one entry per field, in order.
    pub fn write_row_group(&mut self, data: &[Data<'_>]) -> io::Result<()> {
        if data.len() != self.fields.len() {
            return Err(other(format!("{} columns of data for {} fields", data.len(), self.fields.len())));
        }
        let mut rg = self.inner.next_row_group().map_err(other)?;
        for (field, d) in self.fields.iter().zip(data) {
            let name = &field.name;
            match (&field.kind, d) {
                (Kind::Text, Data::Text { dict, ids }) => {
                    let dict: Vec<ByteArray> = dict.iter().map(|s| ByteArray::from(s.as_str())).collect();
                    let mut values = Vec::with_capacity(ids.len());
                    let mut defs = Vec::with_capacity(ids.len());
                    for &id in *ids {
                        if id == NULL {
                            defs.push(0);
                        } else {
                            let v = dict
                                .get(id as usize)
                                .ok_or_else(|| other(format!("{name}: id {id} outside the dictionary")))?;
                            values.push(v.clone());
                            defs.push(1);
                        }
                    }
                    let mut col = rg.next_column().map_err(other)?.ok_or_else(|| other("fewer columns than fields"))?;
                    col.typed::<ByteArrayType>().write_batch(&values, Some(&defs), None).map_err(other)?;
                    col.close().map_err(other)?;
                }
                (Kind::Double | Kind::Decimal { .. }, Data::Double(values)) => {
                    let mut col = rg.next_column().map_err(other)?.ok_or_else(|| other("fewer columns than fields"))?;
                    match field.kind {
                        Kind::Decimal { scale } => {
                            let f = 10f64.powi(scale as i32);
                            let raw: Vec<i64> = values.iter().map(|v| (v * f).round() as i64).collect();
                            col.typed::<Int64Type>().write_batch(&raw, None, None).map_err(other)?;
                        }
                        _ => {
                            col.typed::<DoubleType>().write_batch(values, None, None).map_err(other)?;
                        }
                    }
                    col.close().map_err(other)?;
                }
                (Kind::TimestampMicros | Kind::Int96, Data::Time { dict, ids }) => {
                    let mut micros = Vec::with_capacity(ids.len());
                    for &id in *ids {
                        micros.push(
                            *dict
                                .get(id as usize)
                                .ok_or_else(|| other(format!("{name}: id {id} outside the dictionary")))?,
                        );
                    }
                    let mut col = rg.next_column().map_err(other)?.ok_or_else(|| other("fewer columns than fields"))?;
                    if field.kind == Kind::Int96 {
                        let v: Vec<Int96> = micros.iter().map(|&m| int96(m)).collect();
                        col.typed::<Int96Type>().write_batch(&v, None, None).map_err(other)?;
                    } else {
                        col.typed::<Int64Type>().write_batch(&micros, None, None).map_err(other)?;
                    }
                    col.close().map_err(other)?;
                }
                (Kind::MapOneEntry { key }, Data::MapConst { value, rows }) => {
                    // One entry per row: repetition level 0 starts each row; the key is defined
                    // at level 2 (map present, entry present), the value at 3.
                    let reps = vec![0i16; *rows];
                    for (text, def) in [(key.as_str(), 2i16), (*value, 3i16)] {
                        let values = vec![ByteArray::from(text); *rows];
                        let defs = vec![def; *rows];
                        let mut col =
                            rg.next_column().map_err(other)?.ok_or_else(|| other("fewer columns than fields"))?;
                        col.typed::<ByteArrayType>().write_batch(&values, Some(&defs), Some(&reps)).map_err(other)?;
                        col.close().map_err(other)?;
                    }
                }
                _ => return Err(other(format!("{name}: data of the wrong kind for the field"))),
            }
        }
        rg.close().map_err(other)?;
        Ok(())
    }

    /// Writes the footer and returns the output.
    pub fn finish(self) -> io::Result<W> {
        self.inner.into_inner().map_err(other)
    }
}
