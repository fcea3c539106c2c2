//! The reconciliation: each period held against the public records that tie law-enforcement
//! organisations to the provider's offerings. A record's section (its standings as a chart and
//! a table, every value checked against the record) and `reconciliation.html`, which shows each
//! period's latest reconciliation and says what the public records prove and what they do not.

use std::fmt::Write as _;

use records::{Reconciliation, Standing};
use serde_json::Value;

use super::html::{esc, table, val};
use super::model::Model;

const STANDINGS: [Standing; 5] = [
    Standing::Disclosed,
    Standing::Withheld,
    Standing::LinkedNoUsage,
    Standing::NotACustomer,
    Standing::NoLinkedAccount,
];

/// The section body of a reconciliation record; `link` renders the link at a pointer.
pub(crate) fn section(r: &Reconciliation, v: &Value, link: &dyn Fn(&str) -> String) -> String {
    let names = |ptr: &str, n: usize| -> String {
        let shown: Vec<String> = (0..n).map(|i| val(v, &format!("{ptr}/{i}"))).collect();
        if shown.is_empty() { "none".into() } else { shown.join(", ") }
    };
    let mut out = format!(
        "<h3>Period {}: reconciliation against public records</h3>\n<p>Provider {}; FedRAMP offerings {}; \
         names in the AI use-case inventory {}. {} law-enforcement organisation(s) are tied to them by a public \
         record.</p>\n",
        val(v, "/period"),
        val(v, "/provider"),
        names("/offerings", r.offerings.len()),
        names("/inventory_names", r.inventory_names.len()),
        r.organisations.len(),
    );
    let counts: Vec<(String, u64)> = STANDINGS
        .iter()
        .map(|s| (s.words().to_string(), r.organisations.iter().filter(|o| o.status == *s).count() as u64))
        .collect();
    let title = format!("Period {}: how the report accounts for each tied organisation", r.period);
    out.push_str("<figure class=\"chart\">\n");
    out.push_str(&super::svg::bar_chart(&title, &counts, "organisations", None));
    let _ = writeln!(
        out,
        "<figcaption>{}: {}.</figcaption>\n</figure>",
        esc(&title),
        esc(&counts.iter().map(|(l, n)| format!("{l} {n}")).collect::<Vec<_>>().join(", "))
    );
    let rows: Vec<Vec<String>> = r
        .organisations
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let p = |k: &str| format!("/organisations/{i}/{k}");
            let entries: String = (0..o.public_records.len())
                .map(|k| {
                    let q = |f: &str| format!("/organisations/{i}/public_records/{k}/{f}");
                    let date = if o.public_records[k].date.is_some() {
                        format!(" ({})", val(v, &q("date")))
                    } else {
                        String::new()
                    };
                    format!("<li>{}{date}</li>", val(v, &q("entry")))
                })
                .collect();
            let standing = match o.status {
                Standing::Disclosed if o.record.is_some() => {
                    format!("{}: record {}", val(v, &p("status")), link(&p("record")))
                }
                Standing::Withheld => format!("{}: {}", val(v, &p("status")), val(v, &p("reason"))),
                Standing::NotACustomer => {
                    format!("{}: {} (statement {})", val(v, &p("status")), val(v, &p("reason")), link(&p("statement")))
                }
                Standing::NoLinkedAccount if o.awaiting_review => {
                    format!("{} (a proposed link awaits a reviewer)", val(v, &p("status")))
                }
                _ => val(v, &p("status")),
            };
            vec![
                val(v, &p("organisation")),
                val(v, &p("law_enforcement_role")),
                format!("<ul>{entries}</ul>"),
                standing,
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str("<p>No public record imported ties a law-enforcement organisation to these offerings.</p>\n");
    } else {
        out.push_str(&table(&["Organisation", "Role", "Public records", "In this report"], &rows));
    }
    out
}

/// The section body of a customer statement.
pub(crate) fn statement(s: &records::CustomerStatement, v: &Value) -> String {
    let what = match s.statement {
        records::StatementKind::NotACustomer => "is not a customer of the provider",
        records::StatementKind::Withdrawn => "— the earlier statement that it is not a customer no longer holds",
    };
    format!(
        "<h3>{} {what}</h3>\n<p>{}</p>\n<p>Stated by {} at {} (<code>{}</code>).</p>\n",
        val(v, "/organisation"),
        val(v, "/reason"),
        val(v, "/stated_by"),
        val(v, "/stated_at"),
        val(v, "/statement"),
    )
}

/// `reconciliation.html`: each period's latest reconciliation, newest period first;
/// `section` renders a record's section.
pub(crate) fn page(m: &Model, section: &dyn Fn(u64, &str) -> String) -> String {
    let mut out = String::from(
        "<h1>Reconciliation</h1>\n<p>Witnesses prove that this report was not changed after the fact; they cannot \
         prove that it is complete. Here each period is held against public records the provider does not control: \
         the FedRAMP Marketplace (which federal agency authorized which cloud offering) and the federal AI use-case \
         inventory (which vendor an agency's face recognition or other computer vision comes from). Every \
         law-enforcement organisation they tie to the provider's offerings is listed with how the report accounts \
         for it: disclosed (with its record), withheld (with the reason the period summary counts), linked to an \
         account that used nothing in the period, or without a linked account.</p>\n<p>What these records prove: \
         that an agency may use an offering (an authorization), or that a named product serves one of its AI uses. \
         What they do not: which accounts, which services, or how much. Anyone can repeat this check with \
         <code>candor reconcile-report</code> and the public files.</p>\n",
    );
    if m.reconciliations.is_empty() {
        out.push_str("<p>No period has been reconciled yet.</p>\n");
    }
    for (period, &i) in m.reconciliations.iter().rev() {
        let _ = writeln!(out, "<h2>Period {}</h2>", esc(period));
        out.push_str(&section(i, ""));
    }
    out
}
