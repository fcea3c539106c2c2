//! Policy changes announced before they take effect: the sections of proposal, objection,
//! withdrawal and notice-setting records, a page per proposal (its text against the version in
//! force, its effect, its status, its objections) and the policies page, which lists every
//! version with how it came into force and every proposal.

use std::fmt::Write as _;

use records::{PeriodSummary, PolicyProposal};
use serde_json::Value;

use super::html::{esc, table, val};
use super::model::Model;
pub(crate) use crate::notices::activation_words;
use crate::notices::{ProposalState, Status};

/// How the record at `index` came into force, when it is a policy version.
pub(crate) fn policy_words(m: &Model, index: u64) -> Option<String> {
    Some(activation_words(m.policy_version(index)?))
}

/// The section body of a proposal record.
pub(crate) fn proposal(p: &PolicyProposal, v: &Value, link: &dyn Fn(&str) -> String) -> String {
    let mut out = format!(
        "<h3>Policy proposal: {} to take effect on {}</h3>\n<p>{}</p>\n<dl class=\"facts\">\
         <dt>Proposed</dt><dd>{} by {}</dd><dt>Replaces</dt><dd>{}</dd>\
         <dt>Minimum notice</dt><dd>{} days (set in record {})</dd>\
         <dt>SHA-256 of the text</dt><dd><code>{}</code></dd></dl>\n",
        val(v, "/file"),
        val(v, "/effective"),
        if !p.reason.is_empty() { val(v, "/reason") } else { "No reason was given.".into() },
        val(v, "/proposed_at"),
        val(v, "/proposed_by"),
        if p.replaces.is_none() { "no version (none in force)".into() } else { link("/replaces") },
        val(v, "/notice_days"),
        link("/notice_setting"),
        val(v, "/sha256"),
    );
    out.push_str(&effect_table(p, v));
    let _ = write!(
        out,
        "<details><summary>Proposed text</summary>\n<pre class=\"policy\" data-v=\"/text\">\n{}</pre></details>\n",
        esc(&p.text)
    );
    out
}

/// The effect a proposal records, as a table.
fn effect_table(proposal: &PolicyProposal, v: &Value) -> String {
    let period = if proposal.effect.period.is_some() {
        format!("the usage of {}, the last period published", val(v, "/effect/period"))
    } else {
        "all stored usage (no period had been published)".into()
    };
    let n = proposal.effect.rows.len();
    if n == 0 {
        return format!("<p>Effect on {period}: no use would be decided differently.</p>\n");
    }
    let rows: Vec<Vec<String>> = (0..n)
        .map(|i| {
            let p = |k: &str| format!("/effect/rows/{i}/{k}");
            let names = proposal.effect.rows[i].organisations.len();
            let named: Vec<String> =
                (0..names).map(|k| val(v, &format!("/effect/rows/{i}/organisations/{k}"))).collect();
            vec![
                val(v, &p("capability")),
                val(v, &p("policy")),
                val(v, &p("change")),
                format!(
                    "{} {}",
                    val(v, &p("organisations_count")),
                    if named.is_empty() { String::new() } else { format!("({})", named.join("; ")) }
                ),
                val(v, &p("undisclosed_accounts")),
            ]
        })
        .collect();
    format!(
        "<h4>Effect on {period}</h4>\n{}",
        table(
            &["Capability", "Rule", "Change", "Disclosed organisations", "Accounts not disclosed (counted only)"],
            &rows
        )
    )
}

/// The section body of an objection, withdrawal or notice-setting record.
pub(crate) fn notice_record(kind: &str, v: &Value, link: &dyn Fn(&str) -> String) -> String {
    match kind {
        "policy_objection" => format!(
            "<h3>Objection to proposal {}</h3>\n<p>{}</p>\n<p>Filed by {} at {}.</p>\n",
            link("/proposal"),
            val(v, "/reason"),
            val(v, "/objector"),
            val(v, "/filed_at")
        ),
        "policy_withdrawal" => format!(
            "<h3>Proposal {} withdrawn</h3>\n<p>{}</p>\n<p>Withdrawn by {} at {}.</p>\n",
            link("/proposal"),
            val(v, "/reason"),
            val(v, "/withdrawn_by"),
            val(v, "/withdrawn_at")
        ),
        _ => format!(
            "<h3>Minimum notice for policy proposals: {} days</h3>\n<p>{}</p>\n<p>Set by {} at {}.</p>\n",
            val(v, "/notice_days"),
            val(v, "/reason"),
            val(v, "/set_by"),
            val(v, "/set_at")
        ),
    }
}

