//! A log in a local directory laid out exactly as tlog-tiles, so any static web server
//! can serve it.
//!
//! Life of a commit: every object and the checkpoint are written to temporary files in
//! the state directory and fsynced (in parallel: concurrent fsyncs share journal commits);
//! the objects are renamed into place and their directories fsynced; only then is the
//! checkpoint renamed over the old one and the root directory fsynced. A crash before the
//! last rename leaves the old checkpoint in force; a crash after it leaves the new one,
//! with everything it refers to already durable.
//!
//! A witnessed log ([`DirStorage::open_held`]) commits its checkpoint to the state folder
//! instead and replaces the served one only once its witnesses cosigned it
//! ([`DirStorage::publish_checkpoint`]): readers see a checkpoint only with its cosignatures,
//! while the log can still extend the one it held (a witness may have cosigned it already).

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{CHECKPOINT_PATH, FileStamp, Object, ReadStorage, Stamped, Storage, is_safe_relative_path};
use crate::error::Error;

/// Most threads used to write and fsync files of one commit at the same time.
const MAX_IO_THREADS: usize = 16;

/// Read-only access to a tlog-tiles directory (no lock; safe while a writer runs).
#[derive(Debug, Clone)]
pub struct Dir {
    root: PathBuf,
}

impl Dir {
    /// A reader for the log whose `checkpoint` and `tile/` live in `root`.
    pub fn new(root: impl Into<PathBuf>) -> Dir {
        Dir { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl ReadStorage for Dir {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        read_file(&self.root, path)
    }

    fn open(&self, path: &str) -> Result<Option<Box<dyn Read + '_>>, Error> {
        Ok(self.open_stamped(path)?.map(|(reader, _)| reader))
    }

    fn open_stamped(&self, path: &str) -> Result<Option<Stamped<'_>>, Error> {
        // The same file `read` would read, as far: one byte past the limit at most, so a
        // reader comparing it finds a file that grew too large different.
        let Some((file, _, meta)) = open_file(&self.root, path)? else { return Ok(None) };
        let stamp = trusted_stamp(&file, &meta);
        let reader = Box::new(AtMost { file, left: MAX_READ, path: path.to_string() }) as Box<dyn Read>;
        Ok(Some((reader, stamp)))
    }

    fn stamp(&self, path: &str) -> Option<FileStamp> {
        if !is_safe_relative_path(path) {
            return None;
        }
        // The path's last part itself: a link is not stamped (it is read, and followed only
        // within the folder). Where the folders on the way lead does not matter: a stamp equal
        // to one taken from an open file is that file.
        // Held to the same rule as a stamp taken (see [`trusted_stamp`]): a memory may hold
        // stamps of an earlier version, and a device number may be given to another file system.
        let full = self.root.join(path);
        let meta = fs::symlink_metadata(&full).ok()?;
        if meta.is_file() { trusted_stamp_at(&full, &meta) } else { None }
    }
}

/// File systems on this machine's own disks or memory (ext2/3/4, XFS, Btrfs, ZFS, F2FS,
/// bcachefs, tmpfs, overlayfs), by `statfs` magic: on a network or user-space file system the
/// far end reports what times it likes, so a stamp there tells nothing.
const LOCAL_FILE_SYSTEMS: [u64; 8] =
    [0xEF53, 0x5846_5342, 0x9123_683E, 0x2FC1_2FC1, 0xF2F5_2010, 0xCA45_1A4E, 0x0102_1994, 0x794C_7630];

/// The stamp of the open `file` (its metadata `meta`), where a stamp can be trusted: on a local
/// file system (see [`LOCAL_FILE_SYSTEMS`]), owned by this process's user and writable by no one
/// else (whoever else could write it could also write it through a shared mapping, whose writes
/// need not change its times). Linux only: elsewhere `statfs` numbers file systems otherwise.
#[cfg(target_os = "linux")]
fn trusted_stamp(file: &File, meta: &fs::Metadata) -> Option<FileStamp> {
    let kind = rustix::fs::fstatfs(file).ok()?.f_type;
    #[allow(clippy::unnecessary_cast)] // its type differs between architectures
    trusted(kind as u64, meta)
}

/// [`trusted_stamp`] of the file at `path` (not opened; `meta` its own metadata, not a link's).
#[cfg(target_os = "linux")]
fn trusted_stamp_at(path: &Path, meta: &fs::Metadata) -> Option<FileStamp> {
    let kind = rustix::fs::statfs(path).ok()?.f_type;
    #[allow(clippy::unnecessary_cast)] // its type differs between architectures
    trusted(kind as u64, meta)
}

