//! What two writers at once must not break, on both stores (two handles on one SQLite file,
//! two handles on one PostgreSQL database, each writing on a connection of its own): a proposal
//! decided by two reviewers at the same moment gets one decision and one conflict; one file
//! imported by two importers at once is stored once; a reader holding a moment sees one state
//! of the registry while another handle writes. And PostgreSQL keeps the registry's other
//! promises: history rows cannot be edited, deleted or truncated, and a dropped transaction
//! leaves nothing.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};

use registry::import::{self, ImportOptions};
use registry::model::{Account, Jurisdiction, Kind, NewOrganisation, Role, Status};
use registry::review::{Decision, decide};
use registry::{Error, Store};

use crate::backends::Backend;

/// A registry two handles can open: a SQLite file or a PostgreSQL database.
fn shared_place(b: &Backend, dir: &tempfile::TempDir) -> PathBuf {
    match b {
        Backend::Sqlite => dir.path().join("registry.db"),
        Backend::Postgres(admin) => PathBuf::from(b.scratch_url(admin)),
    }
}

fn org(store: &mut dyn Store, key: &str) -> i64 {
    let mut tx = store.begin().expect("tx");
    let id = tx
        .insert_organisation(&NewOrganisation {
            key: key.into(),
            name: format!("Fictional {key}"),
            kind: Kind::LocalAgency,
            jurisdiction: Jurisdiction::default(),
        })
        .expect("org");
    tx.commit().expect("commit");
    id
}

/// Proposals for `n` fictional accounts, each to its own organisation; their event ids.
fn proposals(store: &mut dyn Store, n: usize) -> Vec<i64> {
    for i in 0..n {
        let o = org(store, &format!("name:demo-{i}"));
        let mut tx = store.begin().expect("tx");
        tx.upsert_account(&Account {
            account_id: format!("demo-acct-{i}"),
            legal_name: format!("Demonstration Account {i}"),
            country: None,
            state: None,
            city: None,
            uei: None,
            domain: None,
        })
        .expect("account");
        tx.append_proposal(&format!("demo-acct-{i}"), o, 0.9, "name match", "screening", &[], None).expect("p");
        tx.commit().expect("commit");
    }
    store.link_events().expect("events").iter().filter(|e| e.status == Status::Proposed).map(|e| e.id).collect()
}

fn two_reviewers_deciding_one_proposal_give_one_decision_and_one_conflict(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let place = shared_place(b, &dir);
    let events = proposals(&mut registry::open(&place).expect("open"), 12);
    let (mut decided, mut conflicts) = (0, 0);
    for &event_id in &events {
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = ["reviewer-a", "reviewer-b"]
            .into_iter()
            .map(|reviewer| {
                let (place, barrier) = (place.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut store = registry::open(&place).expect("open");
                    barrier.wait();
                    let d = Decision {
                        event_id,
                        accept: reviewer == "reviewer-a",
                        org: None,
                        reviewer,
                        reason: "checked the evidence",
                        overrides: false,
                    };
                    decide(&mut store, &d)
                })
            })
            .collect();
        for h in handles {
            match h.join().expect("thread") {
                Ok(_) => decided += 1,
                Err(Error::Conflict(m)) => {
                    assert!(m.contains("already decided") || m.contains("decided meanwhile"), "{m}");
                    conflicts += 1;
                }
                Err(e) => panic!("neither a decision nor a conflict: {e}"),
            }
        }
    }
    assert_eq!((decided, conflicts), (events.len(), events.len()), "one decision and one conflict per proposal");
    // The history holds exactly one decision per proposal.
    let store = registry::open(&place).expect("open");
    let decisions = store.link_events().expect("events").into_iter().filter(|e| e.status != Status::Proposed).count();
    assert_eq!(decisions, events.len());
}

