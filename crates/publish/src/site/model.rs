//! The site's view of the log: every candor record with its proof, organisations, periods,
//! policies and usage rows, built from the entries alone.

use std::collections::{BTreeMap, BTreeSet};

use super::rows::{Interned, UsageLines, usage_lines};
pub use super::rows::{RowOf, Shared, UsageRow};
pub use super::stored::Entries;
use super::usage_index::{self, IndexAt};
use crate::entries::Entry;
use records::{Body, OrganisationUsage, Parsed};
use serde::Deserialize;
use serde_json::Value;
use tlog::{Hash, HashLevels, TileReader};

use super::html::slug;
use crate::Error;

/// One candor record as the site shows it.
#[derive(Debug, Clone)]
pub struct RecordView {
    /// Log index.
    pub index: u64,
    /// The entry's bytes, held for the records every writing shows (each organisation's
    /// latest usage record, every record not of usage); any other is read again from the
    /// log when shown ([`Model::entry`]).
    entry: Option<Entry>,
    /// SHA-256 of the entry (hex).
    pub sha256: String,
    /// The record read into its kind's type (or kept whole when it is of no known kind), for
    /// every kind but organisation usage: usage records are most of the log (one per
    /// organisation and period), most are never shown again once their page is written, and
    /// their typed lines took more memory than their entries; they are read again from the
    /// entry when shown (see [`RecordView::record`]).
    kept: Option<Box<Parsed>>,
    /// What listings say of it without reading it again.
    outline: Outline,
    /// The record as JSON, kept for a gate-decisions record (shown in part on every
    /// organisation's page); any other is read again from its entry when shown (see
    /// [`Model::value`]): the model of years of quarters holds every record, and a JSON
    /// tree takes about ten times its entry's bytes.
    kept_value: Option<Box<Value>>,
    /// The largest log index the record names (an object with an `index` and a `sha256`), 0
    /// when it names none.
    pub named_newest: u64,
    /// The record's `type`.
    record_type: Shared,
    /// The correction that corrects it, if any.
    pub corrected_by: Option<u64>,
}

/// What a record's listings (feeds, capability pages, an organisation's earlier periods) say
/// of it, read when the model is built.
#[derive(Debug, Clone, Default)]
struct Outline {
    /// The organisation it is about, else its period.
    subject: Option<Shared>,
    /// Its period, for the kinds that have one.
    period: Option<Shared>,
    /// The capabilities a usage record names, each once, in order.
    capabilities: Box<[Shared]>,
    /// Marked as demonstration data.
    demonstration: bool,
}

impl RecordView {
    /// The record's own page, relative to the site root.
    pub fn page(&self) -> String {
        format!("record/{}.html", self.index)
    }

    /// The record as read when the model was built, for every kind but organisation usage.
    pub fn kept(&self) -> Option<&Parsed> {
        self.kept.as_deref()
    }

    /// What the record says, when it is of a known kind: kept, or (a usage record) read
    /// again from `value`, the entry's JSON as [`Model::value`] gives it (a page shows
    /// both). The entry read as a record of this format when the model was built, so its
    /// content alone is read again, not its canonical form.
    pub fn body_of(&self, value: &Value) -> Option<std::borrow::Cow<'_, Body>> {
        match &self.kept {
            Some(p) => p.body().map(std::borrow::Cow::Borrowed),
            None => Body::deserialize(value).ok().map(std::borrow::Cow::Owned),
        }
    }

    /// What the record says, when it is of a known kind other than organisation usage (whose
    /// records are read when shown: [`RecordView::record`]).
    pub fn kept_body(&self) -> Option<&Body> {
        self.kept.as_deref()?.body()
    }

    /// The record's `type`.
    pub fn record_type(&self) -> &str {
        &self.record_type
    }

    /// The record's `type` without the `candor.` prefix.
    pub fn kind(&self) -> &str {
        self.record_type.trim_start_matches("candor.")
    }

    /// Whether it is an organisation-usage record (read again from its entry when shown).
    pub fn is_usage(&self) -> bool {
        self.kept.is_none()
    }

    /// The organisation the record is about, else its period (what a feed's entry names).
    pub fn subject(&self) -> Option<&str> {
        self.outline.subject.as_deref()
    }

    /// Its period, for the kinds that have one.
    pub fn period(&self) -> Option<&str> {
        self.outline.period.as_deref()
    }

    /// The capabilities a usage record names, each once (none for other kinds).
    pub fn capabilities(&self) -> &[Shared] {
        &self.outline.capabilities
    }

    /// Whether the record is marked as demonstration data.
    pub fn is_demonstration(&self) -> bool {
        self.outline.demonstration
    }
}

