//! The real public files in `../shared/data/` import: counts are asserted, importing twice
//! changes nothing, and a corrupted row refuses the whole file, naming line and column,
//! leaving the store unchanged. Skips, saying why, where the data is absent.

use std::path::{Path, PathBuf};

use registry::Store;
use registry::import::{self, ImportOptions};

use crate::backends::Backend;

fn data_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if d.join("usaspending").is_dir() && d.join("agencies").is_dir() {
        Some(d)
    } else {
        crate::skip(&format!("{} is absent", d.display()));
        None
    }
}

const USASPENDING: [&str; 5] = [
    "ice-transactions-fy2018.csv",
    "ice-awards-to-minnesota-vendors.csv",
    "ice-awards-to-local-governments.csv",
    "ice-awards-to-state-governments.csv",
    "ice-subawards-since-2020.csv",
];

fn import_all(store: &mut dyn Store, data: &Path) -> Vec<import::ImportReport> {
    let mut reports = vec![import::import_reference(store, None).expect("reference")];
    let opts = ImportOptions::default();
    reports.push(
        import::import_fbi_agencies(store, &data.join("agencies/fbi-ucr-agencies-2018.csv"), opts, &mut |_, _| {})
            .expect("fbi"),
    );
    for f in USASPENDING {
        reports.push(
            import::import_usaspending(store, &data.join("usaspending").join(f), opts, &mut |_, _| {})
                .unwrap_or_else(|e| panic!("{f}: {e}")),
        );
    }
    reports
}

fn every_real_file_imports_once_and_a_second_time_changes_nothing(b: &Backend) {
    let Some(data) = data_dir() else { return };
    let mut store = b.store();
    let reports = import_all(&mut store, &data);
    for r in &reports {
        eprintln!(
            "{:45} rows {:5}  orgs {:6} -> {:6}  rels {:5} -> {:5}",
            r.file,
            r.rows,
            r.before.organisations,
            r.after.organisations,
            r.before.relationships,
            r.after.relationships
        );
        assert!(r.skipped.is_empty());
    }
    let counts = store.counts().expect("counts");
    eprintln!("{counts:?}");
    let rows: Vec<u64> = reports.iter().map(|r| r.rows).collect();
    assert_eq!(rows[1..], [18_702, 2_203, 1_369, 720, 331, 482]);
    assert_eq!(counts.organisations, EXPECTED_ORGANISATIONS);
    assert_eq!(counts.relationships, EXPECTED_RELATIONSHIPS);

    let again = import_all(&mut store, &data);
    assert!(again.iter().all(|r| r.already_imported), "a second import of the same files is recognised");
    assert_eq!(store.counts().expect("counts"), counts);
}

// 21 reference (5 departments, 16 agencies) + 18,702 FBI agencies + the agencies, recipients, parents, primes and
// subawardees named in the five USAspending files, each once. (20,430 before names were read
// as government names: "LAKE COUNTY OF (0777)" and "LAKE, COUNTY OF", or "JACKSON COUNTY OR"
// and "JACKSON, COUNTY OF", in one state with no conflicting identifier, are now one county.
// 20,423 before the reference named the departments of the Interior, State and the Treasury.)
const EXPECTED_ORGANISATIONS: u64 = 20_426;
const EXPECTED_RELATIONSHIPS: u64 = 5_656;

