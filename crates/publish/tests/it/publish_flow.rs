//! Publishing end to end on a small fictional registry: records in canonical JSON with links
//! by index and hash, idempotent republishing, corrections that refer to what they correct,
//! withheld counts, pseudonyms, no account ids anywhere; the static site, and the outside
//! check passing on it and naming the fault on altered copies.

use std::path::Path;

use publish::append::{Options, publish};
use publish::check::{check_report, check_report_since, folder_files};
use publish::gather::{Period, gather, reasons};
use publish::site::write_site;
use registry::model::{Account, Jurisdiction, Kind, NewOrganisation, Role, Status};
use registry::{SqliteStore, Store, Tx};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tlog::{Dir, LocalLog};
use usage::fold::{Key, Sums};

pub(crate) const ORIGIN: &str = "test.example/log";

/// Adds a fictional organisation with, optionally, a classification (role, status, actor).
pub(crate) fn add_org(tx: &mut dyn Tx, key: &str, name: &str, kind: Kind, role: Option<(Role, Status, &str)>) -> i64 {
    let id = tx
        .insert_organisation(&NewOrganisation {
            key: key.into(),
            name: name.into(),
            kind,
            jurisdiction: Jurisdiction { country: Some("USA".into()), state: Some("MN".into()), ..Default::default() },
        })
        .expect("org");
    if let Some((role, status, actor)) = role {
        tx.append_classification(id, role, status, "listed in the test reference", actor).expect("class");
    }
    id
}

/// Adds a fictional account linked to `org` with `status`.
pub(crate) fn add_account(tx: &mut dyn Tx, account: &str, org: i64, status: Status) {
    tx.upsert_account(&Account {
        account_id: account.into(),
        legal_name: format!("{account} holder (fictional)"),
        country: None,
        state: None,
        city: None,
        uei: None,
        domain: None,
    })
    .expect("account");
    tx.append_link(account, org, status, Some(1.0), "test", "bob@provider.example").expect("link");
}

/// A registry: a confirmed agency reached by a confirmed link, a supplier whose role is only
/// proposed, an agency reached only by a proposed link, a company with no role.
pub(crate) fn registry() -> SqliteStore {
    let mut store = SqliteStore::in_memory().expect("store");
    let mut tx = store.begin().expect("tx");
    let confirmed = |actor| Some((Role::Agency, Status::Confirmed, actor));
    let sheriff = add_org(
        &mut *tx,
        "t:1",
        "Lakemoor County Sheriff's Office (fictional)",
        Kind::LocalAgency,
        confirmed("alice@provider.example"),
    );
    let vendor = add_org(
        &mut *tx,
        "t:2",
        "Northwind Detention Services Inc. (fictional)",
        Kind::Company,
        Some((Role::Supplier, Status::Proposed, "candor:rules")),
    );
    let police = add_org(
        &mut *tx,
        "t:3",
        "Port Averly Police Department (fictional)",
        Kind::LocalAgency,
        confirmed("candor:reference"),
    );
    let shop = add_org(&mut *tx, "t:4", "Example Bakery (fictional)", Kind::Company, None);
    add_account(&mut *tx, "acct-secret-1", sheriff, Status::Confirmed);
    add_account(&mut *tx, "acct-secret-2", vendor, Status::Confirmed);
    add_account(&mut *tx, "acct-secret-3", police, Status::Proposed);
    add_account(&mut *tx, "acct-secret-4", shop, Status::Confirmed);
    // A name that fits the police department and the bakery equally: one proposal, two
    // candidates, awaiting a reviewer's choice.
    tx.upsert_account(&Account {
        account_id: "acct-secret-5".into(),
        legal_name: "Port Averly (fictional)".into(),
        country: None,
        state: None,
        city: None,
        uei: None,
        domain: None,
    })
    .expect("account");
    let candidate = |org_id| registry::model::LinkCandidate { org_id, score: 0.9, reason: "test".into() };
    tx.append_proposal(
        "acct-secret-5",
        police,
        0.9,
        "ambiguous",
        "candor:screen",
        &[candidate(police), candidate(shop)],
        None,
    )
    .expect("proposal");
    tx.commit().expect("commit");
    store
}

