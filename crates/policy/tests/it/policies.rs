//! The default policy, rule by rule and exception by exception, on a small registry of
//! fictional organisations (always) and on the registry built from the real public files
//! (where `../shared/data` is present): an ICE supplier found in USAspending's records is
//! denied every service, a police department on the FBI's list is denied face recognition.
//! Invalid policies are refused with Cedar's diagnostics; recorded decisions replay to the
//! same answers after a new version is active; audits and diffs run over stored usage.

use std::path::{Path, PathBuf};

use policy::audit::{audit, diff};
use policy::engine::{Decider, PolicyVersion, Request, entities_json, replay};
use policy::facts::Facts;
use policy::store::PolicyStore;
use registry::model::{Account, Jurisdiction, Kind, NewOrganisation, RelationKind, Relationship, Role, Source, Status};
use registry::{SqliteStore, Store};
use usage::fold::{Granularity, Key, Sums};
use usage::taxonomy::Taxonomy;

pub(crate) const DEFAULT: &str = policy::DEFAULT_POLICY;

pub(crate) fn schema() -> cedar_policy::Schema {
    policy::schema::builtin().expect("schema")
}

fn org(tx: &mut dyn registry::Tx, key: &str, name: &str, kind: Kind) -> i64 {
    tx.insert_organisation(&NewOrganisation {
        key: key.into(),
        name: name.into(),
        kind,
        jurisdiction: Jurisdiction { country: Some("USA".into()), state: Some("MN".into()), ..Default::default() },
    })
    .expect("org")
}

/// A fictional customer account in Minnesota.
pub(crate) fn account(id: &str, name: &str) -> Account {
    Account {
        account_id: id.into(),
        legal_name: name.into(),
        country: Some("USA".into()),
        state: Some("MN".into()),
        city: None,
        uei: None,
        domain: None,
    }
}

pub(crate) fn link(tx: &mut dyn registry::Tx, account_id: &str, org: i64) {
    tx.upsert_account(&account(account_id, &format!("{account_id} (fictional test account)"))).expect("account");
    tx.append_link(account_id, org, Status::Confirmed, None, "test link", "test-reviewer").expect("link");
}

/// A registry of fictional organisations around the real federal reference (ICE is real, and
/// only the reference's public facts about it are used).
pub(crate) fn fictional() -> SqliteStore {
    let mut store = SqliteStore::in_memory().expect("store");
    registry::import::import_reference(&mut store, None).expect("reference");
    let mut tx = store.begin().expect("tx");
    let ice = tx.organisation_by_key("agency:7012").expect("ice").expect("ICE in the reference");
    let sheriff = org(&mut *tx, "test:sheriff", "Lakemoor County Sheriff's Office (fictional)", Kind::LocalAgency);
    let edl = org(&mut *tx, "test:edl", "Example Detention Logistics LLC (fictional)", Kind::Company);
    let parent = org(&mut *tx, "test:parent", "Example Parent Holdings (fictional)", Kind::Company);
    let retail = org(&mut *tx, "test:retail", "Example Retail Co (fictional)", Kind::Company);
    tx.append_classification(sheriff, Role::Agency, Status::Confirmed, "test", "test-reviewer").expect("class");
    let rel = |kind, from, to, agency| Relationship {
        kind,
        from,
        to,
        agency,
        funding_agency: None,
        award_id: Some("TEST-0001".into()),
        amount: Some(1_000_000.0),
        start_date: Some("2025-01-01".into()),
        end_date: Some("2026-12-31".into()),
        action_date: Some("2025-01-01".into()),
        permalink: None,
        technology: None,
        citation: None,
        source: Source { file: "fictional-test-records.csv".into(), line: 1 },
    };
    tx.add_relationship(&rel(RelationKind::ContractAward, ice, edl, Some(ice))).expect("award");
    tx.add_relationship(&rel(RelationKind::ParentSubsidiary, parent, edl, None)).expect("parent");
    for (account, o) in [("acct-sheriff", sheriff), ("acct-edl", edl), ("acct-parent", parent), ("acct-retail", retail)]
    {
        link(&mut *tx, account, o);
    }
    tx.commit().expect("commit");
    registry::classify::classify(&mut store, &registry::classify::ClassifyConfig::default()).expect("classify");
    store
}

