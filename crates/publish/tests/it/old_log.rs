//! A log written by the release before the records crate renders into a report that the
//! outside check accepts, every record shown as its kind.

use std::path::{Path, PathBuf};

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../records/tests/data/log-before-records-crate")
}

#[test]
fn the_old_log_renders_and_passes_the_outside_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let public = dir.path().join("public");
    copy(&fixture().join("tile"), &public.join("tile"));
    for file in ["checkpoint", "vkey"] {
        std::fs::copy(fixture().join(file), public.join(file)).expect("copy");
    }
    let vkey = std::fs::read_to_string(public.join("vkey")).expect("vkey");
    let verifier = tlog::Verifier::from_vkey(vkey.trim()).expect("verifier");
    publish::site::write_site(&public, &verifier, "2026-12-06T00:00:00Z").expect("site");
    let files = publish::check::folder_files(&public);
    let report = publish::check::check_report(&tlog::Dir::new(public.clone()), &verifier, &[], &files, &mut |_| {})
        .expect("check");
    assert!(report.faults.is_empty(), "{:#?}", report.faults);
    assert!(report.records_on_pages > 0 && report.listed_records > 0);
    // Every record is shown as its kind: none as a record this format does not define.
    for page in files.iter().filter(|f| f.starts_with("record/")) {
        let html = std::fs::read_to_string(public.join(page)).expect("page");
        assert!(!html.contains("class=\"unrecognised\""), "{page} shows a record as unrecognised");
    }
}

/// Renders the report in `CANDOR_RERENDER` (a copy of a published folder) again, for
/// comparing a release's pages with this one's by hand; does nothing without it.
#[test]
fn rerender_a_published_folder_when_asked() {
    let Ok(dir) = std::env::var("CANDOR_RERENDER") else { return };
    let public = PathBuf::from(dir);
    let vkey = std::fs::read_to_string(public.join("vkey")).expect("vkey");
    let verifier = tlog::Verifier::from_vkey(vkey.trim()).expect("verifier");
    publish::site::write_site(&public, &verifier, "2026-12-06T00:00:00Z").expect("site");
}