pub(crate) fn row(account: &str, month: &str, capability: &str, quantity: f64) -> (Key, Sums) {
    (
        Key {
            account: account.into(),
            month: month.into(),
            service: "Amazon Rekognition".into(),
            capability: capability.into(),
            region_class: "commercial".into(),
            unit: "Images".into(),
        },
        Sums { quantity, cost: quantity / 1000.0, lines: 3, first: format!("{month}-01"), last: format!("{month}-20") },
    )
}

pub(crate) fn usage() -> Vec<(Key, Sums)> {
    vec![
        row("acct-secret-1", "2026-07", "face_identification", 31_689.0),
        row("acct-secret-1", "2026-08", "face_identification", 11.0),
        row("acct-secret-1", "2026-09", "compute", 5.0),
        row("acct-secret-1", "2026-10", "compute", 5.0), // another period
        row("acct-secret-2", "2026-07", "compute", 99.0),
        row("acct-secret-3", "2026-07", "face_detection_analysis", 7.0),
        row("acct-secret-4", "2026-07", "compute", 1.0),
        row("acct-secret-5", "2026-08", "face_identification", 2.0),
        row("acct-unknown", "2026-07", "compute", 1.0),
    ]
}

/// A log holding one quarter of the fixtures' usage (2026-Q3, demonstration data) and its site:
/// the log, its verifier and its public folder.
pub(crate) fn one_quarter_site(tmp: &std::path::Path) -> (LocalLog, tlog::Verifier, std::path::PathBuf) {
    let home = LocalLog::at(tmp.join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let opts = Options { demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
    let period = Period::parse("2026-Q3").expect("period");
    publish(&mut writer, &gather(&registry(), &usage(), &period).expect("gather"), None, &opts).expect("publish");
    let verifier = home.verifier().expect("vkey");
    let public = home.public_dir();
    write_site(&public, &verifier, "2026-10-01T00:00:00Z").expect("site");
    (home, verifier, public)
}

pub(crate) fn entries(home: &LocalLog) -> Vec<Vec<u8>> {
    let note = std::fs::read_to_string(home.public_dir().join("checkpoint")).expect("checkpoint");
    let body = note.split_once("\n\n").map(|(b, _)| format!("{b}\n")).expect("signed note");
    let size = tlog::Checkpoint::parse_text(&body).expect("parse").size;
    publish::entries::read_all(&Dir::new(home.public_dir()), size)
        .expect("entries")
        .iter()
        .map(|e| e.to_vec())
        .collect()
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("json")
}

fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        if e.file_type().expect("type").is_dir() {
            all_files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

#[test]
fn a_period_is_published_once_corrected_openly_and_checked_from_outside() {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let policy = serde_json::json!({"type": "candor.policy_version", "sha256": "ab", "file": "p.cedar", "text": "permit(principal, action, resource);", "activated_at": "2026-07-01T00:00:00Z"});
    let policy_entry = records::canonical::to_vec(&policy).expect("canonical");
    writer.append(&[&policy_entry]).expect("policy");
    let store = registry();
    let period = Period::parse("2026-Q3").expect("period");
    assert!(Period::parse("2026-Q5").is_err() && Period::parse("2026-3").is_err());
    let opts = Options { demonstration: true, salt: b"secret salt".to_vec(), ..Options::default() };

    let data = gather(&store, &usage(), &period).expect("gather");
    assert_eq!(data.orgs.len(), 1, "only the confirmed agency by a confirmed link");
    assert_eq!(data.withheld.get(reasons::ROLE_UNREVIEWED), Some(&1));
    assert_eq!(data.withheld.get(reasons::LINK_UNREVIEWED), Some(&1));
    assert_eq!(data.out_of_scope_accounts, 2, "the bakery's account and the unlinked one");
    assert_eq!(data.ambiguous_accounts, 1, "the account whose name fits the police and the bakery");
    let first = publish(&mut writer, &data, Some(0), &opts).expect("publish");
    assert_eq!(
        first.appended.len(),
        4,
        "classification, organisation usage, record list, summary: {:?}",
        first.appended
    );

    // Publishing again with no new data adds nothing.
    let again =
        publish(&mut writer, &gather(&store, &usage(), &period).expect("gather"), Some(0), &opts).expect("again");
    assert!(again.appended.is_empty(), "{:?}", again.appended);
    assert_eq!(again.size, first.size);

    let log = entries(&home);
    for e in &log {
        let text = String::from_utf8_lossy(e);
        assert!(!text.contains("acct-"), "no account id in any record: {text}");
        assert!(!text.contains("alice"), "reviewers appear as pseudonyms only: {text}");
        assert_eq!(records::canonical::to_vec(&json(e)).expect("canonical"), *e, "entries are canonical JSON");
    }
    let org = json(&log[first.organisation_records[0] as usize]);
    assert_eq!(org["organisation"]["name"], "Lakemoor County Sheriff's Office (fictional)");
    assert_eq!(org["demonstration_data"], true);
    let face = org["usage"]
        .as_array()
        .expect("usage")
        .iter()
        .find(|u| u["capability"] == "face_identification")
        .expect("face");
    assert_eq!(face["volume_band"], "10,000–99,999", "31,689 + 11 images, banded");
    assert!(face.get("quantity").is_none());
    // Links name the records they depend on by index and by the SHA-256 of their bytes.
    for link in org["depends_on"].as_array().expect("links") {
        let i = link["index"].as_u64().expect("index") as usize;
        assert_eq!(link["sha256"].as_str().expect("hash"), format!("{:x}", Sha256::digest(&log[i])));
    }
    assert_eq!(org["depends_on"][0]["index"], 0, "the policy version in force");
    let class = json(&log[org["depends_on"][1]["index"].as_u64().expect("i") as usize]);
    assert!(class["decided_by"].as_str().expect("by").starts_with("reviewer-"));
    let summary = json(&log[first.summary as usize]);
    assert_eq!(summary["organisations_disclosed"], 1);
    // The summary lists the period's records through record lists, by index and hash.
    let list = &summary["record_lists"][0];
    let list = json(&log[list["index"].as_u64().expect("index") as usize]);
    assert_eq!(list["type"], "candor.period_records");
    assert_eq!(list["records"][0]["index"], first.organisation_records[0]);
    assert_eq!(summary["out_of_scope_accounts"], 2);
    assert_eq!(summary["accounts_awaiting_review_ambiguous"], 1);
    let reasons_listed: Vec<&str> =
        summary["withheld"].as_array().expect("w").iter().map(|w| w["reason"].as_str().expect("r")).collect();
    assert!(reasons_listed.contains(&reasons::EXACT_QUANTITIES));

    // New usage changes the organisation's record: a new record and a correction naming the old.
    let mut more = usage();
    more.push(row("acct-secret-1", "2026-09", "face_verification", 40.0));
    let changed =
        publish(&mut writer, &gather(&store, &more, &period).expect("gather"), Some(0), &opts).expect("changed");
    let kinds: Vec<&str> = changed.appended.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "candor.organisation_usage",
            "candor.correction",
            "candor.period_records",
            "candor.period_summary",
            "candor.correction"
        ]
    );
    let log = entries(&home);
    let fix = json(&log[changed.appended[1].0 as usize]);
    assert_eq!(fix["corrects"]["index"], first.organisation_records[0]);
    assert_eq!(fix["replacement"]["index"], changed.organisation_records[0]);
    assert_eq!(log.len() as u64, changed.size, "nothing was removed");

    // An auditor who checked the log now holds this checkpoint.
    let earlier_checkpoint = std::fs::read(home.public_dir().join("checkpoint")).expect("checkpoint");
    let verifier = home.verifier().expect("vkey");
    write_site(&home.public_dir(), &verifier, "2026-10-01T00:00:00Z").expect("site");
    assert!(home.public_dir().join("capability/face-verification.html").is_file());

    // The organisation's link withdrawn: its record is withdrawn by a correction, not deleted.
    let mut withdrawn = registry();
    let mut tx = withdrawn.begin().expect("tx");
    tx.append_link("acct-secret-1", 1, Status::Rejected, None, "wrong match", "bob@provider.example").expect("reject");
    tx.commit().expect("commit");
    let gone =
        publish(&mut writer, &gather(&withdrawn, &more, &period).expect("gather"), Some(0), &opts).expect("gone");
    let log = entries(&home);
    let withdrawal = gone
        .appended
        .iter()
        .map(|(i, _)| json(&log[*i as usize]))
        .find(|v| v["type"] == "candor.correction" && v["replacement"].is_null())
        .expect("withdrawal");
    assert_eq!(withdrawal["corrects"]["index"], changed.organisation_records[0]);
    drop(writer);

    // The site: pages, downloads, feed; no account id in any file; pages of what is no
    // longer current (the capability pages) are gone.
    let site = write_site(&home.public_dir(), &verifier, "2026-10-01T00:00:00Z").expect("site");
    assert!(site.record_pages >= 8);
    let public = home.public_dir();
    for f in [
        "index.html",
        "feed.xml",
        "data/usage.json",
        "data/organisations.json",
        "data/records.json",
        "data/records/0.json",
        "data/dictionary.html",
        "charts/capabilities.svg",
        "charts/kinds.svg",
        "policy/0.html",
        "org/lakemoor-county-sheriff-s-office-fictional.html",
    ] {
        assert!(public.join(f).is_file(), "{f}");
    }
    assert!(
        std::fs::read_to_string(public.join("capability/face-verification.html"))
            .expect("page")
            .contains("No current record")
    );
    let mut files = Vec::new();
    all_files(&public, &mut files);
    for f in files.iter().filter(|f| !f.starts_with(public.join("tile"))) {
        let text = String::from_utf8_lossy(&std::fs::read(f).expect("read")).into_owned();
        assert!(!text.contains("acct-secret"), "{}", f.display());
        // Every page, chart and data row made from demonstration data says so.
        let has_rows = f.extension().is_none_or(|e| e != "csv") || text.lines().count() > 1;
        if f.extension().is_some_and(|e| e == "html" || e == "svg" || e == "csv") && has_rows {
            assert!(text.to_lowercase().contains("demonstration data"), "{} says demonstration data", f.display());
        }
    }
    let org_page =
        std::fs::read_to_string(public.join("org/lakemoor-county-sheriff-s-office-fictional.html")).expect("page");
    assert!(org_page.contains("Corrected by record"), "corrected records stay visible, marked");
    // A page an earlier run wrote and this one does not is removed.
    let manifest = public.join("data/site-files.json");
    let mut listed: Vec<String> = serde_json::from_slice(&std::fs::read(&manifest).expect("manifest")).expect("json");
    listed.push("org/stale.html".into());
    std::fs::write(&manifest, serde_json::to_vec(&listed).expect("json")).expect("write");
    std::fs::write(public.join("org/stale.html"), "old").expect("write");
    write_site(&public, &verifier, "2026-10-01T00:00:00Z").expect("site");
    assert!(!public.join("org/stale.html").exists());
    // Writing the site again changes nothing.
    let before = std::fs::read(public.join("index.html")).expect("index");
    write_site(&public, &verifier, "2027-01-01T00:00:00Z").expect("site again");
    assert_eq!(std::fs::read(public.join("index.html")).expect("index"), before);
    assert!(
        std::fs::read_to_string(public.join("feed.xml")).expect("feed").contains("2026-10-01T00:00:00Z"),
        "first-seen times are kept"
    );

    // The outside check passes, then names the fault on altered copies.
    let all = folder_files(&public);
    let trusted = [earlier_checkpoint.clone()];
    let report = check_report(&Dir::new(&public), &verifier, &trusted, &all, &mut |_| {}).expect("check");
    assert!(report.faults.is_empty(), "{:?}", report.faults);
    assert!(report.pages > 5 && report.records_on_pages > 8, "{report:?}");
    assert_eq!(report.folder_files, all.len());
    assert!(report.earlier_sizes >= 2, "{report:?}");

    // What a check of the report as published remembers: each altered copy is checked in full
    // and from that memory (only what changed), and both must find a fault or neither.
    let (_, memory) =
        check_report_since(&Dir::new(&public), &verifier, &trusted, &all, None, &mut |_| {}).expect("check");
    let changed_copy = |change: &dyn Fn(&Path), trusted: &[Vec<u8>]| -> Vec<String> {
        let copy = tempfile::tempdir().expect("tmp");
        copy_dir(&public, copy.path());
        change(copy.path());
        let (dir, files) = (Dir::new(copy.path()), folder_files(copy.path()));
        let full = match check_report(&dir, &verifier, trusted, &files, &mut |_| {}) {
            Ok(r) => r.faults,
            Err(e) => vec![e.to_string()],
        };
        let remembered = match check_report_since(&dir, &verifier, trusted, &files, Some(&memory), &mut |_| {}) {
            Ok((r, _)) => r.faults,
            Err(e) => vec![e.to_string()],
        };
        assert_eq!(full.is_empty(), remembered.is_empty(), "full: {full:?}\nremembered: {remembered:?}");
        full
    };
    let altered = |name: &str, edit: &dyn Fn(&mut Vec<u8>)| -> Vec<String> {
        changed_copy(
            &|dir| {
                let path = dir.join(name);
                let mut bytes = std::fs::read(&path).expect("read");
                edit(&mut bytes);
                std::fs::write(&path, bytes).expect("write");
            },
            &[],
        )
    };
    let size = report.size;
    let bundle = format!("tile/entries/000.p/{size}");
    let faults = altered(&bundle, &|b| {
        let i = b.len() - 10;
        b[i] ^= 1;
    });
    assert!(faults.iter().any(|f| f.contains("tile/entries/000")), "{faults:?}");
    let faults = altered("data/records/0.json", &|b| {
        let t = String::from_utf8_lossy(b).replace("10,000–99,999", "1–9");
        *b = t.into_bytes();
    });
    assert!(faults.iter().any(|f| f.starts_with("data/records/0.json: record #")), "{faults:?}");
    let faults = altered("org/lakemoor-county-sheriff-s-office-fictional.html", &|b| {
        let t = String::from_utf8_lossy(b).replacen("Amazon Rekognition", "Amazon Textract", 1);
        *b = t.into_bytes();
    });
    assert!(
        faults.iter().any(|f| f.starts_with("org/lakemoor-county-sheriff-s-office-fictional.html: ")),
        "{faults:?}"
    );
    let faults = altered("data/organisations.csv", &|b| b.extend_from_slice(b"Invented Agency,local_agency\n"));
    assert!(faults.iter().any(|f| f.starts_with("data/organisations.csv: differs")), "{faults:?}");
    let faults = altered("checkpoint", &|b| {
        let i = b.len() - 5;
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
    });
    assert!(faults.iter().any(|f| f.contains("checkpoint") || f.contains("signature")), "{faults:?}");

    // Partial tiles of earlier checkpoints: a changed one is named; one deleted while the
    // other tile of its size stays is named; both deleted are named for an auditor holding
    // that size's checkpoint.
    let earlier: Vec<&String> =
        all.iter().filter(|f| f.starts_with("tile/0/000.p/") && !f.ends_with(&format!("/{size}"))).collect();
    assert!(!earlier.is_empty(), "the log had earlier checkpoints: {all:?}");
    let old_hashes = earlier[0].as_str();
    let faults = altered(old_hashes, &|b| b[3] ^= 1);
    assert!(faults.iter().any(|f| f.starts_with(old_hashes) && f.contains("was changed")), "{faults:?}");
    let old_bundle = old_hashes.replace("tile/0/", "tile/entries/");
    let faults = altered(&old_bundle, &|b| {
        let i = b.len() - 3;
        b[i] ^= 1;
    });
    assert!(faults.iter().any(|f| f.starts_with(&old_bundle)), "{faults:?}");
    let faults = changed_copy(&|dir| std::fs::remove_file(dir.join(old_hashes)).expect("rm"), &[]);
    assert!(faults.iter().any(|f| f.contains(old_hashes) && f.contains("missing")), "{faults:?}");
    let old_size = earlier_checkpoint_size(&earlier_checkpoint);
    let (held_hashes, held_bundle) = (format!("tile/0/000.p/{old_size}"), format!("tile/entries/000.p/{old_size}"));
    let remove_both = |dir: &Path| {
        std::fs::remove_file(dir.join(&held_hashes)).expect("rm");
        std::fs::remove_file(dir.join(&held_bundle)).expect("rm");
    };
    assert!(changed_copy(&remove_both, &[]).is_empty(), "without the checkpoint, a size's tiles can vanish unseen");
    let faults = changed_copy(&remove_both, &trusted);
    assert!(faults.iter().any(|f| f.contains(&held_bundle) || f.contains(&held_hashes)), "{faults:?}");
    // A tile beyond the log.
    let faults = changed_copy(&|dir| std::fs::write(dir.join("tile/0/001"), [0u8; 32 * 256]).expect("write"), &[]);
    assert!(faults.iter().any(|f| f.starts_with("tile/0/001")), "{faults:?}");

    // Files beside the site's own: a page the log's records do not make, a file list deleted
    // or trimmed.
    let faults = changed_copy(
        &|dir| {
            let page = std::fs::read(dir.join("org/lakemoor-county-sheriff-s-office-fictional.html")).expect("read");
            std::fs::write(dir.join("org/invented-agency.html"), page).expect("write");
        },
        &[],
    );
    assert!(faults.iter().any(|f| f.starts_with("org/invented-agency.html: not part of the report")), "{faults:?}");
    let faults = changed_copy(&|dir| std::fs::remove_file(dir.join("data/site-files.json")).expect("rm"), &[]);
    assert!(faults.iter().any(|f| f.starts_with("data/site-files.json: missing")), "{faults:?}");
    let faults = altered("data/site-files.json", &|b| {
        let mut list: Vec<String> = serde_json::from_slice(b).expect("json");
        list.retain(|f| !f.starts_with("org/"));
        *b = serde_json::to_vec_pretty(&list).expect("json");
    });
    assert!(faults.iter().any(|f| f.starts_with("data/site-files.json: differs")), "{faults:?}");
}

/// The tree size a signed checkpoint names (its second line).
fn earlier_checkpoint_size(checkpoint: &[u8]) -> u64 {
    String::from_utf8_lossy(checkpoint).lines().nth(1).and_then(|l| l.parse().ok()).expect("size line")
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("dir").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[test]
fn a_period_with_many_organisations_is_listed_in_parts_that_fit_the_log() {
    let (store, rows) = many(1_001);
    check_many(&store, &rows);
}

/// At a large provider's scale: 10,000 disclosed organisations, with the listings paged, no
/// page over 500 KB, and every organisation in the search index.
#[test]
fn at_ten_thousand_organisations_no_page_is_over_500_kb_and_search_finds_each() {
    let (store, rows) = many(10_000);
    let data = gather(&store, &rows, &Period::parse("2026-Q3").expect("period")).expect("gather");
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    publish(&mut writer, &data, None, &Options::default()).expect("publish");
    drop(writer);
    let public = home.public_dir();
    publish::site::write_site(&public, &home.verifier().expect("vkey"), "2026-10-01T00:00:00Z").expect("site");
    let mut files = Vec::new();
    all_files(&public, &mut files);
    let (largest, path) = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "html"))
        .map(|f| (std::fs::metadata(f).map_or(0, |m| m.len()), f.clone()))
        .max()
        .expect("pages");
    assert!(largest < 500_000, "{} is {largest} bytes", path.display());
    assert!(public.join("organisations/50.html").exists() && !public.join("organisations/51.html").exists());
    let search: Value = json(&std::fs::read(public.join("data/search.json")).expect("index"));
    let orgs = search["rows"].as_array().expect("rows").iter().filter(|r| r[1] == "local_agency").count();
    assert_eq!(orgs, 10_000);
}

