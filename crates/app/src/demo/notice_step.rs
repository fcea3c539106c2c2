//! The demo's notice step: the provider proposes a change that would allow face
//! identification for one fictional agency, with the minimum notice; the log records its
//! effect on the published period; two (fictional) staff members object; the provider
//! withdraws it. Every record says "demonstration data".

use std::fmt::Write as _;
use std::path::Path;

use crate::stores::Stores;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::notice::{Objected, Propose, Proposed, Withdrawn};

/// What the step did.
pub struct Summary {
    /// For people.
    pub text: String,
    /// For machines.
    pub json: Value,
    /// The proposal.
    pub proposed: Proposed,
    /// The two objections.
    pub objections: Vec<Objected>,
    /// The withdrawal.
    pub withdrawn: Withdrawn,
}

/// The default policy with one more exception: face recognition allowed for `agency`.
pub fn allowing_face_recognition_for(agency: &str) -> String {
    let marker = "principal.registered_uses.contains(\"trafficking_victims\"))\n};";
    let exception = format!(
        "principal.registered_uses.contains(\"trafficking_victims\")) ||\n  \
         // Proposed (demonstration data): one fictional agency exempted.\n  principal.name == \"{agency}\"\n}};"
    );
    policy::DEFAULT_POLICY.replacen(marker, &exception, 1)
}

/// Proposes, objects twice, withdraws, in the demo folder `dir`.
pub fn run(dir: &Path, stores: &Stores, agency: &str) -> Result<Summary> {
    let file = dir.join("proposed-policy.cedar");
    std::fs::write(&file, allowing_face_recognition_for(agency))?;
    let log_dir = dir.join("log");
    let effective = crate::notice::log::today();
    let effective = publish::notices::day_number(&effective)
        .map(|d| publish::notices::day_text(d + i64::from(publish::notices::DEFAULT_NOTICE_DAYS)))
        .context("today's date")?;
    let proposed = crate::notice::propose(
        stores,
        &log_dir,
        &Propose {
            file,
            effective,
            reason: format!(
                "{agency} asks to use face identification for investigations (demonstration data: a fictional request)"
            ),
            by: "demo-operator".into(),
        },
    )
    .context("proposing the demo's policy change")?;
    let mut objections = Vec::new();
    for (staff, reason) in [
        (
            "demo-staff-1",
            "Face identification by police is what the 2018 letter asked us to stop; one agency's request does not \
             change that (demonstration data).",
        ),
        (
            "demo-staff-2",
            "The effect table shows this re-opens face identification to an agency the audit already found using \
             it (demonstration data).",
        ),
    ] {
        objections.push(crate::notice::object(&log_dir, proposed.index, reason, staff)?);
    }
    let withdrawn = crate::notice::withdraw(
        &log_dir,
        proposed.index,
        "withdrawn after the objections: the exception is not granted (demonstration data)",
        "demo-operator",
    )?;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "   proposed a policy change with {} days' notice (record #{}, effective {}): an exception allowing face \
         identification for {agency}; its effect on {}:",
        proposed.notice_days,
        proposed.index,
        proposed.effective,
        proposed.effect.period.as_deref().unwrap_or("all stored usage"),
    );
    for r in &proposed.effect.rows {
        let _ = writeln!(
            text,
            "     {} {} (rule {}): {} disclosed organisation(s) [{}], {} undisclosed account(s)",
            r.capability,
            r.change.replace('_', " "),
            r.policy,
            r.organisations_count,
            r.organisations.join("; "),
            r.undisclosed_accounts
        );
    }
    let pseudonyms: Vec<&str> = objections.iter().map(|o| o.objector.as_str()).collect();
    let _ = writeln!(
        text,
        "   two staff members objected (records #{} and #{}, published as {}); the provider withdrew the proposal \
         (record #{}); its page is proposal/{}.html",
        objections[0].index,
        objections[1].index,
        pseudonyms.join(" and "),
        withdrawn.index,
        proposed.index
    );
    let json = json!({"proposal": serde_json::to_value(&proposed)?, "objections": serde_json::to_value(&objections)?,
                      "withdrawal": serde_json::to_value(&withdrawn)?});
    Ok(Summary { text, json, proposed, objections, withdrawn })
}