#[cfg(target_os = "linux")]
fn trusted(kind: u64, meta: &fs::Metadata) -> Option<FileStamp> {
    use std::os::unix::fs::MetadataExt;
    let local = LOCAL_FILE_SYSTEMS.contains(&(kind & 0xFFFF_FFFF));
    let own = meta.uid() == rustix::process::geteuid().as_raw() && meta.mode() & 0o022 == 0;
    if local && own { stamp_of(meta) } else { None }
}

#[cfg(not(target_os = "linux"))]
fn trusted_stamp(_file: &File, _meta: &fs::Metadata) -> Option<FileStamp> {
    None
}

#[cfg(not(target_os = "linux"))]
fn trusted_stamp_at(_path: &Path, _meta: &fs::Metadata) -> Option<FileStamp> {
    None
}

/// The stamp of a file from its metadata (see [`FileStamp`]).
#[cfg(target_os = "linux")]
fn stamp_of(meta: &fs::Metadata) -> Option<FileStamp> {
    use std::os::unix::fs::MetadataExt;
    let ns = |secs: i64, nanos: i64| secs.checked_mul(1_000_000_000)?.checked_add(nanos);
    Some(FileStamp {
        device: meta.dev(),
        inode: meta.ino(),
        len: meta.len(),
        modified_ns: ns(meta.mtime(), meta.mtime_nsec())?,
        changed_ns: ns(meta.ctime(), meta.ctime_nsec())?,
    })
}

/// A file read no further than [`MAX_READ`] bytes: past that (it grew since it was measured)
/// a read fails as too large, as [`ReadStorage::read`] refuses it, rather than ending early.
struct AtMost {
    file: File,
    left: u64,
    path: String,
}

impl Read for AtMost {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                Ok(n)
            }
            None => Err(io::Error::other(too_large(&self.path, MAX_READ + 1).to_string())),
        }
    }
}

/// Largest file a reader reads: the largest object a tlog-tiles log stores is an entry bundle
/// (256 entries of at most 64 KiB each, 16 MiB), and the pages served beside it are far smaller.
pub const MAX_READ: u64 = 64 << 20;

/// Reads `path` under `root`, refusing what a folder someone else filled may hold to stop or
/// exhaust a reader: anything but a regular file (a FIFO would block forever, `/dev/zero` never
/// ends), a link that leads out of the folder, and a file over [`MAX_READ`] (read at most that
/// far, never whole).
fn read_file(root: &Path, path: &str) -> Result<Option<Vec<u8>>, Error> {
    let Some((file, full, meta)) = open_file(root, path)? else { return Ok(None) };
    let len = meta.len();
    let mut bytes = Vec::with_capacity(len.min(MAX_READ) as usize);
    // The file may grow after it was measured: read one byte past the limit, at most.
    file.take(MAX_READ + 1).read_to_end(&mut bytes).map_err(|e| Error::io(&full, e))?;
    if bytes.len() as u64 > MAX_READ {
        return Err(too_large(path, bytes.len() as u64));
    }
    Ok(Some(bytes))
}

/// The file at `path` under `root`, opened, with its full path, once it is found to be one a
/// reader may read (see [`read_file`]), and its metadata as opened.
fn open_file(root: &Path, path: &str) -> Result<Option<(File, PathBuf, fs::Metadata)>, Error> {
    if !is_safe_relative_path(path) {
        return Err(Error::malformed("resource path", format!("{path:?} is not a plain relative path")));
    }
    let full = root.join(path);
    let meta = match fs::metadata(&full) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // A path through a regular file (e.g. `tile/0/000/...` where `000` is a file).
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Ok(None),
        Err(e) => return Err(Error::io(full, e)),
    };
    if !meta.is_file() {
        return Err(Error::Refused {
            path: path.into(),
            why: "not a regular file (a folder, FIFO, socket or device)".into(),
        });
    }
    let inside = match (fs::canonicalize(&full), fs::canonicalize(root)) {
        (Ok(file), Ok(folder)) => file.starts_with(folder),
        _ => false,
    };
    if !inside {
        return Err(Error::Refused { path: path.into(), why: "a link that leads out of the folder".into() });
    }
    if meta.len() > MAX_READ {
        return Err(too_large(path, meta.len()));
    }
    // Opened without waiting (a FIFO swapped in since the check above would block an open
    // forever), then checked again on the open file: what is read is what was checked.
    let file = open_nonblocking(&full).map_err(|e| Error::io(&full, e))?;
    let opened = file.metadata().map_err(|e| Error::io(&full, e))?;
    if !opened.is_file() {
        return Err(Error::Refused { path: path.into(), why: "not a regular file once opened".into() });
    }
    Ok(Some((file, full, opened)))
}

