//! A check from memory knows a file of a report folder it verified before by its stamp (device,
//! inode, length, modification and change times): found with the same stamp, the file is the
//! one verified, unchanged since, and is not read again. A file changed in place (even with its
//! modification time set back), replaced, or changed too close to the check to tell is read.

use std::collections::BTreeMap;
use std::sync::Mutex;

use publish::check::{CheckReport, Memory, check_report_since, folder_files};
use serde_json::Value;
use tlog::{Dir, FileStamp, ReadStorage, Stamped};

use crate::site_stamp::{Published, published};

/// A folder that counts the files it opens or reads (not those only stamped).
struct Counting {
    dir: Dir,
    opened: Mutex<BTreeMap<String, usize>>,
}

impl Counting {
    fn new(s: &Published) -> Counting {
        Counting { dir: Dir::new(s.public.clone()), opened: Mutex::new(BTreeMap::new()) }
    }

    fn count(&self, path: &str) {
        *self.opened.lock().expect("lock").entry(path.to_string()).or_default() += 1;
    }

    fn opened(&self, path: &str) -> usize {
        self.opened.lock().expect("lock").get(path).copied().unwrap_or(0)
    }
}

impl ReadStorage for Counting {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, tlog::Error> {
        self.count(path);
        self.dir.read(path)
    }

    fn open_stamped(&self, path: &str) -> Result<Option<Stamped<'_>>, tlog::Error> {
        self.count(path);
        self.dir.open_stamped(path)
    }

    fn stamp(&self, path: &str) -> Option<FileStamp> {
        self.dir.stamp(path)
    }
}

fn check(s: &Published, src: &Counting, since: Option<&Memory>) -> (CheckReport, Memory) {
    let files = folder_files(&s.public);
    check_report_since(src, &s.verifier, &[], &files, since, &mut |_| {}).expect("check")
}

/// The stamps a memory keeps, by file.
fn stamps(memory: &Memory) -> BTreeMap<String, String> {
    let v = serde_json::to_value(memory).expect("json");
    let empty = Value::Object(Default::default());
    let kept = v["site"].get("stamps").unwrap_or(&empty);
    serde_json::from_value(kept.clone()).expect("stamps")
}

fn append(s: &Published, entry: &str) {
    s.home.open().expect("open").append(&[entry.as_bytes().to_vec()]).expect("append");
}

#[test]
fn a_file_found_with_its_stamp_is_not_read_again_and_one_changed_in_place_is() {
    use std::os::unix::fs::PermissionsExt;
    let s = published();
    s.update(false);
    // Whatever the umask, the site's files as a mirror of the checker's own would be (0644);
    // a file others may write is not stamped: they could write it through a shared mapping,
    // which need not change its times.
    let mode = |rel: &str, mode: u32| {
        std::fs::set_permissions(s.public.join(rel), std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    for rel in folder_files(&s.public) {
        mode(&rel, 0o644);
    }
    mode("record/2.html", 0o664);
    // Files changed less than two seconds before a check are not stamped: what is written in
    // the same tick of the file system's clock as a later change would look unchanged.
    let (first, fresh) = check(&s, &Counting::new(&s), None);
    assert!(first.faults.is_empty(), "{first:?}");
    assert!(!stamps(&fresh).contains_key("record/1.html"), "nothing settled yet: {:?}", stamps(&fresh));

    std::thread::sleep(std::time::Duration::from_millis(2_100));
    let (_, memory) = check(&s, &Counting::new(&s), None);
    let stamped = stamps(&memory);
    assert!(stamped.contains_key("record/1.html"), "{stamped:?}");
    assert!(!stamped.contains_key("record/2.html"), "writable by its group: {stamped:?}");

    // The log grows: record 1's page is left as it was, found by its stamp, and not opened.
    append(&s, "another writer's entry");
    s.update(false);
    let src = Counting::new(&s);
    let (since, next) = check(&s, &src, Some(&memory));
    assert!(since.faults.is_empty() && since.remembered, "{since:?}");
    assert_eq!(src.opened("record/1.html"), 0, "found by its stamp, not read");
    assert!(since.files_not_read > 0 && since.files_not_read <= since.pages_left, "{since:?}");
    assert!(src.opened("index.html") > 0, "what changed is read");
    assert_eq!(stamps(&next).get("record/1.html"), stamped.get("record/1.html"), "still the file verified");

    // Changed in place, to the same length, its modification time set back: read, and named.
    let path = s.public.join("record/1.html");
    let before = std::fs::read(&path).expect("read");
    let modified = std::fs::metadata(&path).expect("meta").modified().expect("mtime");
    let altered = String::from_utf8_lossy(&before).replacen("</main>", "</MAIN>", 1);
    assert_eq!(altered.len(), before.len());
    std::fs::write(&path, altered).expect("alter");
    std::fs::File::options().write(true).open(&path).expect("open").set_modified(modified).expect("set back");
    let src = Counting::new(&s);
    let (tampered, _) = check(&s, &src, Some(&memory));
    assert!(src.opened("record/1.html") > 0, "its stamp changed: read");
    assert!(tampered.faults.iter().any(|f| f.starts_with("record/1.html")), "{:?}", tampered.faults);

    // Put back as it was, by another file renamed over it: another inode, read, and it holds.
    let spare = s.public.join("record/1.html.new");
    std::fs::write(&spare, &before).expect("spare");
    std::fs::rename(&spare, &path).expect("rename");
    let src = Counting::new(&s);
    let (restored, _) = check(&s, &src, Some(&memory));
    assert!(src.opened("record/1.html") > 0, "another file: read");
    assert!(restored.faults.is_empty(), "{:?}", restored.faults);
}