fn evidence_is_kept_with_source_lines_and_parents(b: &Backend) {
    let Some(data) = data_dir() else { return };
    let mut store = b.store();
    import_all(&mut store, &data);
    let orgs = store.organisations().expect("orgs");
    let by_name = |n: &str| orgs.iter().find(|o| o.name == n).unwrap_or_else(|| panic!("{n} missing"));
    let ice = orgs.iter().find(|o| o.key == "agency:7012").expect("ICE");
    // Palantir's ICE case-management contract, FY2018, with its parent company.
    let palantir = by_name("PALANTIR USG, INC.");
    let parent = palantir.parent.and_then(|p| store.organisation(p).expect("parent")).expect("has a parent");
    assert_eq!(parent.name, "PALANTIR TECHNOLOGIES INC.");
    let rels = store.relationships().expect("rels");
    let award = rels
        .iter()
        .map(|(_, r)| r)
        .find(|r| r.to == palantir.id && r.award_id.as_deref() == Some("HSCETC14C00002"))
        .expect("the award");
    assert_eq!(award.from, ice.id);
    assert_eq!(award.source.file, "ice-transactions-fy2018.csv");
    assert!(
        award.action_date.as_deref().is_some_and(|d| d.starts_with("2018-") || d.starts_with("2017-")),
        "{award:?}"
    );
    // A subsidiary under its parents: WEST PUBLISHING CORPORATION (UEI L997DB4PEJL8) is
    // reported under several parents across awards; each report is kept with its evidence.
    let ids = store.identifiers().expect("identifiers");
    let west_id =
        ids.iter().find(|(_, s, v)| *s == registry::model::Scheme::Uei && v == "L997DB4PEJL8").expect("West's UEI").0;
    // The 2018 file knows West by DUNS only, the 2025 file by UEI: one organisation holds both.
    assert!(ids.iter().any(|(o, s, v)| *o == west_id && *s == registry::model::Scheme::Duns && v == "148508286"));
    let west = orgs.iter().find(|o| o.id == west_id).expect("West");
    let parents: Vec<String> = rels
        .iter()
        .map(|(_, r)| r)
        .filter(|r| r.kind == registry::model::RelationKind::ParentSubsidiary && r.to == west.id)
        .map(|r| store.organisation(r.from).expect("db").expect("row").name)
        .collect();
    assert!(parents.iter().any(|p| p == "THOMSON REUTERS (MARKETS) LLC"), "{parents:?}");
    assert!(west.parent.is_some());
    // Subawards name the ICE award they hang under.
    assert!(rels.iter().any(|(_, r)| r.kind == registry::model::RelationKind::Subaward && r.agency == Some(ice.id)));
}

/// Evidence cites the physical line of the file (as `grep -n` counts) where its row starts.
fn evidence_cites_the_line_grep_finds_in_every_usaspending_layout(b: &Backend) {
    let Some(data) = data_dir() else { return };
    let mut store = b.store();
    import_all(&mut store, &data);
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let files: std::collections::HashMap<&str, Vec<String>> = USASPENDING
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(data.join("usaspending").join(f)).expect("read");
            (*f, text.split('\n').map(str::to_string).collect())
        })
        .collect();
    for (_, r) in store.relationships().expect("relationships") {
        let (Some(lines), Some(award)) = (files.get(r.source.file.as_str()), r.award_id.as_deref()) else { continue };
        let line = &lines[usize::try_from(r.source.line).expect("line") - 1];
        // A subaward is cited as "prime award key/subaward number"; its row starts with the key.
        let award = award.split('/').next().unwrap_or(award);
        assert!(line.contains(award), "{}:{} is {line:?}, not the row of {award}", r.source.file, r.source.line);
        *checked.entry(r.source.file.clone()).or_insert(0) += 1;
    }
    for f in USASPENDING {
        assert!(checked.get(f).copied().unwrap_or(0) > 0, "no evidence from {f} was checked: {checked:?}");
    }
}

/// FollowTheMoney awards with a value that would be stored wrong or dropped are refused,
/// naming the line and property, and nothing of the file is stored.
fn followthemoney_awards_with_bad_values_or_missing_entities_are_refused(b: &Backend) {
    let good = [
        r#"{"id":"org-1","schema":"PublicBody","properties":{"name":["Example Sheriff's Office"],"country":["us"]}}"#,
        r#"{"id":"org-2","schema":"Company","properties":{"name":["EXAMPLE LOGISTICS LLC"],"country":["us"]}}"#,
        r#"{"id":"c-1","schema":"Contract","properties":{"authority":["org-1"],"title":["TEST_AWD_1"]}}"#,
        r#"{"id":"a-1","schema":"ContractAward","properties":{"contract":["c-1"],"supplier":["org-2"],"amount":["1000.50"],"startDate":["2020-01"],"date":["2020-01-02"]}}"#,
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let import = |name: &str, last: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, [&good[..3], &[last]].concat().join("\n")).expect("write");
        let mut store = b.store();
        let before = store.counts().expect("counts");
        let r = registry::ftm::import(&mut store, &path).map_err(|e| e.to_string());
        if r.is_err() {
            assert_eq!(store.counts().expect("counts"), before, "{name}: nothing stored");
        }
        r
    };
    import("good.ftm.jsonl", good[3]).expect("a good file imports");
    for (name, from, to, expect) in [
        ("amount", "\"1000.50\"", "\"a thousand\"", "line 4, column amount"),
        ("infinite", "\"1000.50\"", "\"inf\"", "line 4, column amount"),
        ("date", "\"2020-01-02\"", "\"2020-13-45\"", "line 4, column date"),
        ("start", "\"2020-01\"", "\"last spring\"", "line 4, column startDate"),
        ("supplier", "\"org-2\"", "\"org-404\"", "line 4, column supplier"),
        ("contract", "\"c-1\"", "\"c-404\"", "line 4, column contract"),
    ] {
        let e = import(&format!("{name}.ftm.jsonl"), &good[3].replace(from, to)).expect_err(name);
        assert!(e.contains(expect), "{name}: {e}");
    }
}

