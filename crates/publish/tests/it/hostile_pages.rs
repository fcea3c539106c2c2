//! Pages a hostile site adds to flood the outside check: links repeated are followed once,
//! and a page linking to more pages than any the site makes is a fault, the rest unfollowed.

use publish::check::{check_report, folder_files};
use tlog::Dir;

#[test]
fn a_page_linking_to_too_many_pages_is_a_fault_and_a_link_repeated_is_followed_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_home, verifier, public) = crate::publish_flow::one_quarter_site(tmp.path());
    // The same missing page linked 100,000 times: one fault for it, none for the repetition.
    let repeated = "<a href=\"gone.html\">x</a>\n".repeat(100_000);
    std::fs::write(public.join("repeated.html"), repeated).expect("write");
    // 20,001 different missing pages: the first 20,000 followed, the last not.
    let many: String = (0..20_001).map(|i| format!("<a href=\"p{i}.html\">x</a>\n")).collect();
    std::fs::write(public.join("many.html"), many).expect("write");
    let report = check_report(&Dir::new(&public), &verifier, &[], &folder_files(&public), &mut |_| {}).expect("check");
    let faults = |what: &str| report.faults.iter().filter(|f| f.contains(what)).count();
    assert_eq!(faults("gone.html: linked but missing"), 1, "{:#?}", &report.faults[..5.min(report.faults.len())]);
    assert_eq!(faults("repeated.html: links to more"), 0);
    assert_eq!(faults("many.html: links to more than 20000 pages; the rest were not followed"), 1);
    assert_eq!(faults("p19999.html: linked but missing"), 1, "the 20,000th link is followed");
    assert_eq!(faults("p20000.html: linked but missing"), 0, "the 20,001st is not");
}
