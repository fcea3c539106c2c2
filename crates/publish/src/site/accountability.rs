//! The accountability sections of a record's page: what the audit found about an organisation
//! and what the provider did (`candor.enforcement`), and a registered use with the facts the
//! provider declared of it (`candor.registered_use`). Every value shown is marked with its JSON
//! pointer ([`super::html::val`]) so the page's script checks it against the verified record;
//! what to show (how many rows, which parts) comes from the typed record.

use std::fmt::Write as _;

use records::{Enforcement, PeriodSummary, RegisteredUse};
use serde_json::Value;

use super::html::{esc, table, val};

/// The section body of an enforcement record; `depends_on` is its links, as HTML.
pub(crate) fn enforcement(e: &Enforcement, v: &Value, depends_on: &str) -> String {
    let findings: Vec<Vec<String>> = (e.findings.iter().enumerate())
        .map(|(i, f)| {
            let p = |k: &str| format!("/findings/{i}/{k}");
            let policies = f.policies.len();
            let volume: Vec<String> = (f.volume.iter().enumerate())
                .map(|(u, amount)| {
                    let q = format!("/findings/{i}/volume/{u}");
                    let amount = if amount.volume_band.is_some() {
                        val(v, &format!("{q}/volume_band"))
                    } else {
                        val(v, &format!("{q}/quantity"))
                    };
                    format!("{amount} {}", val(v, &format!("{q}/unit")))
                })
                .collect();
            let status = f.status.as_str();
            let shown = val(v, &p("status"));
            vec![
                (0..policies).map(|k| val(v, &format!("/findings/{i}/policies/{k}"))).collect::<Vec<_>>().join(", "),
                val(v, &p("capability")),
                val(v, &p("service")),
                val(v, &p("region_class")),
                volume.join(", "),
                format!("{} to {}", val(v, &p("first_day")), val(v, &p("last_day"))),
                if status == "open" { format!("<strong class=\"open\">{shown}</strong>") } else { shown },
            ]
        })
        .collect();
    let actions: Vec<Vec<String>> = (0..e.actions.len())
        .map(|i| {
            let p = |k: &str| format!("/actions/{i}/{k}");
            vec![
                val(v, &p("action")),
                val(v, &p("policy")),
                val(v, &p("effective")),
                val(v, &p("decided_by")),
                val(v, &p("reason")),
            ]
        })
        .collect();
    format!(
        "<h3>{} — {}: use-policy findings and actions</h3>\n<h4>Findings</h4>\n{}<h4>Actions taken</h4>\n{}<p>Depends on records {}.</p>\n",
        val(v, "/organisation"),
        val(v, "/period"),
        if findings.is_empty() {
            "<p>None.</p>\n".to_string()
        } else {
            table(&["Policy", "Capability", "Service", "Region class", "Volume", "Days", "Status"], &findings)
        },
        if actions.is_empty() {
            "<p>None yet: every finding is open.</p>\n".to_string()
        } else {
            table(&["Action", "Policy", "Effective", "Decided by", "Reason"], &actions)
        },
        depends_on,
    )
}

/// The section body of a registered use; `depends_on` is its links, as HTML.
pub(crate) fn registered_use(u: &RegisteredUse, v: &Value, depends_on: &str) -> String {
    // The declared facts by name, in the order the record's JSON holds them.
    let declaration = records::canonical::ordered(&u.declaration);
    let fields: String = declaration
        .as_object()
        .map(|d| {
            d.iter()
                .map(|(k, x)| {
                    let shown = match x {
                        Value::Array(items) => (0..items.len())
                            .map(|i| val(v, &format!("/declaration/{k}/{i}")))
                            .collect::<Vec<_>>()
                            .join("; "),
                        _ => val(v, &format!("/declaration/{k}")),
                    };
                    format!("<dt>{}</dt><dd>{shown}</dd>", esc(&k.replace('_', " ")))
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "<h3>{} — registered use: {}</h3>\n<dl class=\"facts\">{fields}</dl>\n<p>Registered by {} (period {}). \
             Depends on records {}.</p>\n",
        val(v, "/organisation"),
        val(v, "/use"),
        val(v, "/registered_by"),
        val(v, "/period"),
        depends_on,
    )
}

/// The screening's measured quality in a period summary: per score band, the proposals the
/// screening made, how many a person decided and accepted; and the labelled sets' precision and
/// recall (empty for summaries written before it was measured).
pub(crate) fn screening(s: &PeriodSummary, v: &Value) -> String {
    let Some(screening) = &s.screening else { return String::new() };
    let rows: Vec<Vec<String>> = (screening.bands.iter().enumerate())
        .map(|(i, b)| {
            let p = |k: &str| format!("/screening/bands/{i}/{k}");
            let share = match b.share_accepted {
                Some(_) => val(v, &p("share_accepted")),
                None => "—".into(),
            };
            vec![val(v, &p("band")), val(v, &p("proposed")), val(v, &p("decided")), val(v, &p("accepted")), share]
        })
        .collect();
    let mut out = format!(
        "<h4>Screening quality</h4>\n<p>How often the screening was right, as reviewers' decisions up to {} measure \
         it: the links it proposed in the period, by score, and the share of those decided that a person accepted. \
         A low share at a score means proposals there are often wrong; a list of customers is only as complete as \
         the screening that finds them.</p>\n{}",
        val(v, "/screening/as_of"),
        table(&["Score", "Proposed", "Decided", "Accepted", "Share accepted"], &rows)
    );
    let _ = writeln!(
        out,
        "<p>On the labelled evaluation sets shipped with this release ({} names): precision {}, recall {}.</p>",
        val(v, "/screening/labelled/names"),
        val(v, "/screening/labelled/precision"),
        val(v, "/screening/labelled/recall"),
    );
    out
}

/// The review facts of a period summary: what was proposed, decided and still waits, and a
/// table of decisions per reviewer pseudonym (empty for summaries written before they existed).
pub(crate) fn review(s: &PeriodSummary, v: &Value) -> String {
    let Some(review) = &s.review else { return String::new() };
    let rows: Vec<Vec<String>> = (0..review.reviewers.len())
        .map(|i| {
            let p = |k: &str| format!("/review/reviewers/{i}/{k}");
            vec![
                val(v, &p("reviewer")),
                val(v, &p("accepted")),
                val(v, &p("rejected")),
                val(v, &p("first_acceptances")),
            ]
        })
        .collect();
    let table = if rows.is_empty() {
        "<p>No reviewer decided a link in the period.</p>\n".to_string()
    } else {
        table(&["Reviewer (pseudonym)", "Accepted", "Rejected", "First of two acceptances"], &rows)
    };
    format!(
        "<h4>Review</h4>\n<p>{} links proposed by the screening in the period; {} decided ({} accepted, {} rejected; {} \
         reversing an earlier decision; {} confirmed by a second reviewer under four eyes). {} proposals waited for \
         review on {} (median age {} days, oldest {} days).</p>\n{table}",
        val(v, "/review/proposals_made"),
        val(v, "/review/decided"),
        val(v, "/review/accepted"),
        val(v, "/review/rejected"),
        val(v, "/review/reversed"),
        val(v, "/review/decided_under_four_eyes"),
        val(v, "/review/pending"),
        val(v, "/review/as_of"),
        val(v, "/review/pending_median_age_days"),
        val(v, "/review/pending_oldest_age_days"),
    )
}