/// An organisation as the site shows it (from its latest current record).
#[derive(Debug, Clone, Default)]
pub struct OrgView {
    /// Name.
    pub name: String,
    /// Page slug (`org/<slug>.html`).
    pub slug: String,
    /// Its latest current usage record.
    pub record: Option<OrganisationUsage>,
    /// Usage records, oldest first (corrected ones too).
    pub usage_records: Vec<u64>,
    /// Classification records, oldest first.
    pub classification_records: Vec<u64>,
    /// Enforcement records (the audit's findings, the actions taken), oldest first.
    pub enforcement_records: Vec<u64>,
    /// Registered-use records (exceptions with their declared facts), oldest first.
    pub use_records: Vec<u64>,
    /// Periods with a current usage record.
    pub periods: BTreeSet<String>,
    /// Capabilities in its current records.
    pub capabilities: BTreeSet<String>,
    /// Region classes in its current records.
    pub region_classes: BTreeSet<String>,
}

impl OrgView {
    /// Whether it has a current (uncorrected) usage record; organisations whose records were
    /// all withdrawn keep their page but leave the listings.
    pub fn is_current(&self) -> bool {
        self.record.is_some()
    }

    /// The organisation as its latest current usage record describes it.
    pub fn organisation(&self) -> Option<&records::Organisation> {
        self.record.as_ref().map(|r| &r.organisation)
    }
}

/// Everything the pages and downloads are made from.
#[derive(Debug, Default)]
pub struct Model {
    /// Every candor record by index.
    pub records: BTreeMap<u64, RecordView>,
    /// Organisations by name.
    pub organisations: BTreeMap<String, OrgView>,
    /// Each period's current summary record.
    pub periods: BTreeMap<String, u64>,
    /// Policy version records, oldest first.
    pub policies: Vec<u64>,
    /// Each period's latest reconciliation record.
    pub reconciliations: BTreeMap<String, u64>,
    /// Each period's current gate-decisions records (its parts, by part).
    pub gate_decisions: BTreeMap<String, BTreeMap<u64, u64>>,
    /// Policy proposals, with their objections, withdrawal and activation, by index.
    pub proposals: BTreeMap<u64, crate::notices::ProposalState>,
    /// Usage rows of current records, by period, organisation, capability.
    pub usage: Vec<UsageRow>,
    /// Whether any record is demonstration data.
    pub demonstration: bool,
    /// The tree of the log at the size the site is built for: proofs are made for the records
    /// shown (a proof kept for each of years of records took ten times this, most never shown).
    pub tree: HashLevels,
    /// The log's entries, for the records whose entry the model does not hold.
    entries: Entries,
}

impl Model {
    /// The entry of record `r`: held, or read again from the log (checked against the tree's
    /// leaf; one that cannot be read is empty, and [`Model::read_error`] says why).
    pub fn entry(&self, r: &RecordView) -> Entry {
        match &r.entry {
            Some(e) => e.clone(),
            None => self.entries.get(r.index, &self.tree),
        }
    }

