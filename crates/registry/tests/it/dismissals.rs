//! Remembered dismissals, on both stores: a pair a reviewer rejected is not proposed again by
//! the next screening, nor the one after, until something new is known of it — a new
//! identifier or name of the account, a new public record of the organisation, a new candidate
//! beside rejected ones — and then the proposal's reason says what and after which rejection.
//! A rejection from before candor kept evidence stands; `registry migrate` carries the evidence.

use std::path::Path;

use registry::Store;
use registry::import::{self, ImportOptions};
use registry::model::{LinkEvent, Status};
use registry::review::{Decision, decide};
use registry::screen::{PROPOSED_AGAIN, ScreenConfig, ScreenReport, screen_all, why_proposed_again};

use crate::backends::Backend;

const HEADER: &str = "contract_award_unique_key,award_id_piid,recipient_uei,recipient_duns,recipient_name,recipient_name_raw,recipient_parent_name,recipient_parent_uei,awarding_agency_code,awarding_agency_name,awarding_sub_agency_code,awarding_sub_agency_name,funding_sub_agency_code,funding_sub_agency_name,total_obligated_amount,period_of_performance_start_date,period_of_performance_current_end_date,recipient_state_code,recipient_city_name,usaspending_permalink";

/// A fictional award of ICE (candor's reference agency code 7012) to `name` with `uei`.
fn award(key: &str, uei: &str, name: &str) -> String {
    format!(
        "{key},{key}-PIID,{uei},,{name},{name},,,070,Department of Homeland Security,7012,U.S. Immigration and \
         Customs Enforcement,7012,U.S. Immigration and Customs Enforcement,250000.00,2026-01-01,2026-12-31,MN,\
         EXAMPLEVILLE,"
    )
}

/// Imports `rows` as a USAspending file named `file` in `dir`.
fn awards(store: &mut dyn Store, dir: &Path, file: &str, rows: &[String]) {
    let path = dir.join(file);
    std::fs::write(&path, format!("{HEADER}\n{}\n", rows.join("\n"))).expect("write");
    import::import_usaspending(store, &path, ImportOptions::default(), &mut |_, _| {}).expect("awards");
}

/// Imports one account row (`account_id,legal_name,state,uei`) as a file named `file`.
fn account(store: &mut dyn Store, dir: &Path, file: &str, row: &str) {
    let path = dir.join(file);
    std::fs::write(&path, format!("account_id,legal_name,state,uei\n{row}\n")).expect("write");
    import::import_accounts(store, &path, ImportOptions::default(), &mut |_, _| {}).expect("accounts");
}

fn screen(store: &mut dyn Store) -> ScreenReport {
    screen_all(store, &ScreenConfig::default()).expect("screen")
}

/// The account's latest proposal from the screening.
fn latest_proposal(store: &dyn Store, account: &str) -> LinkEvent {
    let events = store.link_events().expect("events");
    events
        .into_iter()
        .rfind(|e| e.account_id == account && e.status == Status::Proposed && e.actor == "candor:screen")
        .expect("a proposal")
}

/// Rejects the proposal `id`; returns the rejection's event.
fn reject(store: &mut dyn Store, id: i64) -> i64 {
    let d = Decision {
        event_id: id,
        accept: false,
        org: None,
        reviewer: "reviewer-1",
        reason: "not the same body",
        overrides: false,
    };
    decide(store, &d).expect("reject")
}

/// Screens, expecting one proposal made again after `rejection` for `news`; returns it.
fn proposed_again(store: &mut dyn Store, account: &str, rejection: i64, news: &str) -> LinkEvent {
    let r = screen(store);
    assert_eq!((r.queued, r.again, r.dismissed), (1, 1, 0), "{r:?}");
    let p = latest_proposal(store, account);
    let why = format!("after the rejection in event {rejection}: {news}");
    assert!(p.reason.starts_with(&format!("proposed again {why}")), "{}", p.reason);
    assert!(p.reason.starts_with(PROPOSED_AGAIN));
    // The queue decides it on its new proposal, and says why it came back.
    let queued = registry::review::queue(store).expect("queue");
    let link = queued.iter().find(|l| l.latest.account_id == account).expect("queued");
    assert_eq!(link.proposal.as_ref().map(|e| e.id), Some(p.id));
    let again = why_proposed_again(store, [&p]).expect("why");
    assert_eq!(again.get(&p.id).map(String::as_str), Some(why.as_str()));
    p
}

/// Screens, expecting the rejected pair not to be proposed again.
fn stays_dismissed(store: &mut dyn Store) {
    let r = screen(store);
    assert_eq!((r.queued, r.again, r.dismissed), (0, 0, 1), "{r:?}");
    assert_eq!(r.proposals.len(), 1, "the matcher still finds it: {r:?}");
}

