//! What candor uses of a Parquet file's footer, taken from the `parquet` crate's metadata: the
//! schema's leaf columns with their physical and logical types and level bounds, the top-level
//! fields, and per row group the byte range, codec and value count of each column chunk.

use parquet::basic::{Compression, ConvertedType, LogicalType, Repetition, Type as PhysicalType};
use parquet::file::metadata::ParquetMetaData;
use parquet::schema::types::Type;

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

/// One column chunk of a row group.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// The codec's name in the specification (SNAPPY, ZSTD, …).
    pub codec: String,
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

/// Most rows candor accepts in one row group (writers use about 1 million; a corrupt footer
/// must not make candor allocate for billions).
const MAX_ROW_GROUP_ROWS: i64 = 1 << 28;

/// Deepest nesting read (a hostile schema must not recurse without end).
const MAX_DEPTH: usize = 32;

fn physical(t: PhysicalType, length: i32, name: &str) -> Result<Physical, String> {
    Ok(match t {
        PhysicalType::BOOLEAN => Physical::Boolean,
        PhysicalType::INT32 => Physical::Int32,
        PhysicalType::INT64 => Physical::Int64,
        PhysicalType::INT96 => Physical::Int96,
        PhysicalType::FLOAT => Physical::Float,
        PhysicalType::DOUBLE => Physical::Double,
        PhysicalType::BYTE_ARRAY => Physical::ByteArray,
        PhysicalType::FIXED_LEN_BYTE_ARRAY => {
            if !(1..=1 << 20).contains(&length) {
                return Err(format!("column {name}: bad FIXED_LEN_BYTE_ARRAY length {length}"));
            }
            Physical::FixedLen(length as usize)
        }
    })
}

fn unit(u: &parquet::basic::TimeUnit) -> TimeUnit {
    match u {
        parquet::basic::TimeUnit::MILLIS => TimeUnit::Millis,
        parquet::basic::TimeUnit::NANOS => TimeUnit::Nanos,
        _ => TimeUnit::Micros,
    }
}

/// The logical type candor reads from a schema node: its logical type, else its converted
/// (legacy) type.
fn logical(info: &parquet::schema::types::BasicTypeInfo, scale: i32) -> Logical {
    match info.logical_type_ref() {
        Some(LogicalType::String) | Some(LogicalType::Enum) | Some(LogicalType::Json) => return Logical::String,
        Some(LogicalType::Map) => return Logical::Map,
        Some(LogicalType::List) => return Logical::List,
        Some(LogicalType::Decimal(d)) => return Logical::Decimal { scale: d.scale.max(0) as u32 },
        Some(LogicalType::Date) => return Logical::Date,
        Some(LogicalType::Timestamp(t)) => {
            return Logical::Timestamp { unit: unit(&t.unit), utc: t.is_adjusted_to_u_t_c };
        }
        Some(_) => return Logical::Other,
        None => {}
    }
    match info.converted_type() {
        ConvertedType::NONE => Logical::None,
        ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON => Logical::String,
        ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE => Logical::Map,
        ConvertedType::LIST => Logical::List,
        ConvertedType::DECIMAL => Logical::Decimal { scale: scale.max(0) as u32 },
        ConvertedType::DATE => Logical::Date,
        // TIMESTAMP_MILLIS / TIMESTAMP_MICROS are UTC instants.
        ConvertedType::TIMESTAMP_MILLIS => Logical::Timestamp { unit: TimeUnit::Millis, utc: true },
        ConvertedType::TIMESTAMP_MICROS => Logical::Timestamp { unit: TimeUnit::Micros, utc: true },
        _ => Logical::Other,
    }
}