fn decider(store: &SqliteStore, text: &str, uses: &[(&str, &str)]) -> Decider {
    let uses: Vec<(String, String)> = uses.iter().map(|(a, u)| (a.to_string(), u.to_string())).collect();
    let facts = Facts::from_registry(store, &uses).expect("facts");
    let version = PolicyVersion::parse(text, "default.cedar", &schema()).expect("valid policy");
    Decider::new(schema(), version, facts).expect("decider")
}

fn ask(d: &Decider, account: &str, capability: &str, purpose: &str) -> policy::engine::Decision {
    d.decide(&Request {
        account: account.into(),
        capability: capability.into(),
        service: "Amazon Rekognition".into(),
        region_class: "commercial".into(),
        purpose: purpose.into(),
    })
    .expect("decision")
}

#[test]
fn police_may_not_use_face_recognition_but_may_use_everything_else() {
    let store = fictional();
    let d = decider(&store, DEFAULT, &[]);
    for cap in ["face_identification", "face_verification", "face_unspecified"] {
        let r = ask(&d, "acct-sheriff", cap, "");
        assert!(!r.allow, "{cap}: {r:?}");
        assert_eq!(r.policies, vec!["no-face-recognition-for-police"]);
        assert_eq!(r.attributes["principal.law_enforcement_role"], "agency");
        assert_eq!(r.attributes["principal.role_status"], "confirmed");
    }
    for cap in ["face_detection_analysis", "compute", "storage", "licence_plate_recognition"] {
        let r = ask(&d, "acct-sheriff", cap, "");
        assert!(r.allow, "{cap}: {r:?}");
        assert_eq!(r.policies, vec!["allow-by-default"]);
    }
}

#[test]
fn the_missing_persons_exception_needs_both_registration_and_the_declared_purpose() {
    let store = fictional();
    let plain = decider(&store, DEFAULT, &[]);
    assert!(!ask(&plain, "acct-sheriff", "face_identification", "missing_persons").allow, "declared, not registered");
    let registered = decider(&store, DEFAULT, &[("acct-sheriff", "missing_persons")]);
    assert!(!ask(&registered, "acct-sheriff", "face_identification", "").allow, "registered, not declared");
    assert!(ask(&registered, "acct-sheriff", "face_identification", "missing_persons").allow);
    assert!(!ask(&registered, "acct-sheriff", "face_identification", "trafficking_victims").allow, "other purpose");
    let victims = decider(&store, DEFAULT, &[("acct-sheriff", "trafficking_victims")]);
    assert!(ask(&victims, "acct-sheriff", "face_verification", "trafficking_victims").allow);
}

#[test]
fn companies_that_enable_immigration_enforcement_get_no_service() {
    let store = fictional();
    let d = decider(&store, DEFAULT, &[]);
    for cap in ["compute", "storage", "face_detection_analysis", "databases"] {
        let r = ask(&d, "acct-edl", cap, "");
        assert!(!r.allow, "{cap}");
        assert_eq!(r.policies, vec!["no-service-to-immigration-enforcement-suppliers"]);
        assert_eq!(r.attributes["principal.enables_immigration_enforcement"], true);
    }
    // The parent is a supplier only by roll-up, which stays proposed until reviewed.
    let parent = ask(&d, "acct-parent", "compute", "");
    assert!(parent.allow, "{parent:?}");
    assert_eq!(d.facts().accounts["acct-parent"].principal.role_status, "proposed");
    assert!(d.facts().accounts["acct-parent"].principal.enables_immigration_enforcement);
    // Exception: a reviewed, registered anti-trafficking use.
    let excepted = decider(&store, DEFAULT, &[("acct-edl", "anti_trafficking")]);
    assert!(ask(&excepted, "acct-edl", "compute", "").allow);
}

