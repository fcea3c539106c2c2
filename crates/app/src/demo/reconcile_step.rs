//! The reconciliation part of `candor demo`: fictional public records in the real formats (a
//! FedRAMP Marketplace file and an AI use-case inventory, both written here and marked as
//! demonstration data), the fictional provider's offerings (`provider.toml`), and two fictional
//! federal agencies they tie to it: one a customer whose usage the report discloses, one with no
//! account, which the reconciliation shows as such. No real agency, provider or offering
//! appears in these files, so nothing the demo publishes says a real provider left anything
//! out.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use registry::Store;
use registry::import::{self, ImportOptions};

use crate::fixtures::{Rng, vary};

/// The fictional customer agency: tied by both public records, disclosed by the report.
pub const CUSTOMER_AGENCY: &str = "Federal Bureau of Demonstration Investigations (fictional)";

/// The fictional agency the Marketplace ties to the offering, with no account.
pub const NO_ACCOUNT_AGENCY: &str = "Border Demonstration Service (fictional)";

/// The fictional provider's offering.
pub const OFFERING_ID: &str = "FRDEMO000001";

const REFERENCE: &str = r#"# Demonstration data made by `candor demo`: fictional federal agencies.
[[department]]
name = "Department of Demonstrations (fictional)"
abbreviation = "DOD-DEMO"
code = "DEMO0"
sources = ["demonstration data: a fictional department made up by candor demo"]

[[agency]]
name = "Federal Bureau of Demonstration Investigations (fictional)"
abbreviation = "FBDI-DEMO"
department = "DEMO0"
aliases = []
sources = ["demonstration data: a fictional agency made up by candor demo"]

[[agency]]
name = "Border Demonstration Service (fictional)"
abbreviation = "BDS-DEMO"
department = "DEMO0"
aliases = []
sources = ["demonstration data: a fictional agency made up by candor demo"]
"#;

/// The provider file the demo publishes with.
pub const PROVIDER: &str = r#"# Demonstration data made by `candor demo`: a fictional provider's offerings.
name = "Example Cloud (fictional)"
uei = ["DEMOCLOUD001"]
fedramp_offerings = ["FRDEMO000001"]
inventory_names = ["Example Vision API (fictional)"]
"#;

/// A FedRAMP Marketplace file in the Marketplace's layout, every name fictional.
fn marketplace() -> String {
    let auth = serde_json::json!({"id": OFFERING_ID, "csp": "Example Cloud (fictional)", "cso": "Example Cloud Government (fictional)",
        "status": "FedRAMP Authorized", "impact_level": "High"});
    let agency = |sub: &str| serde_json::json!({"parent": "Department of Demonstrations (fictional)", "sub": sub, "auths": [auth.clone()], "reuses": []});
    let ato = |sub: &str, date: &str| serde_json::json!({"id": OFFERING_ID, "parent": "Department of Demonstrations (fictional)", "sub": sub, "ato_date": date});
    serde_json::json!({
        "meta": {"notice": "demonstration data: a fictional FedRAMP Marketplace file made up by candor demo"},
        "data": {
            "Products": [{"id": OFFERING_ID, "csp": "Example Cloud (fictional)", "cso": "Example Cloud Government (fictional)",
                          "uei": "DEMOCLOUD001", "business_function": ["Analytics"], "status": "FedRAMP Authorized"}],
            "Agencies": [agency(CUSTOMER_AGENCY), agency(NO_ACCOUNT_AGENCY)],
            "AtoMapping": [ato(CUSTOMER_AGENCY, "2025-03-04T00:00:00.000Z"), ato(NO_ACCOUNT_AGENCY, "2025-06-16T00:00:00.000Z")],
            "ReuseMapping": []
        }
    })
    .to_string()
}

/// An AI use-case inventory in OMB's columns, every name fictional.
const INVENTORY: &str = "id,agency,agency_name,agency_bureau,use_case_name,classification,vendor_name,development_stage,problem_solved,operational_date\n\
DEMO-0001,DOD-DEMO,Department of Demonstrations (fictional),FBDI-DEMO,Facial comparison of demonstration case photos (fictional),Computer Vision,Example Vision API (fictional),Deployed,demonstration data: a fictional use case made up by candor demo,2025-05-01\n";