/// `n` fictional agencies, confirmed, one confirmed account each with compute usage.
fn many(n: usize) -> (SqliteStore, Vec<(Key, Sums)>) {
    let mut store = SqliteStore::in_memory().expect("store");
    let mut tx = store.begin().expect("tx");
    let mut rows = Vec::new();
    for i in 0..n {
        let name = format!("Example Police Department {i:04} (fictional)");
        let org = add_org(
            &mut *tx,
            &format!("t:{i}"),
            &name,
            Kind::LocalAgency,
            Some((Role::Agency, Status::Confirmed, "candor:rules")),
        );
        let account = format!("a{i}");
        add_account(&mut *tx, &account, org, Status::Confirmed);
        rows.push(row(&account, "2026-08", "compute", 3.0));
    }
    tx.commit().expect("commit");
    (store, rows)
}

fn check_many(store: &SqliteStore, rows: &[(Key, Sums)]) {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let data = gather(store, rows, &Period::parse("2026-Q3").expect("period")).expect("gather");
    let out = publish(&mut writer, &data, None, &Options::default()).expect("publish fits the 64 KiB entry limit");
    let log = entries(&home);
    let summary = json(&log[out.summary as usize]);
    let lists = summary["record_lists"].as_array().expect("lists");
    assert_eq!(lists.len(), 3, "1,001 records in parts of at most 500");
    let mut listed = Vec::new();
    for l in lists {
        let entry = &log[l["index"].as_u64().expect("index") as usize];
        assert!(entry.len() < 60_000);
        listed.extend(
            json(entry)["records"].as_array().expect("records").iter().map(|r| r["index"].as_u64().expect("i")),
        );
    }
    assert_eq!(listed, out.organisation_records);

    // The listings are paged and a static index finds every organisation.
    drop(writer);
    let public = home.public_dir();
    publish::site::write_site(&public, &home.verifier().expect("vkey"), "2026-10-01T00:00:00Z").expect("site");
    let read = |rel: &str| std::fs::read_to_string(public.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let index = read("index.html");
    assert_eq!(index.matches("org/example-police-department-").count(), 200, "the first page of 200 only");
    assert!(index.contains("href=\"organisations/6.html\">6</a>"), "a link to every page");
    assert_eq!(read("organisations/6.html").matches("../org/example-police-department-").count(), 1);
    assert!(read("capability/compute.html").contains("href=\"compute/6.html\""));
    let last = read("capability/compute/6.html");
    assert!(
        last.contains("../../org/example-police-department-1000-fictional.html")
            && last.contains("href=\"../compute.html\">1</a>")
    );
    let search: Value = json(read("data/search.json").as_bytes());
    let rows = search["rows"].as_array().expect("rows");
    assert!(rows.iter().any(|r| r[0] == "Example Police Department 0999 (fictional)"
        && r[4] == "org/example-police-department-0999-fictional.html"));
    assert!(rows.iter().any(|r| r[1] == "capability" && r[2] == "compute"));
    assert!(read("search.html").contains("assets/search.js"));
    let mut files = Vec::new();
    all_files(&public, &mut files);
    let largest = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "html"))
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .max();
    assert!(largest.is_some_and(|l| l < 500_000), "{largest:?}");
    let report = publish::check::check_report(
        &Dir::new(&public),
        &home.verifier().expect("vkey"),
        &[],
        &publish::check::folder_files(&public),
        &mut |_| {},
    )
    .expect("check");
    assert!(report.faults.is_empty(), "{:?}", report.faults);
}