#[test]
fn ordinary_and_unknown_customers_are_allowed() {
    let store = fictional();
    let d = decider(&store, DEFAULT, &[]);
    for account in ["acct-retail", "acct-nobody-knows"] {
        for cap in ["face_identification", "compute"] {
            assert!(ask(&d, account, cap, "").allow, "{account} {cap}");
        }
    }
    let unknown = &ask(&d, "acct-nobody-knows", "compute", "");
    assert_eq!(unknown.policies, vec!["allow-by-default"]);
    // A capability the taxonomy does not have is a bad request, not an allow.
    let bad = d.decide(&Request {
        account: "acct-retail".into(),
        capability: "mind_reading".into(),
        service: String::new(),
        region_class: String::new(),
        purpose: String::new(),
    });
    assert!(bad.is_err());
    // So is a region class that does not exist.
    let bad = d.decide(&Request {
        account: "acct-retail".into(),
        capability: "compute".into(),
        service: String::new(),
        region_class: "low-earth-orbit".into(),
        purpose: String::new(),
    });
    let e = bad.expect_err("refused").to_string();
    assert!(e.contains("\"low-earth-orbit\" is not a region class"), "{e}");
}

#[test]
fn prepared_and_per_request_entities_decide_alike() {
    let mut store = fictional();
    // A customer account linked to no organisation (kept out of the prepared store).
    let mut tx = store.begin().expect("tx");
    tx.upsert_account(&account("acct-unlinked", "Example Bakery (fictional)")).expect("account");
    tx.commit().expect("commit");
    // With rules on resources too: by region class (hierarchy) and by service attributes.
    let text = format!(
        "{DEFAULT}\n@id(\"no-face-in-secret-regions\")\nforbid (principal, action in Candor::Action::\"face_recognition\", resource in Candor::RegionClass::\"secret\");\n\
         @id(\"no-rekognition-in-government-regions\")\nforbid (principal, action, resource) when {{ resource.name == \"Amazon Rekognition\" && resource.region_class == \"government\" }};\n"
    );
    let slow = decider(&store, &text, &[("acct-sheriff", "missing_persons")]);
    let facts = Facts::from_registry(&store, &[("acct-sheriff".into(), "missing_persons".into())]).expect("facts");
    let version = PolicyVersion::parse(&text, "test.cedar", &schema()).expect("valid");
    let services = ["Amazon Rekognition".to_string(), "Amazon EC2".to_string()];
    let fast = Decider::with_services(schema(), version, facts, &services).expect("services");
    let t = Taxonomy::builtin().expect("taxonomy");
    for account in ["acct-sheriff", "acct-edl", "acct-parent", "acct-retail", "acct-unlinked", "acct-unknown"] {
        for cap in t.capabilities() {
            for service in ["Amazon Rekognition", "Amazon EC2", "Some Other Service"] {
                for class in ["commercial", "government", "secret"] {
                    for purpose in ["", "missing_persons"] {
                        let req = Request {
                            account: account.into(),
                            capability: cap.id.clone(),
                            service: service.into(),
                            region_class: class.into(),
                            purpose: purpose.into(),
                        };
                        let (a, b) = (slow.decide(&req).expect("slow"), fast.decide(&req).expect("fast"));
                        assert_eq!(a, b, "{req:?}");
                        if class == "secret" && cap.id == "face_identification" {
                            assert!(!a.allow && a.policies.contains(&"no-face-in-secret-regions".to_string()));
                        }
                        if class == "government" && service == "Amazon Rekognition" {
                            assert!(!a.allow, "{req:?}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn invalid_policies_are_refused_with_cedars_diagnostics() {
    let s = schema();
    let cases = [
        ("@id(\"x\") forbid (principal, action, resource) when { principal.colour == \"blue\" };", "colour"),
        ("@id(\"x\") forbid (principal, action == Candor::Action::\"mind_reading\", resource);", "mind_reading"),
        ("@id(\"x\") forbid (principal, action, resource) when { principal.law_enforcement_role == 3 };", ""),
        ("@id(\"x\") forbid (principal, action, resource", ""),
        ("forbid (principal, action, resource);", "@id"),
        (
            "@id(\"a\") permit (principal, action, resource);\n@id(\"a\") forbid (principal, action, resource);",
            "two policies",
        ),
        // An id names the rule in the gates' counts and the report: short and printable.
        (
            "@id(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\") forbid (principal, action, resource);",
            "1 to 128 characters",
        ),
        ("@id(\"a\\tb\") forbid (principal, action, resource);", "no control character"),
    ];
    for (text, needle) in cases {
        let err = PolicyVersion::parse(text, "bad.cedar", &s).expect_err(text).to_string();
        assert!(err.contains("bad.cedar") && err.contains("not valid"), "{err}");
        assert!(err.contains(needle), "{text}\n{err}");
    }
    let v = PolicyVersion::parse(DEFAULT, "default.cedar", &s).expect("the default is valid");
    let ids: Vec<String> = v.policies().into_iter().map(|p| p.id).collect();
    assert_eq!(
        ids,
        vec!["allow-by-default", "no-face-recognition-for-police", "no-service-to-immigration-enforcement-suppliers"]
    );
}

#[test]
fn decisions_recorded_under_one_version_replay_the_same_after_the_next() {
    let store = fictional();
    let mut db = PolicyStore::in_memory().expect("db");
    let v1 = decider(&store, DEFAULT, &[("acct-sheriff", "missing_persons")]);
    db.record_version(&v1.version().sha256, "default.cedar", DEFAULT, 0, "test-operator").expect("v1");
    let mut asked = Vec::new();
    for account in ["acct-sheriff", "acct-edl", "acct-retail", "acct-parent"] {
        for (cap, purpose) in [("face_identification", ""), ("face_identification", "missing_persons"), ("compute", "")]
        {
            let req = Request {
                account: account.into(),
                capability: cap.into(),
                service: "Amazon Rekognition".into(),
                region_class: "government".into(),
                purpose: purpose.into(),
            };
            let entities = v1.entities_for(&req).expect("entities");
            let d = v1.decide(&req).expect("decide");
            db.record_decision(&req, &entities_json(&entities).expect("json"), &d).expect("record");
            asked.push(d.allow);
        }
    }
    // Version 2 forbids face identification to everyone; the registry changes too.
    let v2_text = format!(
        "{DEFAULT}\n@id(\"no-face-identification\")\nforbid (principal, action == Candor::Action::\"face_identification\", resource);\n"
    );
    let v2 = decider(&store, &v2_text, &[]);
    db.record_version(&v2.version().sha256, "v2.cedar", &v2_text, 1, "test-operator").expect("v2");
    let s = schema();
    let mut changed_under_v2 = 0;
    for rec in db.decisions().expect("decisions") {
        let stored = db.find(&rec.version_sha256).expect("find").expect("version");
        let version = PolicyVersion::parse(&stored.text, &stored.file, &s).expect("parse");
        let again = replay(&s, &version, &rec.request, &rec.entities).expect("replay");
        assert_eq!((again.allow, &again.policies), (rec.allow, &rec.policies), "{:?}", rec.request);
        if v2.decide(&rec.request).expect("v2").allow != rec.allow {
            changed_under_v2 += 1;
        }
    }
    assert_eq!(db.decisions().expect("decisions").len(), asked.len());
    assert!(changed_under_v2 >= 2, "version 2 answers differently: {changed_under_v2}");
    assert_eq!(db.active().expect("active").expect("some").version, 2);
}

fn usage_row(account: &str, month: &str, capability: &str, quantity: f64) -> (Key, Sums) {
    (
        Key {
            account: account.into(),
            month: month.into(),
            service: "Amazon Rekognition".into(),
            capability: capability.into(),
            region_class: "commercial".into(),
            unit: "Images".into(),
        },
        Sums {
            quantity,
            cost: quantity / 1000.0,
            lines: 10,
            first: format!("{month}-01"),
            last: format!("{month}-28"),
        },
    )
}

#[test]
fn audit_lists_forbidden_usage_and_diff_shows_what_a_change_would_change() {
    let store = fictional();
    let d = decider(&store, DEFAULT, &[]);
    let rows = vec![
        usage_row("acct-sheriff", "2026-07", "face_identification", 1000.0),
        usage_row("acct-sheriff", "2026-08", "face_identification", 500.0),
        usage_row("acct-sheriff", "2026-08", "face_detection_analysis", 70.0),
        usage_row("acct-retail", "2026-08", "face_identification", 9.0),
        usage_row("acct-edl", "2026-09", "compute", 3.0),
        usage_row("acct-sheriff", "2026-10", "face_identification", 5.0),
    ];
    let v = audit(&d, &rows, Granularity::Quarter, Some("2026-Q3")).expect("audit");
    assert_eq!(v.len(), 2, "{v:#?}");
    let sheriff = &v.iter().find(|x| x.accounts == ["acct-sheriff"]).expect("sheriff");
    assert_eq!(sheriff.organisation, "Lakemoor County Sheriff's Office (fictional)");
    assert_eq!((sheriff.capability.as_str(), sheriff.period.as_str()), ("face_identification", "2026-Q3"));
    assert_eq!((sheriff.quantity["Images"], sheriff.lines), (1500.0, 20));
    assert_eq!(sheriff.policies, vec!["no-face-recognition-for-police"]);
    assert!(
        v.iter()
            .any(|x| x.accounts == ["acct-edl"] && x.policies == ["no-service-to-immigration-enforcement-suppliers"])
    );
    // Registered for missing persons: given the benefit of the doubt.
    let registered = decider(&store, DEFAULT, &[("acct-sheriff", "missing_persons")]);
    assert_eq!(audit(&registered, &rows, Granularity::Quarter, Some("2026-Q3")).expect("audit").len(), 1);
    // A stricter policy: face identification for nobody.
    let strict = decider(
        &store,
        &format!(
            "{DEFAULT}\n@id(\"no-face-identification\")\nforbid (principal, action == Candor::Action::\"face_identification\", resource);\n"
        ),
        &[],
    );
    let change = diff(&d, &strict, &rows).expect("diff");
    assert_eq!(change.accounts_newly_denied, 1);
    assert_eq!(change.accounts_newly_allowed, 0);
    assert_eq!(change.lines_newly_denied, 10);
    assert_eq!(change.changes[0].account, "acct-retail");
    assert_eq!(change.changes[0].policies, vec!["no-face-identification"]);
    // And back: the same change, reversed.
    let back = diff(&strict, &d, &rows).expect("diff back");
    assert_eq!((back.accounts_newly_allowed, back.lines_newly_allowed), (1, 10));
}

fn data_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if d.join("usaspending").is_dir() && d.join("agencies").is_dir() {
        Some(d)
    } else {
        crate::skip(&format!("{} is absent", d.display()));
        None
    }
}

/// The registry from the real public files, with test accounts linked to real organisations
/// (the accounts are fictional; only the public records' facts about the organisations are used).
fn real() -> Option<SqliteStore> {
    let data = data_dir()?;
    let mut store = SqliteStore::in_memory().expect("store");
    registry::import::import_reference(&mut store, None).expect("reference");
    let opts = registry::import::ImportOptions::default();
    registry::import::import_fbi_agencies(
        &mut store,
        &data.join("agencies/fbi-ucr-agencies-2018.csv"),
        opts,
        &mut |_, _| {},
    )
    .expect("fbi");
    for f in std::fs::read_dir(data.join("usaspending")).expect("dir") {
        let p = f.expect("entry").path();
        registry::import::import_usaspending(&mut store, &p, opts, &mut |_, _| {}).expect("usaspending");
    }
    registry::classify::classify(&mut store, &registry::classify::ClassifyConfig::default()).expect("classify");
    Some(store)
}

#[test]
fn on_the_real_registry_an_ice_supplier_and_a_police_department_are_restricted() {
    let Some(mut store) = real() else { return };
    let facts = Facts::from_registry(&store, &[]).expect("facts");
    assert!(facts.orgs.len() > 20_000, "{}", facts.orgs.len());
    // A company the real USAspending records show holding ICE contracts.
    let supplier = facts
        .orgs
        .values()
        .filter(|o| o.principal.law_enforcement_role == "supplier" && o.principal.role_status == "confirmed")
        .filter(|o| o.principal.enables_immigration_enforcement)
        .find(|o| o.principal.name.to_uppercase().contains("PALANTIR"))
        .expect("Palantir appears as an ICE supplier in the public records");
    let police = facts
        .orgs
        .values()
        .find(|o| {
            o.principal.kind == "local_agency"
                && o.principal.law_enforcement_role == "agency"
                && o.principal.name.to_uppercase().contains("MINNEAPOLIS")
        })
        .expect("a Minneapolis agency on the FBI list");
    let (supplier_id, police_id) = (supplier.id, police.id);
    let mut tx = store.begin().expect("tx");
    link(&mut *tx, "test-acct-supplier", supplier_id);
    link(&mut *tx, "test-acct-police", police_id);
    tx.commit().expect("commit");
    let d = decider(&store, DEFAULT, &[]);
    let r = ask(&d, "test-acct-supplier", "compute", "");
    assert!(!r.allow);
    assert_eq!(r.policies, vec!["no-service-to-immigration-enforcement-suppliers"]);
    assert!(d.facts().accounts["test-acct-supplier"].principal.enables.iter().any(|a| a.contains("Immigration")));
    let r = ask(&d, "test-acct-police", "face_identification", "");
    assert!(!r.allow);
    assert_eq!(r.policies, vec!["no-face-recognition-for-police"]);
    assert!(ask(&d, "test-acct-police", "compute", "").allow);
    // The exceptions, with hypothetical registrations made only to exercise them (not facts
    // about these organisations): each lifts exactly its own rule.
    let excepted = decider(
        &store,
        DEFAULT,
        &[("test-acct-police", "missing_persons"), ("test-acct-supplier", "anti_trafficking")],
    );
    assert!(ask(&excepted, "test-acct-police", "face_identification", "missing_persons").allow);
    assert!(!ask(&excepted, "test-acct-police", "face_identification", "").allow);
    assert!(ask(&excepted, "test-acct-supplier", "compute", "").allow);
}

#[test]
fn a_policy_version_goes_into_the_log_as_canonical_json() {
    let e = policy::store::version_entry("ab12", "default.cedar", DEFAULT, "2026-11-27T00:00:00Z").expect("entry");
    let v: serde_json::Value = serde_json::from_slice(&e).expect("json");
    assert_eq!(v["type"], "candor.policy_version");
    assert_eq!(v["text"], DEFAULT);
    // Canonical: canonicalising it again changes nothing (RFC 8785).
    assert_eq!(records::canonical::to_vec(&v).expect("canonical"), e);
}

/// A vendor the Atlas of Surveillance records as supplying face recognition to a (fictional)
/// police department, beside a vendor of drones to it: the example policy on
/// `supplied_technologies` denies the first every service and leaves the second alone.
#[test]
fn a_policy_can_act_on_the_technologies_a_vendor_supplies_to_police() {
    let dir = tempfile::tempdir().expect("tmp");
    let atlas = dir.path().join("atlas-fictional.csv");
    std::fs::write(
        &atlas,
        "\"AOSNUMBER\",\"City\",\"County\",\"State\",\"Agency\",\"Type of LEA\",\"Summary\",\"Type of Juris\",\"Technology\",\"Vendor\",\"Link 1\",\"Link 1 Snapshot\",\"Link 1 Source\",\"Link 1 Type\",\"Link 1 Date\"\n\
         \"AOS900001\",\"Lakemoor\",\"Lakemoor County\",\"MN\",\"Lakemoor Police Department (fictional)\",\"Police\",\"Test row (fictional).\",\"Municipal\",\"Face Recognition\",\"Examplar Vision Ltd (fictional)\",\"https://example.invalid/1\",\"\",\"Example Gazette\",\"\",\"03/04/2025\"\n\
         \"AOS900002\",\"Lakemoor\",\"Lakemoor County\",\"MN\",\"Lakemoor Police Department (fictional)\",\"Police\",\"Test row (fictional).\",\"Municipal\",\"Drones\",\"Skyward Example Drones (fictional)\",\"https://example.invalid/2\",\"\",\"Example Gazette\",\"\",\"05/06/2025\"\n",
    )
    .expect("write");
    let mut store = SqliteStore::in_memory().expect("store");
    registry::import::import_atlas(&mut store, &atlas, Default::default(), &mut |_, _| {}).expect("atlas");
    let mut tx = store.begin().expect("tx");
    let vision = tx.organisation_by_key("atlas-vendor:examplar fictional vision").expect("lookup");
    let drones = tx.organisation_by_key("atlas-vendor:drones example fictional skyward").expect("lookup");
    let (Some(vision), Some(drones)) = (vision, drones) else { panic!("both vendors are in the registry") };
    link(&mut *tx, "acct-vision", vision);
    link(&mut *tx, "acct-drones", drones);
    tx.commit().expect("commit");
    registry::classify::classify(&mut store, &registry::classify::ClassifyConfig::default()).expect("classify");

    let example = include_str!("../../data/examples/no-face-recognition-vendors-of-police.cedar");
    let d = decider(&store, example, &[]);
    let r = ask(&d, "acct-vision", "compute", "");
    assert!(!r.allow, "{r:?}");
    assert_eq!(r.policies, vec!["no-service-to-face-recognition-vendors-of-police"]);
    assert_eq!(r.attributes["principal.supplied_technologies"], serde_json::json!(["Face Recognition"]));
    let r = ask(&d, "acct-drones", "compute", "");
    assert!(r.allow, "{r:?}");
    assert_eq!(d.facts().accounts["acct-drones"].principal.supplied_technologies.len(), 1);
}

/// A vendor the federal AI use-case inventory names for a law-enforcement bureau's face
/// recognition (a fictional row, ICE from candor's reference) is a supplier of that technology
/// to Cedar, exactly as an Atlas vendor is: the same example policy denies it.
#[test]
fn a_vendor_the_ai_inventory_names_is_a_supplier_in_cedar_like_an_atlas_vendor() {
    let dir = tempfile::tempdir().expect("tmp");
    let inventory = dir.path().join("inventory-fictional.csv");
    std::fs::write(
        &inventory,
        "id,agency,agency_name,agency_bureau,use_case_name,classification,vendor_name,development_stage\n\
         T-1,DHS,Department of Homeland Security,ICE,Facial comparison (a fictional test row),Computer Vision,Examplar Vision Ltd (fictional),Deployed\n",
    )
    .expect("write");
    let mut store = SqliteStore::in_memory().expect("store");
    registry::import::import_reference(&mut store, None).expect("reference");
    registry::import::import_ai_inventory(&mut store, &inventory, Default::default(), &mut |_, _| {})
        .expect("inventory");
    let mut tx = store.begin().expect("tx");
    let vision = tx.organisation_by_key("vendor:examplar fictional vision").expect("lookup").expect("the vendor");
    link(&mut *tx, "acct-vision", vision);
    tx.commit().expect("commit");
    registry::classify::classify(&mut store, &registry::classify::ClassifyConfig::default()).expect("classify");
    let example = include_str!("../../data/examples/no-face-recognition-vendors-of-police.cedar");
    let d = decider(&store, example, &[]);
    let r = ask(&d, "acct-vision", "compute", "");
    assert!(!r.allow, "{r:?}");
    assert_eq!(r.attributes["principal.supplied_technologies"], serde_json::json!(["Face Recognition"]));
}
