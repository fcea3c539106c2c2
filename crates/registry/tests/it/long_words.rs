//! Names holding one very long word (issue 26: a 10 KB Atlas vendor name made a 42-account
//! screen run for more than ten minutes) are read, resolved and screened like any other name:
//! an Atlas-shaped file whose vendor and agency names hold 100 KB words imports, a second row
//! naming that vendor finds it again, 40 accounts are screened, and `candor screen --name`
//! reads the name. Such a word is matched only exactly (no typo, two-edit or compound
//! reading). These tests assert what is linked, not how long it took: `candor-bench screen
//! --long-words` measures that.

use std::path::Path;

use registry::Store;
use registry::import::{self, ImportOptions};
use registry::model::Kind;
use registry::screen::{ScreenConfig, screen_all, screen_name};

use crate::backends::Backend;

/// 100 KB: a word for which per-word work that grows faster than its length takes hours.
const LONG: usize = 100 * 1024;

/// A word of `n` lowercase letters after one capital, the same for the same seed.
fn long_word(n: usize, seed: u64) -> String {
    let mut x = seed;
    let mut w = String::with_capacity(n);
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let c = b'a' + (x % 26) as u8;
        w.push(if i == 0 { c.to_ascii_uppercase() } else { c } as char);
    }
    w
}

/// `word` with the letter in its middle changed: one edit away.
fn one_letter_changed(word: &str) -> String {
    let mut b = word.as_bytes().to_vec();
    let at = b.len() / 2;
    b[at] = if b[at] == b'z' { b'a' } else { b[at] + 1 };
    String::from_utf8(b).expect("ascii")
}

fn write_csv(path: &Path, header: &[&str], rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).expect("csv");
    w.write_record(header).expect("header");
    for r in rows {
        w.write_record(r).expect("row");
    }
    w.flush().expect("flush");
}

/// The Atlas's columns that the importer reads (it maps columns by header name).
const ATLAS_HEADER: &[&str] = &[
    "AOSNUMBER",
    "City",
    "County",
    "State",
    "Agency",
    "Type of LEA",
    "Summary",
    "Type of Juris",
    "Technology",
    "Vendor",
    "Link 1",
    "Link 1 Source",
    "Link 1 Date",
];

fn atlas_row(aos: &str, city: &str, state: &str, agency: &str, technology: &str, vendor: &str) -> Vec<String> {
    [aos, city, "", state, agency, "Police", "", "Municipal", technology, vendor, "https://example.org/", "Example", ""]
        .map(str::to_string)
        .to_vec()
}

