//! The HTML pages: overview, one per organisation, capability, policy and record.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use records::Body;
use tlog::Checkpoint;

use super::html::{esc, name, table};
use super::model::{Model, OrgView, RecordView};
use super::section::{NAMES_BUT_CORRECTS_NOTHING, section, section_with_proof};
use super::svg::bar_chart;
use crate::Error;

type Files = Vec<(String, Vec<u8>)>;

/// Names of capabilities from the built-in taxonomy: the full name ("Face identification (1:N
/// search …)"); the id where unknown. Read once per process: the outside check renders every
/// section on its own, and parsing the taxonomy each time was most of its work.
pub(crate) fn capability_names() -> &'static BTreeMap<String, String> {
    static NAMES: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        usage::taxonomy::Taxonomy::builtin()
            .map(|t| t.capabilities().iter().map(|c| (c.id.clone(), c.name.clone())).collect())
            .unwrap_or_default()
    })
}

/// The name without its parenthesised explanation, for tables and charts.
pub(crate) fn short(name: &str) -> String {
    name.split(" (").next().unwrap_or(name).to_string()
}

/// Record pages planned at once (their proofs in older trees held until rendered).
const RECORD_PAGES_AT_ONCE: usize = 2048;

/// How a record's page is made.
enum RecordPage<'a> {
    /// Left as an earlier writing left it: nothing it shows changed since.
    Left(&'a RecordView),
    /// With the newest checkpoint.
    Newest(&'a RecordView),
    /// With the first kept checkpoint that covers what it shows, and the record's proof in it.
    Older(&'a RecordView, &'a super::history::Kept, Vec<tlog::Hash>),
}

/// Every page.
pub(crate) fn render(
    m: &Model,
    cp: &Checkpoint,
    signed: &super::signed::Signed,
    record_pages: &super::RecordPages<'_>,
    sink: &mut super::Sink<'_>,
) -> Result<(), Error> {
    let names = capability_names();
    let full_name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let cap_name = |id: &str| short(&full_name(id));
    let frame = |root: &'static str| signed.frame(root, &cp.origin, m.demonstration);

    // One page per record, carrying the first kept checkpoint that covers what it shows; the
    // proofs in older trees found in order (their reader caches tiles), the pages rendered on
    // every core, a batch at a time.
    let mut older: Option<tlog::TileReader<'_>> = None;
    let records: Vec<&RecordView> = m.records.values().collect();
    // Each page written (or compared) by the worker that renders it, recorded in order.
    let putter = sink.putter();
    let record_page = |plan: &RecordPage<'_>| -> super::sink::Made {
        let (r, with) = match plan {
            RecordPage::Left(r) => return putter.kept(r.page(), super::Left::Page),
            RecordPage::Newest(r) => (r, None),
            RecordPage::Older(r, kept, proof) => (r, Some((kept, proof))),
        };
        let title = format!("Record #{} ({})", r.index, r.kind().replace('_', " "));
        let html = match with {
            None => {
                let body = format!("<h1>{}</h1>\n{}", esc(&title), section(m, r, "../", &cap_name));
                frame("../").page(&title, &body)
            }
            Some((kept, proof)) => {
                let body = format!("<h1>{}</h1>\n{}", esc(&title), section_with_proof(m, r, "../", &cap_name, proof));
                kept.signed.frame("../", &cp.origin, m.demonstration).page(&title, body.as_str())
            }
        };
        putter.made(r.page(), html.as_bytes())
    };
    for batch in records.chunks(RECORD_PAGES_AT_ONCE) {
        let mut plans = Vec::with_capacity(batch.len());
        // A proof that cannot be made fails the writing after the pages before it are made, as
        // when each page was made in turn (none renamed into place: see `Sink::commit_but`).
        let mut failed = None;
        for &r in batch {
            plans.push(match record_pages.history.covering(super::history::newest_shown(r)) {
                None => RecordPage::Newest(r),
                Some(kept) if kept.size <= record_pages.unchanged_through => RecordPage::Left(r),
                Some(kept) => {
                    // From the newest tree's tiles: the smaller tree's complete subtrees are among them.
                    let reader = older.get_or_insert_with(|| tlog::TileReader::new(record_pages.tiles, cp.size));
                    match tlog::merkle::inclusion_proof(reader, r.index, kept.size) {
                        Ok(proof) => RecordPage::Older(r, kept, proof),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
            });
        }
        super::parallel::map_in_order(&plans, &record_page, &mut |made| sink.record_made(made))?;
        if let Some(e) = failed {
            return Err(e.into());
        }
    }
    let timeline = super::timeline::Timeline::build(m);
    // One page per organisation, rendered on every core (a page each for thousands of
    // organisations, each changed by a period that discloses them), written in order.
    let orgs: Vec<&OrgView> = m.organisations.values().collect();
    let org_page = |o: &&OrgView| {
        let body = organisation_body(m, o, &timeline, &cap_name);
        putter.made(format!("org/{}.html", o.slug), frame("../").page(&o.name, &body).as_bytes())
    };
    super::parallel::map_in_order(&orgs, &org_page, &mut |made| sink.record_made(made))?;
    // One page per capability in use.
    let mut by_cap: BTreeMap<&str, Vec<&super::model::UsageRow>> = BTreeMap::new();
    // Every capability any record named gets a page, so links from corrected records hold.
    for r in m.records.values() {
        for c in r.capabilities() {
            by_cap.entry(c).or_default();
        }
    }
    for u in &m.usage {
        by_cap.entry(&u.what.capability).or_default().push(u);
    }
    // Each capability's page, the later pages of its "Over time" table and of its listing:
    // hundreds of pages at a large provider, each made alone, so made on every core (made in
    // turn they were a sixth of a writing) and recorded in this order.
    let caps: Vec<CapabilityPages<'_>> = (by_cap.iter())
        .map(|(cap, rows)| CapabilityPages {
            cap,
            rows,
            title: full_name(cap),
            slug: super::html::slug(cap),
            users: timeline.capability_users(m, cap),
        })
        .collect();
    let jobs: Vec<(&CapabilityPages<'_>, CapabilityPage)> = (caps.iter())
        .flat_map(|c| {
            let over_time = (1..c.over_time_pages()).map(CapabilityPage::OverTime);
            let listing = (1..c.listing_pages()).map(CapabilityPage::Listing);
            std::iter::once(CapabilityPage::First).chain(over_time).chain(listing).map(move |page| (c, page))
        })
        .collect();
    let capability_page = |(c, page): &(&CapabilityPages<'_>, CapabilityPage)| -> super::sink::Made {
        let (t, slug) = (&c.title, &c.slug);
        // Rows with links from a page `root` away from the site's root.
        let cells = |root: &str, part: &[&super::model::UsageRow]| -> Vec<Vec<String>> {
            part.iter()
                .map(|u| {
                    vec![
                        esc(&u.of.period),
                        format!("<a href=\"{root}org/{}.html\">{}</a>", u.of.slug, esc(&u.of.organisation)),
                        esc(&u.of.law_enforcement_role),
                        esc(&u.what.service),
                        esc(&u.what.region_class),
                        volume(u.what.volume_band.as_deref(), u.quantity, &u.what.unit),
                        format!("<a href=\"{root}record/{0}.html\">#{0}</a>", u.of.record_index),
                    ]
                })
                .collect()
        };
        const HEADERS: &[&str] = &["Period", "Organisation", "Role", "Service", "Region class", "Volume", "Record"];
        let (pages, over_time_pages) = (c.listing_pages(), c.over_time_pages());
        match *page {
            CapabilityPage::First => {
                let listing = if c.rows.is_empty() {
                    "<p>No current record lists this capability; the records that did were corrected or withdrawn \
                     (they stay in the log).</p>\n"
                        .to_string()
                } else {
                    let first = &c.rows[..c.rows.len().min(super::listing::PAGE_ROWS)];
                    format!(
                        "{}{}",
                        table(HEADERS, &cells("../", first)),
                        super::listing::pager(pages, 1, &|k| format!("{slug}/{k}.html"))
                    )
                };
                // The "Over time" table, paged like the listing: its first page here, the others
                // under `capability/<id>/over-time/` (every organisation that ever used compute is
                // a row).
                let first = &c.users[..c.users.len().min(super::listing::PAGE_ROWS)];
                let body = format!(
                    "<h1>{}</h1>\n<p>Capability id <code>{}</code>. Organisations that used it, by period. \
                     <a href=\"../feed/capability/{slug}.xml\">Atom feed of its records</a>.</p>\n{}{}{listing}",
                    esc(t),
                    esc(c.cap),
                    timeline.capability_table(&timeline.capability_rows(first, "../")),
                    super::listing::pager(over_time_pages, 1, &|k| format!("{slug}/over-time/{k}.html")),
                );
                putter.made(format!("capability/{slug}.html"), frame("../").page(t, &body).as_bytes())
            }
            CapabilityPage::OverTime(k) => {
                let part = page_of(&c.users, k);
                let title = format!("{t} over time, page {} of {over_time_pages}", k + 1);
                let body = format!(
                    "<h1>{}</h1>\n{}{}",
                    esc(&title),
                    timeline.capability_table(&timeline.capability_rows(part, "../../../")),
                    super::listing::pager(over_time_pages, k + 1, &|n| if n == 1 {
                        format!("../../{slug}.html")
                    } else {
                        format!("{n}.html")
                    })
                );
                let html = frame("../../../").page(&title, &body);
                putter.made(format!("capability/{slug}/over-time/{}.html", k + 1), html.as_bytes())
            }
            CapabilityPage::Listing(k) => {
                // Later pages of a long listing (page 1 is the capability's page itself).
                let title = format!("{t}, page {} of {pages}", k + 1);
                let body = format!(
                    "<h1>{}</h1>\n{}{}",
                    esc(&title),
                    table(HEADERS, &cells("../../", page_of(&c.rows, k))),
                    super::listing::pager(pages, k + 1, &|n| if n == 1 {
                        format!("../{slug}.html")
                    } else {
                        format!("{n}.html")
                    })
                );
                putter.made(format!("capability/{slug}/{}.html", k + 1), frame("../../").page(&title, &body).as_bytes())
            }
        }
    };
    // Each page written (or compared) by the worker that makes it, as the pages above.
    super::parallel::map_in_order(&jobs, &capability_page, &mut |made| sink.record_made(made))?;
    drop(jobs);
    drop(caps);
    let mut put = |path: String, html: String| sink.put(&path, html.as_bytes());

    // What changed lately, for the overview; the timeline (tens of megabytes at thousands of
    // organisations over years) is dropped before the listings and the search index are made.
    let changes = timeline.overview_changes(m);
    drop(timeline);

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
    put(
        "reconciliation.html".into(),
        frame("").page("Reconciliation", &super::reconciliation::page(m, &record_section)),
    )?;
    put("gates.html".into(), frame("").page("Enforcement at the gates", &super::gate::page(m, &record_section)))?;

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
    drop(rows);
    put("search.html".into(), frame("").page("Search", &super::listing::search_page()))?;
    let index = serde_json::to_string(&super::listing::search_index(m, &cap_name)).unwrap_or_default();
    put("data/search.json".into(), index)?;
    // The latest changes come first, after the overview's introduction.
    let mut front = overview(m, cp, &signed.vkey, &by_cap, &cap_name);
    let at = front.find("<h2").or_else(|| front.find("<section")).unwrap_or(front.len());
    front.insert_str(at, &changes);
    put("index.html".into(), frame("").page("Overview", &front))?;
    for (path, svg) in charts(m, &by_cap, &cap_name) {
        sink.put(&path, &svg)?;
    }
    Ok(())
}

/// A capability's pages: its own, and the later pages of its "Over time" table and listing.
struct CapabilityPages<'a> {
    cap: &'a str,
    /// Its usage rows, in the model's order: the listing.
    rows: &'a [&'a super::model::UsageRow],
    title: String,
    slug: String,
    /// The organisations that used it: the "Over time" table.
    users: Vec<super::timeline::OverTimeRow<'a>>,
}

impl CapabilityPages<'_> {
    fn listing_pages(&self) -> usize {
        self.rows.len().div_ceil(super::listing::PAGE_ROWS)
    }

    fn over_time_pages(&self) -> usize {
        self.users.len().div_ceil(super::listing::PAGE_ROWS)
    }
}