/// An unclosed quote in a one-line-per-row file would merge the rows up to the next quote
/// into one (with the right number of fields when the quote closes in the same column): refused,
/// naming the line where the merged row starts and the column.
fn an_unclosed_quote_in_the_fbi_list_is_refused_not_merged(b: &Backend) {
    let Some(data) = data_dir() else { return };
    let original = std::fs::read_to_string(data.join("agencies/fbi-ucr-agencies-2018.csv")).expect("read");
    let header: Vec<&str> = original.lines().next().expect("header").split(',').collect();
    let col = header.iter().position(|h| h.trim() == "agency_name").expect("agency_name");
    let mut lines: Vec<String> = original.split('\n').map(str::to_string).collect();
    let quote = |line: &mut String, open: bool| {
        let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
        f[col] = if open { format!("\"{}", f[col]) } else { format!("{}\"", f[col]) };
        *line = f.join(",");
    };
    // Physical lines 11 (opened) to 17 (closed), all without quotes of their own.
    assert!(lines[10..17].iter().all(|l| !l.contains('"')), "the sample has no quotes there");
    quote(&mut lines[10], true);
    quote(&mut lines[16], false);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fbi-unclosed.csv");
    std::fs::write(&path, lines.join("\n")).expect("write");
    let mut store = b.store();
    let before = store.counts().expect("counts");
    let err = import::import_fbi_agencies(&mut store, &path, ImportOptions::default(), &mut |_, _| {})
        .expect_err("refused")
        .to_string();
    assert!(err.contains("line 11, column agency_name") && err.contains("runs over 7 lines"), "{err}");
    assert_eq!(store.counts().expect("counts"), before, "nothing stored");
}

/// A quote never closed (or a file with no line ends) would make one record of the rest of the
/// file, held in memory whole: refused past 1 MiB, naming the line where it began, also with
/// `--skip-bad-rows`; a FollowTheMoney line past 1 MiB likewise. Needs no shared data.
fn a_record_beyond_a_mebibyte_is_refused_naming_its_line(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let filler = "x".repeat(100);
    let mut csv = String::from("account_id,legal_name\nacct-1,First\nacct-2,\"never closed\n");
    for _ in 0..12_000 {
        csv.push_str(&filler);
        csv.push('\n');
    }
    let path = dir.path().join("accounts.csv");
    std::fs::write(&path, &csv).expect("write");
    let mut store = b.store();
    let before = store.counts().expect("counts");
    for skip_bad_rows in [false, true] {
        let err = import::import_accounts(&mut store, &path, ImportOptions { skip_bad_rows }, &mut |_, _| {})
            .expect_err("refused")
            .to_string();
        assert!(err.contains("line 3") && err.contains("longer than 1048576 bytes"), "{err}");
        assert_eq!(store.counts().expect("counts"), before, "nothing stored");
    }
    let ftm = dir.path().join("long.ftm.jsonl");
    let long =
        format!("{{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{{\"name\":[\"{}\"]}}}}\n", "y".repeat(1 << 21));
    std::fs::write(
        &ftm,
        format!("{{\"id\":\"b\",\"schema\":\"Company\",\"properties\":{{\"name\":[\"B\"]}}}}\n{long}"),
    )
    .expect("write");
    let err = registry::ftm::import(&mut store, &ftm).expect_err("refused").to_string();
    assert!(err.contains("line 2") && err.contains("longer than 1048576 bytes"), "{err}");
}

