//! The registry part of `candor demo`: build a registry, screen a generated, labelled set of
//! customer accounts, and show what screening and classification find.
//!
//! What is real and what is not:
//! - candor's federal reference (real agencies, real public facts) and, when present beside
//!   the checkout, the real public records in `../shared/data` (real contract awards);
//! - a fictional agency, a fictional supplier with a fictional award, and its fictional
//!   parent, written here as demonstration records and labelled as such; a fictional row in
//!   the EFF Atlas of Surveillance's layout (the fictional agency uses face recognition from
//!   a fictional vendor) and, when present beside the checkout, the real Atlas sample;
//! - customer accounts: every one fictional. Some carry name variants of real public bodies
//!   and contractors to exercise screening; those get no usage and their links stay proposed.
//!   Generated usage (every row marked demonstration data) goes only to accounts with
//!   fictional names, and only links to fictional organisations are confirmed, by
//!   `demo-reviewer`, so the usage report names fictional organisations only.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use registry::Store;
use registry::classify::{ClassifyConfig, classify, explain};
use registry::import::{self, ImportOptions};
use registry::screen::{ScreenConfig, screen_all};

use crate::stores::{Stores, lock};
use serde_json::json;

use crate::fixtures::{FIRST, FORMS, Rng, SECOND, STATES, vary};

/// The fictional police department whose face identification the provider registered as a
/// missing-persons use.
pub const HARBOR_CITY: &str = "Harbor City Police Department (fictional)";

/// What every demo account and row says about itself.
pub const NOTICE: &str = "demonstration data: fictional account; no usage or conduct is attributed to anyone";

const FICTIONAL_REFERENCE: &str = r#"# Demonstration data made by `candor demo`: a fictional agency.
[[agency]]
name = "Lakemoor County Sheriff's Office (fictional)"
abbreviation = "LCSO-DEMO"
kind = "local_agency"
state = "MN"
aliases = ["Lakemoor County Sheriff (fictional)"]
sources = ["demonstration data: a fictional agency made up by candor demo"]

[[agency]]
name = "Harbor City Police Department (fictional)"
abbreviation = "HCPD-DEMO"
kind = "local_agency"
state = "WA"
aliases = ["Harbor City Police (fictional)"]
sources = ["demonstration data: a fictional agency made up by candor demo"]
"#;

