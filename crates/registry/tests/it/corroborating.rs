//! The public records that corroborate a report import from the real files in
//! `../shared/data/`: the FedRAMP Marketplace (both layouts) and the federal AI use-case
//! inventory. The counts asserted were taken independently of the importer, with Python's `json`
//! and `csv` over the same files (the commands are beside each number); the federal
//! law-enforcement agencies the files name resolve to the reference's organisations, never to
//! new ones; vendors of face recognition to them become suppliers; a second import changes
//! nothing; a broken file is refused, naming where, with nothing stored.

use std::path::{Path, PathBuf};

use registry::Store;
use registry::import::{self, ImportOptions};
use registry::model::{Kind, RelationKind, Role, Status};

use crate::backends::Backend;

fn data_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if d.join("fedramp").is_dir() && d.join("ai-inventory").is_dir() {
        Some(d)
    } else {
        crate::skip(&format!("{} has no fedramp/ or ai-inventory/", d.display()));
        None
    }
}

const MARKETPLACE: &str = "fedramp/fedramp-marketplace-2025-01-30.json";
const PRODUCTS: &str = "fedramp/fedramp-products-2026-05-30.json";
const INVENTORY: &str = "ai-inventory/2025-federal-ai-use-cases.csv";

/// The registry's one organisation whose key is `key` (the reference's agencies are keyed by
/// their agency code).
fn by_key(store: &dyn Store, key: &str) -> i64 {
    let found: Vec<i64> =
        store.organisations().expect("orgs").into_iter().filter(|o| o.key == key).map(|o| o.id).collect();
    assert_eq!(found.len(), 1, "{key}: {found:?}");
    found[0]
}