/// `O_NONBLOCK`, where its value is the same on every architecture Linux runs candor on
/// (x86, Arm, RISC-V, PowerPC, s390: 0o4000); elsewhere a plain open.
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64",
        target_arch = "powerpc64",
        target_arch = "s390x"
    )
))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().read(true).custom_flags(0o4000).open(path)
}

#[cfg(not(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64",
        target_arch = "powerpc64",
        target_arch = "s390x"
    )
)))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

fn too_large(path: &str, len: u64) -> Error {
    Error::Refused { path: path.into(), why: format!("{len} bytes or more, over the {MAX_READ} bytes a reader takes") }
}

/// The held checkpoint's file name inside the state folder.
const HELD_CHECKPOINT: &str = "checkpoint";

/// The writer's view of a log directory: holds the single-writer lock.
#[derive(Debug)]
pub struct DirStorage {
    // Owned by the writer for its whole life; dropping it releases the lock.
    root: PathBuf,
    tmp: PathBuf,
    // Held, never read: dropping it releases the writer lock.
    _lock: File,
    lock_path: PathBuf,
    // Directories known to exist, so steady-state commits make no mkdir calls.
    known_dirs: HashSet<PathBuf>,
    next_tmp: u64,
    // When set, commits write the checkpoint here (a private file) and only
    // `publish_checkpoint` replaces the served one: a witnessed log publishes a checkpoint
    // after its witnesses cosigned it.
    held: Option<PathBuf>,
}

impl DirStorage {
    /// Opens the log directory `root` for writing.
    ///
    /// `state` holds the writer lock file and the temporary files; it must be on the same
    /// file system as `root` (renames move temporary files into place) and should not be
    /// served. Fails with [`Error::Locked`] when another process holds the lock.
    pub fn open(root: impl Into<PathBuf>, state: impl AsRef<Path>) -> Result<DirStorage, Error> {
        DirStorage::open_with(root.into(), state.as_ref(), false)
    }

    /// Opens the log directory `root` for a witnessed writer: commits keep each new checkpoint
    /// in `state` (the writer recovers from it) and the served `checkpoint` changes only when
    /// [`DirStorage::publish_checkpoint`] is called, once witnesses cosigned it.
    pub fn open_held(root: impl Into<PathBuf>, state: impl AsRef<Path>) -> Result<DirStorage, Error> {
        DirStorage::open_with(root.into(), state.as_ref(), true)
    }

    fn open_with(root: PathBuf, state: &Path, held: bool) -> Result<DirStorage, Error> {
        for d in [&root, &state.to_path_buf()] {
            fs::create_dir_all(d).map_err(|e| Error::io(d.clone(), e))?;
        }
        let lock_path = state.join("lock");
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = lock.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() { "unknown process".to_string() } else { holder.to_string() };
                return Err(Error::Locked { path: lock_path, holder });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }
        lock.set_len(0).map_err(|e| Error::io(&lock_path, e))?;
        writeln!(lock, "pid {}", std::process::id()).map_err(|e| Error::io(&lock_path, e))?;

