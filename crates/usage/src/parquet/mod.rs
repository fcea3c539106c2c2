//! A Parquet reader and writer for billing data, written for candor's one query rather than
//! for Parquet in general: it reads only the columns asked for, one row group at a time, and
//! keeps dictionary-encoded values as ids (see [`page`]). It writes the files the generator
//! makes: flat columns, dictionary-encoded text, plain doubles, INT64 or INT96 timestamps,
//! an optional one-entry MAP column, Snappy compression.
//!
//! Why by hand: the general-purpose arrow and parquet crates take about 5.5 minutes to build
//! on candor's two-core reference machine and materialise strings per row; candor needs a
//! small, fixed subset (see ARCHITECTURE.md).

pub mod convert;
pub mod delta;
pub mod meta;
pub mod page;
pub mod thrift;
pub mod write;

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::focus::Error;
use meta::FileMeta;
use page::{Column, Scratch};

/// The magic bytes at both ends of a Parquet file.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// Largest footer candor reads.
const MAX_FOOTER: u64 = 256 << 20;

/// Most rows candor accepts in one row group (writers use about 1 million; a corrupt footer
/// must not make candor allocate for billions).
const MAX_ROW_GROUP_ROWS: i64 = 1 << 28;

/// An opened Parquet file.
pub struct ParquetFile {
    file: File,
    path: PathBuf,
    /// Its footer.
    pub meta: FileMeta,
    /// Its size in bytes.
    pub size: u64,
}

/// Whether a file starts with Parquet's magic bytes.
pub fn is_parquet(path: &Path) -> Result<bool, Error> {
    use std::io::Read;
    let mut f = File::open(path).map_err(|source| Error::Io { path: path.into(), source })?;
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match f.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(source) => return Err(Error::Io { path: path.into(), source }),
        }
    }
    Ok(got == 4 && &magic == MAGIC)
}

fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, offset)
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = file.try_clone()?;
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }
}

impl ParquetFile {
    /// Opens a file and reads its footer.
    pub fn open(path: &Path) -> Result<ParquetFile, Error> {
        let io = |source| Error::Io { path: path.into(), source };
        let bad = |message: String| Error::BadFile { path: path.into(), message };
        let file = File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        if size < 12 {
            return Err(bad("too short to be a Parquet file".into()));
        }
        let mut tail = [0u8; 8];
        read_at(&file, &mut tail, size - 8).map_err(io)?;
        if &tail[4..] != MAGIC {
            return Err(bad("does not end with PAR1: not a Parquet file, or a truncated one".into()));
        }
        let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
        if len > size - 12 || len > MAX_FOOTER {
            return Err(bad(format!("footer length {len} does not fit the file")));
        }
        let mut footer = vec![0u8; len as usize];
        read_at(&file, &mut footer, size - 8 - len).map_err(io)?;
        let meta = meta::read_file_meta(&footer).map_err(|e| bad(format!("Parquet footer: {}", e.0)))?;
        for (i, rg) in meta.row_groups.iter().enumerate() {
            if rg.num_rows > MAX_ROW_GROUP_ROWS {
                return Err(bad(format!(
                    "row group {i} claims {} rows, more than candor's limit of {MAX_ROW_GROUP_ROWS}",
                    rg.num_rows
                )));
            }
            for (c, leaf) in rg.chunks.iter().zip(&meta.leaves) {
                if c.start.checked_add(c.len).is_none_or(|end| end > size - 8 - len) {
                    return Err(bad(format!(
                        "row group {i}, column {}: column chunk lies outside the file",
                        leaf.path.join(".")
                    )));
                }
            }
        }
        Ok(ParquetFile { file, path: path.into(), meta, size })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first row (0-based) of each row group.
    pub fn first_rows(&self) -> Vec<u64> {
        let mut at = 0u64;
        self.meta
            .row_groups
            .iter()
            .map(|rg| {
                let first = at;
                at += rg.num_rows as u64;
                first
            })
            .collect()
    }

    /// Reads and decodes one column chunk. `first_row` (0-based) names the row group's rows
    /// in errors.
    pub fn read_column(
        &self,
        row_group: usize,
        leaf: usize,
        first_row: u64,
        dedupe: bool,
        bytes: &mut Vec<u8>,
        scratch: &mut Scratch,
    ) -> Result<Column, Error> {
        let l = &self.meta.leaves[leaf];
        let rg = &self.meta.row_groups[row_group];
        let c = &rg.chunks[leaf];
        let bad = |message: String| Error::BadValue {
            path: self.path.clone(),
            row: first_row + 1,
            column: l.path.join("."),
            message: format!(
                "row group {row_group} (rows {}–{}): {message}",
                first_row + 1,
                first_row + rg.num_rows as u64
            ),
        };
        let len = usize::try_from(c.len).map_err(|_| bad("column chunk too large".into()))?;
        bytes.clear();
        bytes.resize(len, 0);
        read_at(&self.file, bytes, c.start).map_err(|source| Error::Io { path: self.path.clone(), source })?;
        let num_values = usize::try_from(c.num_values).map_err(|_| bad("too many values".into()))?;
        if num_values as i64 != rg.num_rows {
            return Err(bad(format!("{num_values} values in a row group of {} rows", rg.num_rows)));
        }
        page::decode_chunk(bytes, l, c.codec, num_values, dedupe, scratch).map_err(bad)
    }
}