fn a_nul_character_is_refused_naming_line_and_column(b: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("accounts.csv");
    std::fs::write(&path, "account_id,legal_name\nacct-1,First\nacct-2,Sec\0ond\n").expect("write");
    let mut store = b.store();
    let before = store.counts().expect("counts");
    let err = import::import_accounts(&mut store, &path, ImportOptions::default(), &mut |_, _| {})
        .expect_err("refused")
        .to_string();
    assert!(err.contains("line 3") && err.contains("legal_name") && err.contains("NUL"), "{err}");
    assert_eq!(store.counts().expect("counts"), before, "nothing stored");
    let report = import::import_accounts(&mut store, &path, ImportOptions { skip_bad_rows: true }, &mut |_, _| {})
        .expect("skipped");
    assert_eq!((report.skipped.len(), report.after.accounts), (1, 1));

    let ftm = dir.path().join("nul.ftm.jsonl");
    std::fs::write(&ftm, "{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"A\\u0000B\"]}}\n")
        .expect("write");
    let err = registry::ftm::import(&mut store, &ftm).expect_err("refused").to_string();
    assert!(err.contains("line 1") && err.contains("NUL"), "{err}");
}

fn control_characters_are_refused_at_every_importer_naming_the_field(b: &Backend) {
    // Regression: `registry import reference` took NUL in names, and every importer took other
    // C0 controls (an escape sequence, a bell) that break pages, feeds and terminals.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = b.store();
    let before = store.counts().expect("counts");
    let reference = dir.path().join("reference.toml");
    for (text, field) in [
        (
            "[[agency]]\nname = \"Bad\\u0000Agency\"\nabbreviation = \"BA\"\nsources = []\n",
            "agency 1 (\"Bad\\0Agency\"): name",
        ),
        (
            "[[agency]]\nname = \"Good Agency\"\nabbreviation = \"GA\"\naliases = [\"G\\u001bA\"]\nsources = []\n",
            "aliases",
        ),
        (
            "[[department]]\nname = \"Dept\"\nabbreviation = \"D\\tX\"\ncode = \"001\"\n",
            "department 1 (\"Dept\"): abbreviation",
        ),
    ] {
        std::fs::write(&reference, text).expect("write");
        let err = import::import_reference(&mut store, Some(&reference)).expect_err("refused").to_string();
        assert!(err.contains("reference.toml") && err.contains(field) && err.contains("U+00"), "{field}: {err}");
    }
    let accounts = dir.path().join("accounts.csv");
    for (cell, what) in [("Acme\u{1b}[31m", "U+001B"), ("Acme\u{7}", "U+0007"), ("Acme\u{85}", "U+0085")] {
        std::fs::write(&accounts, format!("account_id,legal_name\nacct-1,First\nacct-2,{cell}\n")).expect("write");
        let err = import::import_accounts(&mut store, &accounts, ImportOptions::default(), &mut |_, _| {})
            .expect_err("refused")
            .to_string();
        assert!(err.contains("line 3") && err.contains("legal_name") && err.contains(what), "{err}");
    }
    std::fs::write(&accounts, "account_id,legal_name\nacct-1,\"Two\r\nLines\"\n").expect("write");
    let err = import::import_accounts(&mut store, &accounts, ImportOptions::default(), &mut |_, _| {})
        .expect_err("one line per row")
        .to_string();
    assert!(err.contains("legal_name"), "{err}");
    let ftm = dir.path().join("c0.ftm.jsonl");
    std::fs::write(&ftm, "{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"A\\u0008B\"]}}\n")
        .expect("write");
    let err = registry::ftm::import(&mut store, &ftm).expect_err("refused").to_string();
    assert!(err.contains("line 1") && err.contains("properties.name") && err.contains("U+0008"), "{err}");
    assert_eq!(store.counts().expect("counts"), before, "nothing stored");
}

