//! The downloads written as they are made (the FollowTheMoney file): an unchanged one is left
//! alone, a changed one replaced, and the outside check finds any byte changed, added or cut.

use publish::check::{check_report, folder_files};
use publish::site::write_site;
use tlog::Dir;

const FTM: &str = "data/disclosures.ftm.jsonl";

/// Where a file of the site is written before it is renamed into its place.
fn temporary(path: &std::path::Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".candor-tmp");
    name.into()
}

#[test]
fn a_streamed_download_is_left_when_unchanged_replaced_when_not_and_checked_to_the_byte() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_home, verifier, public) = crate::publish_flow::one_quarter_site(tmp.path());
    let path = public.join(FTM);
    let honest = std::fs::read(&path).expect("ftm");
    assert!(honest.ends_with(b"\n") && honest.len() > 100, "{}", String::from_utf8_lossy(&honest));
    let check = || {
        let report =
            check_report(&Dir::new(&public), &verifier, &[], &folder_files(&public), &mut |_| {}).expect("check");
        report.faults
    };
    assert!(check().is_empty(), "{:#?}", check());

    // Written again unchanged: the file is left as it was (its modification time too).
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    std::fs::File::options().write(true).open(&path).expect("open").set_modified(old).expect("set time");
    write_site(&public, &verifier, "2026-10-01T00:00:00Z").expect("site again");
    assert_eq!(std::fs::metadata(&path).expect("meta").modified().expect("time"), old, "left alone");
    assert!(!temporary(&path).exists(), "no temporary file is left");

    let mut flipped = honest.clone();
    flipped[honest.len() / 2] ^= 1;
    let mut longer = honest.clone();
    longer.extend_from_slice(b"{}\n");
    let shorter = honest[..honest.len() - 1].to_vec();
    for (what, bytes) in [("a byte changed", flipped), ("a line added", longer), ("the last byte cut", shorter)] {
        std::fs::write(&path, &bytes).expect("tamper");
        let faults = check();
        assert!(faults.iter().any(|f| f.starts_with(FTM)), "{what}: {faults:#?}");
        // Writing the site puts the log's file back.
        write_site(&public, &verifier, "2026-10-01T00:00:00Z").expect("site");
        assert_eq!(std::fs::read(&path).expect("ftm"), honest, "{what}: written back");
    }
    assert!(check().is_empty(), "{:#?}", check());
}

/// Every page of a writing is written beside its place before the first is renamed into it: a
/// writing that fails on the way leaves the earlier pages whole (and the earlier list), and no
/// temporary file.
#[test]
fn a_writing_that_fails_before_its_renames_leaves_the_earlier_site_whole() {
    let s = crate::site_stamp::published();
    s.update(false);
    crate::kept_history::append(&s, &[br#"{"note":"not a candor record"}"#.to_vec()]);
    // Its pages and the list of its files (downloads are renamed as they are made).
    let pages = |public: &std::path::Path| {
        let mut files = crate::site_stamp::site_files(public);
        files.retain(|rel, _| rel.ends_with(".html") || rel == publish::site::FILE_LIST);
        files
    };
    let before = pages(&s.public);
    assert!(before.len() > 5);
    // The file list's temporary is a folder: the writing fails when it writes the list, last.
    let list = s.public.join(publish::site::FILE_LIST);
    std::fs::create_dir(temporary(&list)).expect("a folder in the way");
    publish::site::update_site(&s.public, &s.stamp, &s.verifier, "2026-10-01T00:00:00Z", false)
        .expect_err("the list cannot be written");
    assert_eq!(pages(&s.public), before, "the earlier pages, whole");
    let left: Vec<String> = folder_files(&s.public).into_iter().filter(|f| f.contains("candor-tmp")).collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    std::fs::remove_dir(temporary(&list)).expect("out of the way");
    s.update(false);
    assert_ne!(pages(&s.public), before, "written once it can be");
    let report = check_report(&Dir::new(&s.public), &s.verifier, &[], &folder_files(&s.public), &mut |_| {});
    assert!(report.expect("check").faults.is_empty());
}

/// A link where a page's temporary file goes is removed, not followed: the writing writes
/// nothing outside the site's folder.
#[cfg(unix)]
#[test]
fn a_link_in_a_temporary_files_place_is_not_followed() {
    let s = crate::site_stamp::published();
    s.update(false);
    crate::kept_history::append(&s, &[br#"{"note":"not a candor record"}"#.to_vec()]);
    let outside = s.tmp.path().join("outside.txt");
    std::fs::write(&outside, "left alone").expect("outside");
    std::os::unix::fs::symlink(&outside, temporary(&s.public.join("index.html"))).expect("link");
    s.update(false);
    assert_eq!(std::fs::read_to_string(&outside).expect("outside"), "left alone");
    assert!(!temporary(&s.public.join("index.html")).exists());
    let report = check_report(&Dir::new(&s.public), &s.verifier, &[], &folder_files(&s.public), &mut |_| {});
    assert!(report.expect("check").faults.is_empty());
}
