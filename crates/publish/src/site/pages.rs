//! The HTML pages: overview, one per organisation, capability, policy and record.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use tlog::Checkpoint;

use super::html::{esc, name, script_json, table, val};
use super::model::{Model, RecordView};
use super::svg::bar_chart;
use crate::Error;

type Files = Vec<(String, Vec<u8>)>;

/// Names of capabilities from the built-in taxonomy: the full name ("Face identification (1:N
/// search …)"); the id where unknown.
pub(crate) fn capability_names() -> BTreeMap<String, String> {
    usage::taxonomy::Taxonomy::builtin()
        .map(|t| t.capabilities().iter().map(|c| (c.id.clone(), c.name.clone())).collect())
        .unwrap_or_default()
}

/// The name without its parenthesised explanation, for tables and charts.
pub(crate) fn short(name: &str) -> String {
    name.split(" (").next().unwrap_or(name).to_string()
}

/// Every page.
pub(crate) fn render(
    m: &Model,
    cp: &Checkpoint,
    signed: &super::signed::Signed,
    sink: &mut super::Sink<'_>,
) -> Result<(), Error> {
    let names = capability_names();
    let full_name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let cap_name = |id: &str| short(&full_name(id));
    let frame = |root: &'static str| signed.frame(root, &cp.origin, m.demonstration);
    let mut put = |path: String, html: String| sink.put(&path, html.as_bytes());

    // One page per record.
    for r in m.records.values() {
        let title = format!("Record #{} ({})", r.index, r.kind.replace('_', " "));
        let body = format!("<h1>{}</h1>\n{}", esc(&title), section(m, r, "../", &cap_name));
        put(r.page(), frame("../").page(&title, &body))?;
    }

    let timeline = super::timeline::Timeline::build(m);
    // One page per organisation.
    for o in m.organisations.values() {
        let mut body = format!(
            "<h1>{}</h1>\n<p><a href=\"../feed/org/{}.xml\">Atom feed of this organisation's records</a></p>\n",
            name(&o.name),
            o.slug
        );
        body.push_str(&timeline.org_section(&o.name, &cap_name));
        body.push_str("<h2>Usage by period</h2>\n");
        for &i in o.usage_records.iter().rev() {
            body.push_str(&section(m, &m.records[&i], "../", &cap_name));
        }
        if !o.use_records.is_empty() {
            body.push_str("<h2>Registered uses (exceptions) and what was declared</h2>\n");
            for &i in o.use_records.iter().rev() {
                body.push_str(&section(m, &m.records[&i], "../", &cap_name));
            }
        }
        if !o.enforcement_records.is_empty() {
            body.push_str("<h2>Use-policy findings and actions taken</h2>\n");
            for &i in o.enforcement_records.iter().rev() {
                body.push_str(&section(m, &m.records[&i], "../", &cap_name));
            }
        }
        body.push_str("<h2>Classification</h2>\n");
        for &i in o.classification_records.iter().rev() {
            body.push_str(&section(m, &m.records[&i], "../", &cap_name));
        }
        put(format!("org/{}.html", o.slug), frame("../").page(&o.name, &body))?;
    }

    // One page per capability in use.
    let mut by_cap: BTreeMap<&str, Vec<&super::model::UsageRow>> = BTreeMap::new();
    // Every capability any record named gets a page, so links from corrected records hold.
    for r in m.records.values().filter(|r| r.kind == "organisation_usage") {
        for u in r.value["usage"].as_array().into_iter().flatten() {
            if let Some(c) = u["capability"].as_str() {
                by_cap.entry(c).or_default();
            }
        }
    }
    for u in &m.usage {
        by_cap.entry(&u.capability).or_default().push(u);
    }
    for (cap, rows) in &by_cap {
        let t = full_name(cap);
        let slug = super::html::slug(cap);
        // Rows with links from a page `root` away from the site's root.
        let cells = |root: &str, part: &[&super::model::UsageRow]| -> Vec<Vec<String>> {
            part.iter()
                .map(|u| {
                    vec![
                        esc(&u.period),
                        format!("<a href=\"{root}org/{}.html\">{}</a>", u.slug, esc(&u.organisation)),
                        esc(&u.law_enforcement_role),
                        esc(&u.service),
                        esc(&u.region_class),
                        volume(u.volume_band.as_deref(), u.quantity, &u.unit),
                        format!("<a href=\"{root}record/{0}.html\">#{0}</a>", u.record_index),
                    ]
                })
                .collect()
        };
        const HEADERS: &[&str] = &["Period", "Organisation", "Role", "Service", "Region class", "Volume", "Record"];
        let pages = rows.len().div_ceil(super::listing::PAGE_ROWS);
        let listing = if rows.is_empty() {
            "<p>No current record lists this capability; the records that did were corrected or withdrawn \
             (they stay in the log).</p>\n"
                .to_string()
        } else {
            let first = &rows[..rows.len().min(super::listing::PAGE_ROWS)];
            format!(
                "{}{}",
                table(HEADERS, &cells("../", first)),
                super::listing::pager(pages, 1, &|k| format!("{slug}/{k}.html"))
            )
        };
        let body = format!(
            "<h1>{}</h1>\n<p>Capability id <code>{}</code>. Organisations that used it, by period. \
             <a href=\"../feed/capability/{slug}.xml\">Atom feed of its records</a>.</p>\n{}{listing}",
            esc(&t),
            esc(cap),
            timeline.capability_section(m, cap),
        );
        put(format!("capability/{slug}.html"), frame("../").page(&t, &body))?;
        // Later pages of a long listing (page 1 is the capability's page itself).
        for (k, part) in rows.chunks(super::listing::PAGE_ROWS).enumerate().skip(1) {
            let title = format!("{t}, page {} of {pages}", k + 1);
            let body = format!(
                "<h1>{}</h1>\n{}{}",
                esc(&title),
                table(HEADERS, &cells("../../", part)),
                super::listing::pager(pages, k + 1, &|n| if n == 1 {
                    format!("../{slug}.html")
                } else {
                    format!("{n}.html")
                })
            );
            put(format!("capability/{slug}/{}.html", k + 1), frame("../../").page(&title, &body))?;
        }
    }

    // One page per policy version.
    for (n, &i) in m.policies.iter().enumerate() {
        let r = &m.records[&i];
        let title = format!("Policy version {}", n + 1);
        let body = format!("<h1>{}</h1>\n{}", esc(&title), section(m, r, "../", &cap_name));
        put(format!("policy/{i}.html"), frame("../").page(&title, &body))?;
    }

    // The review page: each period's review facts, as its summary records them.
    let mut body = String::from(
        "<h1>Review</h1>\n<p>How the links between customer accounts and organisations were reviewed, period by \
         period: proposals made and decided, reversals, decisions under four eyes, what still waits, decisions per \
         reviewer pseudonym, and the screening's quality by score as those decisions measure it. No reviewer is named \
         and no account appears.</p>\n",
    );
    for (period, &i) in m.periods.iter().rev() {
        let _ = writeln!(body, "<h2>Period {}</h2>", esc(period));
        body.push_str(&section(m, &m.records[&i], "", &cap_name));
    }
    put("review.html".into(), frame("").page("Review", &body))?;

    // A page per proposal, and the policies page.
    let record_section =
        |i: u64, root: &str| m.records.get(&i).map(|r| section(m, r, root, &cap_name)).unwrap_or_default();
    for (path, root, title, body) in super::proposals::pages(m, &record_section) {
        put(path, frame(root).page(&title, &body))?;
    }

    // The organisation listing, page by page, and the search.
    let rows = super::listing::organisation_rows(m, "../", &cap_name);
    let pages = rows.len().div_ceil(super::listing::PAGE_ROWS);
    for (k, chunk) in rows.chunks(super::listing::PAGE_ROWS).enumerate() {
        let title = format!("Organisations, page {} of {pages}", k + 1);
        let body = format!(
            "<h1>{}</h1>\n{}{}",
            esc(&title),
            table(super::listing::ORG_HEADERS, chunk),
            super::listing::pager(pages, k + 1, &|n| format!("{n}.html"))
        );
        put(format!("organisations/{}.html", k + 1), frame("../").page(&title, &body))?;
    }
    put("search.html".into(), frame("").page("Search", &super::listing::search_page()))?;
    let index = serde_json::to_string(&super::listing::search_index(m, &cap_name)).unwrap_or_default();
    put("data/search.json".into(), index)?;
    // The latest changes come first, after the overview's introduction.
    let mut front = overview(m, cp, &signed.vkey, &by_cap, &cap_name);
    let changes = timeline.overview_changes(m);
    let at = front.find("<h2").or_else(|| front.find("<section")).unwrap_or(front.len());
    front.insert_str(at, &changes);
    put("index.html".into(), frame("").page("Overview", &front))?;
    for (path, svg) in charts(m, &by_cap, &cap_name) {
        sink.put(&path, &svg)?;
    }
    Ok(())
}