/// PostgreSQL's store sends an import's writes in batches and answers its lookups from
/// memory; SQLite's writes row by row. Every real file, and accounts screened against them,
/// must come out the same in both.
#[test]
fn postgres_stores_the_real_files_exactly_as_sqlite_does() {
    let Some(data) = data_dir() else { return };
    let Some(pg) = Backend::postgres() else { return };
    let (mut lite, mut post) = (Backend::Sqlite.store(), pg.store());
    for store in [&mut lite, &mut post] {
        import_all(store, &data);
        // A second time: every file is refused as seen, and nothing changes.
        import_all(store, &data);
        registry::classify::classify(store, &registry::classify::ClassifyConfig::default()).expect("classify");
    }
    assert_eq!(lite.counts().expect("counts"), post.counts().expect("counts"));
    assert_eq!(lite.organisations().expect("orgs"), post.organisations().expect("orgs"));
    assert_eq!(lite.aliases().expect("aliases"), post.aliases().expect("aliases"));
    assert_eq!(lite.identifiers().expect("ids"), post.identifiers().expect("ids"));
    // Relationship ids may differ (PostgreSQL spends an identity value on an ignored
    // duplicate); the facts, their evidence and their order may not.
    let rels = |s: &dyn Store| s.relationships().expect("rels").into_iter().map(|(_, r)| r).collect::<Vec<_>>();
    assert_eq!(rels(lite.as_ref()), rels(post.as_ref()));
    let classes = |s: &dyn Store| {
        let events = s.classification_events().expect("events");
        events.into_iter().map(|e| (e.id, e.org_id, e.role, e.status, e.reason, e.actor)).collect::<Vec<_>>()
    };
    assert_eq!(classes(lite.as_ref()), classes(post.as_ref()));

    // Fictional accounts named as every 20th alias (one id twice: the later row wins),
    // stored and screened on both: the same accounts and the same proposals.
    let dir = tempfile::tempdir().expect("tempdir");
    let accounts = dir.path().join("accounts.csv");
    let mut csv = String::from("account_id,legal_name,state\n");
    for (i, (_, alias)) in lite.aliases().expect("aliases").iter().step_by(20).enumerate() {
        csv.push_str(&format!("demo-{i:05},\"{}\",MN\n", alias.to_uppercase().replace('"', "")));
    }
    csv.push_str("demo-00000,Renamed Demonstration Account,TX\n");
    std::fs::write(&accounts, csv).expect("write");
    for store in [&mut lite, &mut post] {
        import::import_accounts(store, &accounts, ImportOptions::default(), &mut |_, _| {}).expect("accounts");
        registry::screen::screen_all(store, &registry::screen::ScreenConfig::default()).expect("screen");
    }
    assert_eq!(lite.accounts().expect("accounts"), post.accounts().expect("accounts"));
    let links = |s: &dyn Store| {
        let events = s.link_events().expect("links");
        events
            .into_iter()
            .map(|e| (e.id, e.account_id, e.org_id, e.status, e.score, e.reason, e.candidates))
            .collect::<Vec<_>>()
    };
    let proposed = links(lite.as_ref());
    assert!(proposed.len() > 50, "{} proposals", proposed.len());
    assert_eq!(proposed, links(post.as_ref()));
}

fn a_corrupted_row_refuses_the_whole_file_and_names_line_and_column(b: &Backend) {
    let Some(data) = data_dir() else { return };
    let original = std::fs::read_to_string(data.join("usaspending/ice-awards-to-state-governments.csv")).expect("read");
    let header: Vec<&str> = original.lines().next().expect("header").split(',').collect();
    let amount_col = header.iter().position(|h| *h == "total_obligated_amount").expect("column");
    // Corrupt the amount on the 200th data row (line 201 if no field spans lines).
    let mut rdr = csv::Reader::from_reader(original.as_bytes());
    let mut wtr = csv::Writer::from_writer(Vec::new());
    wtr.write_record(rdr.headers().expect("headers")).expect("write");
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.expect("record");
        let mut fields: Vec<String> = rec.iter().map(str::to_string).collect();
        if i == 199 {
            fields[amount_col] = "12O0.00".into();
        }
        wtr.write_record(&fields).expect("write");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("corrupted.csv");
    std::fs::write(&path, wtr.into_inner().expect("bytes")).expect("write");
    // The line (as grep -n counts) where the corrupted record starts in the file as written:
    // the one that begins with its unique key.
    let key = csv::Reader::from_path(&path)
        .expect("reopen")
        .records()
        .map(|r| r.expect("record"))
        .find(|r| r.get(amount_col) == Some("12O0.00"))
        .and_then(|r| r.get(0).map(str::to_string))
        .expect("corrupted record");
    let written = std::fs::read_to_string(&path).expect("read");
    let bad_line = written
        .split('\n')
        .position(|l| l.starts_with(&key) || l.starts_with(&format!("\"{key}")))
        .map(|i| i as u64 + 1)
        .expect("the record's line");

    let mut store = b.store();
    import::import_reference(&mut store, None).expect("reference");
    let before = store.counts().expect("counts");
    let err =
        import::import_usaspending(&mut store, &path, ImportOptions::default(), &mut |_, _| {}).expect_err("refused");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("line {bad_line}")) && msg.contains("total_obligated_amount") && msg.contains("12O0.00"),
        "{msg}"
    );
    assert_eq!(store.counts().expect("counts"), before, "nothing from the file is stored");

    let report = import::import_usaspending(&mut store, &path, ImportOptions { skip_bad_rows: true }, &mut |_, _| {})
        .expect("imports with the bad row skipped");
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].line, bad_line);
    assert_eq!(report.skipped[0].column, "total_obligated_amount");
    assert_eq!(report.rows, 331);
}

