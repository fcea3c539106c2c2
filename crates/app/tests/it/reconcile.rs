//! Reconciliation against the real FedRAMP Marketplace file, on a registry of fictional
//! accounts: a provider file naming two real offerings (AWS US East/West and AWS GovCloud, by
//! id and by name) lists every law-enforcement agency the file ties to them — by an independent
//! count (Python's `json` over the file, the agencies whose `auths` hold either id and whose
//! name the reference lists as a law-enforcement agency): CBP, FLETC, ICE, BOP — each without a
//! linked account, since no account here is theirs. Nothing is published.

use std::path::{Path, PathBuf};

use app::organisations::Source;
use app::stores::Stores;

fn marketplace() -> Option<PathBuf> {
    let f =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/fedramp/fedramp-marketplace-2025-01-30.json");
    if f.is_file() {
        return Some(f);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "nothing may be skipped under CI=true: {} is absent",
        f.display()
    );
    eprintln!("skipped: {} is absent", f.display());
    None
}

#[test]
fn every_law_enforcement_agency_a_public_record_ties_to_the_offerings_is_listed() {
    let Some(file) = marketplace() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let stores =
        Stores::default().with_registry(dir.path().join("registry.db")).with_usage(dir.path().join("usage.db"));
    let mut none = |_: &Path, _: u64, _: u64| {};
    app::organisations::import(&stores, Source::Reference, &[], false, &mut none).expect("reference");
    app::organisations::import(&stores, Source::Fedramp, &[file], false, &mut none).expect("fedramp");
    let accounts = dir.path().join("accounts.csv");
    // An ordinary (fictional) company, and an account named like an agency that authorized the
    // offering (a screening test: no usage, never confirmed, nothing published).
    std::fs::write(
        &accounts,
        "account_id,legal_name,state\nacct-1,Example Bakery LLC (fictional),MN\nacct-2,US Immigration and Customs Enforcement,\n",
    )
    .expect("accounts");
    app::organisations::import(&stores, Source::Accounts, &[accounts], false, &mut none).expect("accounts");
    let provider = dir.path().join("provider.toml");
    std::fs::write(
        &provider,
        "name = \"A provider under test\"\nfedramp_offerings = [\"AGENCYAMAZONEW\", \"AWS GovCloud\"]\n",
    )
    .expect("provider");
    let req = app::reconcile::ReconcilePeriod {
        period: publish::gather::Period::parse("2026-Q3").expect("period"),
        log_dir: dir.path().join("log"),
        provider: provider.clone(),
    };
    let table = app::reconcile::reconcile_period(&stores, &req).expect("reconciled");
    assert_eq!(table.offerings, ["AGENCYAMAZONEW", "F1603047866"], "the name resolved to its id");
    let names: Vec<&str> = table.rows.iter().map(|r| r.tie.organisation.as_str()).collect();
    assert_eq!(
        names,
        [
            "Federal Bureau of Prisons",
            "Federal Law Enforcement Training Centers",
            "U.S. Customs and Border Protection",
            "U.S. Immigration and Customs Enforcement",
        ]
    );
    for r in &table.rows {
        assert_eq!(r.status, reconcile::Status::NoLinkedAccount { awaiting_review: false }, "{}", r.tie.organisation);
        assert!(
            r.tie
                .public_records
                .iter()
                .all(|p| p.record == "FedRAMP Marketplace" && p.entry.contains("/data/Agencies/"))
        );
    }
    // ICE authorized both offerings: two entries, each with its date.
    let ice = &table.rows[3];
    assert_eq!(ice.tie.public_records.len(), 2);
    assert!(ice.tie.public_records.iter().all(|p| p.date.as_deref().is_some_and(|d| d.len() == 10)));

    // The screening proposes the second account's link with the public record beside it.
    let screened = app::organisations::screen_all(&stores, &app::organisations::screen_config(0.82).expect("cfg"))
        .expect("screen");
    assert_eq!((screened.accounts, screened.proposals.len()), (2, 1), "{screened:?}");
    let index = app::review::QueueIndex::build(&stores, "2026-12-06").expect("queue");
    let page = index.page(&app::review::query_from_pairs(&[]).expect("query"));
    let ids: Vec<&str> = page.rows.iter().map(|i| i.account.id.as_str()).collect();
    let item = page.rows.iter().find(|i| i.account.id == "acct-2").unwrap_or_else(|| panic!("not proposed: {ids:?}"));
    assert_eq!(item.organisation.name, "U.S. Immigration and Customs Enforcement");
    assert!(
        item.organisation
            .evidence
            .iter()
            .any(|e| e.starts_with("authorized the cloud offering") && e.contains("/data/Agencies/105/")),
        "{:?}",
        item.organisation.evidence
    );

    // With the link proposed, the reconciliation says ICE's link awaits review.
    let table = app::reconcile::reconcile_period(&stores, &req).expect("reconciled");
    assert_eq!(table.rows[3].status, reconcile::Status::NoLinkedAccount { awaiting_review: true });

    // A provider "file" that is a device is refused at once, not read for ever.
    if Path::new("/dev/zero").exists() {
        let zero = app::reconcile::ReconcilePeriod { provider: "/dev/zero".into(), ..req.clone() };
        let e = app::reconcile::reconcile_period(&stores, &zero).expect_err("a device");
        assert!(format!("{e:#}").contains("not a regular file"), "{e:#}");
    }

    // An offering no imported file lists is an error naming the provider file and the entry.
    std::fs::write(&provider, "name = \"A provider under test\"\nfedramp_offerings = [\"FR0000000000\"]\n")
        .expect("provider");
    let e = app::reconcile::reconcile_period(&stores, &req).expect_err("unknown offering");
    assert!(format!("{e:#}").contains("fedramp_offerings[0] = \"FR0000000000\""), "{e:#}");
}

