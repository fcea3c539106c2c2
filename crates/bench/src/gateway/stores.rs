//! The stores the gate benchmark decides from, at a large provider's shape: a registry of
//! candor's federal reference plus fictional organisations (police agencies by a generated
//! reference, suppliers holding generated awards from them, ordinary companies), a million
//! customer accounts of which a few thousand are confirmed as belonging to one of those
//! organisations, and a policy store with the default policy active.
//!
//! Every generated name is fictional and says so, every generated record says "demonstration
//! data"; no account is linked to a real organisation and no award is attributed to one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use app::fixtures::{FIRST, FORMS, Rng, SECOND, STATES};
use registry::Store as _;
use registry::import;
use registry::model::{Account, Status};
use serde_json::json;

/// What every generated record says of itself.
pub(crate) const NOTICE: &str = "demonstration data: fictional, made up by candor-bench";

/// Places of the fictional towns the agencies serve (with [`FIRST`]).
const PLACES: &[&str] =
    &["Falls", "Heights", "Springs", "Valley", "Crossing", "Bay", "Point", "Hollow", "Ridge", "Mills"];
/// Trades of the fictional suppliers.
const TRADES: &[&str] = &["Vision Systems", "Detention Services", "Forensic Labs", "Patrol Fleet", "Records Software"];

/// How many of each kind to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    /// Customer accounts in all (linked ones included).
    pub(crate) accounts: usize,
    /// Accounts confirmed as belonging to a fictional organisation.
    pub(crate) linked: usize,
    pub(crate) agencies: usize,
    pub(crate) suppliers: usize,
    pub(crate) companies: usize,
}

/// The accounts generated, by who they belong to.
#[derive(Debug, Default)]
pub(crate) struct Population {
    pub(crate) police: Vec<String>,
    pub(crate) suppliers: Vec<String>,
    pub(crate) companies: Vec<String>,
    /// Accounts linked to no organisation: [`unlinked_id`] of `0..unlinked`.
    pub(crate) unlinked: usize,
}

impl Population {
    pub(crate) fn linked(&self) -> usize {
        self.police.len() + self.suppliers.len() + self.companies.len()
    }
}

/// The id of the `i`-th unlinked account.
pub(crate) fn unlinked_id(i: usize) -> String {
    format!("bench-free-{i:07}")
}

/// The stores built, and what building them took.
pub(crate) struct Built {
    pub(crate) registry: PathBuf,
    pub(crate) policy: PathBuf,
    pub(crate) population: Population,
    /// Organisations in the registry (the federal reference's and the fictional ones).
    pub(crate) organisations: u64,
    /// Fictional organisations by role as classification left them: agencies, suppliers.
    pub(crate) confirmed_agencies: usize,
    pub(crate) confirmed_suppliers: usize,
    pub(crate) seconds: f64,
}

fn agency_name(i: usize) -> String {
    let n = FIRST.len() * PLACES.len();
    let round = if i >= n { format!(" {}", i / n + 1) } else { String::new() };
    format!(
        "{} {}{round} Police Department (fictional)",
        FIRST[i % FIRST.len()],
        PLACES[(i / FIRST.len()) % PLACES.len()]
    )
}

fn supplier_name(i: usize) -> String {
    format!("{} {} {} Inc. (fictional)", FIRST[(i * 7) % FIRST.len()], TRADES[i % TRADES.len()], i + 1)
}

fn company_name(i: usize) -> String {
    let form = FORMS[i % FORMS.len()];
    format!("{} {} {} {form} (fictional)", FIRST[i % FIRST.len()], SECOND[(i / 3) % SECOND.len()], i + 1)
        .replace("  ", " ")
}

fn state(i: usize) -> &'static str {
    STATES[i % STATES.len()]
}

/// A reference file naming the fictional agencies (confirmed as agencies by reference).
fn reference(agencies: usize) -> String {
    let mut out = String::from("# Demonstration data made by candor-bench: fictional police agencies.\n");
    for i in 0..agencies {
        let _ = write!(
            out,
            "\n[[agency]]\nname = \"{}\"\nabbreviation = \"BENCH-PD-{i:04}\"\nkind = \"local_agency\"\nstate = \"{}\"\nsources = [\"{NOTICE}\"]\n",
            agency_name(i),
            state(i)
        );
    }
    out
}

/// FollowTheMoney records: the agencies as public bodies, the suppliers with one award each
/// from one of them, the ordinary companies with none.
fn records(shape: &Shape) -> String {
    let mut out = String::new();
    let mut line = |v: serde_json::Value| {
        out.push_str(&v.to_string());
        out.push('\n');
    };
    for i in 0..shape.agencies {
        line(json!({"id": format!("bench-pd-{i}"), "schema": "PublicBody", "properties": {
            "name": [agency_name(i)], "region": [state(i)], "country": ["us"],
            "classification": ["local_agency"], "notes": [NOTICE]}}));
    }
    for i in 0..shape.suppliers {
        let agency = i % shape.agencies.max(1);
        line(json!({"id": format!("bench-sup-{i}"), "schema": "Company", "properties": {
            "name": [supplier_name(i)], "region": [state(agency)], "country": ["us"], "notes": [NOTICE]}}));
        if shape.agencies > 0 {
            line(json!({"id": format!("bench-contract-{i}"), "schema": "Contract", "properties": {
                "authority": [format!("bench-pd-{agency}")], "title": [format!("BENCH-2026-{i:05}")], "notes": [NOTICE]}}));
            line(json!({"id": format!("bench-award-{i}"), "schema": "ContractAward", "properties": {
                "contract": [format!("bench-contract-{i}")], "supplier": [format!("bench-sup-{i}")],
                "amount": [format!("{}.00", 250_000 + 1_000 * i)], "date": ["2026-07-01"], "notes": [NOTICE]}}));
        }
    }
    for i in 0..shape.companies {
        line(json!({"id": format!("bench-co-{i}"), "schema": "Company", "properties": {
            "name": [company_name(i)], "region": [state(i)], "country": ["us"], "notes": [NOTICE]}}));
    }
    out
}

