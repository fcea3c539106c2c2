//! Writing a file of the site, or of the log's state, whole or not at all: a reader never
//! sees half of one, and a file already as it would be written is left alone.

use std::path::{Path, PathBuf};

use crate::Error;

/// Writes a file by rename, so a reader never sees half a page; unchanged files are left
/// alone (their modification time stays). A link in a file's place is replaced, whatever it
/// points to: the site's files are its own.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    stage(path, bytes)?.map_or(Ok(()), Staged::commit)
}

/// [`write_atomic`] of what `write` makes, written to the temporary file as it is made and
/// compared with the file in place a buffer at a time: an unchanged file is left alone.
pub(crate) fn write_atomic_streamed(
    path: &Path,
    write: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    stage_streamed(path, write)?.map_or(Ok(()), Staged::commit)
}

/// A file written beside its place (its name with `.candor-tmp` added), to be renamed into it;
/// dropped before, it is removed (a writing that stops leaves no temporary file).
#[derive(Debug)]
pub(crate) struct Staged {
    /// The temporary file, until it is renamed.
    temporary: Option<PathBuf>,
    path: PathBuf,
}

impl Staged {
    /// Renames the file into its place.
    pub(crate) fn commit(mut self) -> Result<(), Error> {
        let Some(tmp) = self.temporary.take() else { return Ok(()) };
        std::fs::rename(&tmp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(&self.path, e)
        })
    }

    /// Where it goes.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(tmp) = self.temporary.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The temporary file beside `path`: its whole name and `.candor-tmp`, so files of one stem
/// (`x.html`, `x.json`) staged at once do not share one.
fn temporary(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".candor-tmp");
    name.into()
}

/// Creates the temporary file `tmp` anew: whatever is in its place (a file a stopped writing
/// left, a link to anywhere) is removed first, and the new file is created only if nothing is
/// there (`O_EXCL`, which follows no link).
fn create_temporary(tmp: &Path) -> Result<std::fs::File, Error> {
    let _ = std::fs::remove_file(tmp);
    std::fs::OpenOptions::new().write(true).create_new(true).open(tmp).map_err(|e| Error::io(tmp, e))
}

/// Writes `bytes` beside `path`, unless the file there holds them already (`None`).
pub(crate) fn stage(path: &Path, bytes: &[u8]) -> Result<Option<Staged>, Error> {
    let tmp = temporary(path);
    // A file of another size differs: only one of the same size is read to compare.
    let same_size = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    if same_size && std::fs::read(path).is_ok_and(|old| old == bytes) {
        // What a writing stopped on the way left beside it goes (the next writing after one
        // that stopped writes every file: see `update_site`).
        let _ = std::fs::remove_file(&tmp);
        return Ok(None);
    }
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let staged = Staged { temporary: Some(tmp.clone()), path: path.to_path_buf() };
    std::io::Write::write_all(&mut create_temporary(&tmp)?, bytes).map_err(|e| Error::io(&tmp, e))?;
    Ok(Some(staged))
}

/// [`stage`] of what `write` makes (see [`write_atomic_streamed`]).
fn stage_streamed(
    path: &Path,
    write: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<Option<Staged>, Error> {
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let tmp = temporary(path);
    let file = create_temporary(&tmp)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    if let Err(e) = write(&mut out).and_then(|()| std::io::Write::flush(&mut out)) {
        // A disk that filled leaves no half-written temporary file behind.
        drop(out);
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    drop(out);
    let is_file = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    if is_file && same_bytes(&tmp, path) {
        std::fs::remove_file(&tmp).map_err(|e| Error::io(&tmp, e))?;
        return Ok(None);
    }
    Ok(Some(Staged { temporary: Some(tmp), path: path.to_path_buf() }))
}

/// Whether the files at `a` and `b` hold the same bytes (read a buffer at a time; an error
/// reading either counts as a difference).
fn same_bytes(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (Ok(fa), Ok(fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else { return false };
    if fa.metadata().map(|m| m.len()).ok() != fb.metadata().map(|m| m.len()).ok() {
        return false;
    }
    let (mut ra, mut rb) = (std::io::BufReader::new(fa), std::io::BufReader::new(fb));
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let Ok(n) = ra.read(&mut ba) else { return false };
        if n == 0 {
            // Same length, every byte of `a` matched: `b` ends here too.
            return true;
        }
        if rb.read_exact(&mut bb[..n]).is_err() || ba[..n] != bb[..n] {
            return false;
        }
    }
}
