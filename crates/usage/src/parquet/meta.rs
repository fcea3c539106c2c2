//! Parquet's footer (FileMetaData) read into what candor uses: the schema's leaf columns with
//! their physical and logical types and level bounds, and per row group the byte range,
//! codec and value count of each column chunk. Fields candor does not use are skipped.

use super::thrift::{Reader, ThriftError, ty};

type Result<T> = std::result::Result<T, ThriftError>;

/// Physical types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Physical {
    /// BOOLEAN.
    Boolean,
    /// INT32.
    Int32,
    /// INT64.
    Int64,
    /// INT96 (legacy timestamps).
    Int96,
    /// FLOAT.
    Float,
    /// DOUBLE.
    Double,
    /// BYTE_ARRAY.
    ByteArray,
    /// FIXED_LEN_BYTE_ARRAY of the given width.
    FixedLen(usize),
}

impl Physical {
    /// Bytes per value, for fixed-width types.
    pub fn width(self) -> Option<usize> {
        match self {
            Physical::Int32 | Physical::Float => Some(4),
            Physical::Int64 | Physical::Double => Some(8),
            Physical::Int96 => Some(12),
            Physical::FixedLen(n) => Some(n),
            Physical::Boolean | Physical::ByteArray => None,
        }
    }

    /// The name used in the Parquet specification.
    pub fn name(self) -> &'static str {
        match self {
            Physical::Boolean => "BOOLEAN",
            Physical::Int32 => "INT32",
            Physical::Int64 => "INT64",
            Physical::Int96 => "INT96",
            Physical::Float => "FLOAT",
            Physical::Double => "DOUBLE",
            Physical::ByteArray => "BYTE_ARRAY",
            Physical::FixedLen(_) => "FIXED_LEN_BYTE_ARRAY",
        }
    }
}

/// Time unit of an INT64 timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Milliseconds since the Unix epoch.
    Millis,
    /// Microseconds.
    Micros,
    /// Nanoseconds.
    Nanos,
}

/// What the values of a column mean (logical or converted type), as far as candor cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logical {
    /// No annotation.
    None,
    /// UTF-8 text.
    String,
    /// A decimal with this many digits after the point.
    Decimal {
        /// Digits after the point.
        scale: u32,
    },
    /// A timestamp.
    Timestamp {
        /// Unit.
        unit: TimeUnit,
        /// Instants in UTC (true) or local date-times (false).
        utc: bool,
    },
    /// Days since the Unix epoch.
    Date,
    /// A MAP group.
    Map,
    /// A LIST group.
    List,
    /// Something else candor does not interpret.
    Other,
}

/// A top-level or nested column with its type.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// Path from the root (excluding the root's own name).
    pub path: Vec<String>,
    /// Physical type.
    pub physical: Physical,
    /// Logical type.
    pub logical: Logical,
    /// Maximum definition level.
    pub max_def: u8,
    /// Maximum repetition level.
    pub max_rep: u8,
}

/// A top-level field: a leaf column or a group (MAP, LIST, struct).
#[derive(Debug, Clone)]
pub struct TopField {
    /// Its name.
    pub name: String,
    /// Its logical type (for groups: Map, List or Other).
    pub logical: Logical,
    /// Whether it is a group.
    pub group: bool,
}

/// Compression codecs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// None.
    Uncompressed,
    /// Snappy.
    Snappy,
    /// Gzip.
    Gzip,
    /// Another codec, by its id (LZO 3, BROTLI 4, LZ4 5, ZSTD 6, LZ4_RAW 7).
    Other(i32),
}

impl Codec {
    /// The codec's name in the specification.
    pub fn name(self) -> String {
        match self {
            Codec::Uncompressed => "UNCOMPRESSED".into(),
            Codec::Snappy => "SNAPPY".into(),
            Codec::Gzip => "GZIP".into(),
            Codec::Other(3) => "LZO".into(),
            Codec::Other(4) => "BROTLI".into(),
            Codec::Other(5) => "LZ4".into(),
            Codec::Other(6) => "ZSTD".into(),
            Codec::Other(7) => "LZ4_RAW".into(),
            Codec::Other(n) => format!("codec {n}"),
        }
    }
}