        // Temporary files of an interrupted commit are garbage: no checkpoint refers to them.
        let tmp = state.join("tmp");
        match fs::remove_dir_all(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&tmp, e)),
        }
        fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let held_path = state.join(HELD_CHECKPOINT);
        let storage = DirStorage {
            root,
            tmp,
            _lock: lock,
            lock_path,
            known_dirs: HashSet::new(),
            next_tmp: 0,
            held: held.then(|| held_path.clone()),
        };
        // A checkpoint held back by an earlier witnessed writer is the log's state: a writer
        // that publishes as it goes publishes it first, so it never continues from an older one.
        if !held && let Some(bytes) = read_path(&held_path)? {
            storage.publish_checkpoint(&bytes)?;
            fs::remove_file(&held_path).map_err(|e| Error::io(&held_path, e))?;
            sync_dir(state)?;
        }
        Ok(storage)
    }

    /// Whether commits hold the checkpoint back until it is published.
    pub fn is_held(&self) -> bool {
        self.held.is_some()
    }

    /// Replaces the served checkpoint with `checkpoint`, atomically and durably.
    pub fn publish_checkpoint(&self, checkpoint: &[u8]) -> Result<(), Error> {
        let tmp = self.tmp.join("published-checkpoint");
        write_synced(&tmp, checkpoint)?;
        let dest = self.root.join(CHECKPOINT_PATH);
        fs::rename(&tmp, &dest).map_err(|e| Error::io(dest, e))?;
        sync_dir(&self.root)
    }

    /// The served directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The lock file this writer holds.
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    /// Makes sure `dir` exists; every directory it creates adds its parent to `dirty`
    /// (the parent's entry for it must be made durable too).
    fn ensure_dir(&mut self, dir: &Path, dirty: &mut HashSet<PathBuf>) -> Result<(), Error> {
        if self.known_dirs.contains(dir) {
            return Ok(());
        }
        if dir.is_dir() {
            self.known_dirs.insert(dir.to_path_buf());
            return Ok(());
        }
        let parent = dir.parent().ok_or_else(|| Error::io(dir, io::Error::other("no parent directory")))?;
        self.ensure_dir(parent, dirty)?;
        match fs::create_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(dir, e)),
        }
        dirty.insert(parent.to_path_buf());
        if self.known_dirs.len() > 100_000 {
            self.known_dirs.clear();
        }
        self.known_dirs.insert(dir.to_path_buf());
        Ok(())
    }

    fn tmp_path(&mut self) -> PathBuf {
        self.next_tmp += 1;
        self.tmp.join(self.next_tmp.to_string())
    }
}

impl ReadStorage for DirStorage {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        if path == CHECKPOINT_PATH
            && let Some(held) = &self.held
            && let Some(bytes) = read_path(held)?
        {
            return Ok(Some(bytes));
        }
        read_file(&self.root, path)
    }
}

impl Storage for DirStorage {
    fn commit(&mut self, objects: &[Object], checkpoint: &[u8]) -> Result<(), Error> {
        // Plan: final and temporary path of every object, directories to create.
        let mut dirty_dirs: HashSet<PathBuf> = HashSet::new();
        let mut writes: Vec<(PathBuf, PathBuf, &[u8])> = Vec::with_capacity(objects.len() + 1);
        for o in objects {
            if !is_safe_relative_path(&o.path) || o.path == CHECKPOINT_PATH {
                return Err(Error::malformed("resource path", format!("{:?} cannot be written as an object", o.path)));
            }
            let dest = self.root.join(&o.path);
            let parent = dest.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
            self.ensure_dir(&parent, &mut dirty_dirs)?;
            dirty_dirs.insert(parent);
            let tmp = self.tmp_path();
            writes.push((tmp, dest, &o.data));
        }
        let checkpoint_dest = self.held.clone().unwrap_or_else(|| self.root.join(CHECKPOINT_PATH));
        let checkpoint_tmp = self.tmp_path();
        writes.push((checkpoint_tmp.clone(), checkpoint_dest.clone(), checkpoint));

        // 1. Write and fsync every temporary file, the checkpoint's included.
        in_parallel(&writes, |(tmp, _, data)| write_synced(tmp, data))?;

        // 2. Move the objects into place and make the renames durable.
        for (tmp, dest, _) in &writes[..writes.len() - 1] {
            fs::rename(tmp, dest).map_err(|e| Error::io(dest.clone(), e))?;
        }
        let dirs: Vec<PathBuf> = dirty_dirs.into_iter().collect();
        in_parallel(&dirs, |d| sync_dir(d))?;
        // At this point every object is durable; recovery would find the old checkpoint
        // and ignore them, or the new one and find them all.

        // 3. Publish the checkpoint.
        fs::rename(&checkpoint_tmp, &checkpoint_dest).map_err(|e| Error::io(checkpoint_dest.clone(), e))?;
        sync_dir(checkpoint_dest.parent().unwrap_or(&self.root))
    }
}

/// A whole file, or `None` when it does not exist.
fn read_path(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn write_synced(path: &Path, data: &[u8]) -> Result<(), Error> {
    let mut f =
        OpenOptions::new().write(true).create(true).truncate(true).open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(data).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))
}

fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))
}