fn the_public_records_import_with_the_counts_of_the_files(b: &Backend) {
    let Some(data) = data_dir() else { return };
    let mut store = b.store();
    import::import_reference(&mut store, None).expect("reference");
    let agencies_before = store.organisations().expect("orgs").len();

    let m = import::import_fedramp(&mut store, &data.join(MARKETPLACE)).expect("marketplace");
    // len(d['data']['Agencies']) == 230; len(d['data']['Products']) == 436;
    // sum(len(a['auths']) + len(a['reuses']) for a in d['data']['Agencies']) == 2394.
    assert_eq!(m.rows, 230);
    assert_eq!(m.tallies["agencies and sub-agencies"], 230);
    assert_eq!(m.tallies["offerings"], 436);
    assert_eq!(m.tallies["authorizations and reuses"], 2394);
    let authorizations =
        store.relationships().expect("rels").into_iter().filter(|(_, r)| r.kind == RelationKind::Authorization).count();
    assert_eq!(authorizations, 2394, "one authorization per agency and offering listed");
    for (name, kept) in [
        ("Immigration and Customs Enforcement", false),
        ("Customs and Border Protection", false),
        ("Federal Bureau of Investigation", false),
        ("Federal Bureau of Prisons", false),
        ("United States Marshals Service", false),
        ("Department of Homeland Security", false),
        ("Department of Commerce", true),
    ] {
        assert_eq!(m.kept.iter().any(|k| k == name), kept, "{name} kept as new: {kept}");
    }
    let p = import::import_fedramp(&mut store, &data.join(PRODUCTS)).expect("products");
    // len(d['products']) == 797; of the 336 non-empty `uei` values, 311 are 12 letters and
    // digits (re.fullmatch(r'[A-Za-z0-9]{12}', u)); the other 25 ("FAKE001000000000",
    // "Z7NGCYXV616", …) are not UEIs and are not stored.
    assert_eq!(p.rows, 797);
    assert_eq!(p.tallies["offerings with a UEI"], 311);
    assert_eq!(p.tallies["UEIs not of 12 letters and digits (not stored)"], 25);

    let i = import::import_ai_inventory(&mut store, &data.join(INVENTORY), ImportOptions::default(), &mut |_, _| {})
        .expect("inventory");
    // len(list(csv.DictReader(f))) == 3611; the use cases of faces, biometrics or computer
    // vision by the importer's rule (classification "Computer Vision", or face/faces/facial,
    // biometric(s)/fingerprint(s)/iris as words of use_case_name + problem_solved) == 323.
    assert_eq!(i.rows, 3611);
    assert_eq!(i.tallies["use cases of face recognition, biometrics or computer vision"], 323);
    for bureau in ["ICE", "CBP", "FBI", "FBOP", "USMS"] {
        assert!(!i.kept.iter().any(|k| k == bureau), "{bureau} resolved to the reference: {:?}", i.kept);
    }
    // The five agencies are the reference's: no second organisation of their names.
    let ice = by_key(&store, "agency:7012");
    let cbp = by_key(&store, "agency:7014");
    let orgs = store.organisations().expect("orgs");
    for (id, name) in [(ice, "Immigration and Customs Enforcement"), (cbp, "Customs and Border Protection")] {
        let norm = registry::names::normalize(name).sorted_key();
        let twins: Vec<_> = orgs
            .iter()
            .filter(|o| o.kind == Kind::FederalAgency && o.id != id)
            .filter(|o| registry::names::normalize(&o.name).sorted_key().ends_with(&norm))
            .map(|o| o.name.clone())
            .collect();
        assert!(twins.is_empty(), "{name} has a twin: {twins:?}");
    }
    assert!(store.organisations().expect("orgs").len() > agencies_before);

    // ICE authorized AWS GovCloud (F1603047866): public evidence, with where it is in the file.
    let rels = store.relationships().expect("rels");
    let govcloud = rels
        .iter()
        .find(|(_, r)| {
            r.kind == RelationKind::Authorization && r.from == ice && r.award_id.as_deref() == Some("F1603047866")
        })
        .map(|(_, r)| r.clone())
        .expect("ICE's authorization of AWS GovCloud");
    assert!(govcloud.citation.as_deref().is_some_and(|c| c.contains("/data/Agencies/") && c.contains("AWS GovCloud")));
    // CBP's face recognition from Clearview AI (inventory) makes Clearview a supplier.
    let clearview = rels
        .iter()
        .find(|(_, r)| {
            r.kind == RelationKind::TechnologySupply
                && r.from == cbp
                && r.technology.as_deref() == Some("Face Recognition")
        })
        .map(|(_, r)| r.to)
        .expect("a face-recognition vendor of CBP");
    registry::classify::classify(&mut store, &registry::classify::ClassifyConfig::default()).expect("classify");
    let graph = registry::classify::Graph::load(&store).expect("graph");
    let latest = graph.latest.get(&clearview).expect("classified");
    assert_eq!((latest.role, latest.status), (Role::Supplier, Status::Confirmed), "{}", latest.reason);
    assert!(latest.reason.contains("federal AI use-case inventory"), "{}", latest.reason);

    // A second import of each file changes nothing.
    let counts = store.counts().expect("counts");
    for f in [MARKETPLACE, PRODUCTS] {
        assert!(import::import_fedramp(&mut store, &data.join(f)).expect("again").already_imported);
    }
    let again =
        import::import_ai_inventory(&mut store, &data.join(INVENTORY), ImportOptions::default(), &mut |_, _| {});
    assert!(again.expect("again").already_imported);
    assert_eq!(store.counts().expect("counts"), counts);
}

fn a_broken_marketplace_file_is_refused_naming_where_and_nothing_is_stored(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = b.store();
    import::import_reference(&mut store, None).expect("reference");
    let before = store.counts().expect("counts");
    // An entry with a control character, in the Marketplace's layout.
    let bad = dir.path().join("marketplace.json");
    std::fs::write(
        &bad,
        r#"{"data": {"Products": [], "Agencies": [
            {"parent": "Department of Homeland Security", "sub": "", "auths": []},
            {"parent": "Department of Justice", "sub": "Federal Bureau of\u0007 Investigation", "auths": []}]}}"#,
    )
    .expect("write");
    let e = import::import_fedramp(&mut store, &bad).expect_err("refused").to_string();
    assert!(e.contains("marketplace.json") && e.contains("/data/Agencies/1"), "{e}");
    // Not JSON of either layout: the line and column.
    let not = dir.path().join("other.json");
    std::fs::write(&not, "{\n  \"data\": {\"Agencies\": 7}\n}\n").expect("write");
    let e = import::import_fedramp(&mut store, &not).expect_err("refused").to_string();
    assert!(e.contains("other.json") && e.contains("not a FedRAMP Marketplace file"), "{e}");
    assert_eq!(store.counts().expect("counts"), before, "nothing stored");
}