/// One of a capability's pages.
#[derive(Clone, Copy)]
enum CapabilityPage {
    /// The capability's own page: the first page of each table.
    First,
    /// Page `k + 1` of its "Over time" table.
    OverTime(usize),
    /// Page `k + 1` of its listing.
    Listing(usize),
}

/// Page `k + 1` of `rows`, [`super::listing::PAGE_ROWS`] to a page.
fn page_of<T>(rows: &[T], k: usize) -> &[T] {
    let start = k.saturating_mul(super::listing::PAGE_ROWS).min(rows.len());
    &rows[start..rows.len().min(start.saturating_add(super::listing::PAGE_ROWS))]
}

fn volume(band: Option<&str>, quantity: Option<f64>, unit: &str) -> String {
    match (band, quantity) {
        (Some(b), _) => format!("{} {}", esc(b), esc(unit)),
        (None, Some(q)) => format!("{q} {}", esc(unit)),
        _ => "—".into(),
    }
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
        let orgs: BTreeSet<&str> = rows.iter().map(|u| &*u.of.organisation).collect();
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
    let corrections: Vec<(&RecordView, &records::Correction)> = (m.records.values().rev())
        .filter_map(|r| match r.kept_body()? {
            Body::Correction(c) => Some((r, c)),
            _ => None,
        })
        .collect();
    if corrections.is_empty() {
        out.push_str("<p>No record has been corrected.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for (r, c) in corrections {
            let n = c.corrects.index;
            let corrects = if m.correction_counts(r.index, c) { "corrects" } else { NAMES_BUT_CORRECTS_NOTHING };
            let target = if m.records.contains_key(&n) {
                format!("<a href=\"record/{n}.html\">#{n}</a>")
            } else {
                format!("#{n} (no record of this report)")
            };
            let _ = writeln!(
                out,
                "<li><a href=\"{}\">#{}</a> {corrects} {target}: {}</li>",
                r.page(),
                r.index,
                esc(&c.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        "<h2 id=\"policies\">Use policies</h2>\n<p><a href=\"policies.html\">Every version and every proposed change</a>, \
         with its effect and objections.</p>\n<ul>\n",
    );
    for (n, i, v) in m.policies.iter().enumerate().filter_map(|(n, &i)| Some((n, i, m.policy_version(i)?))) {
        let _ = writeln!(
            out,
            "<li><a href=\"policy/{i}.html\">Version {}</a>, activated {} (log entry #{i}): {}</li>",
            n + 1,
            esc(&v.activated_at),
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
            per_period.entry(&u.of.period).or_default().insert(&u.of.organisation);
        }
        for (p, orgs) in per_period {
            caps.push((format!("{} ({p})", cap_name(cap)), orgs.len() as u64));
        }
    }
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for o in m.organisations.values().filter(|o| o.is_current()) {
        let k = o.organisation().map_or("other", |org| org.kind.as_str()).replace('_', " ");
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

/// What an organisation's page shows: its timeline, usage by period, requests at the gates,
/// registered uses, findings and classification.
fn organisation_body(
    m: &Model,
    o: &OrgView,
    timeline: &super::timeline::Timeline,
    cap_name: &dyn Fn(&str) -> String,
) -> String {
    let mut body = format!(
        "<h1>{}</h1>\n<p><a href=\"../feed/org/{}.xml\">Atom feed of this organisation's records</a></p>\n",
        name(&o.name),
        o.slug
    );
    body.push_str(&timeline.org_section(&o.name, cap_name));
    body.push_str("<h2>Usage by period</h2>\n");
    body.push_str(&usage_by_period(m, o, cap_name));
    // Its requests at the gates, beside its usage: each period's gate record, its lines only.
    let mut gated = String::new();
    for &i in m.gate_decisions.values().rev().flat_map(|parts| parts.values()) {
        let r = &m.records[&i];
        let proof = m.proof(i).unwrap_or_default();
        if let Some(part) = super::render_organisation_part(m, r, "../", &o.name, &proof) {
            gated.push_str(&part);
        }
    }
    if !gated.is_empty() {
        body.push_str("<h2>Requests at the gates (refused and allowed)</h2>\n");
        body.push_str(&gated);
    }
    if !o.use_records.is_empty() {
        body.push_str("<h2>Registered uses (exceptions) and what was declared</h2>\n");
        for &i in o.use_records.iter().rev() {
            body.push_str(&section(m, &m.records[&i], "../", cap_name));
        }
    }
    if !o.enforcement_records.is_empty() {
        body.push_str("<h2>Use-policy findings and actions taken</h2>\n");
        for &i in o.enforcement_records.iter().rev() {
            body.push_str(&section(m, &m.records[&i], "../", cap_name));
        }
    }
    body.push_str("<h2>Classification</h2>\n");
    for &i in o.classification_records.iter().rev() {
        body.push_str(&section(m, &m.records[&i], "../", cap_name));
    }
    body
}

/// An organisation's usage records on its page: those of its latest period in full (each with
/// its entry and proof), every earlier one as a row linking to its own page, which shows it in
/// full. The page stays one period's size however many quarters are published, and the
/// records of earlier periods, which do not change, are rendered on their own pages, which a
/// later writing leaves as they are (see `history`).
fn usage_by_period(m: &Model, o: &super::model::OrgView, cap_name: &dyn Fn(&str) -> String) -> String {
    let period_of = |i: &u64| m.records[i].period().unwrap_or_default();
    let latest = o.usage_records.iter().map(period_of).max().unwrap_or_default();
    let mut out = String::new();
    let mut earlier = Vec::new();
    for i in o.usage_records.iter().rev() {
        let r = &m.records[i];
        if period_of(i) == latest {
            out.push_str(&section(m, r, "../", cap_name));
            continue;
        }
        let standing = match r.corrected_by {
            Some(c) => format!("corrected by <a href=\"../record/{c}.html\">#{c}</a>"),
            None => "current".to_string(),
        };
        earlier.push((
            period_of(i),
            vec![esc(period_of(i)), format!("<a href=\"../{}\">record #{i}</a>", r.page()), standing],
        ));
    }
    if !earlier.is_empty() {
        // Latest period first, as the sections above; a period's records newest first.
        earlier.sort_by(|a, b| b.0.cmp(a.0));
        let rows: Vec<Vec<String>> = earlier.into_iter().map(|(_, row)| row).collect();
        out.push_str("<h3>Earlier periods</h3>\n<p>Each earlier period's usage record is shown in full, with its proof, on its own page.</p>\n");
        out.push_str(&super::html::table(&["Period", "Record", "Standing"], &rows));
    }
    out
}
