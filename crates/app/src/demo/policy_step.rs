//! The demo's policy step: candor's default policy is validated, appended to the demo's
//! transparency log and activated, then run over the demo's (fictional) usage; the
//! violations are printed, with one decision explained.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use policy::DEFAULT_POLICY;
use policy::audit::audit;
use policy::engine::{Decider, PolicyVersion, Request};
use policy::facts::Facts;
use serde_json::{Value, json};
use tlog::LocalLog;
use usage::fold::Granularity;

use crate::stores::{Stores, lock};

/// What the step did: text for people, JSON for machines.
pub struct Summary {
    /// For people.
    pub text: String,
    /// For machines.
    pub json: Value,
}

/// What the demo's provider declares of the fictional police department's missing-persons use
/// (demonstration data).
pub fn missing_persons_declaration() -> policy::declaration::UseDeclaration {
    policy::declaration::UseDeclaration {
        purpose: "identify missing persons from photographs their families provide (demonstration data)".into(),
        authority: "court-order".into(),
        authority_detail: Some("a fictional court order for each search (demonstration data)".into()),
        human_review: Some(true),
        human_review_by: Some("a trained facial examiner".into()),
        confidence_threshold: Some(0.99),
        reference_data: vec!["photographs supplied by the missing person's family".into()],
        sharing: vec!["none".into()],
        retention: "30 days after the case closes".into(),
        start: "2026-07-01".into(),
        end: Some("2027-06-30".into()),
        approved_by: "demo-approver".into(),
    }
}

/// Activates the default policy in the demo folder, audits the demo usage, decides one request.
pub fn run(dir: &Path, stores: &Stores) -> Result<Summary> {
    let schema = policy::schema::builtin()?;
    let policy_file = dir.join("policy.cedar");
    std::fs::write(&policy_file, DEFAULT_POLICY)?;
    let version = PolicyVersion::parse(DEFAULT_POLICY, "policy.cedar", &schema)?;
    // Public first: the version is in the log before it takes effect.
    let mut writer = LocalLog::at(dir.join("log")).open().context("opening the demo log")?;
    // The stores' lock order: the registry, then the policy store.
    let registry = stores.registry()?;
    let registry = lock(&*registry);
    let store = stores.policy()?;
    let mut store = lock(&store);
    let index = store.activate(&mut writer, &version, "policy.cedar", "demo-operator", &Default::default())?.log_index;
    drop(writer);
    // The fictional police department's face identification is a registered missing-persons
    // use, with the facts the provider declares of it.
    let mut registered = 0;
    for l in registry::review::confirmed(&*registry)?.iter().filter(|l| l.org_name == super::registry_step::HARBOR_CITY)
    {
        store.register_use(
            &l.latest.account_id,
            "missing_persons",
            true,
            "demo-reviewer",
            "reviewed demonstration use: missing-persons searches (demonstration data)",
            Some(&missing_persons_declaration()),
        )?;
        registered += 1;
    }
    let facts = Facts::from_registry(&*registry, &store.registered_uses()?)?;
    let rows = stores.usage_rows()?;
    let decider = Decider::new(schema, version, facts)?;
    let violations = audit(&decider, &rows, Granularity::Quarter, Some("2026-Q3"))?;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "5. registered a missing-persons use for the {registered} accounts of {}, with its declaration: \
         purpose, court order, human review by a trained examiner, threshold 0.99, retention 30 days",
        super::registry_step::HARBOR_CITY
    );
    let _ = writeln!(
        text,
        "   activated candor's default use policy ({} policies; {}) as version 1: log entry {index}, sha256 {}",
        decider.version().policies().len(),
        policy_file.display(),
        &decider.version().sha256[..16]
    );
    let _ =
        writeln!(text, "6. audited the demonstration usage of 2026-Q3 against it: {} violation(s)", violations.len());
    for v in &violations {
        let q: Vec<String> = v.quantity.iter().map(|(u, q)| format!("{q:.0} {u}")).collect();
        let _ = writeln!(
            text,
            "     {} — {} ({}, {} regions): {}, {} lines — forbidden by {}",
            v.organisation,
            v.capability,
            v.service,
            v.region_class,
            q.join(", "),
            v.lines,
            v.policies.join(", ")
        );
    }
    // One decision at request time, explained.
    let account = violations.first().and_then(|v| v.accounts.first()).cloned();
    if let Some(account) = &account {
        let req = Request {
            account: account.clone(),
            capability: "face_identification".into(),
            service: "Amazon Rekognition".into(),
            region_class: "commercial".into(),
            purpose: String::new(),
        };
        let d = decider.decide(&req)?;
        let attrs: Vec<String> = d.attributes.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(
            text,
            "7. a new face_identification request from one of those accounts: {} by {} ({})",
            if d.allow { "ALLOW" } else { "DENY" },
            d.policies.join(", "),
            attrs.join(", ")
        );
    }
    let json = json!({"policy_file": policy_file, "policy_sha256": decider.version().sha256, "log_index": index,
                      "violations": violations});
    Ok(Summary { text, json })
}
