//! Parquet through the `parquet` crate (arrow-rs, without arrow): the crate reads the footer,
//! page headers and every codec (Snappy, gzip, zstd, LZ4, Brotli) and writes the generator's
//! files; candor keeps one fast path of its own ([`page`]): column chunks decoded to a value
//! table and dictionary ids per row, from the crate's page reader, so billing text is never
//! expanded to strings per row. [`meta`] is what candor uses of the footer; [`convert`] turns
//! values into text, amounts and days.

pub mod convert;
pub mod meta;
pub mod page;
pub mod write;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use parquet::file::reader::{ChunkReader, FileReader, Length};
use parquet::file::serialized_reader::SerializedFileReader;

use crate::focus::Error;
use meta::FileMeta;
use page::{Column, Refused, Scratch};

/// The magic bytes at both ends of a Parquet file.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// A file read by offset (`pread`), so threads reading different row groups never share a
/// file position (the crate's own reader for `File` seeks a shared descriptor).
struct Positioned(Arc<File>);

/// A reader from an offset of a [`Positioned`] file to its end.
struct At {
    file: Arc<File>,
    offset: u64,
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = read_at(&self.file, buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

impl Length for Positioned {
    fn len(&self) -> u64 {
        self.0.metadata().map(|m| m.len()).unwrap_or(0)
    }
}

impl ChunkReader for Positioned {
    type T = At;

    fn get_read(&self, start: u64) -> parquet::errors::Result<At> {
        Ok(At { file: Arc::clone(&self.0), offset: start })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let mut buf = vec![0u8; length];
        let mut got = 0;
        while got < length {
            match read_at(&self.0, &mut buf[got..], start + got as u64)? {
                0 => {
                    return Err(parquet::errors::ParquetError::EOF(format!(
                        "expected {length} bytes at offset {start}, the file ends after {got}"
                    )));
                }
                n => got += n,
            }
        }
        Ok(buf.into())
    }
}

fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_at(buf, offset)
    }
    #[cfg(not(unix))]
    {
        use std::os::windows::fs::FileExt;
        file.seek_read(buf, offset)
    }
}

/// An opened Parquet file.
pub struct ParquetFile {
    reader: SerializedFileReader<Positioned>,
    path: PathBuf,
    /// What candor uses of its footer.
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
        // Said plainly before the crate reads the footer: the commonest bad file is a cut one.
        let mut tail = [0u8; 4];
        if read_at(&file, &mut tail, size - 4).map_err(io)? != 4 || &tail != MAGIC {
            return Err(bad("does not end with PAR1: not a Parquet file, or a truncated one".into()));
        }
        let reader =
            SerializedFileReader::new(Positioned(Arc::new(file))).map_err(|e| bad(format!("Parquet footer: {e}")))?;
        let meta = meta::file_meta(reader.metadata(), size).map_err(bad)?;
        Ok(ParquetFile { reader, path: path.into(), meta, size })
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

    /// Reads and decodes one column chunk: candor's fast path when its pages allow, else the
    /// crate's column reader. `first_row` (0-based) names the row group's rows in errors.
    pub fn read_column(
        &self,
        row_group: usize,
        leaf: usize,
        first_row: u64,
        dedupe: bool,
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
        let num_values = usize::try_from(c.num_values).map_err(|_| bad("too many values".into()))?;
        if num_values as i64 != rg.num_rows {
            return Err(bad(format!("{num_values} values in a row group of {} rows", rg.num_rows)));
        }
        let group = self.reader.get_row_group(row_group).map_err(|e| bad(e.to_string()))?;
        let mut pages = group.get_column_page_reader(leaf).map_err(|e| bad(e.to_string()))?;
        match page::decode_pages(pages.as_mut(), l, num_values, dedupe, scratch) {
            Ok(column) => Ok(column),
            Err(Refused::Bad(m)) => Err(bad(m)),
            Err(Refused::Encoding) => {
                let reader = group.get_column_reader(leaf).map_err(|e| bad(e.to_string()))?;
                page::decode_with_reader(reader, l, num_values, dedupe).map_err(bad)
            }
        }
    }
}
