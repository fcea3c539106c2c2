//! Enforcement at the gates: a `candor.gate_decisions` record's section (requests allowed and
//! refused per capability and caller class, the fail-open count, the policy versions the gates
//! enforced and their share), one organisation's lines for its page, and `gates.html`, each
//! period's latest record. Every value is marked with its place in the record.

use std::fmt::Write as _;

use records::{GateDecisions, RequestCount};
use serde_json::Value;

use super::html::{esc, table, val};
use super::model::Model;

/// What an outcome means, for people.
fn outcome_words(outcome: &str) -> &'static str {
    match outcome {
        "allowed" => "allowed",
        "denied" => "refused by the policy",
        "failed_open" => "let through: the gate could not decide (fail open)",
        "failed_closed" => "refused: the gate could not decide (fail closed)",
        _ => "other",
    }
}

/// The count at `ptr` (exact or banded), marked.
fn count(v: &Value, ptr: &str, c: &RequestCount) -> String {
    if c.requests.is_some() { val(v, &format!("{ptr}/requests")) } else { val(v, &format!("{ptr}/requests_band")) }
}

fn capability(v: &Value, ptr: &str, id: &str, root: &str, cap_name: &dyn Fn(&str) -> String) -> String {
    if id == "unrecognised" {
        return format!("operations the taxonomy does not know {}", val(v, ptr));
    }
    format!(
        "<a href=\"{root}capability/{}.html\">{}</a> <code>{}</code>",
        super::html::slug(id),
        esc(&cap_name(id)),
        val(v, ptr)
    )
}

/// The section body of a gate-decisions record.
pub(crate) fn section(
    g: &GateDecisions,
    v: &Value,
    link: &dyn Fn(&str) -> String,
    root: &str,
    cap_name: &dyn Fn(&str) -> String,
) -> String {
    if g.part > 1 {
        let mut out = format!(
            "<h3>Period {}: requests decided at the gates, part {} of {}</h3>\n",
            val(v, "/period"),
            val(v, "/part"),
            val(v, "/parts")
        );
        out.push_str("<h4>Disclosed organisations</h4>\n");
        out.push_str(&org_table(g, v, None, root, cap_name));
        return out;
    }
    let mut out = format!(
        "<h3>Period {}: requests decided at the gates</h3>\n<p>What the gates in front of the provider's APIs \
         decided, by capability and the callers' class (agency, supplier, no law-enforcement role, or unknown: an \
         account linked to no organisation). {} requests were let through because a gate could not decide (failed \
         open).</p>\n",
        val(v, "/period"),
        val(v, "/failed_open"),
    );
    let rows: Vec<Vec<String>> = (g.decisions.iter().enumerate())
        .map(|(i, l)| {
            let p = |k: &str| format!("/decisions/{i}/{k}");
            vec![
                capability(v, &p("capability"), &l.capability, root, cap_name),
                val(v, &p("role_class")),
                format!("{} ({})", val(v, &p("outcome")), outcome_words(&l.outcome)),
                if l.policy.is_empty() { "—".into() } else { val(v, &p("policy")) },
                count(v, &format!("/decisions/{i}"), &l.count),
            ]
        })
        .collect();
    out.push_str(&table(&["Capability", "Callers", "Outcome", "Refused under", "Requests"], &rows));
    out.push_str("<h4>Policy versions the gates decided under</h4>\n");
    let rows: Vec<Vec<String>> = (g.policy_versions.iter().enumerate())
        .map(|(i, s)| {
            let p = |k: &str| format!("/policy_versions/{i}/{k}");
            let version = if s.policy_version.is_empty() {
                format!("none: decided by fail modes {}", val(v, &p("policy_version")))
            } else if s.record.is_some() {
                format!("<code>{}</code> (record {})", val(v, &p("policy_version")), link(&p("record")))
            } else {
                format!("<code>{}</code>", val(v, &p("policy_version")))
            };
            vec![
                version,
                count(v, &format!("/policy_versions/{i}"), &s.count),
                format!("{} %", val(v, &p("share_percent"))),
            ]
        })
        .collect();
    out.push_str(&table(&["Version", "Requests", "Share"], &rows));
    if !g.organisations.is_empty() {
        out.push_str("<h4>Disclosed organisations</h4>\n");
        out.push_str(&org_table(g, v, None, root, cap_name));
    }
    out
}

/// The lines of `only` (or of every organisation) as a table.
fn org_table(
    g: &GateDecisions,
    v: &Value,
    only: Option<&str>,
    root: &str,
    cap_name: &dyn Fn(&str) -> String,
) -> String {
    let rows: Vec<Vec<String>> = (g.organisations.iter().enumerate())
        .filter(|(_, o)| only.is_none_or(|name| o.organisation == name))
        .map(|(i, o)| {
            let p = |k: &str| format!("/organisations/{i}/{k}");
            let mut row = vec![
                capability(v, &p("capability"), &o.capability, root, cap_name),
                format!("{} ({})", val(v, &p("outcome")), outcome_words(&o.outcome)),
                if o.policy.is_empty() { "—".into() } else { val(v, &p("policy")) },
                count(v, &format!("/organisations/{i}"), &o.count),
            ];
            if only.is_none() {
                row.insert(0, val(v, &p("organisation")));
            }
            row
        })
        .collect();
    if only.is_some() {
        table(&["Capability", "Outcome", "Refused under", "Requests"], &rows)
    } else {
        table(&["Organisation", "Capability", "Outcome", "Refused under", "Requests"], &rows)
    }
}

/// One organisation's requests at the gates in a period, for its page (`None` when the record
/// has none of its lines).
pub(crate) fn org_lines(
    g: &GateDecisions,
    v: &Value,
    organisation: &str,
    root: &str,
    cap_name: &dyn Fn(&str) -> String,
) -> Option<String> {
    if !g.organisations.iter().any(|o| o.organisation == organisation) {
        return None;
    }
    Some(format!(
        "<h3>Period {}: requests at the gates</h3>\n{}",
        val(v, "/period"),
        org_table(g, v, Some(organisation), root, cap_name)
    ))
}

/// `gates.html`: each period's latest gate-decisions record, newest first.
pub(crate) fn page(m: &Model, record_section: &dyn Fn(u64, &str) -> String) -> String {
    let mut body = String::from(
        "<h1>Enforcement at the gates</h1>\n<p>The provider's gateways ask candor's gate about every request to the \
         APIs its use policy governs, and refuse what the policy in force refuses. These records count what the \
         gates decided in each period — never which account, path or request — and which policy versions they \
         enforced, so that a gate still enforcing an old version shows. A request let through because a gate could \
         not decide is counted as failed open.</p>\n",
    );
    if m.gate_decisions.is_empty() {
        body.push_str("<p>No period has gate decisions yet.</p>\n");
    }
    for (period, parts) in m.gate_decisions.iter().rev() {
        let _ = writeln!(body, "<h2>Period {}</h2>", esc(period));
        for &i in parts.values() {
            body.push_str(&record_section(i, ""));
        }
    }
    body
}