/// The reconciliation reads the log through its record index (only the period's records and
/// the statements whole); it must read what the whole log says, on a log with two periods, a
/// corrected record and reconciliations.
#[test]
fn the_log_read_through_its_index_says_what_the_whole_log_says() {
    let demo = crate::demo();
    let entries = demo.entries();
    let parsed = records::parse_all(&entries);
    let public = tlog::Dir::new(demo.dir.join("log/public"));
    let index = publish::index::RecordIndex::of_entries(&entries);
    let log = app::reconcile::Logged { index: &index, storage: &public };
    assert!(!index.corrected().is_empty(), "the demo corrects a record");
    let periods = [app::demo::PERIOD, app::demo::SECOND_PERIOD];
    assert_eq!(log.last_period().as_deref(), Some(app::demo::SECOND_PERIOD));
    for period in periods {
        let whole = records::disclosed_in(&entries, &parsed, period);
        let disclosed = log.disclosures(period).expect("disclosures");
        assert!(!whole.is_empty(), "{period} discloses organisations");
        let by_index: std::collections::BTreeMap<String, u64> =
            disclosed.iter().map(|(n, d)| (n.clone(), d.record.expect("a record"))).collect();
        assert_eq!(by_index, whole, "{period}");
        let last = parsed.iter().rev().find_map(|(i, r)| match r.body() {
            Some(records::Body::Reconciliation(x)) if x.period == period => Some((*i, x.clone())),
            _ => None,
        });
        assert_eq!(log.latest_reconciliation(period).expect("reconciliation"), last, "{period}");
    }
    assert_eq!(log.statements_in_force().expect("statements"), app::reconcile::logged::in_force(&parsed));
    let (i, x) = log.latest_reconciliation(app::demo::PERIOD).expect("read").expect("the demo reconciles");
    let link = log.link(i).expect("a link");
    assert!(log.holds(&link) && !log.holds(&records::Link { index: i, sha256: "0".repeat(64) }));
    assert_eq!(x.period, app::demo::PERIOD);
}
