//! A record's section, the unit every page is made of: what the record says, for people, each
//! value marked with its JSON pointer in the record (the page's script checks it against the
//! verified entry), then the entry and its inclusion proof. What to show comes from the typed
//! record; a record of no known kind is shown whole, as such.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use records::Body;
use serde_json::{Value, json};
use tlog::Hash;

use super::html::{esc, script_json, table, val};
use super::model::{Model, RecordView};

/// What the site says of a correction that does not count (see `records::corrected`).
pub(crate) const NAMES_BUT_CORRECTS_NOTHING: &str = "does not count as a correction of";

/// A record's section: what it says, for people, then the entry and its proof, which the
/// page's script verifies. Every value shown is marked with where it is in the record.
pub(crate) fn section(m: &Model, r: &RecordView, root: &str, cap_name: &dyn Fn(&str) -> String) -> String {
    // Every record of the model is an entry of its tree: a proof is always found for it.
    let proof = m.proof(r.index).unwrap_or_default();
    section_with_proof(m, r, root, cap_name, &proof)
}

/// The section as [`section`] makes it, with `proof` (the record's inclusion proof in the
/// checkpoint of the page that shows it) in place of the model's.
pub(crate) fn section_with_proof(
    m: &Model,
    r: &RecordView,
    root: &str,
    cap_name: &dyn Fn(&str) -> String,
    proof: &[Hash],
) -> String {
    let value = m.value(r);
    let v = value.as_ref();
    let mut out = open(r);
    // A link to the record named at `ptr` (an object with `index` and `sha256`).
    // A link to the record named at `ptr`; a policy version's says how it came into force.
    let link = |ptr: &str| -> String {
        match v.pointer(&format!("{ptr}/index")).and_then(Value::as_u64) {
            // An index with no candor record (beyond the log's end, another writer's entry) has
            // no page to link to: shown, not linked.
            Some(n) if !m.records.contains_key(&n) => {
                format!("#{} (no record of this report)", val(v, &format!("{ptr}/index")))
            }
            Some(n) => {
                let words = super::proposals::policy_words(m, n).map(|w| format!(" ({})", esc(&w))).unwrap_or_default();
                format!("<a href=\"{root}record/{n}.html\">#{}</a>{words}", val(v, &format!("{ptr}/index")))
            }
            None => "—".into(),
        }
    };
    // Links to the `n` records listed at `ptr`.
    let links = |ptr: &str, n: usize| -> Vec<String> { (0..n).map(|i| link(&format!("{ptr}/{i}"))).collect() };
    let body = r.body_of(v);
    match body.as_deref() {
        Some(Body::OrganisationUsage(u)) => {
            let o = &u.organisation;
            let j = &o.jurisdiction;
            let _ = writeln!(out, "<h3>{} — {}</h3>", val(v, "/organisation/name"), val(v, "/period"));
            let place: Vec<String> =
                [("city", &j.city), ("county", &j.county), ("state", &j.state), ("country", &j.country)]
                    .iter()
                    .filter(|(_, given)| given.is_some())
                    .map(|(k, _)| val(v, &format!("/organisation/jurisdiction/{k}")))
                    .collect();
            let n_sources = o.evidence.sources.len();
            let sources: String = (0..n_sources)
                .map(|i| format!("<li>{}</li>", val(v, &format!("/organisation/evidence/sources/{i}"))))
                .collect();
            // Surveillance technologies (EFF Atlas of Surveillance), when the record has them.
            let n_tech = o.technologies.len();
            let technologies = if n_tech == 0 {
                String::new()
            } else {
                let rows: String = (0..n_tech)
                    .map(|i| {
                        let p = |k: &str| format!("/organisation/technologies/{i}/{k}");
                        format!(
                            "<li>{} {} — {} ({}; {}) {}</li>",
                            val(v, &p("relation")),
                            val(v, &p("technology")),
                            val(v, &p("counterpart")),
                            val(v, &p("source")),
                            val(v, &p("citation")),
                            val(v, &p("link"))
                        )
                    })
                    .collect();
                format!("<dt>Surveillance technologies</dt><dd><ul>{rows}</ul></dd>")
            };
            let _ = writeln!(
                out,
                "<dl class=\"facts\"><dt>Kind</dt><dd>{}</dd><dt>Law-enforcement role</dt><dd>{} ({})</dd>\
                 <dt>Jurisdiction</dt><dd>{}</dd><dt>Evidence</dt><dd>{}<ul>{sources}</ul></dd>{technologies}</dl>",
                val(v, "/organisation/kind"),
                val(v, "/organisation/law_enforcement_role"),
                val(v, "/organisation/role_status"),
                place.join(", "),
                val(v, "/organisation/evidence/summary"),
            );
            let rows: Vec<Vec<String>> = (u.usage.iter().enumerate())
                .map(|(i, line)| {
                    let p = |k: &str| format!("/usage/{i}/{k}");
                    let cap = line.capability.as_str();
                    let amount =
                        if line.volume_band.is_some() { val(v, &p("volume_band")) } else { val(v, &p("quantity")) };
                    vec![
                        format!(
                            "<a href=\"{root}capability/{}.html\">{}</a> <code>{}</code>",
                            super::html::slug(cap),
                            esc(&cap_name(cap)),
                            val(v, &p("capability"))
                        ),
                        val(v, &p("service")),
                        val(v, &p("region_class")),
                        format!("{amount} {}", val(v, &p("unit"))),
                    ]
                })
                .collect();
            out.push_str(&table(&["Capability", "Service", "Region class", "Volume"], &rows));
            let _ = writeln!(out, "<p>Depends on records {}.</p>", links("/depends_on", u.depends_on.len()).join(", "));
        }
        Some(Body::Classification(_)) => {
            let _ = write!(
                out,
                "<h3>{}: {} ({})</h3>\n<p>{}</p>\n<p>Decided by {} at {}.</p>\n",
                val(v, "/organisation"),
                val(v, "/role"),
                val(v, "/status"),
                val(v, "/reason"),
                val(v, "/decided_by"),
                val(v, "/decided_at"),
            );
        }
        Some(Body::Enforcement(e)) => {
            let depends_on = links("/depends_on", e.depends_on.len()).join(", ");
            out.push_str(&super::accountability::enforcement(e, v, &depends_on));
        }
        Some(Body::RegisteredUse(u)) => {
            let depends_on = links("/depends_on", u.depends_on.len()).join(", ");
            out.push_str(&super::accountability::registered_use(u, v, &depends_on));
        }
        Some(Body::PolicyProposal(p)) => out.push_str(&super::proposals::proposal(p, v, &link)),
        Some(Body::Reconciliation(x)) => out.push_str(&super::reconciliation::section(x, v, &link)),
        Some(Body::CustomerStatement(s)) => out.push_str(&super::reconciliation::statement(s, v)),
        Some(Body::GateDecisions(g)) => out.push_str(&super::gate::section(g, v, &link, root, cap_name)),
        Some(Body::PolicyObjection(_) | Body::PolicyWithdrawal(_) | Body::NoticeSetting(_)) => {
            out.push_str(&super::proposals::notice_record(r.kind(), v, &link));
        }
        Some(Body::Correction(c)) => {
            let _ = write!(
                out,
                "<h3>Correction of record {}</h3>\n<p>{}</p>\n<p>Replacement: {}.</p>\n",
                link("/corrects"),
                val(v, "/reason"),
                if c.replacement.is_none() { "none (withdrawn)".into() } else { link("/replacement") },
            );
            if !m.correction_counts(r.index, c) {
                let _ = writeln!(
                    out,
                    "<p class=\"void\">This record {NAMES_BUT_CORRECTS_NOTHING} {}: a correction counts only \
                     after the record it names, named by its entry's SHA-256.</p>",
                    link("/corrects")
                );
            }
        }
        Some(Body::PeriodSummary(summary)) => {
            let n = summary.withheld.len();
            let withheld: Vec<Vec<String>> = (0..n)
                .map(|i| {
                    vec![val(v, &format!("/withheld/{i}/reason")), val(v, &format!("/withheld/{i}/organisations"))]
                })
                .collect();
            // Records written before candor counted ambiguous accounts do not carry the count.
            let ambiguous = if summary.accounts_awaiting_review_ambiguous.is_some() {
                format!(
                    " {} accounts with usage await review because their name fits several organisations, one at \
                     least a law-enforcement organisation (awaiting review: ambiguous).",
                    val(v, "/accounts_awaiting_review_ambiguous")
                )
            } else {
                String::new()
            };
            // Only periods published with a use policy in force carry the audit's counts.
            let enforcement = if let Some(counts) = &summary.enforcement {
                let n = counts.actions.len();
                let actions: Vec<String> = (0..n)
                    .map(|i| {
                        format!(
                            "{} {}",
                            val(v, &format!("/enforcement/actions/{i}/action")),
                            val(v, &format!("/enforcement/actions/{i}/count"))
                        )
                    })
                    .collect();
                format!(
                    "<h4>Use-policy audit</h4>\n<p>{} findings about disclosed organisations, {} of them open (no action yet); actions taken: {}. {} findings about usage that is not disclosed.</p>\n",
                    val(v, "/enforcement/findings"),
                    val(v, "/enforcement/open_findings"),
                    if actions.is_empty() { "none".to_string() } else { actions.join(", ") },
                    val(v, "/enforcement/findings_not_disclosed"),
                )
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "<h3>Period {}: summary</h3>\n<p>{} organisations disclosed (listed in records {}). {} accounts with \
                 usage had no link to a law-enforcement organisation (not in scope).{ambiguous} Policy in force: {}.</p>\n\
                 <h4>Withheld</h4>\n{}",
                val(v, "/period"),
                val(v, "/organisations_disclosed"),
                links("/record_lists", summary.record_lists.len()).join(", "),
                val(v, "/out_of_scope_accounts"),
                if summary.policy.is_none() { "none".into() } else { link("/policy") },
                if withheld.is_empty() {
                    "<p>Nothing withheld.</p>\n".to_string()
                } else {
                    table(&["Reason", "Organisations"], &withheld)
                }
            );
            out.push_str(&enforcement);
            if !summary.gate_decisions.is_empty() {
                let _ = writeln!(
                    out,
                    "<p>Requests the gates allowed and refused in the period: records {} (<a href=\"{root}gates.html\">all periods</a>).</p>",
                    links("/gate_decisions", summary.gate_decisions.len()).join(", ")
                );
            }
            out.push_str(&super::proposals::summary_lines(m, summary, v, root, &link));
            out.push_str(&super::accountability::review(summary, v));
            out.push_str(&super::accountability::screening(summary, v));
        }
        Some(Body::PeriodRecords(list)) => {
            let listed = links("/records", list.records.len());
            let _ = write!(
                out,
                "<h3>Period {}: organisation records, part {} of {}</h3>\n<p>{}</p>\n",
                val(v, "/period"),
                val(v, "/part"),
                val(v, "/parts"),
                if listed.is_empty() { "None.".to_string() } else { listed.join(", ") },
            );
        }
        Some(Body::PolicyVersion(version)) => {
            // The newline after <pre> is dropped by HTML parsers, so the text shown is exact.
            let text = version.text.as_str();
            let notice = if version.emergency.is_some() {
                format!(
                    "Activated in an emergency, before its notice ran out{}: {}",
                    if version.proposal.is_some() {
                        format!(" (proposal {})", link("/proposal"))
                    } else {
                        String::new()
                    },
                    val(v, "/emergency/reason")
                )
            } else if version.proposal.is_some() {
                format!("Activated after notice: proposal {}.", link("/proposal"))
            } else {
                "Activated without notice: no proposal announced it before it took effect.".into()
            };
            let _ = write!(
                out,
                "<h3>Policy {} activated {}</h3>\n<p class=\"notice\">{notice}</p>\n<p>SHA-256 of the text <code>{}</code>.</p>\n\
                 <pre class=\"policy\" data-v=\"/text\">\n{}</pre>\n",
                val(v, "/file"),
                val(v, "/activated_at"),
                val(v, "/sha256"),
                esc(text),
            );
        }
        None => {
            // A record this format does not define (a later format's kind, or a member of
            // another shape): shown whole, never dropped.
            if let Some(records::Parsed::Unrecognised(u)) = r.kept() {
                let _ = write!(
                    out,
                    "<h3>Record of type <code>{}</code></h3>\n<p class=\"unrecognised\">This report's format does not \
                     define this record ({}); its entry is below, verified like every other.</p>\n",
                    esc(&u.kind),
                    esc(&u.why)
                );
            }
        }
    }
    out.push_str(&close(m, r, root, proof));
    out
}