/// One column chunk of a row group.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Codec.
    pub codec: Codec,
    /// Values (including nulls).
    pub num_values: i64,
    /// File offset of the first page (the dictionary page when there is one).
    pub start: u64,
    /// Bytes from `start` to the end of the chunk.
    pub len: u64,
}

/// One row group.
#[derive(Debug, Clone)]
pub struct RowGroup {
    /// Rows.
    pub num_rows: i64,
    /// Column chunks, in leaf order.
    pub chunks: Vec<Chunk>,
}

/// The parts of the footer candor uses.
#[derive(Debug, Clone)]
pub struct FileMeta {
    /// Leaf columns in schema order (the order of column chunks).
    pub leaves: Vec<Leaf>,
    /// Top-level fields.
    pub top: Vec<TopField>,
    /// Rows.
    pub num_rows: i64,
    /// Row groups.
    pub row_groups: Vec<RowGroup>,
    /// The writer, when named.
    pub created_by: Option<String>,
}

fn bad<T>(msg: impl Into<String>) -> Result<T> {
    Err(ThriftError(msg.into()))
}

#[derive(Default)]
struct Element {
    physical: Option<i32>,
    type_length: Option<i32>,
    repetition: Option<i32>,
    name: String,
    num_children: Option<i32>,
    converted: Option<i32>,
    scale: Option<i32>,
    logical: Option<Logical>,
}

fn read_time_unit(r: &mut Reader) -> Result<TimeUnit> {
    r.enter()?;
    let mut unit = TimeUnit::Micros;
    let mut last = 0;
    while let Some((id, t)) = r.field(&mut last)? {
        unit = match id {
            1 => TimeUnit::Millis,
            2 => TimeUnit::Micros,
            3 => TimeUnit::Nanos,
            _ => unit,
        };
        r.skip(t)?;
    }
    r.leave();
    Ok(unit)
}

/// LogicalType is a union: exactly one field set, its id says which type.
fn read_logical(r: &mut Reader) -> Result<Logical> {
    r.enter()?;
    let mut out = Logical::Other;
    let mut last = 0;
    while let Some((id, t)) = r.field(&mut last)? {
        out = match (id, t) {
            (1, _) => {
                r.skip(t)?;
                Logical::String
            }
            (2, _) => {
                r.skip(t)?;
                Logical::Map
            }
            (3, _) => {
                r.skip(t)?;
                Logical::List
            }
            (5, ty::STRUCT) => {
                r.enter()?;
                let mut scale = 0u32;
                let mut l2 = 0;
                while let Some((id, t)) = r.field(&mut l2)? {
                    if id == 1 && t == ty::I32 {
                        scale = u32::try_from(r.i32()?).or_else(|_| bad("negative decimal scale"))?;
                    } else {
                        r.skip(t)?;
                    }
                }
                r.leave();
                Logical::Decimal { scale }
            }
            (6, _) => {
                r.skip(t)?;
                Logical::Date
            }
            (8, ty::STRUCT) => {
                r.enter()?;
                let (mut utc, mut unit) = (true, TimeUnit::Micros);
                let mut l2 = 0;
                while let Some((id, t)) = r.field(&mut l2)? {
                    match (id, t) {
                        (1, ty::TRUE | ty::FALSE) => utc = t == ty::TRUE,
                        (2, ty::STRUCT) => unit = read_time_unit(r)?,
                        _ => r.skip(t)?,
                    }
                }
                r.leave();
                Logical::Timestamp { unit, utc }
            }
            _ => {
                r.skip(t)?;
                Logical::Other
            }
        };
    }
    r.leave();
    Ok(out)
}

