//! What a screening saw when it proposed a link, kept with the proposal, so that a pair a
//! reviewer rejected is proposed again only when something new is known of it: a new name or
//! identifier of the account, a new identifier or name of the organisation, a new public record
//! of it.
//!
//! The evidence is a small JSON object stored with the proposal event (`link_events.evidence`):
//! the account as the screening read it (every field), and for each organisation the proposal
//! may link to (every candidate of an ambiguous one) its identifiers, its names (the aliases the
//! matcher reads) and how many public records (relationships with evidence) name it. Records
//! are only ever added (a fact read twice is one row, and none is deleted), so a larger count
//! is a new record, without the proposal storing every record of a large agency; counted, not
//! hashed, so that a later change in how a fact's key is written brings nothing back. Fields
//! are written in one fixed order from the same data, so the same evidence is the same text on
//! both stores. A proposal made again also says why (`again`), for the review queue.
//!
//! Only what is new counts: a value that went away (an identifier the account no longer gives)
//! is no reason to ask a reviewer again.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Account, LinkEvent};
use crate::store::Store;

/// How the reason of a proposal made again after a rejection begins (`… in event 42: what
/// changed; the matcher's reasons`).
pub const PROPOSED_AGAIN: &str = "proposed again after the rejection";

/// The format of [`Evidence`] (written as `v`, so a later candor can read older evidence).
const VERSION: u32 = 1;

/// What the screening saw of an account and the organisations it proposed linking it to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Format version.
    pub v: u32,
    /// The account.
    pub account: AccountEvidence,
    /// Each organisation the proposal may link to, in the proposal's order.
    pub orgs: Vec<OrgEvidence>,
    /// For a proposal made again after a rejection: which rejection, and what was new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub again: Option<Again>,
}

/// The account as the screening read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEvidence {
    /// Legal name.
    pub name: String,
    /// UEI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uei: Option<String>,
    /// Web domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

/// One organisation as the screening saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgEvidence {
    /// The organisation.
    pub id: i64,
    /// Its identifiers (`uei:…`, `ori:…`), sorted.
    pub identifiers: Vec<String>,
    /// Its names (aliases), sorted.
    pub names: Vec<String>,
    /// How many public records (relationships) name it.
    pub records: u64,
}

/// Why a pair was proposed again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Again {
    /// The rejections it follows (events), ascending.
    pub rejections: Vec<i64>,
    /// What is new since the rejected proposal, one phrase each.
    pub changes: Vec<String>,
}

impl Again {
    /// "after the rejection in event 42: a new identifier uei:… of the account; …".
    pub fn why(&self) -> String {
        let events: Vec<String> = self.rejections.iter().map(i64::to_string).collect();
        let which = match events.as_slice() {
            [one] => format!("the rejection in event {one}"),
            [head @ .., last] => format!("the rejections in events {} and {last}", head.join(", ")),
            [] => "a rejection".to_string(),
        };
        format!("after {which}: {}", self.changes.join("; "))
    }
}

impl Evidence {
    /// The evidence of a proposal of `account` to `orgs`, from what `facts` read.
    pub(crate) fn of(account: &Account, orgs: &[i64], facts: &OrgFacts) -> Evidence {
        Evidence {
            v: VERSION,
            account: AccountEvidence {
                name: account.legal_name.clone(),
                uei: account.uei.clone(),
                domain: account.domain.clone(),
                country: account.country.clone(),
                state: account.state.clone(),
                city: account.city.clone(),
            },
            orgs: orgs.iter().map(|&o| facts.of(o)).collect(),
            again: None,
        }
    }