fn a_rejected_pair_comes_back_only_with_new_evidence_saying_what(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut store = b.store();
    let s: &mut dyn Store = &mut store;
    import::import_reference(s, None).expect("reference");
    awards(s, d, "awards.csv", &[award("TEST_AWD_1", "TESTUEI00001", "EXAMPLE DETENTION LOGISTICS LLC")]);
    account(s, d, "accounts.csv", "acct-1,Example Detention Logistics L.L.C.,MN,");
    let first = screen(s);
    assert_eq!((first.queued, first.again, first.dismissed), (1, 0, 0), "{first:?}");
    let p = latest_proposal(s, "acct-1");
    assert!(!p.reason.starts_with(PROPOSED_AGAIN), "{}", p.reason);
    let org = p.org_id;

    // Rejected: the next screening does not propose it again, nor the one after.
    let rejection = reject(s, p.id);
    stays_dismissed(s);
    stays_dismissed(s);

    // A new identifier of the account brings it back, naming the identifier and the rejection.
    account(s, d, "accounts-2.csv", "acct-1,Example Detention Logistics L.L.C.,MN,TESTUEI00002");
    let p = proposed_again(s, "acct-1", rejection, "a new identifier uei:TESTUEI00002 of the account");
    assert_eq!(p.org_id, org);
    let rejection = reject(s, p.id);
    stays_dismissed(s);

    // A new name of the account.
    account(s, d, "accounts-3.csv", "acct-1,Example Detention Logistics Limited Liability Company,MN,TESTUEI00002");
    let p = proposed_again(
        s,
        "acct-1",
        rejection,
        "a new name \"Example Detention Logistics Limited Liability Company\" of the account (was \"Example \
         Detention Logistics L.L.C.\")",
    );
    let rejection = reject(s, p.id);
    stays_dismissed(s);

    // A new public record of the organisation: another award imported for it.
    awards(s, d, "awards-2.csv", &[award("TEST_AWD_2", "TESTUEI00001", "EXAMPLE DETENTION LOGISTICS LLC")]);
    let p = proposed_again(
        s,
        "acct-1",
        rejection,
        &format!(
            "a new public record of #{org} EXAMPLE DETENTION LOGISTICS LLC (the newest: contract_award TEST_AWD_2, \
             awards-2.csv line 2)"
        ),
    );
    // Waiting in the queue, it is not proposed a second time.
    let r = screen(s);
    assert_eq!((r.queued, r.again, r.dismissed), (0, 0, 0), "{r:?}");
    // Confirmed, it stays confirmed.
    let d =
        Decision { event_id: p.id, accept: true, org: None, reviewer: "reviewer-2", reason: "same", overrides: false };
    decide(s, &d).expect("accept");
    let r = screen(s);
    assert_eq!((r.queued, r.again, r.dismissed), (0, 0, 0), "{r:?}");
    assert_eq!(registry::review::confirmed(s).expect("confirmed").len(), 1);
}

fn an_ambiguous_proposal_is_dismissed_per_candidate_and_a_new_candidate_brings_it_back(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut store = b.store();
    let s: &mut dyn Store = &mut store;
    import::import_reference(s, None).expect("reference");
    // One name, two registrations (two UEIs) in one state: two organisations.
    awards(
        s,
        d,
        "awards.csv",
        &[
            award("TEST_AWD_1", "TESTUEI00011", "NORTHWIND HAULAGE LLC"),
            award("TEST_AWD_2", "TESTUEI00012", "NORTHWIND HAULAGE LLC"),
        ],
    );
    account(s, d, "accounts.csv", "acct-2,Northwind Haulage LLC,MN,");
    assert_eq!(screen(s).queued, 1);
    let p = latest_proposal(s, "acct-2");
    assert_eq!(p.candidates.len(), 2, "{p:?}");
    let rejection = reject(s, p.id);
    stays_dismissed(s);

    // A third registration of the name: a new candidate beside the two rejected ones.
    awards(s, d, "awards-2.csv", &[award("TEST_AWD_3", "TESTUEI00013", "NORTHWIND HAULAGE LLC")]);
    let third = s.identifiers().expect("ids").into_iter().find(|(_, _, v)| v == "TESTUEI00013").expect("third").0;
    let p = proposed_again(s, "acct-2", rejection, &format!("a new candidate #{third} NORTHWIND HAULAGE LLC"));
    assert_eq!(p.candidates.len(), 3, "every candidate is listed, the rejected ones too: {p:?}");
}