/// A vendor the Atlas of Surveillance names (fictional rows in its layout) that is also a
/// customer: screening proposes the link, a reviewer confirms it, classification makes the
/// vendor a supplier by the Atlas row, and the period's record discloses it as a supplier
/// with the technology and the Atlas evidence; the site verifies from outside.
#[test]
fn an_atlas_vendor_that_is_a_customer_is_disclosed_as_a_supplier_with_the_atlas_evidence() {
    let tmp = tempfile::tempdir().expect("tmp");
    let atlas = tmp.path().join("atlas-fictional.csv");
    std::fs::write(
        &atlas,
        "\"AOSNUMBER\",\"City\",\"County\",\"State\",\"Agency\",\"Type of LEA\",\"Summary\",\"Type of Juris\",\"Technology\",\"Vendor\",\"Link 1\",\"Link 1 Snapshot\",\"Link 1 Source\",\"Link 1 Type\",\"Link 1 Date\"\n\
         \"AOS900001\",\"Lakemoor\",\"Lakemoor County\",\"MN\",\"Lakemoor Police Department (fictional)\",\"Police\",\"Test row (fictional).\",\"Municipal\",\"Face Recognition\",\"Examplar Vision Ltd (fictional)\",\"https://example.invalid/1\",\"\",\"Example Gazette\",\"\",\"03/04/2025\"\n",
    )
    .expect("write");
    let mut store = SqliteStore::in_memory().expect("store");
    registry::import::import_atlas(&mut store, &atlas, Default::default(), &mut |_, _| {}).expect("atlas");
    let mut tx = store.begin().expect("tx");
    tx.upsert_account(&Account {
        account_id: "acct-secret-9".into(),
        legal_name: "EXAMPLAR VISION LIMITED (fictional)".into(),
        country: None,
        state: Some("MN".into()),
        city: None,
        uei: None,
        domain: None,
    })
    .expect("account");
    tx.commit().expect("commit");
    let screened = registry::screen::screen_all(&mut store, &Default::default()).expect("screen");
    assert_eq!(screened.queued, 1);
    let p = &screened.proposals[0];
    assert_eq!(p.org_name, "Examplar Vision Ltd (fictional)");
    let event = registry::review::queue(&store).expect("queue")[0].latest.id;
    registry::review::decide(
        &mut store,
        &registry::review::Decision {
            event_id: event,
            accept: true,
            org: None,
            reviewer: "alice@provider.example",
            reason: "the account's company is the vendor named in the Atlas",
            overrides: false,
        },
    )
    .expect("decide");
    registry::classify::classify(&mut store, &Default::default()).expect("classify");

    let period = Period::parse("2026-Q3").expect("period");
    let rows = vec![row("acct-secret-9", "2026-08", "face_identification", 500.0)];
    let data = gather(&store, &rows, &period).expect("gather");
    assert_eq!(data.orgs.len(), 1);
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let opts = Options { exact_quantities: false, demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
    let out = publish(&mut writer, &data, None, &opts).expect("publish");
    drop(writer);
    let log = entries(&home);
    let record = json(&log[out.organisation_records[0] as usize]);
    let org = &record["organisation"];
    assert_eq!(org["law_enforcement_role"], "supplier");
    assert_eq!(org["role_status"], "confirmed");
    assert!(org["evidence"]["summary"].as_str().expect("summary").contains("EFF Atlas of Surveillance"));
    let sources = org["evidence"]["sources"].as_array().expect("sources");
    assert!(
        sources.iter().any(|s| s.as_str().is_some_and(|s| s
            .contains("Face Recognition, EFF Atlas of Surveillance AOS900001 (Example Gazette, 03/04/2025)")
            && s.contains("atlas-fictional.csv line 2"))),
        "{sources:?}"
    );
    assert_eq!(org["technologies"][0]["technology"], "Face Recognition");
    assert_eq!(org["technologies"][0]["relation"], "supplies");
    assert_eq!(org["technologies"][0]["counterpart"], "Lakemoor Police Department (fictional)");
    assert_eq!(org["technologies"][0]["source"], "EFF Atlas of Surveillance AOS900001");
    let text = String::from_utf8_lossy(&log[out.organisation_records[0] as usize]).into_owned();
    assert!(!text.contains("acct-secret"), "no account id: {text}");

    let public = home.public_dir();
    write_site(&public, &home.verifier().expect("vkey"), "2026-11-30T00:00:00Z").expect("site");
    let report =
        check_report(&Dir::new(&public), &home.verifier().expect("vkey"), &[], &[], &mut |_| {}).expect("check");
    assert!(report.faults.is_empty(), "{:?}", report.faults);
}