    /// The stored form.
    pub(crate) fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Invalid(format!("evidence: {e}")))
    }

    /// The stored form read back; `None` for text this candor cannot read (then nothing is
    /// known of what the screening saw).
    pub fn parse(text: &str) -> Option<Evidence> {
        serde_json::from_str(text).ok()
    }

    /// What is new in `self` (now) of the account and of organisation `org` since `olds` (the
    /// evidence of every proposal of the pair a reviewer was shown, the rejected one last), as
    /// phrases added to `out` (each once). `label` names the organisation (`#12 Name`). A value
    /// is new only when no earlier proposal held it, compared as the screening reads it (case,
    /// width, spacing and punctuation aside), so a customer who writes a rejected name again,
    /// or in capitals, is not asked about again. Nothing of the organisation is added when no
    /// earlier proposal saw `org`.
    pub(crate) fn news(&self, olds: &[&Evidence], org: i64, label: &str, facts: &OrgFacts, out: &mut Vec<String>) {
        let Some(latest) = olds.last() else { return };
        let mut add = |s: String| {
            if !out.contains(&s) {
                out.push(s);
            }
        };
        let a = &self.account;
        type Field = fn(&AccountEvidence) -> Option<&str>;
        let seen = |now: &str, field: Field, key: fn(&str) -> String| {
            let k = key(now);
            olds.iter().any(|o| field(&o.account).is_some_and(|v| key(v) == k))
        };
        if !seen(&a.name, |e| Some(e.name.as_str()), same_key) {
            let (now, was) = (shown(&a.name), shown(&latest.account.name));
            add(format!("a new name {now:?} of the account (was {was:?})"));
        }
        // Identifiers and domains differ by any letter or digit ("ex-ample.com" is not
        // "example.com"): only case and surrounding spaces aside.
        let exact: fn(&str) -> String = |v| v.trim().to_lowercase();
        let fields: [(&str, &Option<String>, Field, fn(&str) -> String); 5] = [
            ("identifier uei:", &a.uei, |e| e.uei.as_deref(), exact),
            ("domain ", &a.domain, |e| e.domain.as_deref(), exact),
            ("country ", &a.country, |e| e.country.as_deref(), same_key),
            ("state ", &a.state, |e| e.state.as_deref(), same_key),
            ("city ", &a.city, |e| e.city.as_deref(), same_key),
        ];
        for (what, now, field, key) in fields {
            if let Some(v) = now
                && !seen(v, field, key)
            {
                let was = field(&latest.account).map(|b| format!(" (was {})", shown(b))).unwrap_or_default();
                add(format!("a new {what}{} of the account{was}", shown(v)));
            }
        }
        let Some(now) = self.orgs.iter().find(|o| o.id == org) else { return };
        let before: Vec<&OrgEvidence> = olds.iter().filter_map(|o| o.orgs.iter().find(|o| o.id == org)).collect();
        if before.is_empty() {
            return;
        }
        for id in now.identifiers.iter().filter(|i| !before.iter().any(|b| b.identifiers.contains(i))) {
            add(format!("a new identifier {id} of {label}"));
        }
        for name in now.names.iter().filter(|n| !before.iter().any(|b| b.names.contains(n))) {
            add(format!("a new name {name:?} of {label}"));
        }
        let most = before.iter().map(|b| b.records).max().unwrap_or(0);
        if now.records > most {
            let newest = facts.newest.get(&org).map(|n| format!(" (the newest: {n})")).unwrap_or_default();
            add(match now.records - most {
                1 => format!("a new public record of {label}{newest}"),
                n => format!("{n} new public records of {label}{newest}"),
            });
        }
    }
}

/// Most characters of an account's name a reason quotes: the name is the customer's (up to a
/// record's mebibyte), and the reason is stored with the proposal and shown in every listing.
const SHOWN_MAX: usize = 200;

/// `name` (or another of the account's values) as a reason quotes it: whole, or its first [`SHOWN_MAX`] characters and "…".
fn shown(name: &str) -> String {
    match name.char_indices().nth(SHOWN_MAX) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_string(),
    }
}

/// An account's value as the screening reads it, for "is this new?": compatibility forms,
/// case, and everything but letters and digits aside (`ACME  L.L.C.` is `Acme LLC`).
fn same_key(v: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    v.nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect()
}