/// A section of record `r` showing only what it says of `organisation` (`body`, its values
/// marked like the whole section's), with the entry and proof that let the page verify it. The
/// section names the organisation, so an outside check renders the same part to compare.
pub(crate) fn organisation_part(
    m: &Model,
    r: &RecordView,
    root: &str,
    organisation: &str,
    body: &str,
    proof: &[Hash],
) -> String {
    format!(
        "<section class=\"record\" id=\"record-{0}\" data-index=\"{0}\" data-organisation=\"{1}\">\n{body}{2}",
        r.index,
        esc(organisation),
        close(m, r, root, proof)
    )
}

fn open(r: &RecordView) -> String {
    format!("<section class=\"record\" id=\"record-{0}\" data-index=\"{0}\">\n", r.index)
}

/// The end of a record's section: demonstration and correction notes, the entry and its
/// inclusion proof for the page's script.
fn close(m: &Model, r: &RecordView, root: &str, proof: &[Hash]) -> String {
    let mut out = String::new();
    let entry = m.entry(r);
    if r.is_demonstration() {
        out.push_str("<p class=\"demo-record\">This record is demonstration data.</p>\n");
    }
    if let Some(by) = r.corrected_by {
        let _ = writeln!(
            out,
            "<p class=\"corrected\">Corrected by record <a href=\"{root}record/{by}.html\">#{by}</a>; it stays in the log.</p>"
        );
    }
    let _ = write!(
        out,
        "<p class=\"verification\" data-state=\"pending\">Record #{i}: not yet verified.</p>\n\
         <details><summary>Log entry #{i}: canonical JSON, SHA-256 <code>{sha}</code>, inclusion proof of {n} hashes</summary>\n\
         <pre class=\"entry\">{entry}</pre>\n<p><a href=\"{root}record/{i}.html\">Record page</a></p></details>\n\
         <script type=\"application/json\" class=\"candor-proof\">{proof}</script>\n</section>\n",
        i = r.index,
        sha = r.sha256,
        n = proof.len(),
        entry = esc(&String::from_utf8_lossy(&entry)),
        proof = script_json(&json!({
            "index": r.index,
            "entry": B64.encode(&entry),
            "inclusion": proof.iter().map(|h| h.to_base64()).collect::<Vec<_>>(),
        })),
    );
    out
}