fn classification_explains_suppliers_with_enablement_paths(b: &Backend) {
    use registry::classify::{ClassifyConfig, classify, explain};
    use registry::model::{Role, Status};
    let Some(data) = data_dir() else { return };
    let mut store = b.store();
    import_all(&mut store, &data);
    let cfg = ClassifyConfig::default();
    let report = classify(&mut store, &cfg).expect("classify");
    eprintln!("{report:?}");
    assert!(report.suppliers > 500, "{report:?}");
    assert_eq!(classify(&mut store, &cfg).expect("again").events_appended, 0, "a second run changes nothing");

    let palantir = explain(&store, "PALANTIR USG, INC.", &cfg).expect("explain");
    let current = palantir.current.as_ref().expect("classified");
    assert_eq!((current.role, current.status), (Role::Supplier, Status::Confirmed));
    let ice_path = palantir
        .paths
        .iter()
        .find(|p| p.steps[0].evidence.award_id.as_deref() == Some("HSCETC14C00002"))
        .expect("path");
    assert_eq!(ice_path.steps[0].relation, "contract_award");
    assert_eq!(ice_path.steps[0].to_name, "U.S. Immigration and Customs Enforcement");

    // The parent holds ICE awards of its own, and its subsidiary's count for it, shown as such.
    let parent = explain(&store, "PALANTIR TECHNOLOGIES INC.", &cfg).expect("explain parent");
    assert_eq!(parent.current.as_ref().map(|c| c.role), Some(Role::Supplier));
    assert!(parent.paths.iter().any(|p| p.steps[0].relation == "contract_award"));
    assert!(
        parent.paths.iter().any(|p| p.steps[0].relation == "parent_of" && p.steps[0].to_name == "PALANTIR USG, INC.")
    );

    // An organisation with no award of its own is only proposed, through its relative.
    let events = store.classification_events().expect("events");
    let rolled =
        events.iter().find(|e| e.status == Status::Proposed && e.reason.starts_with("through its")).expect("a roll-up");
    let rolled = explain(&store, &format!("#{}", rolled.org_id), &cfg).expect("explain");
    assert!(rolled.paths.iter().all(|p| matches!(p.steps[0].relation.as_str(), "parent_of" | "subsidiary_of")));
    assert!(!rolled.paths.is_empty());

    let ocpo = explain(&store, "7055", &cfg).expect("explain 7055");
    assert_eq!(ocpo.current.as_ref().map(|c| (c.role, c.status)), Some((Role::Agency, Status::Proposed)));

    // A threshold above every award leaves no rule-confirmed supplier.
    let mut fresh = b.store();
    import_all(&mut fresh, &data);
    let strict = ClassifyConfig { min_amount: 1e13, since: None };
    assert_eq!(classify(&mut fresh, &strict).expect("classify").suppliers, 0);
}

