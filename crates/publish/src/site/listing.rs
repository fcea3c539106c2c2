//! Listings that stay small at a large provider's scale: the overview shows the first
//! [`PAGE_ROWS`] organisations and links to `organisations/<k>.html`, each a page of them;
//! a capability page shows its first [`PAGE_ROWS`] rows and links to `capability/<id>/<k>.html`;
//! and a client-side search (`search.html`, `assets/search.js`) reads a compact static index,
//! `data/search.json`, to find an organisation, agency, supplier, capability or service without
//! a server.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::html::{esc, name};
use super::model::Model;

/// Rows per listing page.
pub(crate) const PAGE_ROWS: usize = 200;

/// The search page's script, served as `assets/search.js`.
pub(crate) const SEARCH_JS: &str = include_str!("assets/search.js");

/// "Page 1 2 3" links for `pages` pages, the current one not a link; `href(k)` is page k's link.
pub(crate) fn pager(pages: usize, current: usize, href: &dyn Fn(usize) -> String) -> String {
    if pages <= 1 {
        return String::new();
    }
    let mut out = String::from("<nav class=\"pager\" aria-label=\"Pages\"><p>Pages: ");
    for k in 1..=pages {
        if k == current {
            let _ = write!(out, "<strong aria-current=\"page\">{k}</strong> ");
        } else {
            let _ = write!(out, "<a href=\"{}\">{k}</a> ", href(k));
        }
    }
    out.push_str("</p></nav>\n");
    out
}

/// The overview's organisation rows, their links relative to `root`.
pub(crate) fn organisation_rows(m: &Model, root: &str, cap_name: &dyn Fn(&str) -> String) -> Vec<Vec<String>> {
    m.organisations
        .values()
        .filter_map(|o| Some((o, o.organisation()?)))
        .map(|(o, org)| {
            let classes: Vec<&str> = o.region_classes.iter().map(String::as_str).collect();
            let j = &org.jurisdiction;
            let place: Vec<&str> = [&j.state, &j.country].into_iter().filter_map(|p| p.as_deref()).collect();
            vec![
                format!("<a href=\"{root}org/{}.html\">{}</a>", o.slug, name(&o.name)),
                esc(&org.kind).replace('_', " "),
                esc(&org.law_enforcement_role),
                esc(&place.join(", ")),
                o.capabilities
                    .iter()
                    .map(|c| {
                        format!("<a href=\"{root}capability/{}.html\">{}</a>", super::html::slug(c), esc(&cap_name(c)))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                esc(&classes.join(", ")),
                esc(&o.periods.iter().cloned().collect::<Vec<_>>().join(", ")),
            ]
        })
        .collect()
}

/// The organisation table's column headers.
pub(crate) const ORG_HEADERS: &[&str] =
    &["Organisation", "Kind", "Role", "Jurisdiction", "Capabilities", "Region classes", "Periods"];

/// The search index, compact (arrays, no repeated keys): every current organisation as
/// `[name, kind, role, state, page]`, every capability as `[name, "capability", id, "", page]`
/// and every service as `[service, "service", its capabilities, "", the page of the first]`.
pub(crate) fn search_index(m: &Model, cap_name: &dyn Fn(&str) -> String) -> Value {
    let mut rows = Vec::new();
    for (o, org) in m.organisations.values().filter_map(|o| Some((o, o.organisation()?))) {
        rows.push(json!([
            o.name,
            org.kind,
            org.law_enforcement_role,
            org.jurisdiction.state.as_deref().unwrap_or(""),
            format!("org/{}.html", o.slug)
        ]));
    }
    let mut services: std::collections::BTreeMap<&str, BTreeSet<&str>> = std::collections::BTreeMap::new();
    for u in &m.usage {
        services.entry(&*u.what.service).or_default().insert(&*u.what.capability);
    }
    let caps: BTreeSet<&str> = m.usage.iter().map(|u| &*u.what.capability).collect();
    for c in caps {
        rows.push(json!([cap_name(c), "capability", c, "", format!("capability/{}.html", super::html::slug(c))]));
    }
    for (service, caps) in services {
        let first = caps.iter().next().copied().unwrap_or("");
        let caps: Vec<&str> = caps.into_iter().collect();
        rows.push(json!([
            service,
            "service",
            caps.join(" "),
            "",
            format!("capability/{}.html", super::html::slug(first))
        ]));
    }
    json!({"columns": ["name", "kind", "role or ids", "state", "page"], "rows": rows})
}

/// The search page's body.
pub(crate) fn search_page() -> String {
    "<h1>Search</h1>\n<p>Find an organisation (agency or supplier), a capability or a service. The search runs in \
     your browser over <a href=\"data/search.json\">data/search.json</a>; nothing is sent anywhere.</p>\n\
     <form role=\"search\" id=\"search-form\"><label for=\"q\">Search</label> \
     <input id=\"q\" type=\"search\" autocomplete=\"off\" placeholder=\"e.g. sheriff, face_identification, Rekognition\"></form>\n\
     <p id=\"search-status\" aria-live=\"polite\">Type to search (needs JavaScript, and the report served over HTTP).</p>\n\
     <ul id=\"search-results\"></ul>\n<script src=\"assets/search.js\"></script>\n"
        .to_string()
}
