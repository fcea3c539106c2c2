//! Where a log's resources live. The log core owns the contracts; backends sit behind
//! [`Storage`] (read and write, one writer) and [`ReadStorage`] (read only).
//!
//! Paths are tlog-tiles resource paths relative to the log prefix: `checkpoint`,
//! `tile/0/x001/234`, `tile/entries/000.p/7`.

mod dir;
mod mem;

pub use dir::{Dir, DirStorage, MAX_READ};
pub use mem::MemStorage;

use crate::error::Error;

/// Name of the checkpoint resource.
pub const CHECKPOINT_PATH: &str = "checkpoint";

/// One resource to write: its path and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Path relative to the log prefix.
    pub path: String,
    /// Full contents.
    pub data: Vec<u8>,
}

/// What tells one version of a stored file from another without reading it: the device and
/// inode that hold it, its length, and when it was last modified and changed. Writing the file,
/// renaming another over it or setting its times back each alter one of them (a file's change
/// time is the system's clock when it changed; no call sets it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// The device that holds it.
    pub device: u64,
    /// Its inode on that device.
    pub inode: u64,
    /// Its length in bytes.
    pub len: u64,
    /// Last modified, in nanoseconds since the Unix epoch.
    pub modified_ns: i64,
    /// Last changed (its bytes, its name or its metadata), in nanoseconds since the epoch.
    pub changed_ns: i64,
}

impl FileStamp {
    /// Its text form (five numbers between dots), to keep and compare.
    pub fn to_text(&self) -> String {
        format!("{}.{}.{}.{}.{}", self.device, self.inode, self.len, self.modified_ns, self.changed_ns)
    }
}

/// A reader of a resource, and the stamp of the file it reads (when the storage has one).
pub type Stamped<'a> = (Box<dyn std::io::Read + 'a>, Option<FileStamp>);

/// Read access to a log's resources.
pub trait ReadStorage {
    /// The whole resource at `path`, or `None` if it does not exist.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error>;

    /// The resource at `path` as a reader, or `None` if it does not exist: for one compared
    /// with what a reader makes, too large to hold whole beside it. By default it is read
    /// whole; a folder hands its file over, read at most as far as [`ReadStorage::read`] reads.
    fn open(&self, path: &str) -> Result<Option<Box<dyn std::io::Read + '_>>, Error> {
        Ok(self.read(path)?.map(|b| Box::new(std::io::Cursor::new(b)) as Box<dyn std::io::Read>))
    }

    /// [`ReadStorage::open`], with the stamp of the very file opened (taken from it before any
    /// byte is read), where the storage is a folder; `None` over HTTP.
    fn open_stamped(&self, path: &str) -> Result<Option<Stamped<'_>>, Error> {
        Ok(self.open(path)?.map(|r| (r, None)))
    }

    /// The stamp of the file at `path` as it is now, without opening it: `None` where the
    /// storage has none, the file is missing, or the path's last part is not a regular file.
    /// Equal to a stamp [`ReadStorage::open_stamped`] gave, it is that file, unchanged since.
    fn stamp(&self, _path: &str) -> Option<FileStamp> {
        None
    }
}

/// Durable storage for one log writer.
///
/// Contract of [`Storage::commit`]:
/// - when it returns `Ok`, every object and the new checkpoint are durable: they survive a
///   crash or power loss from that moment on;
/// - the checkpoint is replaced only after every object is durable, so a durable checkpoint
///   never refers to a resource that is not;
/// - each resource is replaced atomically: a reader (or a restart) sees the old bytes or the
///   new bytes, never a mix or a truncated file;
/// - on `Err`, the checkpoint is either the old one or the new one, and any subset of the
///   objects may have been written. The log only ever writes paths that no signed
///   checkpoint refers to yet, so such leftovers are harmless and get overwritten.
pub trait Storage: ReadStorage + Send {
    /// Writes `objects`, then replaces the checkpoint with `checkpoint`.
    fn commit(&mut self, objects: &[Object], checkpoint: &[u8]) -> Result<(), Error>;
}

impl<T: ReadStorage + ?Sized> ReadStorage for &T {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        (**self).read(path)
    }

    fn open(&self, path: &str) -> Result<Option<Box<dyn std::io::Read + '_>>, Error> {
        (**self).open(path)
    }

    fn open_stamped(&self, path: &str) -> Result<Option<Stamped<'_>>, Error> {
        (**self).open_stamped(path)
    }

    fn stamp(&self, path: &str) -> Option<FileStamp> {
        (**self).stamp(path)
    }
}

impl<T: ReadStorage + ?Sized> ReadStorage for Box<T> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        (**self).read(path)
    }

    fn open(&self, path: &str) -> Result<Option<Box<dyn std::io::Read + '_>>, Error> {
        (**self).open(path)
    }

    fn open_stamped(&self, path: &str) -> Result<Option<Stamped<'_>>, Error> {
        (**self).open_stamped(path)
    }

    fn stamp(&self, path: &str) -> Option<FileStamp> {
        (**self).stamp(path)
    }
}

/// True for a relative path made only of plain components (no `..`, no leading `/`).
pub(crate) fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path.split('/').all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\\') && !c.contains('\0'))
}