/// A fictional legal name for an unlinked account.
fn customer_name(rng: &mut Rng) -> String {
    format!("{} {} {}", FIRST[rng.below(FIRST.len())], SECOND[rng.below(SECOND.len())], FORMS[rng.below(FORMS.len())])
        .trim()
        .to_string()
}

/// Builds the registry and the policy store in `dir`.
pub(crate) fn build(dir: &Path, shape: &Shape) -> Result<Built> {
    let t = Instant::now();
    let registry_db = dir.join("registry.db");
    let policy_db = dir.join("policy.db");
    let mut store = registry::open(&registry_db)?;
    import::import_reference(&mut *store, None)?;
    let reference_file = dir.join("bench-agencies-demonstration-data.toml");
    std::fs::write(&reference_file, reference(shape.agencies))?;
    import::import_reference(&mut *store, Some(&reference_file))?;
    let records_file = dir.join("bench-records-demonstration-data.ftm.jsonl");
    std::fs::write(&records_file, records(shape))?;
    registry::ftm::import(&mut *store, &records_file)?;
    registry::classify::classify(&mut *store, &registry::classify::ClassifyConfig::default())?;

    // The fictional organisations' ids, by kind.
    let by_name: std::collections::HashMap<String, i64> =
        store.organisations()?.into_iter().map(|o| (o.name, o.id)).collect();
    let ids = |names: Vec<String>| -> Result<Vec<i64>> {
        names.iter().map(|n| by_name.get(n).copied().with_context(|| format!("{n}: not in the registry"))).collect()
    };
    let agencies = ids((0..shape.agencies).map(agency_name).collect())?;
    let suppliers = ids((0..shape.suppliers).map(supplier_name).collect())?;
    let companies = ids((0..shape.companies).map(company_name).collect())?;

    // Linked accounts: 40% police, 20% suppliers, 40% companies (of those that exist).
    let linked = shape.linked.min(shape.accounts);
    let groups: [(&str, &Vec<i64>, usize); 3] = [
        ("police", &agencies, linked * 2 / 5),
        ("supplier", &suppliers, linked / 5),
        ("company", &companies, linked - linked * 2 / 5 - linked / 5),
    ];
    let mut population = Population::default();
    let mut rng = Rng(0x6a7e_2026_0001);
    let mut tx = store.begin()?;
    let account = |id: &str, name: &str, st: &str| Account {
        account_id: id.to_string(),
        legal_name: name.to_string(),
        country: Some("USA".into()),
        state: Some(st.into()),
        city: None,
        uei: None,
        domain: None,
    };
    for (label, orgs, n) in groups {
        if orgs.is_empty() {
            continue;
        }
        for i in 0..n {
            let org = orgs[i % orgs.len()];
            let id = format!("bench-{label}-{i:05}");
            tx.upsert_account(&account(&id, &format!("{label} customer {i} (fictional)"), state(i)))?;
            tx.append_link(&id, org, Status::Confirmed, None, NOTICE, "candor-bench")?;
            match label {
                "police" => population.police.push(id),
                "supplier" => population.suppliers.push(id),
                _ => population.companies.push(id),
            }
        }
    }
    population.unlinked = shape.accounts - population.linked();
    for i in 0..population.unlinked {
        tx.upsert_account(&account(&unlinked_id(i), &customer_name(&mut rng), STATES[rng.below(STATES.len())]))?;
    }
    tx.commit()?;

    // What classification made of the fictional organisations (the policy acts on confirmed roles).
    let graph = registry::classify::Graph::load(&*store)?;
    let role = |ids: &[i64], role: registry::model::Role| {
        ids.iter()
            .filter(|id| graph.latest.get(id).is_some_and(|e| e.role == role && e.status == Status::Confirmed))
            .count()
    };
    let confirmed_agencies = role(&agencies, registry::model::Role::Agency);
    let confirmed_suppliers = role(&suppliers, registry::model::Role::Supplier);
    let organisations = store.counts()?.organisations;
    drop(graph);
    drop(store);

    let mut pstore = policy::store::PolicyStore::open(&policy_db)?;
    let default =
        policy::engine::PolicyVersion::parse(policy::DEFAULT_POLICY, "default.cedar", &policy::schema::builtin()?)?;
    pstore.record_version(&default.sha256, "default.cedar", policy::DEFAULT_POLICY, 0, "candor-bench")?;
    Ok(Built {
        registry: registry_db,
        policy: policy_db,
        population,
        organisations,
        confirmed_agencies,
        confirmed_suppliers,
        seconds: t.elapsed().as_secs_f64(),
    })
}