fn read_element(r: &mut Reader) -> Result<Element> {
    r.enter()?;
    let mut e = Element::default();
    let mut last = 0;
    while let Some((id, t)) = r.field(&mut last)? {
        match (id, t) {
            (1, ty::I32) => e.physical = Some(r.i32()?),
            (2, ty::I32) => e.type_length = Some(r.i32()?),
            (3, ty::I32) => e.repetition = Some(r.i32()?),
            (4, ty::BINARY) => e.name = String::from_utf8_lossy(r.binary()?).into_owned(),
            (5, ty::I32) => e.num_children = Some(r.i32()?),
            (6, ty::I32) => e.converted = Some(r.i32()?),
            (7, ty::I32) => e.scale = Some(r.i32()?),
            (10, ty::STRUCT) => e.logical = Some(read_logical(r)?),
            _ => r.skip(t)?,
        }
    }
    r.leave();
    Ok(e)
}

impl Element {
    fn logical(&self) -> Logical {
        if let Some(l) = self.logical
            && l != Logical::Other
        {
            return l;
        }
        let scale = u32::try_from(self.scale.unwrap_or(0)).unwrap_or(0);
        match self.converted {
            Some(0) => Logical::String,
            Some(1) | Some(2) => Logical::Map,
            Some(3) => Logical::List,
            Some(5) => Logical::Decimal { scale },
            Some(6) => Logical::Date,
            // TIMESTAMP_MILLIS / TIMESTAMP_MICROS are UTC instants.
            Some(9) => Logical::Timestamp { unit: TimeUnit::Millis, utc: true },
            Some(10) => Logical::Timestamp { unit: TimeUnit::Micros, utc: true },
            Some(_) => Logical::Other,
            None => self.logical.unwrap_or(Logical::None),
        }
    }

    fn physical(&self) -> Result<Physical> {
        Ok(match self.physical {
            Some(0) => Physical::Boolean,
            Some(1) => Physical::Int32,
            Some(2) => Physical::Int64,
            Some(3) => Physical::Int96,
            Some(4) => Physical::Float,
            Some(5) => Physical::Double,
            Some(6) => Physical::ByteArray,
            Some(7) => {
                let n = self.type_length.unwrap_or(0);
                if !(1..=1 << 20).contains(&n) {
                    return bad(format!("column {}: bad FIXED_LEN_BYTE_ARRAY length {n}", self.name));
                }
                Physical::FixedLen(n as usize)
            }
            other => return bad(format!("column {}: unknown physical type {other:?}", self.name)),
        })
    }
}

/// Walks the flattened schema (depth first) into leaves and top-level fields.
fn build_schema(elements: &[Element]) -> Result<(Vec<Leaf>, Vec<TopField>)> {
    let root = elements.first().ok_or_else(|| ThriftError("empty schema".into()))?;
    let mut leaves = Vec::new();
    let mut top = Vec::new();
    let mut next = 1usize;
    // Stack of (children left, path, def, rep).
    struct Frame {
        left: i32,
        path: Vec<String>,
        def: u8,
        rep: u8,
    }
    let mut stack = vec![Frame { left: root.num_children.unwrap_or(0), path: Vec::new(), def: 0, rep: 0 }];
    while let Some(frame) = stack.last_mut() {
        if frame.left == 0 {
            stack.pop();
            continue;
        }
        frame.left -= 1;
        let (parent_path, parent_def, parent_rep) = (frame.path.clone(), frame.def, frame.rep);
        let e = elements.get(next).ok_or_else(|| ThriftError("schema has fewer elements than it declares".into()))?;
        next += 1;
        let (mut def, mut rep) = (parent_def, parent_rep);
        match e.repetition {
            Some(1) => def += 1,
            Some(2) => {
                def += 1;
                rep += 1;
            }
            _ => {}
        }
        if stack.len() > 32 || def > 32 {
            return bad("schema nested too deep");
        }
        let mut path = parent_path;
        path.push(e.name.clone());
        let children = e.num_children.unwrap_or(0);
        if path.len() == 1 {
            top.push(TopField { name: e.name.clone(), logical: e.logical(), group: children > 0 });
        }
        if children > 0 {
            stack.push(Frame { left: children, path, def, rep });
        } else {
            leaves.push(Leaf { path, physical: e.physical()?, logical: e.logical(), max_def: def, max_rep: rep });
        }
    }
    if next != elements.len() {
        return bad("schema has more elements than its tree");
    }
    Ok((leaves, top))
}