fn volume(band: Option<&str>, quantity: Option<f64>, unit: &str) -> String {
    match (band, quantity) {
        (Some(b), _) => format!("{} {}", esc(b), esc(unit)),
        (None, Some(q)) => format!("{q} {}", esc(unit)),
        _ => "—".into(),
    }
}

/// A record's section: what it says, for people, then the entry and its proof, which the
/// page's script verifies. Every value shown is marked with where it is in the record.
pub(crate) fn section(m: &Model, r: &RecordView, root: &str, cap_name: &dyn Fn(&str) -> String) -> String {
    let v = &r.value;
    let mut out = format!("<section class=\"record\" id=\"record-{0}\" data-index=\"{0}\">\n", r.index);
    // A link to the record named at `ptr` (an object with `index` and `sha256`).
    // A link to the record named at `ptr`; a policy version's says how it came into force.
    let link = |ptr: &str| -> String {
        match v.pointer(&format!("{ptr}/index")).and_then(Value::as_u64) {
            Some(n) => {
                let words = super::proposals::policy_words(m, n).map(|w| format!(" ({})", esc(&w))).unwrap_or_default();
                format!("<a href=\"{root}record/{n}.html\">#{}</a>{words}", val(v, &format!("{ptr}/index")))
            }
            None => "—".into(),
        }
    };
    let links = |ptr: &str| -> Vec<String> {
        let n = v.pointer(ptr).and_then(Value::as_array).map_or(0, Vec::len);
        (0..n).map(|i| link(&format!("{ptr}/{i}"))).collect()
    };
    match r.kind.as_str() {
        "organisation_usage" => {
            let _ = writeln!(out, "<h3>{} — {}</h3>", val(v, "/organisation/name"), val(v, "/period"));
            let place: Vec<String> = ["city", "county", "state", "country"]
                .iter()
                .filter(|k| v["organisation"]["jurisdiction"].get(**k).is_some())
                .map(|k| val(v, &format!("/organisation/jurisdiction/{k}")))
                .collect();
            let n_sources = v["organisation"]["evidence"]["sources"].as_array().map_or(0, Vec::len);
            let sources: String = (0..n_sources)
                .map(|i| format!("<li>{}</li>", val(v, &format!("/organisation/evidence/sources/{i}"))))
                .collect();
            // Surveillance technologies (EFF Atlas of Surveillance), when the record has them.
            let n_tech = v["organisation"]["technologies"].as_array().map_or(0, Vec::len);
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
            let n = v["usage"].as_array().map_or(0, Vec::len);
            let rows: Vec<Vec<String>> = (0..n)
                .map(|i| {
                    let u = &v["usage"][i];
                    let p = |k: &str| format!("/usage/{i}/{k}");
                    let cap = u["capability"].as_str().unwrap_or("");
                    let amount =
                        if u.get("volume_band").is_some() { val(v, &p("volume_band")) } else { val(v, &p("quantity")) };
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
            let _ = writeln!(out, "<p>Depends on records {}.</p>", links("/depends_on").join(", "));
        }
        "classification" => {
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
        "enforcement" => out.push_str(&super::accountability::enforcement(v, &links("/depends_on").join(", "))),
        "registered_use" => out.push_str(&super::accountability::registered_use(v, &links("/depends_on").join(", "))),
        "policy_proposal" => out.push_str(&super::proposals::proposal(v, &link)),
        "policy_objection" | "policy_withdrawal" | "policy_notice_setting" => {
            out.push_str(&super::proposals::notice_record(&r.kind, v, &link));
        }
        "correction" => {
            let _ = write!(
                out,
                "<h3>Correction of record {}</h3>\n<p>{}</p>\n<p>Replacement: {}.</p>\n",
                link("/corrects"),
                val(v, "/reason"),
                if v["replacement"].is_null() { "none (withdrawn)".into() } else { link("/replacement") },
            );
        }
        "period_summary" => {
            let n = v["withheld"].as_array().map_or(0, Vec::len);
            let withheld: Vec<Vec<String>> = (0..n)
                .map(|i| {
                    vec![val(v, &format!("/withheld/{i}/reason")), val(v, &format!("/withheld/{i}/organisations"))]
                })
                .collect();
            // Records written before candor counted ambiguous accounts do not carry the count.
            let ambiguous = if v.get("accounts_awaiting_review_ambiguous").is_some() {
                format!(
                    " {} accounts with usage await review because their name fits several organisations, one at \
                     least a law-enforcement organisation (awaiting review: ambiguous).",
                    val(v, "/accounts_awaiting_review_ambiguous")
                )
            } else {
                String::new()
            };
            // Only periods published with a use policy in force carry the audit's counts.
            let enforcement = if v.get("enforcement").is_some() {
                let n = v["enforcement"]["actions"].as_array().map_or(0, Vec::len);
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
                links("/record_lists").join(", "),
                val(v, "/out_of_scope_accounts"),
                if v["policy"].is_null() { "none".into() } else { link("/policy") },
                if withheld.is_empty() {
                    "<p>Nothing withheld.</p>\n".to_string()
                } else {
                    table(&["Reason", "Organisations"], &withheld)
                }
            );
            out.push_str(&enforcement);
            out.push_str(&super::proposals::summary_lines(m, v, root, &link));
            out.push_str(&super::accountability::review(v));
            out.push_str(&super::accountability::screening(v));
        }
        "period_records" => {
            let listed = links("/records");
            let _ = write!(
                out,
                "<h3>Period {}: organisation records, part {} of {}</h3>\n<p>{}</p>\n",
                val(v, "/period"),
                val(v, "/part"),
                val(v, "/parts"),
                if listed.is_empty() { "None.".to_string() } else { listed.join(", ") },
            );
        }
        "policy_version" => {
            // The newline after <pre> is dropped by HTML parsers, so the text shown is exact.
            let text = v["text"].as_str().unwrap_or("");
            let notice = if v.get("emergency").is_some() {
                format!(
                    "Activated in an emergency, before its notice ran out{}: {}",
                    if v.get("proposal").is_some() {
                        format!(" (proposal {})", link("/proposal"))
                    } else {
                        String::new()
                    },
                    val(v, "/emergency/reason")
                )
            } else if v.get("proposal").is_some() {
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
        _ => {}
    }
    if v["demonstration_data"] == true {
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
        n = r.proof.len(),
        entry = esc(&String::from_utf8_lossy(&r.entry)),
        proof = script_json(&json!({
            "index": r.index,
            "entry": B64.encode(&r.entry),
            "inclusion": r.proof.iter().map(|h| h.to_base64()).collect::<Vec<_>>(),
        })),
    );
    out
}

fn overview(
    m: &Model,
    cp: &Checkpoint,
    vkey: &str,
    by_cap: &BTreeMap<&str, Vec<&super::model::UsageRow>>,
    cap_name: &dyn Fn(&str) -> String,
) -> String {
    let mut out = String::from(
        "<h1>Law-enforcement use of our services</h1>\n<p>Which law-enforcement agencies, and which companies that \
         supply them, use the provider's services, and how; the use policies in force; and what is withheld and \
         why. Every record is an entry in a public, append-only, signed transparency log: this page checks each \
         one in your browser, and anyone can check the whole log with an independent tool.</p>\n",
    );
    let _ = writeln!(
        out,
        "<p>Log size {}, root <code>{}</code>. Check the whole report yourself, with no trust in this site: \
         <code>candor verify &lt;this site's URL or folder&gt; --vkey {}</code>, or any C2SP tlog-tiles client \
         for the log alone.</p>",
        cp.size,
        esc(&cp.root.to_base64()),
        esc(vkey)
    );
    for (period, &i) in m.periods.iter().rev() {
        let _ = writeln!(out, "<h2>Period {}</h2>", esc(period));
        out.push_str(&section(m, &m.records[&i], "", cap_name));
    }
    out.push_str("<h2 id=\"organisations\">Organisations</h2>\n");
    // The first page here; every page of the listing under organisations/.
    let rows = super::listing::organisation_rows(m, "", cap_name);
    let pages = rows.len().div_ceil(super::listing::PAGE_ROWS);
    if pages > 1 {
        let _ = writeln!(
            out,
            "<p>{} organisations; the first {} here, all of them on the listing's pages, or <a href=\"search.html\">search</a>.</p>",
            rows.len(),
            super::listing::PAGE_ROWS
        );
    }
    out.push_str(&table(super::listing::ORG_HEADERS, &rows[..rows.len().min(super::listing::PAGE_ROWS)]));
    out.push_str(&super::listing::pager(pages, 0, &|k| format!("organisations/{k}.html")));
    out.push_str(
        "<h2 id=\"capabilities\">Capabilities</h2>\n<figure><img src=\"charts/capabilities.svg\" alt=\"Organisations \
         using each capability, by period\"></figure>\n<figure><img src=\"charts/kinds.svg\" alt=\"Disclosed \
         organisations by kind\"></figure>\n<ul>\n",
    );
    for (cap, rows) in by_cap.iter().filter(|(_, rows)| !rows.is_empty()) {
        let orgs: BTreeSet<&str> = rows.iter().map(|u| u.organisation.as_str()).collect();
        let _ = writeln!(
            out,
            "<li><a href=\"capability/{}.html\">{}</a>: {} organisations</li>",
            super::html::slug(cap),
            esc(&cap_name(cap)),
            orgs.len()
        );
    }
    // Corrections are part of the record: every one is listed, newest first, with what it corrects.
    out.push_str("</ul>\n<h2 id=\"corrections\">Corrections</h2>\n");
    let corrections: Vec<&RecordView> = m.records.values().rev().filter(|r| r.kind == "correction").collect();
    if corrections.is_empty() {
        out.push_str("<p>No record has been corrected.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for r in corrections {
            let target = r.value["corrects"]["index"].as_u64().map(|n| format!("<a href=\"record/{n}.html\">#{n}</a>"));
            let _ = writeln!(
                out,
                "<li><a href=\"{}\">#{}</a> corrects {}: {}</li>",
                r.page(),
                r.index,
                target.unwrap_or_else(|| "—".into()),
                esc(r.value["reason"].as_str().unwrap_or(""))
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        "<h2 id=\"policies\">Use policies</h2>\n<p><a href=\"policies.html\">Every version and every proposed change</a>, \
         with its effect and objections.</p>\n<ul>\n",
    );
    for (n, &i) in m.policies.iter().enumerate() {
        let v = &m.records[&i].value;
        let _ = writeln!(
            out,
            "<li><a href=\"policy/{i}.html\">Version {}</a>, activated {} (log entry #{i}): {}</li>",
            n + 1,
            esc(v["activated_at"].as_str().unwrap_or("")),
            esc(&super::proposals::activation_words(v))
        );
    }
    for s in m.proposals.values().rev().filter(|s| s.status == crate::notices::Status::Open) {
        let _ = writeln!(
            out,
            "<li><a href=\"proposal/{i}.html\">Proposed change #{i}</a>, to take effect on {}: open, {} objection(s)</li>",
            esc(&s.effective),
            s.objections.len(),
            i = s.index
        );
    }
    out.push_str("</ul>\n");
    out
}

fn charts(
    m: &Model,
    by_cap: &BTreeMap<&str, Vec<&super::model::UsageRow>>,
    cap_name: &dyn Fn(&str) -> String,
) -> Files {
    let notice = m.demonstration.then_some(super::html::DEMO_NOTICE);
    let mut caps: Vec<(String, u64)> = Vec::new();
    for (cap, rows) in by_cap {
        let mut per_period: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for u in rows {
            per_period.entry(&u.period).or_default().insert(&u.organisation);
        }
        for (p, orgs) in per_period {
            caps.push((format!("{} ({p})", cap_name(cap)), orgs.len() as u64));
        }
    }
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for o in m.organisations.values().filter(|o| o.is_current()) {
        let k = o.record["organisation"]["kind"].as_str().unwrap_or("other").replace('_', " ");
        *kinds.entry(k).or_default() += 1;
    }
    vec![
        (
            "charts/capabilities.svg".into(),
            bar_chart("Organisations using each capability, by period", &caps, "orgs", notice).into_bytes(),
        ),
        (
            "charts/kinds.svg".into(),
            bar_chart("Disclosed organisations by kind", &kinds.into_iter().collect::<Vec<_>>(), "orgs", notice)
                .into_bytes(),
        ),
    ]
}