fn followthemoney_export_imports_back_into_the_same_registry(b: &Backend) {
    use registry::classify::{ClassifyConfig, classify};
    let Some(data) = data_dir() else { return };
    let mut store = b.store();
    import_all(&mut store, &data);
    let mut lines = Vec::new();
    let n = registry::ftm::export(&store, &mut lines).expect("export");
    let text = String::from_utf8(lines).expect("utf8");
    assert_eq!(text.lines().count(), n);
    // Every line is an FtM entity of a known schema.
    for line in text.lines().take(50) {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        assert!(
            ["Company", "PublicBody", "Organization", "Contract", "ContractAward", "Ownership"]
                .contains(&v["schema"].as_str().expect("schema"))
        );
        assert!(v["properties"].is_object());
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("registry.ftm.jsonl");
    std::fs::write(&path, &text).expect("write");

    let mut back = b.store();
    import::import_reference(&mut back, None).expect("reference");
    let r = registry::ftm::import(&mut back, &path).expect("import");
    let (a, b) = (store.counts().expect("counts"), back.counts().expect("counts"));
    assert_eq!(b.organisations, a.organisations, "{r:?}");
    assert_eq!(b.relationships, a.relationships);
    assert!(registry::ftm::import(&mut back, &path).expect("again").already_imported);
    // Classifications are not part of FtM (the FBI list's are not carried over), but the
    // companies that the contract records make suppliers come out the same.
    let cfg = ClassifyConfig::default();
    classify(&mut store, &cfg).expect("classify");
    classify(&mut back, &cfg).expect("classify");
    let supplier_companies = |s: &dyn Store| {
        let orgs: std::collections::HashMap<i64, registry::model::Organisation> =
            s.organisations().expect("orgs").into_iter().map(|o| (o.id, o)).collect();
        let mut names: Vec<String> = s
            .classification_events()
            .expect("events")
            .into_iter()
            .filter(|e| {
                e.role == registry::model::Role::Supplier
                    && e.status == registry::model::Status::Confirmed
                    && orgs[&e.org_id].kind == registry::model::Kind::Company
            })
            .map(|e| format!("{}|{:?}", orgs[&e.org_id].name, orgs[&e.org_id].jurisdiction.state))
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let (c1, c2) = (supplier_companies(&store), supplier_companies(&back));
    assert!(c1.len() > 500);
    let only_original: Vec<&String> = c1.iter().filter(|k| !c2.contains(k)).collect();
    let only_reimported: Vec<&String> = c2.iter().filter(|k| !c1.contains(k)).collect();
    assert!(only_original.is_empty() && only_reimported.is_empty(), "{only_original:?} / {only_reimported:?}");
}

/// The EFF Atlas of Surveillance sample: every row imports, agencies resolve to the FBI's
/// where the matcher is sure and are created otherwise, vendors become suppliers with the
/// Atlas row as evidence; importing twice changes nothing; the newer 28-column layout (two
/// columns more, elsewhere) reads the same facts; a corrupted row refuses the file naming its
/// line and column, leaving the store unchanged.
fn the_atlas_sample_imports_in_both_layouts_once_and_refuses_a_bad_row(b: &Backend) {
    let Some(data) = data_dir() else { return };
    let sample = data.join("atlas/atlas-of-surveillance-sample.csv");
    let mut store = b.store();
    let opts = ImportOptions::default();
    import::import_reference(&mut store, None).expect("reference");
    import::import_fbi_agencies(&mut store, &data.join("agencies/fbi-ucr-agencies-2018.csv"), opts, &mut |_, _| {})
        .expect("fbi");
    let before = store.counts().expect("counts");
    let r = import::import_atlas(&mut store, &sample, opts, &mut |_, _| {}).expect("atlas");
    assert_eq!(r.rows, 168);
    assert!(r.skipped.is_empty());
    let after = store.counts().expect("counts");
    // 93 vendor mentions (77 rows name no vendor; two name two).
    assert_eq!(after.relationships - before.relationships, 93);

    // Rockford Police Department (IL, ShotSpotter) is the FBI's agency, with its ORI.
    let rels = store.relationships().expect("rels");
    let rockford = rels.iter().map(|(_, r)| r).find(|r| r.award_id.as_deref() == Some("AOS000002")).expect("row");
    assert_eq!(rockford.technology.as_deref(), Some("Gunshot Detection"));
    assert_eq!(rockford.citation.as_deref(), Some("RR Star, 10/06/2018"));
    assert_eq!(rockford.action_date.as_deref(), Some("2018-10-06"));
    assert_eq!(rockford.source.line, 3);
    let ids = store.identifiers().expect("ids");
    assert!(
        ids.iter().any(|(o, s, v)| *o == rockford.from && s.as_str() == "ori" && v.starts_with("IL")),
        "FBI's Rockford PD"
    );
    assert_eq!(store.organisation(rockford.to).expect("org").expect("vendor").name, "ShotSpotter");

    let again = import::import_atlas(&mut store, &sample, opts, &mut |_, _| {}).expect("again");
    assert!(again.already_imported);
    assert_eq!(store.counts().expect("counts"), after);

    // The 28-column layout: NEWAOSNUMBER first, TECH ABV after Technology.
    let mut rdr = csv::Reader::from_path(&sample).expect("sample");
    let headers: Vec<String> = rdr.headers().expect("headers").iter().map(str::to_string).collect();
    let tech = headers.iter().position(|h| h == "Technology").expect("Technology");
    let mut wtr = csv::Writer::from_writer(Vec::new());
    let widen = |fields: Vec<String>, new: &str, abbreviation: &str| {
        let mut out = vec![new.to_string()];
        for (i, f) in fields.into_iter().enumerate() {
            out.push(f);
            if i == tech {
                out.push(abbreviation.to_string());
            }
        }
        out
    };
    wtr.write_record(widen(headers.clone(), "NEWAOSNUMBER", "TECH ABV")).expect("header");
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.expect("record");
        wtr.write_record(widen(rec.iter().map(str::to_string).collect(), &format!("NEW{i:06}"), "T")).expect("row");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let wide = dir.path().join("atlas-28.csv");
    std::fs::write(&wide, wtr.into_inner().expect("bytes")).expect("write");
    let r = import::import_atlas(&mut store, &wide, opts, &mut |_, _| {}).expect("28 columns");
    assert_eq!(r.rows, 168);
    let now = store.counts().expect("counts");
    assert_eq!((now.organisations, now.relationships), (after.organisations, after.relationships), "the same facts");

    // A corrupted row: the state written out.
    let text = std::fs::read_to_string(&sample).expect("read");
    let corrupted = text.replacen(
        "\"Rockford\",\"Winnebago County, Ogle County\",\"IL\"",
        "\"Rockford\",\"Winnebago County, Ogle County\",\"Illinois\"",
        1,
    );
    assert_ne!(corrupted, text);
    let bad = dir.path().join("atlas-bad.csv");
    std::fs::write(&bad, corrupted).expect("write");
    let mut fresh = b.store();
    import::import_reference(&mut fresh, None).expect("reference");
    let before = fresh.counts().expect("counts");
    let err = import::import_atlas(&mut fresh, &bad, opts, &mut |_, _| {}).expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("line 3") && msg.contains("column State") && msg.contains("Illinois"), "{msg}");
    assert_eq!(fresh.counts().expect("counts"), before, "nothing from the file is stored");

    // Classification makes the vendors suppliers, with the Atlas row as the evidence.
    registry::classify::classify(&mut store, &registry::classify::ClassifyConfig::default()).expect("classify");
    let e = registry::classify::explain(&store, "Clearview AI", &Default::default()).expect("explain");
    let c = e.current.expect("classified");
    assert_eq!((c.role.as_str(), c.status.as_str()), ("supplier", "confirmed"));
    assert!(c.reason.contains("Face Recognition") && c.reason.contains("EFF Atlas of Surveillance"), "{}", c.reason);
    assert!(e.technologies.iter().all(|t| t.relation == "supplies" && t.technology == "Face Recognition"));
    assert_eq!(e.technologies.len(), 2);
    assert!(e.paths.iter().all(|p| p.steps[0].relation == "supplies_technology"));
}

crate::on_both!(
    every_real_file_imports_once_and_a_second_time_changes_nothing,
    evidence_is_kept_with_source_lines_and_parents,
    evidence_cites_the_line_grep_finds_in_every_usaspending_layout,
    followthemoney_awards_with_bad_values_or_missing_entities_are_refused,
    an_unclosed_quote_in_the_fbi_list_is_refused_not_merged,
    a_record_beyond_a_mebibyte_is_refused_naming_its_line,
    a_nul_character_is_refused_naming_line_and_column,
    control_characters_are_refused_at_every_importer_naming_the_field,
    a_corrupted_row_refuses_the_whole_file_and_names_line_and_column,
    classification_explains_suppliers_with_enablement_paths,
    followthemoney_export_imports_back_into_the_same_registry,
    the_atlas_sample_imports_in_both_layouts_once_and_refuses_a_bad_row,
);