fn read_column_meta(r: &mut Reader) -> Result<Chunk> {
    r.enter()?;
    let (mut codec, mut num_values, mut data_off, mut dict_off, mut size) = (Codec::Uncompressed, 0, None, None, 0);
    let mut last = 0;
    while let Some((id, t)) = r.field(&mut last)? {
        match (id, t) {
            (4, ty::I32) => {
                codec = match r.i32()? {
                    0 => Codec::Uncompressed,
                    1 => Codec::Snappy,
                    2 => Codec::Gzip,
                    n => Codec::Other(n),
                }
            }
            (5, ty::I64) => num_values = r.i64()?,
            (7, ty::I64) => size = r.i64()?,
            (9, ty::I64) => data_off = Some(r.i64()?),
            (11, ty::I64) => dict_off = Some(r.i64()?),
            _ => r.skip(t)?,
        }
    }
    r.leave();
    let data_off = data_off.ok_or_else(|| ThriftError("column chunk without data_page_offset".into()))?;
    // Some writers set dictionary_page_offset to 0 when there is no dictionary.
    let start = match dict_off {
        Some(d) if d > 0 && d < data_off => d,
        _ => data_off,
    };
    // total_compressed_size covers every page of the chunk, the dictionary page included.
    if start < 0 || size < 0 || num_values < 0 {
        return bad("column chunk with negative offset or size");
    }
    Ok(Chunk { codec, num_values, start: start as u64, len: size as u64 })
}

fn read_row_group(r: &mut Reader) -> Result<RowGroup> {
    r.enter()?;
    let mut rg = RowGroup { num_rows: 0, chunks: Vec::new() };
    let mut last = 0;
    while let Some((id, t)) = r.field(&mut last)? {
        match (id, t) {
            (1, ty::LIST) => {
                let (_, n) = r.list()?;
                r.enter()?;
                for _ in 0..n {
                    r.enter()?;
                    let mut chunk = None;
                    let mut l2 = 0;
                    while let Some((id, t)) = r.field(&mut l2)? {
                        match (id, t) {
                            (1, ty::BINARY) => return bad("column chunks in other files are not supported"),
                            (3, ty::STRUCT) => chunk = Some(read_column_meta(r)?),
                            _ => r.skip(t)?,
                        }
                    }
                    r.leave();
                    rg.chunks.push(chunk.ok_or_else(|| ThriftError("column chunk without metadata".into()))?);
                }
                r.leave();
            }
            (3, ty::I64) => rg.num_rows = r.i64()?,
            _ => r.skip(t)?,
        }
    }
    r.leave();
    if rg.num_rows < 0 {
        return bad("row group with a negative row count");
    }
    Ok(rg)
}

/// Reads FileMetaData.
pub fn read_file_meta(buf: &[u8]) -> Result<FileMeta> {
    let mut r = Reader::new(buf);
    let mut elements = Vec::new();
    let mut row_groups = Vec::new();
    let (mut num_rows, mut created_by) = (0, None);
    let mut last = 0;
    while let Some((id, t)) = r.field(&mut last)? {
        match (id, t) {
            (2, ty::LIST) => {
                let (_, n) = r.list()?;
                for _ in 0..n {
                    elements.push(read_element(&mut r)?);
                }
            }
            (3, ty::I64) => num_rows = r.i64()?,
            (4, ty::LIST) => {
                let (_, n) = r.list()?;
                for _ in 0..n {
                    row_groups.push(read_row_group(&mut r)?);
                }
            }
            (6, ty::BINARY) => created_by = Some(String::from_utf8_lossy(r.binary()?).into_owned()),
            _ => r.skip(t)?,
        }
    }
    let (leaves, top) = build_schema(&elements)?;
    for (i, rg) in row_groups.iter().enumerate() {
        if rg.chunks.len() != leaves.len() {
            return bad(format!("row group {i} has {} column chunks for {} columns", rg.chunks.len(), leaves.len()));
        }
    }
    Ok(FileMeta { leaves, top, num_rows, row_groups, created_by })
}