fn one_file_imported_by_two_importers_at_once_is_stored_once(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let place = shared_place(b, &dir);
    let csv = dir.path().join("accounts.csv");
    let mut text = String::from("account_id,legal_name,state\n");
    for i in 0..2_000 {
        text.push_str(&format!("demo-acct-{i},Demonstration Account {i},WA\n"));
    }
    std::fs::write(&csv, text).expect("write");
    drop(registry::open(&place).expect("create"));
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (place, barrier, csv) = (place.clone(), barrier.clone(), csv.clone());
            std::thread::spawn(move || {
                let mut store = registry::open(&place).expect("open");
                barrier.wait();
                import::import_accounts(&mut store, &csv, ImportOptions::default(), &mut |_, _| {}).expect("import")
            })
        })
        .collect();
    let reports: Vec<_> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
    assert_eq!(reports.iter().filter(|r| r.already_imported).count(), 1, "the second importer found it done");
    let counts = registry::open(&place).expect("open").counts().expect("counts");
    assert_eq!((counts.accounts, counts.imports), (2_000, 1));
}

fn history_cannot_be_edited_and_a_dropped_transaction_leaves_nothing(b: &Backend) {
    let mut store = b.store();
    let o = org(&mut store, "name:x");
    let mut tx = store.begin().expect("tx");
    tx.append_classification(o, Role::Agency, Status::Proposed, "test", "tester").expect("event");
    tx.commit().expect("commit");
    {
        let mut tx = store.begin().expect("tx");
        org_in(&mut *tx, "name:never");
        // Dropped without commit.
    }
    assert_eq!(store.counts().expect("counts").organisations, 1, "the dropped transaction stored nothing");
    if let Backend::Postgres(_) = b {
        // The same refusals SQLite's triggers give, from PostgreSQL's, to any client.
        let Backend::Postgres(admin) = b else { return };
        let url = b.scratch_url(admin);
        let mut s = registry::PgStore::connect(&url).expect("store");
        let o = org(&mut s, "name:y");
        let mut tx = s.begin().expect("tx");
        tx.append_classification(o, Role::Agency, Status::Proposed, "test", "tester").expect("event");
        tx.commit().expect("commit");
        let mut raw = postgres::Client::connect(&url, postgres::NoTls).expect("raw client");
        for sql in [
            "UPDATE registry.classification_events SET role = 'none'",
            "DELETE FROM registry.classification_events",
            "TRUNCATE registry.classification_events",
        ] {
            let err = raw.batch_execute(sql).expect_err("refused");
            let msg = err.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
            assert!(msg.contains("append-only"), "{sql}: {msg}");
        }
        assert_eq!(s.classification_events().expect("events").len(), 1);
    }
}

fn org_in(tx: &mut dyn registry::Tx, key: &str) {
    tx.insert_organisation(&NewOrganisation {
        key: key.into(),
        name: key.into(),
        kind: Kind::Company,
        jurisdiction: Jurisdiction::default(),
    })
    .expect("org");
}

/// A read moment: what a handle reads between `begin_read` and `end_read` is the registry as
/// it was at the first read, whatever another handle commits meanwhile (so a period is
/// published from one state of the registry).
fn a_read_moment_sees_one_state_of_the_registry(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let place = shared_place(b, &dir);
    let reader = registry::open(&place).expect("reader");
    let mut writer = registry::open(&place).expect("writer");
    org(&mut *writer, "name:before");
    reader.begin_read().expect("a moment");
    let at_first = reader.organisations().expect("read").len();
    org(&mut *writer, "name:during");
    assert_eq!(reader.organisations().expect("read").len(), at_first, "a write showed inside the moment");
    assert_eq!(reader.counts().expect("counts").organisations, at_first as u64, "counts see the same moment");
    reader.begin_read().expect("holding it again does nothing");
    reader.end_read().expect("ended");
    assert_eq!(reader.organisations().expect("read").len(), at_first + 1, "after the moment, the write shows");
    reader.end_read().expect("ending a moment not held does nothing");
    // The writer still writes once the moment ended (no lock left behind).
    org(&mut *writer, "name:after");
}

crate::on_both!(
    a_read_moment_sees_one_state_of_the_registry,
    two_reviewers_deciding_one_proposal_give_one_decision_and_one_conflict,
    one_file_imported_by_two_importers_at_once_is_stored_once,
    history_cannot_be_edited_and_a_dropped_transaction_leaves_nothing,
);