/// The organisations' side of the evidence, read once per screening for the organisations
/// whose proposals are stored or compared (not for every organisation in the registry).
#[derive(Debug, Default)]
pub(crate) struct OrgFacts {
    orgs: HashMap<i64, OrgEvidence>,
    /// Per organisation, its newest public record as a reviewer would look it up.
    newest: HashMap<i64, String>,
}

impl OrgFacts {
    /// Reads the identifiers, names and public records of `orgs`.
    pub(crate) fn read(store: &dyn Store, orgs: &HashSet<i64>) -> Result<OrgFacts> {
        if orgs.is_empty() {
            return Ok(OrgFacts::default());
        }
        type Sides = (BTreeSet<String>, BTreeSet<String>, u64);
        let mut sides: HashMap<i64, Sides> = orgs.iter().map(|&o| (o, Sides::default())).collect();
        for (org, scheme, value) in store.identifiers()? {
            if let Some(s) = sides.get_mut(&org) {
                s.0.insert(format!("{}:{value}", scheme.as_str()));
            }
        }
        for (org, alias) in store.aliases()? {
            if let Some(s) = sides.get_mut(&org) {
                s.1.insert(alias);
            }
        }
        let mut newest: HashMap<i64, (i64, String)> = HashMap::new();
        for (id, r) in store.relationships()? {
            // A record names an organisation as its recipient, its awarding or funding agency,
            // its prime contractor or parent: any of them is a public record of it.
            let named = [Some(r.from), Some(r.to), r.agency, r.funding_agency];
            for (i, org) in named.iter().enumerate() {
                let Some(org) = *org else { continue };
                if named[..i].contains(&Some(org)) {
                    continue;
                }
                let Some(s) = sides.get_mut(&org) else { continue };
                s.2 += 1;
                if newest.get(&org).is_none_or(|(at, _)| *at < id) {
                    let what = r.award_id.as_deref().map(|a| format!(" {a}")).unwrap_or_default();
                    let line = format!("{}{what}, {} line {}", r.kind.as_str(), r.source.file, r.source.line);
                    newest.insert(org, (id, line));
                }
            }
        }
        let orgs = sides
            .into_iter()
            .map(|(id, (identifiers, names, records))| {
                let evidence = OrgEvidence {
                    id,
                    identifiers: identifiers.into_iter().collect(),
                    names: names.into_iter().collect(),
                    records,
                };
                (id, evidence)
            })
            .collect();
        Ok(OrgFacts { orgs, newest: newest.into_iter().map(|(org, (_, line))| (org, line)).collect() })
    }

    /// One organisation's evidence (empty when it was not read: an organisation the registry
    /// no longer has).
    fn of(&self, org: i64) -> OrgEvidence {
        self.orgs.get(&org).cloned().unwrap_or_else(|| OrgEvidence {
            id: org,
            identifiers: Vec::new(),
            names: Vec::new(),
            records: 0,
        })
    }
}