fn contact_columns_are_never_read(b: &Backend) {
    // An inventory with a contact column (the published file had one, since removed): its
    // values reach no organisation, alias or relationship.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = b.store();
    import::import_reference(&mut store, None).expect("reference");
    let csv = dir.path().join("inventory.csv");
    std::fs::write(
        &csv,
        "id,agency,agency_name,agency_bureau,use_case_name,classification,vendor_name,development_stage,contact_email,problem_solved\n\
         T-1,DHS,Department of Homeland Security,ICE,Facial comparison (a test),Computer Vision,Example Vision Co (fictional),Deployed,jane.doe@example.org,Jane Doe's cases\n",
    )
    .expect("write");
    import::import_ai_inventory(&mut store, &csv, ImportOptions::default(), &mut |_, _| {}).expect("import");
    let mut text = serde_json::to_string(&store.organisations().expect("orgs")).expect("json");
    text += &serde_json::to_string(&store.aliases().expect("aliases")).expect("json");
    text += &serde_json::to_string(&store.relationships().expect("rels")).expect("json");
    assert!(!text.contains("jane") && !text.contains("Jane"), "a contact reached the registry");
    assert!(text.contains("Example Vision Co"), "the vendor was stored");
}

crate::on_both!(
    hostile_public_files_are_refused_or_read_safely,
    the_public_records_import_with_the_counts_of_the_files,
    a_broken_marketplace_file_is_refused_naming_where_and_nothing_is_stored,
    contact_columns_are_never_read,
);

fn hostile_public_files_are_refused_or_read_safely(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = b.store();
    import::import_reference(&mut store, None).expect("reference");
    let before = store.counts().expect("counts");
    let market = |agencies: &str| {
        let f = dir.path().join("m.json");
        std::fs::write(&f, format!(r#"{{"data": {{"Products": [], "Agencies": [{agencies}]}}}}"#)).expect("write");
        f
    };
    // An e-mail address where a name belongs: refused, naming the entry and the field.
    let f = market(
        r#"{"parent": "Department of Justice", "sub": "", "auths": [{"id": "F1", "csp": "jane.doe@example.com", "cso": "X"}]}"#,
    );
    let e = import::import_fedramp(&mut store, &f).expect_err("personal data").to_string();
    assert!(e.contains("/data/Agencies/0/auths/0/csp") && e.contains("personal data"), "{e}");
    // A name with nothing to tell it by.
    let f = market(r#"{"parent": "---", "sub": "", "auths": []}"#);
    let e = import::import_fedramp(&mut store, &f).expect_err("no name").to_string();
    assert!(e.contains("/data/Agencies/0/parent"), "{e}");
    // Neither layout.
    let f = dir.path().join("n.json");
    std::fs::write(&f, r#"{"data": {"Products": [], "Agencies": []}, "products": []}"#).expect("write");
    assert!(import::import_fedramp(&mut store, &f).is_err(), "both layouts at once");
    // Not a regular file: refused at once, not read for ever.
    if Path::new("/dev/zero").exists() {
        let e = import::import_fedramp(&mut store, Path::new("/dev/zero")).expect_err("a device").to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
    assert_eq!(store.counts().expect("counts"), before, "nothing stored");
    // An inventory row whose date is not a day, with a multi-byte character where the day
    // would end: read, the date left out; a vendor that is a person is not stored.
    let csv = dir.path().join("inventory.csv");
    std::fs::write(
        &csv,
        "id,agency,agency_name,agency_bureau,use_case_name,classification,vendor_name,development_stage,operational_date\n\
         T-1,DHS,Department of Homeland Security,ICE,Facial comparison (a test),Computer Vision,John Smith,Deployed,2024-01-0é\n\
         T-2,DHS,Department of Homeland Security,ICE,Facial matching (a test),Computer Vision,Example Vision Co (fictional),\"Pilot\nPASSED: forged\",2024-13-45\n",
    )
    .expect("write");
    import::import_ai_inventory(&mut store, &csv, ImportOptions::default(), &mut |_, _| {}).expect("import");
    let rels = store.relationships().expect("rels");
    let supplies: Vec<_> =
        rels.iter().filter(|(_, r)| r.kind == RelationKind::TechnologySupply).map(|(_, r)| r).collect();
    assert_eq!(supplies.len(), 1, "the person is no vendor");
    assert!(supplies[0].action_date.is_none(), "2024-13-45 is no day");
    assert!(supplies[0].citation.as_deref().is_some_and(|c| !c.contains('\n')), "{:?}", supplies[0].citation);
}