/// The lines of a period summary about the proposals open during the period, with the reasons
/// of their objections (each shown from its own record, linked).
pub(crate) fn summary_lines(
    m: &Model,
    summary: &PeriodSummary,
    v: &Value,
    root: &str,
    link: &dyn Fn(&str) -> String,
) -> String {
    let n = summary.policy_proposals.len();
    if n == 0 {
        return String::new();
    }
    let mut out = String::from("<h4>Policy proposals</h4>\n<ul>\n");
    for i in 0..n {
        let p = |k: &str| format!("/policy_proposals/{i}/{k}");
        let _ = write!(
            out,
            "<li>Proposal {} (effective {}): {}, {} objection(s).",
            link(&format!("/policy_proposals/{i}/proposal")),
            val(v, &p("effective")),
            val(v, &p("status")),
            val(v, &p("objections")),
        );
        let state = m.proposals.get(&summary.policy_proposals[i].proposal.index);
        if let Some(s) = state.filter(|s| !s.objections.is_empty()) {
            out.push_str(&objection_list(s, root));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
    out
}

/// A proposal's objections: reason, pseudonym, record.
fn objection_list(s: &ProposalState, root: &str) -> String {
    let items: String = s
        .objections
        .iter()
        .map(|o| {
            format!(
                "<li>{} — {} (<a href=\"{root}record/{i}.html\">#{i}</a>)</li>",
                esc(&o.reason),
                esc(&o.objector),
                i = o.index
            )
        })
        .collect();
    format!("<ul class=\"objections\">{items}</ul>")
}

/// A page: its path, the path from it to the site's root, its title and body.
pub(crate) type Page = (String, &'static str, String, String);

/// A page per proposal and the policies page; `section` renders a record's section.
pub(crate) fn pages(m: &Model, section: &dyn Fn(u64, &str) -> String) -> Vec<Page> {
    let mut out = Vec::new();
    for s in m.proposals.values() {
        let Some(p) = m.policy_proposal(s.index) else { continue };
        let title = format!("Policy proposal #{} ({})", s.index, s.status.words());
        let mut body = format!("<h1>{}</h1>\n{}", esc(&title), status_line(m, s, "../"));
        body.push_str("<h2>Changes against the version it would replace</h2>\n");
        let old = p.replaces.as_ref().and_then(|r| m.policy_version(r.index));
        let old_text = old.map_or("", |r| r.text.as_str());
        body.push_str(&text_diff(old_text, &p.text));
        let _ = writeln!(body, "<h2>Objections ({})</h2>", s.objections.len());
        body.push_str(&if s.objections.is_empty() { "<p>None.</p>\n".to_string() } else { objection_list(s, "../") });
        body.push_str("<h2>The records</h2>\n");
        body.push_str(&section(s.index, "../"));
        for i in s.objections.iter().map(|o| o.index).chain(s.withdrawal).chain(s.activation) {
            body.push_str(&section(i, "../"));
        }
        out.push((format!("proposal/{}.html", s.index), "../", title, body));
    }
    out.push(("policies.html".into(), "", "Use policies".into(), policies_page(m)));
    out
}

/// Where a proposal stands, in one paragraph.
fn status_line(m: &Model, s: &ProposalState, root: &str) -> String {
    let at = |i: u64| format!("<a href=\"{root}record/{i}.html\">#{i}</a>");
    let status = match (s.status, s.withdrawal, s.activation) {
        (Status::Withdrawn, Some(w), _) => format!("withdrawn (record {})", at(w)),
        (Status::Activated | Status::ActivatedInEmergency, _, Some(a)) => {
            format!("{} (record {}; {})", s.status.words(), at(a), esc(&policy_words(m, a).unwrap_or_default()))
        }
        _ => "open: objections are taken until it is withdrawn or activated".into(),
    };
    format!(
        "<p class=\"proposal-status\">Status: <strong>{status}</strong>. Effective date: {}. {} objection(s).</p>\n",
        esc(&s.effective),
        s.objections.len()
    )
}

/// The policy text's changes, line by line (`-` removed, `+` added), with context.
fn text_diff(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::from("<pre class=\"diff\">");
    for group in diff.grouped_ops(3) {
        out.push_str("<span class=\"hunk\">…</span>\n");
        for op in group {
            for change in diff.iter_changes(&op) {
                let (sign, class) = match change.tag() {
                    similar::ChangeTag::Delete => ('-', "del"),
                    similar::ChangeTag::Insert => ('+', "ins"),
                    similar::ChangeTag::Equal => (' ', "same"),
                };
                let line = change.value().trim_end_matches('\n');
                let _ = writeln!(out, "<span class=\"{class}\">{sign} {}</span>", esc(line));
            }
        }
    }
    if diff.ops().iter().all(|op| matches!(op, similar::DiffOp::Equal { .. })) {
        out.push_str("(the texts are the same)\n");
    }
    out.push_str("</pre>\n");
    out
}

/// Every version with how it came into force, and every proposal.
fn policies_page(m: &Model) -> String {
    let mut out = String::from(
        "<h1>Use policies</h1>\n<p>Every version of the use policy, how it came into force, and every change \
         proposed with notice, with its effect and the objections filed. <a href=\"feed/policies.xml\">Atom feed \
         of these records</a>.</p>\n<h2>Versions</h2>\n",
    );
    if m.policies.is_empty() {
        out.push_str("<p>No version has been activated.</p>\n");
    } else {
        let rows: Vec<Vec<String>> = m
            .policies
            .iter()
            .enumerate()
            .filter_map(|(n, &i)| Some((n, i, m.policy_version(i)?)))
            .map(|(n, i, v)| {
                vec![
                    format!("<a href=\"policy/{i}.html\">Version {}</a>", n + 1),
                    esc(&v.activated_at),
                    esc(&activation_words(v)),
                    format!("<a href=\"record/{i}.html\">#{i}</a>"),
                ]
            })
            .collect();
        out.push_str(&table(&["Version", "Activated", "How", "Record"], &rows));
    }
    out.push_str("<h2>Proposals</h2>\n");
    if m.proposals.is_empty() {
        out.push_str("<p>No change has been proposed with notice.</p>\n");
        return out;
    }
    let rows: Vec<Vec<String>> = m
        .proposals
        .values()
        .rev()
        .filter_map(|s| Some((s, m.policy_proposal(s.index)?)))
        .map(|(s, p)| {
            vec![
                format!("<a href=\"proposal/{i}.html\">#{i}</a>", i = s.index),
                esc(&p.file),
                esc(&p.proposed_at),
                esc(&s.effective),
                esc(s.status.words()),
                s.objections.len().to_string(),
            ]
        })
        .collect();
    out.push_str(&table(&["Proposal", "File", "Proposed", "Effective", "Status", "Objections"], &rows));
    out
}