/// Runs `f` on every item using up to [`MAX_IO_THREADS`] threads; returns the first error.
fn in_parallel<T: Sync>(items: &[T], f: impl Fn(&T) -> Result<(), Error> + Sync) -> Result<(), Error> {
    if items.len() <= 1 {
        return items.iter().try_for_each(f);
    }
    let next = AtomicUsize::new(0);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..items.len().min(MAX_IO_THREADS) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if let Err(e) = f(item) {
                        let mut slot = first_error.lock().unwrap_or_else(|p| p.into_inner());
                        slot.get_or_insert(e);
                        break;
                    }
                }
            });
        }
    });
    match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_gets_a_clear_lock_error() {
        let d = tempfile::tempdir().expect("tempdir");
        let _first = DirStorage::open(d.path().join("public"), d.path().join("state")).expect("first");
        let err = DirStorage::open(d.path().join("public"), d.path().join("state")).expect_err("second");
        assert!(matches!(err, Error::Locked { .. }), "{err}");
        assert!(err.to_string().contains(&format!("pid {}", std::process::id())), "{err}");
    }

    #[test]
    fn commit_writes_objects_and_checkpoint_and_reads_back() {
        let d = tempfile::tempdir().expect("tempdir");
        let mut s = DirStorage::open(d.path().join("public"), d.path().join("state")).expect("open");
        let objects = vec![
            Object { path: "tile/0/x001/234.p/3".into(), data: vec![1; 96] },
            Object { path: "tile/entries/000".into(), data: b"abc".to_vec() },
        ];
        s.commit(&objects, b"cp\n").expect("commit");
        assert_eq!(s.read("tile/0/x001/234.p/3").expect("read"), Some(vec![1; 96]));
        assert_eq!(Dir::new(d.path().join("public")).read("checkpoint").expect("read"), Some(b"cp\n".to_vec()));
        assert_eq!(s.read("tile/0/000").expect("read"), None);
        // Nothing is left behind in the temporary directory.
        assert_eq!(fs::read_dir(d.path().join("state/tmp")).expect("tmp").count(), 0);
    }

    #[test]
    fn a_reader_refuses_what_could_stop_or_exhaust_it_unread() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path().join("public");
        fs::create_dir_all(&root).expect("mkdir");
        let dir = Dir::new(&root);
        // Refused alike read whole and opened to be read as far as needed.
        let refused = |path: &str, why: &str| {
            match dir.read(path) {
                Err(Error::Refused { why: w, .. }) if w.contains(why) => {}
                other => panic!("{path}: {other:?}"),
            }
            match dir.open(path) {
                Err(Error::Refused { why: w, .. }) if w.contains(why) => {}
                Err(e) => panic!("{path}: {e:?}"),
                Ok(opened) => panic!("{path}: opened ({})", opened.is_some()),
            }
        };
        fs::File::create(root.join("huge.html")).expect("file").set_len(MAX_READ + 1).expect("sparse");
        refused("huge.html", "bytes or more");
        std::os::unix::fs::symlink("/dev/zero", root.join("zero")).expect("link");
        refused("zero", "not a regular file");
        let outside = d.path().join("outside.txt");
        fs::write(&outside, b"secret").expect("write");
        std::os::unix::fs::symlink(&outside, root.join("out")).expect("link");
        refused("out", "leads out of the folder");
        fs::write(root.join("ok"), b"fine").expect("write");
        std::os::unix::fs::symlink(root.join("ok"), root.join("in")).expect("link");
        assert_eq!(dir.read("in").expect("inside"), Some(b"fine".to_vec()), "a link inside the folder is read");
        let mut opened = Vec::new();
        dir.open("in").expect("inside").expect("there").read_to_end(&mut opened).expect("read");
        assert_eq!(opened, b"fine", "a link inside the folder is opened");
        assert!(dir.open("absent").expect("absent").is_none(), "a file that is not there opens as none");
        // A FIFO is opened without waiting for a writer, and refused once open: the race where
        // one replaces a checked file cannot hold a reader.
        let fifo = root.join("pipe");
        if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(open_nonblocking(&fifo).and_then(|f| f.metadata()).map(|m| m.is_file()));
            });
            let opened = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the open did not wait");
            assert_eq!(opened.expect("opened"), false);
            refused("pipe", "not a regular file");
        }
    }

    #[test]
    fn unsafe_paths_are_refused() {
        let d = tempfile::tempdir().expect("tempdir");
        let mut s = DirStorage::open(d.path().join("public"), d.path().join("state")).expect("open");
        for p in ["../escape", "/etc/passwd", "tile/../../x", "", "tile//0", "checkpoint"] {
            let o = Object { path: p.into(), data: vec![] };
            assert!(s.commit(&[o], b"cp\n").is_err(), "wrote {p:?}");
        }
        assert!(Dir::new(d.path()).read("../x").is_err());
    }
}