/// Why each of `proposals` was proposed again after a rejection (what changed, and which
/// rejection it follows), by event id; proposals made for the first time are not in it.
pub fn why_proposed_again<'a>(
    store: &dyn Store,
    proposals: impl IntoIterator<Item = &'a LinkEvent>,
) -> Result<HashMap<i64, String>> {
    let ids: Vec<i64> = proposals.into_iter().filter(|p| p.reason.starts_with(PROPOSED_AGAIN)).map(|p| p.id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(store
        .link_evidence(&ids)?
        .into_iter()
        .filter_map(|(id, text)| Some((id, Evidence::parse(&text)?.again?.why())))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(name: &str, uei: Option<&str>, org: OrgEvidence) -> Evidence {
        Evidence {
            v: VERSION,
            account: AccountEvidence {
                name: name.into(),
                uei: uei.map(str::to_string),
                domain: None,
                country: None,
                state: Some("MN".into()),
                city: None,
            },
            orgs: vec![org],
            again: None,
        }
    }

    fn org(ids: &[&str], names: &[&str], records: u64) -> OrgEvidence {
        OrgEvidence {
            id: 7,
            identifiers: ids.iter().map(|s| s.to_string()).collect(),
            names: names.iter().map(|s| s.to_string()).collect(),
            records,
        }
    }

    fn news(old: &Evidence, now: &Evidence) -> Vec<String> {
        let mut out = Vec::new();
        now.news(&[old], 7, "#7 Example", &OrgFacts::default(), &mut out);
        out
    }

    #[test]
    fn only_what_is_new_is_news() {
        let base = evidence("Example LLC", None, org(&["uei:A"], &["Example LLC"], 1));
        assert!(news(&base, &base).is_empty(), "the same evidence is no news");
        let more = evidence("Example LLC", Some("TESTUEI00002"), org(&["uei:A", "duns:1"], &["Example LLC", "Ex"], 3));
        assert_eq!(
            news(&base, &more),
            [
                "a new identifier uei:TESTUEI00002 of the account",
                "a new identifier duns:1 of #7 Example",
                "a new name \"Ex\" of #7 Example",
                "2 new public records of #7 Example",
            ]
        );
        // What went away is no reason to ask again.
        assert!(news(&more, &base).is_empty(), "{:?}", news(&more, &base));
        let renamed = evidence("Example Holdings", None, org(&["uei:A"], &["Example LLC"], 1));
        assert_eq!(news(&base, &renamed), ["a new name \"Example Holdings\" of the account (was \"Example LLC\")"]);
    }

    #[test]
    fn a_value_any_earlier_proposal_held_is_no_news_however_written() {
        let a = evidence("Example LLC", Some("TESTUEI00002"), org(&["uei:A"], &["Example LLC"], 3));
        let b = evidence("Example Holdings", Some("TESTUEI00003"), org(&["uei:A"], &["Example LLC"], 1));
        // Back to what the first proposal held, after the second was rejected: nothing new.
        let mut out = Vec::new();
        a.news(&[&a, &b], 7, "#7 Example", &OrgFacts::default(), &mut out);
        assert!(out.is_empty(), "{out:?}");
        // The same name in capitals, other spacing, punctuation or width is the same name.
        for name in ["EXAMPLE LLC", "Example  L.L.C.", "example llc", "Ｅｘａｍｐｌｅ LLC"] {
            let now = evidence(name, Some("TESTUEI00002"), org(&["uei:A"], &["Example LLC"], 1));
            assert!(news(&a, &now).is_empty(), "{name:?}: {:?}", news(&a, &now));
        }
        // A domain that differs by a hyphen is another domain.
        let mut dash = a.clone();
        dash.account.domain = Some("ex-ample.com".into());
        let mut plain = a.clone();
        plain.account.domain = Some("example.com".into());
        assert_eq!(news(&dash, &plain), ["a new domain example.com of the account (was ex-ample.com)"]);
        // A huge name is quoted cut short.
        let long = "Example ".repeat(10_000);
        let now = evidence(&long, None, org(&["uei:A"], &["Example LLC"], 1));
        let said = news(&a, &now);
        assert!(said.len() == 1 && said[0].len() < 600 && said[0].contains('…'), "{}", said[0].len());
    }

    #[test]
    fn the_stored_form_reads_back_and_says_why() {
        let mut e = evidence("Example LLC", Some("TESTUEI00002"), org(&["uei:A"], &["Example LLC"], 1));
        e.again = Some(Again { rejections: vec![4, 9], changes: vec!["a new x".into(), "a new y".into()] });
        let text = e.to_json().expect("json");
        assert_eq!(Evidence::parse(&text), Some(e.clone()));
        assert_eq!(
            e.again.as_ref().map(Again::why).as_deref(),
            Some("after the rejections in events 4 and 9: a new x; a new y")
        );
        assert!(Evidence::parse("{\"v\": 1}").is_none(), "text this candor cannot read is unknown evidence");
    }
}