/// Imports the fictional public records and the fictional federal agencies, writes the
/// provider file, and gives the customer agency three fictional accounts (screened, their links
/// confirmed as the other fictional ones are) with generated usage for `months` (demonstration
/// data, as an aggregate file), each account carrying `note`. Returns a line for the demo's
/// text.
pub fn run(
    dir: &Path,
    store: &mut dyn Store,
    usage: &mut usage::store::UsageStore,
    months: &[&str],
    note: &str,
) -> Result<String> {
    std::fs::write(dir.join("demo-federal-reference.toml"), REFERENCE)?;
    import::import_reference(store, Some(&dir.join("demo-federal-reference.toml")))?;
    let market = dir.join("demo-fedramp-marketplace-demonstration-data.json");
    std::fs::write(&market, marketplace())?;
    import::import_fedramp(store, &market).context("the demo's Marketplace file")?;
    let inventory = dir.join("demo-ai-use-cases-demonstration-data.csv");
    std::fs::write(&inventory, INVENTORY)?;
    import::import_ai_inventory(store, &inventory, ImportOptions::default(), &mut |_, _| {})
        .context("the demo's inventory")?;
    std::fs::write(dir.join("provider.toml"), PROVIDER)?;

    // The customer agency's accounts, after every other account (so theirs keep their names).
    let accounts = dir.join("accounts-federal-demonstration-data.csv");
    let mut w = csv::Writer::from_path(&accounts)?;
    w.write_record(["account_id", "legal_name", "country", "state", "city", "uei", "domain", "note"])?;
    let mut rng = Rng(0x0fed_2a11);
    let ids: Vec<String> = (1..=3).map(|i| format!("demo-acct-fed-{i}")).collect();
    for id in &ids {
        w.write_record([id.as_str(), &vary(CUSTOMER_AGENCY, &mut rng), "USA", "", "", "", "", note])?;
    }
    w.flush()?;
    import::import_accounts(store, &accounts, ImportOptions::default(), &mut |_, _| {})?;
    registry::screen::screen_all(store, &registry::screen::ScreenConfig::default())?;
    for l in registry::review::queue(store)?.into_iter().filter(|l| ids.contains(&l.latest.account_id)) {
        if l.org_name != CUSTOMER_AGENCY {
            continue;
        }
        let id = l.proposal.as_ref().map(|p| p.id).unwrap_or(l.latest.id);
        registry::review::decide(
            store,
            &registry::review::Decision {
                event_id: id,
                accept: true,
                org: None,
                reviewer: "demo-reviewer",
                reason: "demonstration data: link to a fictional organisation confirmed by candor demo",
                overrides: false,
            },
        )?;
    }
    registry::classify::classify(store, &registry::classify::ClassifyConfig::default())?;

    // Generated usage for those accounts: compute and storage, each month.
    let file = dir.join("usage-federal-demonstration-data.csv");
    let mut text = String::from("account,month,service,capability,region_class,unit,quantity,cost,lines,first,last\n");
    for (k, id) in ids.iter().enumerate() {
        for m in months {
            let hours = 300 + 97 * k as u64 + rng.below(400) as u64;
            let _ = writeln!(
                text,
                "{id},{m},Amazon Elastic Compute Cloud,compute,government,Hours,{hours},{:.2},{},{m}-01,{m}-28",
                hours as f64 * 0.1,
                hours / 10
            );
        }
    }
    std::fs::write(&file, text)?;
    usage.ingest_aggregate(&file)?;
    Ok(format!(
        "   reconciliation: fictional public records ({}, {}) tie {CUSTOMER_AGENCY} and {NO_ACCOUNT_AGENCY} to the \
         fictional provider's offering {OFFERING_ID} (provider.toml); the first has fictional accounts with usage",
        market.display(),
        inventory.display()
    ))
}
