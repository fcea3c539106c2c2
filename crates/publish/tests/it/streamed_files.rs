//! The downloads written as they are made (the FollowTheMoney file): an unchanged one is left
//! alone, a changed one replaced, and the outside check finds any byte changed, added or cut.

use publish::check::{check_report, folder_files};
use publish::site::write_site;
use tlog::Dir;

const FTM: &str = "data/disclosures.ftm.jsonl";

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
    assert!(!path.with_extension("candor-tmp").exists(), "no temporary file is left");

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
