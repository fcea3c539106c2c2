//! The outside check reads some files twice (an entry bundle when the log is checked and when
//! the site's model is built; a page when the site is compared and when its sections are
//! checked). A host that serves other bytes the second time is caught either way: entries read
//! again must be the leaves of the signed tree, and a file read again must hold what the
//! comparison found.

use std::collections::BTreeMap;
use std::sync::Mutex;

use publish::check::{check_report_since, folder_files};
use tlog::{Dir, ReadStorage};

use crate::site_stamp::published;

/// A folder that serves `path` altered by `alter` from its second reading on.
struct SecondTimeOtherwise {
    dir: Dir,
    path: String,
    alter: fn(Vec<u8>) -> Vec<u8>,
    reads: Mutex<BTreeMap<String, usize>>,
}

impl ReadStorage for SecondTimeOtherwise {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, tlog::Error> {
        let n = {
            let mut reads = self.reads.lock().expect("lock");
            let n = reads.entry(path.to_string()).or_default();
            *n += 1;
            *n
        };
        let bytes = self.dir.read(path)?;
        Ok(if path == self.path && n > 1 { bytes.map(self.alter) } else { bytes })
    }
}

fn faults_served(path: &str, alter: fn(Vec<u8>) -> Vec<u8>) -> Vec<String> {
    let s = published();
    s.update(false);
    let src = SecondTimeOtherwise {
        dir: Dir::new(s.public.clone()),
        path: path.into(),
        alter,
        reads: Mutex::new(BTreeMap::new()),
    };
    let files = folder_files(&s.public);
    let plain =
        check_report_since(&Dir::new(s.public.clone()), &s.verifier, &[], &files, None, &mut |_| {}).expect("check").0;
    assert!(plain.faults.is_empty(), "{:?}", plain.faults);
    match check_report_since(&src, &s.verifier, &[], &files, None, &mut |_| {}) {
        Ok((r, _)) => r.faults,
        Err(e) => vec![e.to_string()],
    }
}

#[test]
fn an_entry_bundle_served_otherwise_the_second_time_is_not_the_trees_leaf() {
    // The log's only bundle, a byte of its last entry changed.
    let s = published();
    let size = s.home.latest_checkpoint().expect("latest").1.size;
    drop(s);
    let path = format!("tile/entries/000.p/{size}");
    let faults = faults_served(&path, |mut b| {
        let i = b.len() - 3;
        b[i] ^= 1;
        b
    });
    assert!(faults.iter().any(|f| f.contains("not the entry the log's tree holds")), "{faults:?}");
}

#[test]
fn a_page_served_otherwise_the_second_time_changed_while_it_was_checked() {
    let faults = faults_served("record/1.html", |b| {
        String::from_utf8_lossy(&b).replacen("</main>", "<p>x</p></main>", 1).into_bytes()
    });
    assert!(faults.iter().any(|f| f.starts_with("record/1.html: changed while it was checked")), "{faults:?}");
}