fn a_customer_cannot_bring_a_rejected_pair_back_by_rewriting_or_flip_flopping_its_fields(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut store = b.store();
    let s: &mut dyn Store = &mut store;
    import::import_reference(s, None).expect("reference");
    awards(s, d, "awards.csv", &[award("TEST_AWD_1", "TESTUEI00001", "EXAMPLE DETENTION LOGISTICS LLC")]);
    account(s, d, "accounts.csv", "acct-1,Example Detention Logistics L.L.C.,MN,TESTUEI00002");
    assert_eq!(screen(s).queued, 1);
    let p = latest_proposal(s, "acct-1");
    let rejection = reject(s, p.id);
    stays_dismissed(s);

    // The same name and identifier in capitals, other spacing or punctuation, full width: the
    // screening reads them as before, so nothing is new.
    for (i, row) in [
        "acct-1,EXAMPLE DETENTION LOGISTICS L.L.C.,MN,TESTUEI00002",
        "acct-1,Example  Detention  Logistics LLC,MN,TESTUEI00002",
        "acct-1,Example Detention Logistics L.L.C.,mn,testuei00002",
        "acct-1,Ｅｘａｍｐｌｅ Detention Logistics L.L.C.,MN,TESTUEI00002",
    ]
    .iter()
    .enumerate()
    {
        account(s, d, &format!("cosmetic-{i}.csv"), row);
        stays_dismissed(s);
    }

    // A truly new identifier comes back once; going back to one a reviewer was shown before
    // does not, so flip-flopping a field cannot keep the pair in the queue.
    account(s, d, "accounts-2.csv", "acct-1,Example Detention Logistics L.L.C.,MN,TESTUEI00003");
    let p =
        proposed_again(s, "acct-1", rejection, "a new identifier uei:TESTUEI00003 of the account (was TESTUEI00002)");
    reject(s, p.id);
    stays_dismissed(s);
    for round in 0..3 {
        for uei in ["TESTUEI00002", "TESTUEI00003"] {
            account(
                s,
                d,
                &format!("flip-{round}-{uei}.csv"),
                &format!("acct-1,Example Detention Logistics L.L.C.,MN,{uei}"),
            );
            stays_dismissed(s);
        }
    }
}

fn a_rejection_from_before_evidence_was_kept_stands(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut store = b.store();
    let s: &mut dyn Store = &mut store;
    import::import_reference(s, None).expect("reference");
    awards(s, d, "awards.csv", &[award("TEST_AWD_1", "TESTUEI00001", "EXAMPLE DETENTION LOGISTICS LLC")]);
    account(s, d, "accounts.csv", "acct-1,Example Detention Logistics L.L.C.,MN,");
    let org = s.identifiers().expect("ids").into_iter().find(|(_, _, v)| v == "TESTUEI00001").expect("org").0;
    // As an older candor stored it: a proposal without evidence, then rejected.
    let mut tx = s.begin().expect("tx");
    tx.append_proposal("acct-1", org, 0.95, "name match", "candor:screen", &[], None).expect("proposal");
    tx.commit().expect("commit");
    let p = latest_proposal(s, "acct-1");
    reject(s, p.id);
    stays_dismissed(s);
    // Nothing is known of what that proposal saw, so nothing is known to be new.
    account(s, d, "accounts-2.csv", "acct-1,Example Detention Logistics L.L.C.,MN,TESTUEI00002");
    stays_dismissed(s);
}

fn a_dismissal_is_remembered_after_the_registry_moves_to_postgresql(b: &Backend) {
    let Backend::Postgres(admin) = b else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let file = d.join("registry.db");
    let proposal = {
        let mut lite = registry::SqliteStore::open(&file).expect("sqlite");
        let s: &mut dyn Store = &mut lite;
        import::import_reference(s, None).expect("reference");
        awards(s, d, "awards.csv", &[award("TEST_AWD_1", "TESTUEI00001", "EXAMPLE DETENTION LOGISTICS LLC")]);
        account(s, d, "accounts.csv", "acct-1,Example Detention Logistics L.L.C.,MN,");
        screen(s);
        let p = latest_proposal(s, "acct-1");
        reject(s, p.id);
        p.id
    };
    let url = b.scratch_url(admin);
    registry::moving::to_postgres(&file, &url, &mut |_, _| {}).expect("migrate");
    let lite = registry::SqliteStore::open(&file).expect("sqlite");
    let mut post = registry::PgStore::connect(&url).expect("postgres");
    let evidence = lite.link_evidence(&[proposal]).expect("evidence");
    assert_eq!(evidence.len(), 1);
    assert_eq!(post.link_evidence(&[proposal]).expect("evidence"), evidence);
    stays_dismissed(&mut post);
    account(&mut post, d, "accounts-2.csv", "acct-1,Example Detention Logistics L.L.C.,MN,TESTUEI00002");
    let rejection = post.link_events().expect("events").last().map(|e| e.id).expect("rejection");
    proposed_again(&mut post, "acct-1", rejection, "a new identifier uei:TESTUEI00002 of the account");
}

crate::on_both!(
    a_rejected_pair_comes_back_only_with_new_evidence_saying_what,
    an_ambiguous_proposal_is_dismissed_per_candidate_and_a_new_candidate_brings_it_back,
    a_rejection_from_before_evidence_was_kept_stands,
    a_customer_cannot_bring_a_rejected_pair_back_by_rewriting_or_flip_flopping_its_fields,
    a_dismissal_is_remembered_after_the_registry_moves_to_postgresql,
);
