//! Opening a billing CSV: plain or gzip (inflated on a second thread, so inflating and parsing
//! use two cores), counting the file's bytes for progress, and bounding what one line may hold:
//! a file of one endless line would otherwise be held in memory whole. A read that fails says
//! at which line and byte of the text it failed.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

/// The longest line read, in bytes (a billing line is a few kilobytes).
pub const MAX_LINE: usize = 1 << 20;

/// Counts the bytes read from the file itself (compressed bytes for gzip), for progress.
struct Counting {
    inner: File,
    pub(crate) read: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Decompressed bytes arriving from the thread that inflates a gzip file, so that inflating
/// and parsing run on two cores at once.
struct Inflated {
    rx: mpsc::Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for Inflated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The inflating thread has finished: end of data.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Inflates `input` on its own thread, in 1 MiB chunks; the thread stops when the reader is
/// dropped.
fn inflate_in_background(input: Counting) -> Inflated {
    let (tx, rx) = mpsc::sync_channel(8);
    std::thread::spawn(move || {
        let mut gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, input));
        loop {
            let mut chunk = vec![0u8; 1 << 20];
            let mut filled = 0;
            let result = loop {
                match gz.read(&mut chunk[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        filled += n;
                        if filled == chunk.len() {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            let last = filled < chunk.len();
            chunk.truncate(filled);
            let sent = match result {
                Ok(()) if chunk.is_empty() => break,
                Ok(()) => tx.send(Ok(chunk)),
                Err(e) => {
                    // What was inflated before the fault is delivered first, so the reader
                    // can say where the fault is.
                    if !chunk.is_empty() {
                        let _ = tx.send(Ok(chunk));
                    }
                    let _ = tx.send(Err(e));
                    break;
                }
            };
            if sent.is_err() || last {
                break;
            }
        }
    });
    Inflated { rx, chunk: Vec::new(), pos: 0 }
}

/// An opened billing file.
pub(crate) struct Opened {
    /// Decompressed bytes.
    pub(crate) reader: Box<dyn Read>,
    /// The file's size on disk.
    pub(crate) size: u64,
    /// Bytes read from the file so far.
    pub(crate) read: Arc<AtomicU64>,
}

/// Opens a file, decompressing gzip (on a second thread) when the file starts with its magic
/// bytes.
pub(crate) fn open(path: &Path) -> std::io::Result<Opened> {
    let mut f = File::open(path)?;
    let size = f.metadata()?.len();
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic)?;
    let read = Arc::new(AtomicU64::new(0));
    let counting = Counting { inner: File::open(path)?, read: read.clone() };
    let reader: Box<dyn Read> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(inflate_in_background(counting))
    } else {
        Box::new(BufReader::with_capacity(1 << 20, counting))
    };
    Ok(Opened { reader, size, read })
}

/// Reads through, counting lines and bytes of the (inflated) text: a line longer than
/// [`MAX_LINE`] is an error, and any read error is told with the line and byte it happened at.
pub(crate) struct LineBounded<R> {
    inner: R,
    /// The 1-based line being read.
    line: u64,
    /// Bytes of text so far.
    offset: u64,
    /// Bytes since the last line end.
    since_newline: usize,
}

impl<R: Read> LineBounded<R> {
    pub(crate) fn new(inner: R) -> LineBounded<R> {
        LineBounded { inner, line: 1, offset: 0, since_newline: 0 }
    }
}

impl<R: Read> Read for LineBounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf).map_err(|e| {
            std::io::Error::new(e.kind(), format!("{e} (at line {}, byte {} of the text)", self.line, self.offset))
        })?;
        let mut rest = &buf[..n];
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            if self.since_newline + i > MAX_LINE {
                break;
            }
            self.line += 1;
            self.offset += i as u64 + 1;
            self.since_newline = 0;
            rest = &rest[i + 1..];
        }
        if self.since_newline + rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len()) > MAX_LINE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "line {} is longer than {MAX_LINE} bytes (from byte {} of the text)",
                    self.line,
                    self.offset - self.since_newline as u64
                ),
            ));
        }
        self.since_newline += rest.len();
        self.offset += rest.len() as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        // Small reads, so lines cross read boundaries.
        let mut r = LineBounded::new(std::io::BufReader::with_capacity(7, text));
        let mut buf = [0u8; 5];
        loop {
            let n = r.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn ordinary_lines_pass_through_unchanged() {
        let text = b"a,b,c\n1,2,3\r\n\n4,5,6";
        assert_eq!(read_all(text).expect("read"), text);
    }

    #[test]
    fn a_line_longer_than_the_limit_is_refused_naming_it() {
        let mut text = b"header\nshort\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_LINE + 1));
        text.extend_from_slice(b"\nnext\n");
        let e = read_all(&text).expect_err("too long").to_string();
        assert!(e.contains("line 3 is longer than 1048576 bytes (from byte 13"), "{e}");
        let mut ok = b"h\n".to_vec();
        ok.extend(std::iter::repeat_n(b'x', MAX_LINE));
        assert!(read_all(&ok).is_ok(), "a line of exactly the limit is read");
    }

    #[test]
    fn a_broken_gzip_says_at_which_line_it_broke() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("broken.csv.gz");
        let text: String = (0..200_000).map(|i| format!("line {i},{}\n", i * 7)).collect();
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).expect("gzip");
        let mut gz = e.finish().expect("gzip");
        // Corrupt the deflate stream well past its start.
        let at = gz.len() / 2;
        for b in &mut gz[at..at + 64] {
            *b ^= 0x5a;
        }
        std::fs::write(&path, &gz).expect("write");
        let Opened { reader, .. } = open(&path).expect("open");
        let mut r = LineBounded::new(reader);
        let mut sink = Vec::new();
        let err = r.read_to_end(&mut sink).expect_err("corrupt").to_string();
        assert!(err.contains("(at line ") && err.contains(", byte "), "{err}");
        assert!(!err.contains("at line 1,"), "the line where it broke, not the start: {err}");
    }
}
