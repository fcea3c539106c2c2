//! Four eyes as library calls: accepting a link that would make the active policy deny
//! something takes two reviewers; the first acceptance keeps the link proposed, the same
//! reviewer cannot be the second, another one confirms.

use std::path::Path;

fn lookalike(dir: &Path, stores: &app::stores::Stores) {
    let accounts = dir.join("more-accounts.csv");
    std::fs::write(
        &accounts,
        "account_id,legal_name,state\nacct-lookalike-1,Lakemoor County Sheriffs Office (fictional),MN\n",
    )
    .expect("accounts");
    app::organisations::import(stores, app::organisations::Source::Accounts, &[accounts], false, &mut |_, _, _| {})
        .expect("import");
    let cfg = app::organisations::screen_config(0.82).expect("threshold");
    app::organisations::screen_all(stores, &cfg).expect("screen");
    let usage = dir.join("more-usage.csv");
    std::fs::write(
        &usage,
        "account,month,service,capability,region_class,unit,quantity,cost,lines,first,last\n\
         acct-lookalike-1,2026-08,Amazon Rekognition,face_identification,commercial,Images,4200,4.2,42,2026-08-02,2026-08-30\n",
    )
    .expect("usage");
    app::billing::ingest_aggregate(stores, &[usage]).expect("ingest");
}

#[test]
fn a_link_that_makes_a_deny_needs_a_second_reviewer() {
    let demo = crate::demo();
    let stores = demo.stores();
    lookalike(&demo.dir, &stores);
    let today = app::notice::log::today();
    let index = app::review::QueueIndex::build(&stores, &today).expect("queue");
    let pairs = [("capability", "face_identification"), ("limit", "500")].map(|(k, v)| (k.to_string(), v.to_string()));
    let query = app::review::query_from_pairs(&pairs).expect("query");
    let page = index.page(&query);
    assert_eq!(page.total, 1, "only the look-alike uses face identification among the proposals");
    let item = page.rows[0].clone();
    assert!(!item.would_deny.is_empty(), "accepting it would make a deny: {:?}", item.would_deny);
    let ask = |reviewer: &'static str| app::review::decide::Ask {
        proposal_id: item.proposal_id,
        accept: true,
        org: None,
        reviewer,
        reason: "the same sheriff's office (a test, demonstration data)",
        overrides: false,
    };
    let store = stores.registry().expect("registry");
    let mut store = app::stores::lock(&store);
    let first = app::review::decide::decide(&mut **store, &index, &ask("reviewer-a"), true).expect("first");
    assert!(first.awaiting_second_reviewer && !first.confirmed, "{first:?}");

    // Built again over the registry this test holds (the stores' mutex is not re-entrant).
    let index = app::review::QueueIndex::build_from(&**store, &stores, &today).expect("queue");
    let again = app::review::decide::decide(&mut **store, &index, &ask("Reviewer-A"), true)
        .expect_err("the same person, spelled otherwise, is not a second reviewer");
    assert!(again.to_string().contains("second reviewer"), "{again}");
    let second = app::review::decide::decide(&mut **store, &index, &ask("reviewer-b"), true).expect("second");
    assert!(second.confirmed && !second.awaiting_second_reviewer, "{second:?}");
}