    /// The record as JSON, members in the entry's order: what pages show, each value marked
    /// with its JSON pointer for the page's check, and what downloads hold.
    pub fn value<'a>(&self, r: &'a RecordView) -> std::borrow::Cow<'a, Value> {
        match &r.kept_value {
            Some(v) => std::borrow::Cow::Borrowed(&**v),
            // The entry parsed when the model was built: it parses again the same.
            None => std::borrow::Cow::Owned(serde_json::from_slice(&self.entry(r)).unwrap_or(Value::Null)),
        }
    }

    /// Whether every entry read again while pages were made was the log's: a site made with
    /// one that was not is wrong, and its writing fails.
    pub fn read_error(&self) -> Result<(), Error> {
        self.entries.read_error()
    }

    /// The policy version recorded at `index`, if that record is one.
    pub fn policy_version(&self, index: u64) -> Option<&records::PolicyVersion> {
        match self.records.get(&index)?.kept_body()? {
            Body::PolicyVersion(v) => Some(v),
            _ => None,
        }
    }

    /// The policy proposal recorded at `index`, if that record is one.
    pub fn policy_proposal(&self, index: u64) -> Option<&records::PolicyProposal> {
        match self.records.get(&index)?.kept_body()? {
            Body::PolicyProposal(p) => Some(p),
            _ => None,
        }
    }

    /// The inclusion proof of the entry at `index` in the tree the site is built for.
    pub fn proof(&self, index: u64) -> Result<Vec<Hash>, Error> {
        Ok(self.tree.inclusion_proof(index)?)
    }

    /// Whether the correction at `index` counts (see `records::corrected`): it comes after the
    /// record it names, and names it by its entry's hash.
    pub fn correction_counts(&self, index: u64, c: &records::Correction) -> bool {
        c.corrects.index < index && self.records.get(&c.corrects.index).is_some_and(|t| t.sha256 == c.corrects.sha256)
    }

    /// Builds the model from the log's entries; the tree's levels (from which shown records'
    /// proofs are made) come from `reader`.
    pub fn build(
        entries: Entries,
        reader: &mut TileReader<'_>,
        first_seen: &mut BTreeMap<u64, String>,
        now: &str,
        index: Option<IndexAt<'_>>,
    ) -> Result<Model, Error> {
        let size = entries.len();
        let tree = HashLevels::read(reader, size)?;
        let mut m = Model::default();
        // The leaves the tiles give must make the tree their upper levels make.
        if tree.root()? != tlog::merkle::tree_root(reader, size)? {
            return Err(Error::BadEntry {
                index: 0,
                message: "the log's hash tiles disagree: their leaves do not make their root".into(),
            });
        }
        let mut words = Interned::default();
        // The usage records the usage index holds of this log are not read again (see
        // [`usage_index`]).
        let usage_index::Read { known, all_used } = match index {
            Some(at) if at.read => usage_index::read(at.path, &tree, &mut words),
            _ => usage_index::Read::default(),
        };
        // A usage record's lines, until it is known whether a correction withdrew it.
        let mut lines: BTreeMap<u64, UsageLines> = BTreeMap::new();
        // Each organisation's newest usage record, typed, with its entry (its page shows it).
        let mut newest: Newest = BTreeMap::new();
        // Each entry parsed once, on every core (see [`read_entry`]), its JSON tree dropped as
        // soon as the record is read from it (all trees at once took most of the model's peak
        // memory), and a usage record's typed form and entry dropped once its lines and outline
        // are read.
        let mut take = |read: Result<Option<ReadEntry>, Error>| -> Result<(), Error> {
            let Some(ReadEntry { index, entry: e, record, kept_value, named_newest, sha256 }) = read? else {
                return Ok(());
            };
            let body = record.body();
            let mut outline = Outline {
                subject: body.and_then(|b| b.organisation().or(b.period())).map(|t| words.get(t)),
                period: body.and_then(Body::period).map(|t| words.get(t)),
                capabilities: Box::default(),
                demonstration: record.is_demonstration(),
            };
            let record_type = words.get(record.kind());
            let (kept, entry) = match record {
                Parsed::Known(records::Record { body: Body::OrganisationUsage(u), .. }) => {
                    let read = usage_lines(&u, &mut words);
                    outline.capabilities = capabilities(&read);
                    lines.insert(index, read);
                    newest.insert(u.organisation.name.clone(), (index, u, e));
                    (None, None)
                }
                other => (Some(Box::new(other)), Some(e)),
            };
            m.demonstration |= outline.demonstration;
            first_seen.entry(index).or_insert_with(|| now.to_string());
            let view = RecordView {
                index,
                sha256,
                entry,
                kept,
                outline,
                kept_value,
                named_newest,
                record_type,
                corrected_by: None,
            };
            m.records.insert(index, view);
            Ok(())
        };
        // Entries read from the bundles are checked against the tree's leaves; held ones were
        // checked by whoever holds them (the outside check verifies every entry it reads).
        let leaves = matches!(entries, Entries::Bundles { .. }).then_some(&tree);
        let read = |item: &(u64, Entry)| read_entry(item, leaves);
        let mut batch: Vec<(u64, Entry)> = Vec::with_capacity(READ_AT_ONCE);
        let mut failed = None;
        // A failed entry stops the reading: nothing after it is read.
        entries.for_each_except(&|i| known.contains_key(&i), &mut |index, e| {
            batch.push((index, e.clone()));
            if batch.len() == READ_AT_ONCE {
                failed = super::parallel::map_in_order(&batch, &read, &mut take).err();
                batch.clear();
            }
            if failed.is_some() { std::ops::ControlFlow::Break(()) } else { std::ops::ControlFlow::Continue(()) }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        super::parallel::map_in_order(&batch, &read, &mut take)?;
        drop(batch);
        let (from_index, usage_type) = (known.len(), words.get(records::KINDS[0]));
        for (index, k) in known {
            m.demonstration |= k.demonstration;
            first_seen.entry(index).or_insert_with(|| now.to_string());
            let outline = Outline {
                subject: Some(k.organisation),
                period: Some(k.lines.period.clone()),
                capabilities: capabilities(&k.lines),
                demonstration: k.demonstration,
            };
            let view = RecordView {
                index,
                sha256: k.sha256,
                entry: None,
                kept: None,
                outline,
                kept_value: None,
                named_newest: k.named_newest,
                record_type: usage_type.clone(),
                corrected_by: None,
            };
            m.records.insert(index, view);
            lines.insert(index, k.lines);
        }
        // Written anew when any usage record was read from its entry, or the file held what
        // this writing did not use (a full writing uses none).
        if let Some(at) = index.filter(|_| !all_used || lines.len() > from_index) {
            let usage = m.records.values().filter(|r| r.is_usage()).filter_map(|r| {
                Some(usage_index::Usage {
                    index: r.index,
                    sha256: &r.sha256,
                    organisation: r.subject()?,
                    demonstration: r.is_demonstration(),
                    named_newest: r.named_newest,
                    lines: lines.get(&r.index)?,
                })
            });
            usage_index::write(at.path, &tree, usage)?;
        }
        (m.entries, m.tree) = (entries, tree);
        // Each record with the first correction that counts for it (see `records::corrected`).
        let mut corrected: BTreeMap<u64, u64> = BTreeMap::new();
        for r in m.records.values() {
            if let Some(Body::Correction(c)) = r.kept_body()
                && m.correction_counts(r.index, c)
            {
                corrected.entry(c.corrects.index).or_insert(r.index);
            }
        }
        for (target, by) in corrected {
            if let Some(r) = m.records.get_mut(&target) {
                r.corrected_by = Some(by);
            }
        }
        lines.retain(|i, _| m.records.get(i).is_some_and(|r| r.corrected_by.is_none()));
        let mut slugs: BTreeSet<String> = BTreeSet::new();
        for r in m.records.values() {
            let current = r.corrected_by.is_none();
            if r.kept.is_none() {
                // An organisation-usage record.
                let Some(name) = r.subject() else { continue };
                let o = m.organisations.entry(name.to_string()).or_default();
                o.usage_records.push(r.index);
                if let (true, Some(period)) = (current, r.period()) {
                    o.periods.insert(period.to_string());
                }
                continue;
            }
            match r.kept_body() {
                Some(Body::Classification(c)) => {
                    m.organisations.entry(c.organisation.clone()).or_default().classification_records.push(r.index);
                }
                Some(Body::Enforcement(e)) => {
                    m.organisations.entry(e.organisation.clone()).or_default().enforcement_records.push(r.index);
                }
                Some(Body::RegisteredUse(u)) => {
                    m.organisations.entry(u.organisation.clone()).or_default().use_records.push(r.index);
                }
                Some(Body::PeriodSummary(s)) if current => {
                    m.periods.insert(s.period.clone(), r.index);
                }
                Some(Body::PolicyVersion(_)) => m.policies.push(r.index),
                Some(Body::Reconciliation(x)) => {
                    m.reconciliations.insert(x.period.clone(), r.index);
                }
                Some(Body::GateDecisions(g)) if current => {
                    m.gate_decisions.entry(g.period.clone()).or_default().insert(g.part, r.index);
                }
                _ => {}
            }
        }
        m.proposals =
            crate::notices::proposals(m.records.values().filter_map(|r| Some((r.index, r.kept.as_deref()?.known()?))));
        // Organisations only classified, never disclosed with usage, get no page.
        m.organisations.retain(|_, o| !o.usage_records.is_empty());
        read_latest(&m, &mut newest);
        for (name, o) in m.organisations.iter_mut() {
            o.name = name.clone();
            o.slug = super::html::unique_name(&slug(name), &mut slugs);
            o.record = latest_current(&mut m.records, o, &mut newest);
        }
        for o in m.organisations.values_mut() {
            let (name, slug): (Shared, Shared) = (o.name.as_str().into(), o.slug.as_str().into());
            for i in &o.usage_records {
                let Some(u) = lines.remove(i) else { continue };
                let of = std::sync::Arc::new(RowOf {
                    period: u.period,
                    organisation: name.clone(),
                    slug: slug.clone(),
                    kind: u.kind,
                    law_enforcement_role: u.law_enforcement_role,
                    record_index: *i,
                    record_sha256: m.records.get(i).map_or("", |r| r.sha256.as_str()).into(),
                });
                for l in u.lines {
                    o.capabilities.insert(l.what.capability.to_string());
                    o.region_classes.insert(l.what.region_class.to_string());
                    m.usage.push(UsageRow { of: of.clone(), what: l.what, quantity: l.quantity });
                }
            }
        }
        sort_for_listings(&mut m.usage);
        m.usage.shrink_to_fit();
        Ok(m)
    }
}

/// Sorts usage rows in the listings' order: latest period first, then organisation, capability,
/// service and region class; rows alike keep their order. By period first (a few, compared
/// alone), then each period's rows, which arrive nearly in order (pushed by organisation): the
/// whole key compared at every step of one sort took a tenth of a second of the site's model.
fn sort_for_listings(rows: &mut [UsageRow]) {
    rows.sort_by(|a, b| b.of.period.cmp(&a.of.period));
    for period in rows.chunk_by_mut(|a, b| a.of.period == b.of.period) {
        period.sort_by(|a, b| {
            let (x, y) = (&a.what, &b.what);
            (&a.of.organisation, &x.capability, &x.service, &x.region_class).cmp(&(
                &b.of.organisation,
                &y.capability,
                &y.service,
                &y.region_class,
            ))
        });
    }
}

/// Entries read into records at once, a few bundles: their records are held until the model
/// takes them.
const READ_AT_ONCE: usize = 1024;

/// One entry read into its record, with what the model keeps of it.
struct ReadEntry {
    index: u64,
    entry: Entry,
    record: Parsed,
    /// The entry's JSON, for a gate-decisions record (see [`RecordView`]'s `kept_value`).
    kept_value: Option<Box<Value>>,
    named_newest: u64,
    sha256: String,
}

/// Reads the entry at `index` into its record (`None` when it is not a candor record), after
/// checking it against the leaf of `leaves` (when given) at its index; the part of building
/// the model that takes the time, each entry on its own, so it is done on every core.
fn read_entry((index, e): &(u64, Entry), leaves: Option<&HashLevels>) -> Result<Option<ReadEntry>, Error> {
    // What is read here is kept in the usage index under the tree's leaf: it must be of the
    // entry that leaf hashes (a damaged bundle fails the writing, as an entry read again does).
    if let Some(tree) = leaves
        && tree.leaf(*index) != Some(tlog::leaf_hash(e))
    {
        let message = "the entry in its bundle is not the one the log's tree holds";
        return Err(Error::BadEntry { index: *index, message: message.into() });
    }
    let Ok(value) = serde_json::from_slice::<Value>(e) else { return Ok(None) };
    let Some(record) = records::parse_entry_ref(e, &value) else { return Ok(None) };
    let mut named_newest = 0;
    records::named_indexes(&value, &mut |n| named_newest = named_newest.max(n));
    let kept_value = matches!(record.body(), Some(Body::GateDecisions(_))).then(|| Box::new(value));
    Ok(Some(ReadEntry {
        index: *index,
        entry: e.clone(),
        record,
        kept_value,
        named_newest,
        sha256: records::sha256_hex(e),
    }))
}

/// Each organisation's newest usage record as read while building: its index, content, entry.
type Newest = BTreeMap<String, (u64, records::OrganisationUsage, Entry)>;

/// Reads into `newest` each organisation's latest current usage record that is not there
/// (the entries read when the model was built gave it none, its records having come from the
/// usage index, or a correction withdrew the newest): in log order, so each bundle is read
/// once, and on every core.
fn read_latest(m: &Model, newest: &mut Newest) {
    let mut wanted: Vec<(u64, &str)> = (m.organisations.iter())
        .filter_map(|(name, o)| {
            let latest = latest_current_index(&m.records, o)?;
            (newest.get(name).map(|n| n.0) != Some(latest)).then_some((latest, name.as_str()))
        })
        .collect();
    wanted.sort_unstable();
    let read = |(index, name): &(u64, &str)| {
        let entry = m.entries.get(*index, &m.tree);
        match records::parse(&entry)? {
            Parsed::Known(records::Record { body: Body::OrganisationUsage(u), .. }) => {
                Some((name.to_string(), (*index, u, entry)))
            }
            _ => None,
        }
    };
    let Ok(()) = super::parallel::map_in_order(&wanted, &read, &mut |got| {
        if let Some((name, newest_of)) = got {
            newest.insert(name, newest_of);
        }
        Ok::<(), std::convert::Infallible>(())
    });
}

/// The index of the organisation's latest usage record no correction withdrew.
fn latest_current_index(records: &BTreeMap<u64, RecordView>, o: &OrgView) -> Option<u64> {
    o.usage_records.iter().rev().find(|i| records.get(i).is_some_and(|r| r.corrected_by.is_none())).copied()
}

/// The organisation's latest current usage record, typed, taken from `newest` (where the
/// entries read while building, or [`read_latest`], put it), its entry held from now on. None
/// when its entry could not be read again (the writing then fails: [`Model::read_error`]).
fn latest_current(
    records: &mut BTreeMap<u64, RecordView>,
    o: &OrgView,
    newest: &mut Newest,
) -> Option<records::OrganisationUsage> {
    let latest = latest_current_index(records, o)?;
    let (i, u, entry) = newest.remove(&o.name)?;
    let r = records.get_mut(&latest).filter(|_| i == latest)?;
    r.entry = Some(entry);
    Some(u)
}

/// The capabilities a usage record's lines name, each once, in order.
fn capabilities(lines: &UsageLines) -> Box<[Shared]> {
    let by_name: BTreeMap<&str, &Shared> =
        lines.lines.iter().map(|l| (&*l.what.capability, &l.what.capability)).collect();
    by_name.into_values().cloned().collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::site::rows::LineWhat;

    #[test]
    fn usage_rows_sort_as_one_stable_sort_on_the_whole_key_sorts_them() {
        let word = |s: &str| -> Shared { s.into() };
        // Rows of organisations and periods in a scrambled order, with ties on the whole key
        // told apart by their quantity (the order they came in).
        let mut rows = Vec::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for n in 0..5_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let pick = |k: u64, of: u64| (x >> k) % of;
            let of = Arc::new(RowOf {
                period: word(&format!("2026-Q{}", 1 + pick(3, 4))),
                organisation: word(&format!("Org {}", pick(9, 40))),
                slug: word("s"),
                kind: word("k"),
                law_enforcement_role: word("r"),
                record_index: u64::from(n),
                record_sha256: word(""),
            });
            let what = Arc::new(LineWhat {
                capability: word(["compute", "face-identification", "storage"][pick(17, 3) as usize]),
                service: word(["a", "b"][pick(23, 2) as usize]),
                region_class: word(["us", "eu"][pick(29, 2) as usize]),
                unit: word("hours"),
                volume_band: None,
            });
            rows.push(UsageRow { of, what, quantity: Some(f64::from(n)) });
        }
        let mut expected = rows.clone();
        expected.sort_by(|a, b| {
            let (x, y) = (&a.what, &b.what);
            (&b.of.period, &a.of.organisation, &x.capability, &x.service, &x.region_class).cmp(&(
                &a.of.period,
                &b.of.organisation,
                &y.capability,
                &y.service,
                &y.region_class,
            ))
        });
        sort_for_listings(&mut rows);
        let order = |rows: &[UsageRow]| rows.iter().map(|r| r.quantity).collect::<Vec<_>>();
        assert_eq!(order(&rows), order(&expected));
    }
}