/// The leaves under `t` (depth first, the order of column chunks), with their levels.
fn walk(t: &Type, path: &mut Vec<String>, def: u8, rep: u8, leaves: &mut Vec<Leaf>) -> Result<(), String> {
    if path.len() > MAX_DEPTH {
        return Err("schema nested too deep".into());
    }
    let info = t.get_basic_info();
    let (def, rep) = match info.has_repetition().then(|| info.repetition()) {
        Some(Repetition::OPTIONAL) => (def + 1, rep),
        Some(Repetition::REPEATED) => (def + 1, rep + 1),
        _ => (def, rep),
    };
    path.push(t.name().to_string());
    if t.is_group() {
        for f in t.get_fields() {
            walk(f, path, def, rep, leaves)?;
        }
    } else {
        let (length, scale) = match t {
            Type::PrimitiveType { type_length, scale, .. } => (*type_length, *scale),
            Type::GroupType { .. } => (0, 0),
        };
        leaves.push(Leaf {
            path: path.clone(),
            physical: physical(t.get_physical_type(), length, &path.join("."))?,
            logical: logical(info, scale),
            max_def: def,
            max_rep: rep,
        });
    }
    path.pop();
    Ok(())
}

/// What candor uses of the footer the `parquet` crate read. `size` is the file's length (column
/// chunks must lie inside it).
pub fn file_meta(md: &ParquetMetaData, size: u64) -> Result<FileMeta, String> {
    let root = md.file_metadata().schema_descr().root_schema();
    let mut leaves = Vec::new();
    let mut top = Vec::new();
    for f in root.get_fields() {
        let info = f.get_basic_info();
        let scale = match f.as_ref() {
            Type::PrimitiveType { scale, .. } => *scale,
            Type::GroupType { .. } => 0,
        };
        top.push(TopField { name: f.name().to_string(), logical: logical(info, scale), group: f.is_group() });
        walk(f, &mut Vec::new(), 0, 0, &mut leaves)?;
    }
    let mut row_groups = Vec::new();
    for (i, rg) in md.row_groups().iter().enumerate() {
        if rg.num_rows() > MAX_ROW_GROUP_ROWS || rg.num_rows() < 0 {
            return Err(format!(
                "row group {i} claims {} rows, outside candor's limit of {MAX_ROW_GROUP_ROWS}",
                rg.num_rows()
            ));
        }
        if rg.columns().len() != leaves.len() {
            return Err(format!("row group {i} has {} column chunks for {} columns", rg.columns().len(), leaves.len()));
        }
        let mut chunks = Vec::new();
        for (c, leaf) in rg.columns().iter().zip(&leaves) {
            // Checked here: the crate's own `byte_range` panics on negative offsets, and a
            // hostile footer may hold them (found by the fuzz target).
            let start = c.dictionary_page_offset().unwrap_or_else(|| c.data_page_offset());
            let (Ok(start), Ok(len)) = (u64::try_from(start), u64::try_from(c.compressed_size())) else {
                return Err(format!(
                    "row group {i}, column {}: negative column chunk offset or size",
                    leaf.path.join(".")
                ));
            };
            if start.checked_add(len).is_none_or(|end| end > size) {
                return Err(format!(
                    "row group {i}, column {}: column chunk lies outside the file",
                    leaf.path.join(".")
                ));
            }
            chunks.push(Chunk { codec: codec_name(c.compression()), num_values: c.num_values(), start, len });
        }
        row_groups.push(RowGroup { num_rows: rg.num_rows(), chunks });
    }
    Ok(FileMeta {
        leaves,
        top,
        num_rows: md.file_metadata().num_rows(),
        row_groups,
        created_by: md.file_metadata().created_by().map(str::to_string),
    })
}

/// A codec's name in the specification.
fn codec_name(c: Compression) -> String {
    match c {
        Compression::UNCOMPRESSED => "UNCOMPRESSED",
        Compression::SNAPPY => "SNAPPY",
        Compression::GZIP(_) => "GZIP",
        Compression::LZO => "LZO",
        Compression::BROTLI(_) => "BROTLI",
        Compression::LZ4 => "LZ4",
        Compression::ZSTD(_) => "ZSTD",
        Compression::LZ4_RAW => "LZ4_RAW",
    }
    .to_string()
}
