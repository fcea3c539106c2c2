//! Pages stay small when many organisations use a capability over several periods: the
//! capability page's "Over time" table is paged like its listing, every organisation on exactly
//! one of its pages, and the outside check follows and accepts them all.

use publish::append::{Options, publish};
use publish::check::{check_report, folder_files};
use publish::gather::{Period, gather};
use publish::site::write_site;
use registry::model::{Kind, Role, Status};
use registry::{SqliteStore, Store};
use tlog::{Dir, LocalLog};

use crate::publish_flow::{ORIGIN, add_account, add_org, row};

const ORGS: usize = 450;

#[test]
fn a_capability_used_by_hundreds_over_two_periods_is_shown_page_by_page() {
    let mut store = SqliteStore::in_memory().expect("store");
    let mut tx = store.begin().expect("tx");
    let mut usage = Vec::new();
    for i in 0..ORGS {
        let name = format!("Example County Police Department {i:03} (fictional)");
        let org = add_org(
            &mut *tx,
            &format!("t:{i}"),
            &name,
            Kind::LocalAgency,
            Some((Role::Agency, Status::Confirmed, "test")),
        );
        let account = format!("acct-{i:03}");
        add_account(&mut *tx, &account, org, Status::Confirmed);
        usage.push(row(&account, "2026-04", "compute", 10.0 + i as f64));
        usage.push(row(&account, "2026-07", "compute", 20.0 + i as f64));
    }
    tx.commit().expect("commit");
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let opts = Options { demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
    for period in ["2026-Q2", "2026-Q3"] {
        let data = gather(&store, &usage, &Period::parse(period).expect("period")).expect("gather");
        publish(&mut writer, &data, None, &opts).expect("publish");
    }
    drop(writer);
    let verifier = home.verifier().expect("verifier");
    let public = home.public_dir();
    write_site(&public, &verifier, "2026-10-01T00:00:00Z").expect("site");

    let read = |rel: &str| std::fs::read_to_string(public.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let first = read("capability/compute.html");
    assert!(first.contains("<h2>Over time</h2>"), "two periods: the table is there");
    assert!(first.contains("href=\"compute/over-time/2.html\"") && first.contains("href=\"compute/over-time/3.html\""));
    let mut shown = 0;
    for (k, page) in [
        (1, first.clone()),
        (2, read("capability/compute/over-time/2.html")),
        (3, read("capability/compute/over-time/3.html")),
    ] {
        let table = &page[page.find("<h2>Over time</h2>").or_else(|| page.find("<table>")).expect("table")..];
        let table = &table[..table.find("</table>").expect("end")];
        let rows = table.matches("<th scope=\"row\">").count();
        assert!(rows <= 200, "page {k}: {rows} rows");
        // Links from a page under capability/compute/over-time/ reach the organisations' pages.
        if k > 1 {
            assert!(table.contains("href=\"../../../org/example-county-police-department-"), "page {k}");
        }
        shown += rows;
    }
    assert_eq!(shown, ORGS, "every organisation on exactly one page of the table");
    assert!(!public.join("capability/compute/over-time/4.html").exists());

    let report = check_report(&Dir::new(&public), &verifier, &[], &folder_files(&public), &mut |_| {}).expect("check");
    assert!(report.faults.is_empty(), "{:?}", report.faults);
    assert!(report.pages > ORGS * 2, "the check followed the pages: {}", report.pages);
}
