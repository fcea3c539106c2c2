//! The site's model reads entries it does not hold from the log's bundles: every entry read in
//! order is the log's, and one read again that is not the leaf the log's tree holds is refused
//! (the writing fails), never shown.

use std::ops::ControlFlow;

use publish::entries::read_all;
use publish::site::Entries;
use tlog::{Dir, HashLevels, LocalLog, leaf_hash};

#[test]
fn entries_read_again_from_the_bundles_are_the_logs_and_a_wrong_one_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init("test.example/log").expect("init");
    // Three bundles, the last one partial.
    let entries: Vec<Vec<u8>> = (0..600).map(|i| format!("{{\"n\":{i}}}").into_bytes()).collect();
    writer.append(&entries).expect("append");
    let public = home.public_dir();
    let size = entries.len() as u64;
    let stored = Entries::bundles(Box::new(Dir::new(&public)), size);
    assert_eq!(stored.len(), size);
    let mut seen = Vec::new();
    stored
        .for_each_except(&|_| false, &mut |i, e| {
            seen.push((i, e.to_vec()));
            ControlFlow::Continue(())
        })
        .expect("read in order");
    let want: Vec<(u64, Vec<u8>)> = entries.iter().cloned().enumerate().map(|(i, e)| (i as u64, e)).collect();
    assert_eq!(seen, want);
    // Entries the caller knows are not given: the first bundle whole, and every even one.
    let known = |i: u64| i < 256 || i.is_multiple_of(2);
    seen.clear();
    stored
        .for_each_except(&known, &mut |i, e| {
            seen.push((i, e.to_vec()));
            ControlFlow::Continue(())
        })
        .expect("read in order");
    let want: Vec<(u64, Vec<u8>)> = want.into_iter().filter(|(i, _)| !known(*i)).collect();
    // Read until it breaks, and no further.
    let mut given = 0;
    stored
        .for_each_except(&|_| false, &mut |_, _| {
            given += 1;
            if given == 300 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        })
        .expect("read");
    assert_eq!(given, 300);
    assert_eq!(seen.first().map(|s| s.0), Some(257));
    assert_eq!(seen, want);
    let all = read_all(&Dir::new(&public), size).expect("read all");
    assert_eq!(all.len(), entries.len());

    let tree = HashLevels::from_leaves(entries.iter().map(|e| leaf_hash(e)).collect());
    // Out of order, across bundles, and back.
    for i in [599, 0, 300, 255, 256, 511, 512, 1] {
        assert_eq!(&*stored.get(i, &tree), &entries[i as usize][..], "entry {i}");
    }
    assert!(stored.read_error().is_ok());

    // A tree whose leaf 300 is another entry's: that entry is not shown, and the error stays
    // until asked for.
    let mut leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    leaves[300] = leaf_hash(b"something else");
    let other = HashLevels::from_leaves(leaves);
    assert!(stored.get(300, &other).is_empty(), "a wrong entry is not given");
    assert_eq!(&*stored.get(301, &other), &entries[301][..]);
    let err = stored.read_error().expect_err("the wrong entry is reported");
    assert!(err.to_string().contains("300"), "{err}");
    assert!(stored.read_error().is_ok(), "reported once");

    // An entry past the log's end is refused too.
    assert!(stored.get(size, &tree).is_empty());
    assert!(stored.read_error().is_err());
}