/// On SQLite only: PostgreSQL refuses such a file before screening is reached (its B-tree
/// indexes on `organisations.key` and on aliases hold at most about 2.7 KB per entry, and the
/// import fails with "index row requires 102448 bytes"), a limit of that store apart from the
/// time screening takes.
#[test]
fn an_atlas_file_with_a_100_kb_vendor_name_imports_and_40_accounts_screen() {
    let b = Backend::Sqlite;
    let vendor_word = long_word(LONG, 0x26);
    let agency_word = long_word(LONG, 0x2626);
    let vendor = format!("{vendor_word} Surveillance Systems, Inc.");
    let agency = format!("{agency_word} County Sheriff's Office");
    let dir = tempfile::tempdir().expect("tempdir");
    let atlas = dir.path().join("atlas-long-vendor.csv");
    write_csv(
        &atlas,
        ATLAS_HEADER,
        &[
            atlas_row("AOS900001", "Springfield", "IL", "Springfield Police Department", "Drones", &vendor),
            // The same vendor again, beside another: found again, not created twice.
            atlas_row(
                "AOS900002",
                "Rockford",
                "IL",
                "Rockford Police Department",
                "Automated License Plate Readers",
                &format!("Flock Safety; {vendor_word} Surveillance Systems Inc"),
            ),
            atlas_row("AOS900003", "Lakeview", "OR", &agency, "Face Recognition", "Clearview AI"),
            atlas_row("AOS900004", "Lakeview", "OR", &agency, "Drones", "Skydio"),
        ],
    );
    let mut store = b.store();
    let opts = ImportOptions::default();
    import::import_reference(&mut store, None).expect("reference");
    let r = import::import_atlas(&mut store, &atlas, opts, &mut |_, _| {}).expect("atlas");
    assert_eq!(r.rows, 4);
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);

    let orgs = store.organisations().expect("organisations");
    let named = |name: &str| -> Vec<i64> { orgs.iter().filter(|o| o.name == name).map(|o| o.id).collect() };
    let [vendor_id] = named(&vendor)[..] else { panic!("one organisation for the long vendor name") };
    assert_eq!(orgs.iter().find(|o| o.id == vendor_id).map(|o| o.kind), Some(Kind::Company));
    let [agency_id] = named(&agency)[..] else { panic!("one organisation for the long agency name") };
    // Both rows that name the long vendor supply from it; both rows of the long agency are its.
    let rels = store.relationships().expect("relationships");
    let award = |aos: &str| -> Vec<(i64, i64)> {
        rels.iter().filter(|(_, r)| r.award_id.as_deref() == Some(aos)).map(|(_, r)| (r.from, r.to)).collect()
    };
    assert!(award("AOS900001").iter().all(|&(_, to)| to == vendor_id) && award("AOS900001").len() == 1);
    assert!(award("AOS900002").iter().any(|&(_, to)| to == vendor_id) && award("AOS900002").len() == 2);
    assert!(award("AOS900003").iter().chain(&award("AOS900004")).all(|&(from, _)| from == agency_id));

    // 40 accounts: the long names as written, the long word one letter off, and ordinary
    // names, some of the file's organisations and the rest nobody's.
    let mut accounts: Vec<[String; 3]> = vec![
        ["long-vendor".into(), format!("{vendor_word} Surveillance Systems Inc"), String::new()],
        [
            "long-vendor-typo".into(),
            format!("{} Surveillance Systems Inc", one_letter_changed(&vendor_word)),
            String::new(),
        ],
        ["long-agency".into(), format!("{agency_word} County Sheriff"), "OR".into()],
        ["springfield".into(), "Springfield Police Dept.".into(), "IL".into()],
        ["flock".into(), "Flock Safety".into(), String::new()],
        ["clearview".into(), "Clearview AI, Inc.".into(), String::new()],
    ];
    for i in accounts.len()..40 {
        accounts.push([format!("other-{i:02}"), format!("Bluebird Bakery Number {i}"), "OR".into()]);
    }
    let accounts_csv = dir.path().join("accounts.csv");
    let rows: Vec<Vec<String>> = accounts.iter().map(|a| a.to_vec()).collect();
    write_csv(&accounts_csv, &["account_id", "legal_name", "state"], &rows);
    import::import_accounts(&mut store, &accounts_csv, opts, &mut |_, _| {}).expect("accounts");

    let report = screen_all(store.as_mut(), &ScreenConfig::default()).expect("screen");
    assert_eq!(report.accounts, 40);
    let proposed = |account: &str| report.proposals.iter().find(|p| p.account_id == account).map(|p| p.org_ids());
    assert_eq!(proposed("long-vendor"), Some(vec![vendor_id]), "a long word matches exactly");
    assert_eq!(proposed("long-agency"), Some(vec![agency_id]));
    assert!(
        proposed("long-vendor-typo").is_none_or(|o| !o.contains(&vendor_id)),
        "a word this long is matched only exactly"
    );
    for (account, name) in
        [("springfield", "Springfield Police Department"), ("flock", "Flock Safety"), ("clearview", "Clearview AI")]
    {
        assert_eq!(proposed(account), Some(named(name)), "{account}");
    }
    let strays: Vec<&str> =
        report.proposals.iter().map(|p| p.account_id.as_str()).filter(|a| a.starts_with("other-")).collect();
    assert!(strays.is_empty(), "ordinary names nobody has were proposed: {strays:?}");

    // `candor screen --name`: how the long name is read and what it matches.
    let s = screen_name(store.as_ref(), &vendor, None, &ScreenConfig::default()).expect("screen --name");
    assert_eq!(s.reading.tokens.first().map(String::len), Some(LONG));
    assert_eq!(s.proposal.map(|p| p.org_id), Some(vendor_id));
}
