//! Interoperability with a log written by another implementation (transparency-dev/tessera's
//! POSIX driver): we verify it, and we reproduce it byte for byte from its entries and key.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tlog::{Dir, LogWriter, MemStorage, Signer, Verifier, verify_log};

const VKEY: &str = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
const SKEY: &str = "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";
const ENTRIES: [&str; 15] = [
    "one", "two", "three", "four", "five", "six", "seven", "eit", "nain", "ten", "ileven", "twelf", "threeten",
    "fourten", "fivten",
];

/// The tessera test log beside the checkout, or `None` (the test then skips, saying why).
fn tessera_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/tessera-log");
    if dir.join("checkpoint").exists() {
        Some(dir)
    } else {
        crate::skip(&format!("{} is absent", dir.display()));
        None
    }
}

fn files_under(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("prefix").to_string_lossy().into_owned();
                out.insert(rel, fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn verifies_the_tessera_log_with_all_its_older_checkpoints() {
    let Some(dir) = tessera_dir() else { return };
    let v = Verifier::from_vkey(VKEY).expect("vkey");
    let trusted: Vec<Vec<u8>> =
        (0..=15).map(|n| fs::read(dir.join(format!("checkpoint.{n}"))).expect("checkpoint.N")).collect();
    let report = verify_log(&Dir::new(&dir), &v, &trusted, &mut |_, _| {}).expect("verify");
    assert_eq!(report.checkpoint.size, 15);
    assert_eq!(report.entries, 15);
    assert_eq!(report.trusted.len(), 16);
}

#[test]
fn reproduces_the_tessera_log_byte_for_byte() {
    let Some(dir) = tessera_dir() else { return };
    let signer = Signer::from_private_key(SKEY).expect("skey");
    assert_eq!(signer.verifier().to_vkey(), VKEY);
    let mem = MemStorage::new();
    let mut log = LogWriter::create(mem.clone(), signer).expect("create");
    assert_eq!(log.checkpoint(), fs::read(dir.join("checkpoint.0")).expect("checkpoint.0"));
    for (i, e) in ENTRIES.iter().enumerate() {
        log.append(&[e.as_bytes()]).expect("append");
        let n = i + 1;
        assert_eq!(
            String::from_utf8_lossy(log.checkpoint()),
            fs::read_to_string(dir.join(format!("checkpoint.{n}"))).expect("checkpoint.N"),
            "checkpoint after entry {n}"
        );
    }
    // Every tile and bundle tessera wrote, and nothing else.
    let ours: BTreeMap<String, Vec<u8>> = mem.snapshot().into_iter().filter(|(p, _)| p.starts_with("tile/")).collect();
    let theirs = files_under(&dir);
    let theirs: BTreeMap<String, Vec<u8>> = theirs.into_iter().filter(|(p, _)| p.starts_with("tile/")).collect();
    assert_eq!(ours.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>());
    for (path, bytes) in &theirs {
        assert_eq!(&ours[path], bytes, "{path} differs");
    }
    assert_eq!(mem.snapshot()["checkpoint"], fs::read(dir.join("checkpoint")).expect("checkpoint"));
}

#[test]
fn a_changed_byte_in_a_copy_of_the_tessera_log_is_found() {
    let Some(dir) = tessera_dir() else { return };
    let v = Verifier::from_vkey(VKEY).expect("vkey");
    for (victim, expect) in [
        ("tile/entries/000.p/15", "entry 3"),
        ("tile/0/000.p/15", "hash 3 of tile/0/000.p/15"),
        ("checkpoint", "signature"),
    ] {
        let copy = tempfile::tempdir().expect("tempdir");
        for (rel, bytes) in files_under(&dir) {
            let p = copy.path().join(&rel);
            fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            fs::write(p, bytes).expect("write");
        }
        let p = copy.path().join(victim);
        let mut bytes = fs::read(&p).expect("read");
        // Entry 3 ("four") starts at byte 2+3 + 2+3 + 2+5 + 2 = 19 of the bundle; hash 3 at byte 96.
        let at = match victim {
            "tile/entries/000.p/15" => 19,
            "tile/0/000.p/15" => 96,
            _ => 30,
        };
        bytes[at] ^= 1;
        fs::write(&p, bytes).expect("write");
        let err = verify_log(&Dir::new(copy.path()), &v, &[], &mut |_, _| {}).expect_err(victim);
        assert!(err.to_string().contains(expect), "{victim}: {err}");
    }
}