/// Fictional public records in FollowTheMoney form.
fn fictional_records() -> String {
    let lines = [
        json!({"id": "demo-lcso", "schema": "PublicBody", "properties": {"name": ["Lakemoor County Sheriff's Office (fictional)"], "region": ["MN"], "country": ["us"], "classification": ["local_agency"], "notes": ["demonstration data"]}}),
        json!({"id": "demo-northwind", "schema": "Company", "properties": {"name": ["Northwind Detention Services Inc. (fictional)"], "region": ["MN"], "country": ["us"], "notes": ["demonstration data"]}}),
        json!({"id": "demo-averly", "schema": "Company", "properties": {"name": ["Averly Holdings Corporation (fictional)"], "region": ["DE"], "country": ["us"], "notes": ["demonstration data"]}}),
        json!({"id": "demo-contract-1", "schema": "Contract", "properties": {"authority": ["demo-lcso"], "title": ["DEMO-2026-0001"], "notes": ["demonstration data"]}}),
        json!({"id": "demo-award-1", "schema": "ContractAward", "properties": {"contract": ["demo-contract-1"], "supplier": ["demo-northwind"], "amount": ["1250000.00"], "date": ["2026-07-01"], "notes": ["demonstration data"]}}),
        json!({"id": "demo-ownership-1", "schema": "Ownership", "properties": {"owner": ["demo-averly"], "asset": ["demo-northwind"], "role": ["parent"], "notes": ["demonstration data"]}}),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// A fictional row in the Atlas of Surveillance's layout: the fictional sheriff's office uses
/// face recognition from a fictional vendor.
const FICTIONAL_ATLAS: &str = "\"AOSNUMBER\",\"City\",\"County\",\"State\",\"Agency\",\"Type of LEA\",\"Summary\",\"Type of Juris\",\"Technology\",\"Vendor\",\"Link 1\",\"Link 1 Snapshot\",\"Link 1 Source\",\"Link 1 Type\",\"Link 1 Date\"
\"AOS990001\",\"Lakemoor\",\"Lakemoor County\",\"MN\",\"Lakemoor County Sheriff's Office (fictional)\",\"Sheriff\",\"Demonstration data: a fictional record made up by candor demo.\",\"County\",\"Face Recognition\",\"Examplar Vision Ltd (fictional)\",\"https://example.invalid/demonstration-data\",\"\",\"demonstration data\",\"\",\"07/01/2026\"
";

/// What the registry demo did.
pub struct Summary {
    /// For people.
    pub text: String,
    /// For machines.
    pub json: serde_json::Value,
    /// Every account that carries generated usage.
    pub usage_accounts: Vec<String>,
    /// The accounts of each fictional organisation, by its name.
    pub org_accounts: std::collections::BTreeMap<String, Vec<String>>,
}

/// Generates `rows` billing lines (FOCUS Parquet, demonstration data) for `accounts` over the
/// quarter starting at `start_month`, face recognition for `face_accounts` only, and ingests
/// them into the demo's usage store. Returns the file written.
pub fn generate_quarter(
    dir: &Path,
    stores: &Stores,
    accounts: &[String],
    face_accounts: &[String],
    start_month: (u32, u32),
    seed: u64,
) -> Result<std::path::PathBuf> {
    let usage_file = dir.join(format!("usage-focus-{}-{:02}-demonstration-data.parquet", start_month.0, start_month.1));
    let cfg = usage::generate::GenConfig {
        rows: 20_000,
        accounts: accounts.to_vec(),
        face_accounts: face_accounts.to_vec(),
        start_month,
        months: 3,
        seed,
    };
    let f = std::io::BufWriter::new(std::fs::File::create(&usage_file)?);
    std::io::Write::flush(&mut usage::generate::write_parquet(f, &cfg, usage::generate::Layout::Focus, 8_192)?)?;
    let taxonomy = usage::taxonomy::Taxonomy::builtin()?;
    lock(&*stores.usage()?).ingest(&taxonomy, &usage_file, usage::focus::ReadOptions::default())?;
    Ok(usage_file)
}

/// Builds the demo registry in `dir`, screens the generated accounts, ingests their usage.
pub fn run(dir: &Path, stores: &Stores) -> Result<Summary> {
    let store = stores.registry()?;
    let mut store = lock(&*store);
    let mut text = String::new();
    import::import_reference(&mut *store, None)?;
    std::fs::write(dir.join("demo-reference.toml"), FICTIONAL_REFERENCE)?;
    std::fs::write(dir.join("demo-records.ftm.jsonl"), fictional_records())?;
    import::import_reference(&mut *store, Some(&dir.join("demo-reference.toml")))?;
    registry::ftm::import(&mut *store, &dir.join("demo-records.ftm.jsonl"))?;
    let shared = Path::new("../shared/data");
    let real = shared.join("usaspending").is_dir() && shared.join("agencies").is_dir();
    // Atlas rows after the agencies they name: the fictional one, then the real sample.
    let mut atlas_files = vec![dir.join("demo-atlas.csv")];
    std::fs::write(&atlas_files[0], FICTIONAL_ATLAS)?;
    let real_atlas = shared.join("atlas/atlas-of-surveillance-sample.csv");
    if real && real_atlas.is_file() {
        atlas_files.push(real_atlas);
    }
    if real {
        let opts = ImportOptions::default();
        import::import_fbi_agencies(
            &mut *store,
            &shared.join("agencies/fbi-ucr-agencies-2018.csv"),
            opts,
            &mut |_, _| {},
        )?;
        let mut files: Vec<_> = std::fs::read_dir(shared.join("usaspending"))?.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            import::import_usaspending(&mut *store, &f, opts, &mut |_, _| {})
                .with_context(|| format!("{}", f.display()))?;
        }
    }
    for f in &atlas_files {
        import::import_atlas(&mut *store, f, ImportOptions::default(), &mut |_, _| {})
            .with_context(|| format!("{}", f.display()))?;
    }
    let classified = classify(&mut *store, &ClassifyConfig::default())?;
    let counts = store.counts()?;
    let _ = writeln!(
        text,
        "1. built the registry {}: {} organisations, {} relationships ({}candor's federal reference and the demo's fictional records)",
        dir.join("registry.db").display(),
        counts.organisations,
        counts.relationships,
        if real {
            "the real public records in ../shared/data (USAspending, FBI, the EFF Atlas of Surveillance sample), "
        } else {
            ""
        }
    );
    let _ = writeln!(
        text,
        "   classified {} agencies by reference, {} suppliers from their awards, {} proposed through a parent or subsidiary",
        classified.reference_agencies, classified.suppliers, classified.proposed_by_rollup
    );

    // Accounts: fictional, labelled, with name variants of registry organisations.
    let accounts_path = dir.join("accounts.csv");
    let mut w = csv::Writer::from_path(&accounts_path)?;
    w.write_record(["account_id", "legal_name", "country", "state", "city", "uei", "domain", "note"])?;
    let orgs = store.organisations()?;
    let mut rng = Rng(0xdead_beef_2026);
    let mut n = 0usize;
    // Generated usage goes only to accounts with fictional names; the fictional sheriff's
    // accounts also use face identification.
    let mut fictional_accounts: Vec<String> = Vec::new();
    let mut face_accounts: Vec<String> = Vec::new();
    let mut org_accounts: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    let write = |w: &mut csv::Writer<std::fs::File>, n: &mut usize, name: &str, state: &str| -> Result<()> {
        *n += 1;
        w.write_record([&format!("demo-acct-{n:05}"), name, "USA", state, "", "", "", NOTICE])?;
        Ok(())
    };
    for o in orgs.iter().filter(|o| o.name.contains("(fictional)")) {
        for _ in 0..3 {
            write(&mut w, &mut n, &vary(&o.name, &mut rng), o.jurisdiction.state.as_deref().unwrap_or(""))?;
            fictional_accounts.push(format!("demo-acct-{n:05}"));
            org_accounts.entry(o.name.clone()).or_default().push(format!("demo-acct-{n:05}"));
            if o.name.contains("Sheriff") || o.name.contains(HARBOR_CITY) {
                face_accounts.push(format!("demo-acct-{n:05}"));
            }
        }
    }
    let real_bodies: Vec<_> = orgs.iter().filter(|o| !o.name.contains("(fictional)")).collect();
    for _ in 0..1_200.min(real_bodies.len() * 2) {
        let o = real_bodies[rng.below(real_bodies.len())];
        write(&mut w, &mut n, &vary(&o.name, &mut rng), o.jurisdiction.state.as_deref().unwrap_or(""))?;
    }
    while n < 3_000 {
        let name = format!(
            "{} {} {}",
            FIRST[rng.below(FIRST.len())],
            SECOND[rng.below(SECOND.len())],
            FORMS[rng.below(FORMS.len())]
        );
        write(&mut w, &mut n, name.trim(), STATES[rng.below(STATES.len())])?;
        fictional_accounts.push(format!("demo-acct-{n:05}"));
    }
    w.flush()?;
    import::import_accounts(&mut *store, &accounts_path, ImportOptions::default(), &mut |_, _| {})?;
    let report = screen_all(&mut *store, &ScreenConfig::default())?;
    let _ = writeln!(
        text,
        "2. screened {} generated accounts ({}): {} proposed links, queued for review ({} awaiting review: ambiguous, \
         several organisations fit)",
        report.accounts,
        accounts_path.display(),
        report.proposals.len(),
        report.ambiguous
    );
    for p in report.proposals.iter().filter(|p| p.org_name.contains("(fictional)")).take(3) {
        let _ = writeln!(text, "     {} → {} ({:.2}): {}", p.account_id, p.org_name, p.score, p.reasons.join("; "));
    }
    // A reviewer's step, done here for the demonstration only: confirm the links to fictional
    // organisations (links to real bodies stay proposed, for a real reviewer).
    let mut confirmed = 0;
    // Ambiguous proposals (several organisations fit) stay for a real reviewer to choose.
    let clear = |l: &registry::review::LinkState| l.proposal.as_ref().is_none_or(|p| p.candidates.len() <= 1);
    for l in registry::review::queue(&*store)?.into_iter().filter(|l| l.org_name.contains("(fictional)") && clear(l)) {
        let id = l.proposal.as_ref().map(|p| p.id).unwrap_or(l.latest.id);
        registry::review::decide(
            &mut *store,
            &registry::review::Decision {
                event_id: id,
                accept: true,
                org: None,
                reviewer: "demo-reviewer",
                reason: "demonstration data: link to a fictional organisation confirmed by candor demo",
                overrides: false,
            },
        )?;
        confirmed += 1;
    }

    // Usage: generated for the fictional accounts only, ingested, reported per organisation.
    let usage_file = dir.join("usage-focus-demonstration-data.parquet");
    let cfg = usage::generate::GenConfig {
        rows: 50_000,
        accounts: fictional_accounts.clone(),
        face_accounts: face_accounts.clone(),
        start_month: (2026, 7),
        months: 3,
        seed: 2026,
    };
    let f = std::io::BufWriter::new(std::fs::File::create(&usage_file)?);
    std::io::Write::flush(&mut usage::generate::write_parquet(f, &cfg, usage::generate::Layout::Focus, 8_192)?)?;
    let taxonomy = usage::taxonomy::Taxonomy::builtin()?;
    let usage_store = stores.usage()?;
    let mut usage_store = lock(&usage_store);
    let ingested = usage_store.ingest(&taxonomy, &usage_file, usage::focus::ReadOptions::default())?;
    let owners: std::collections::HashMap<String, String> =
        registry::review::confirmed(&*store)?.into_iter().map(|l| (l.latest.account_id, l.org_name)).collect();
    let rows = usage_store.rows()?;
    let by_owner = usage::aggregate::report(&rows, usage::fold::Granularity::Quarter, |a| {
        owners.get(a).cloned().unwrap_or_else(|| "(accounts not linked to a registry organisation)".into())
    });
    let _ = writeln!(
        text,
        "3. confirmed {confirmed} links to fictional organisations (as demo-reviewer), generated {} billing lines for the fictional accounts ({}) and ingested them ({} aggregate rows):",
        ingested.read.rows,
        usage_file.display(),
        ingested.rows
    );
    // One line per organisation: face capabilities with their volume, then the rest.
    let mut per_owner: std::collections::BTreeMap<&str, std::collections::BTreeMap<&str, (f64, f64)>> =
        Default::default();
    for ((owner, _period, _service, cap, _class, unit), v) in
        by_owner.iter().filter(|(k, _)| k.0.contains("(fictional)"))
    {
        let e = per_owner.entry(owner).or_default().entry(cap).or_insert((0.0, 0.0));
        if unit == "Images" {
            e.0 += v.quantity;
        }
        e.1 += v.cost;
    }
    for (owner, caps) in &per_owner {
        let face: Vec<String> = caps
            .iter()
            .filter(|(c, _)| c.starts_with("face"))
            .map(|(c, (images, cost))| format!("{c} {images:.0} images (${cost:.2})"))
            .collect();
        let other: Vec<&str> = caps.keys().copied().filter(|c| !c.starts_with("face")).collect();
        let face = if face.is_empty() { "no face recognition".to_string() } else { face.join(", ") };
        let _ = writeln!(text, "     {owner}, 2026-Q3: {face}; also {}", other.join(", "));
    }
    let line =
        super::reconcile_step::run(dir, &mut **store, &mut usage_store, &["2026-07", "2026-08", "2026-09"], NOTICE)
            .context("the demo's public records for reconciliation")?;
    let _ = writeln!(text, "{line}");
    let e = explain(&*store, "Northwind Detention Services Inc. (fictional)", &ClassifyConfig::default())?;
    if let Some(c) = &e.current {
        let _ = writeln!(
            text,
            "4. why Northwind Detention Services Inc. (fictional) is a {} ({}): {}",
            c.role, c.status, c.reason
        );
    }
    let exe = std::env::args().next().unwrap_or_else(|| "candor".into());
    let _ =
        writeln!(text, "   review the proposals with: {exe} review list --db {}", dir.join("registry.db").display());
    let json = json!({
        "registry": dir.join("registry.db"), "organisations": counts.organisations, "relationships": counts.relationships,
        "real_public_records": real, "accounts": report.accounts, "proposals": report.proposals.len(), "ambiguous": report.ambiguous,
        "suppliers": classified.suppliers, "notice": NOTICE,
        "usage_file": usage_file, "usage_lines": ingested.read.rows, "confirmed_demo_links": confirmed,
    });
    Ok(Summary { text, json, usage_accounts: fictional_accounts, org_accounts })
}
