//! The site's view of the log: every candor record with its proof, organisations, periods,
//! policies and usage rows, built from the entries alone.

use std::collections::{BTreeMap, BTreeSet};

use records::{Body, OrganisationUsage, Parsed};
use serde_json::Value;
use tlog::{Hash, HashLevels, TileReader};

use super::html::slug;
use crate::Error;

/// One candor record as the site shows it.
#[derive(Debug, Clone)]
pub struct RecordView {
    /// Log index.
    pub index: u64,
    /// The entry's bytes (canonical JSON).
    pub entry: crate::entries::Entry,
    /// SHA-256 of the entry (hex).
    pub sha256: String,
    /// The record, read into its kind's type (or kept whole when it is of no known kind).
    pub record: Parsed,
    /// The record as JSON, kept for a gate-decisions record (shown in part on every
    /// organisation's page); any other is read again from its entry when shown (see
    /// [`RecordView::value`]): the model of years of quarters holds every record, and a JSON
    /// tree takes about ten times its entry's bytes.
    kept_value: Option<Value>,
    /// The largest log index the record names (an object with an `index` and a `sha256`), 0
    /// when it names none.
    pub named_newest: u64,
    /// Record type without the `candor.` prefix.
    pub kind: String,
    /// The correction that corrects it, if any.
    pub corrected_by: Option<u64>,
}

impl RecordView {
    /// The record's own page, relative to the site root.
    pub fn page(&self) -> String {
        format!("record/{}.html", self.index)
    }

    /// The record as JSON, members in the entry's order: what pages show, each value marked
    /// with its JSON pointer for the page's check, and what downloads hold.
    pub fn value(&self) -> std::borrow::Cow<'_, Value> {
        match &self.kept_value {
            Some(v) => std::borrow::Cow::Borrowed(v),
            // The entry parsed when the model was built: it parses again the same.
            None => std::borrow::Cow::Owned(serde_json::from_slice(&self.entry).unwrap_or(Value::Null)),
        }
    }

    /// What the record says, when it is of a known kind.
    pub fn body(&self) -> Option<&Body> {
        self.record.body()
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

/// Text a usage row shares with the other rows of its record (period, organisation, hash) or
/// of every record (capability, service, region class, unit, band): one allocation each, not
/// one per row (a million rows at ten thousand organisations over eight quarters).
pub type Shared = std::sync::Arc<str>;

fn shared_str<S: serde::Serializer>(v: &Shared, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v)
}

fn shared_opt<S: serde::Serializer>(v: &Option<Shared>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(&**v),
        None => s.serialize_none(),
    }
}

/// One disclosed usage line of a current record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UsageRow {
    /// Period.
    #[serde(serialize_with = "shared_str")]
    pub period: Shared,
    /// Organisation name.
    #[serde(serialize_with = "shared_str")]
    pub organisation: Shared,
    /// Organisation page slug.
    #[serde(skip)]
    pub slug: Shared,
    /// Kind of organisation.
    #[serde(serialize_with = "shared_str")]
    pub kind: Shared,
    /// Law-enforcement role.
    #[serde(serialize_with = "shared_str")]
    pub law_enforcement_role: Shared,
    /// Capability id.
    #[serde(serialize_with = "shared_str")]
    pub capability: Shared,
    /// Service.
    #[serde(serialize_with = "shared_str")]
    pub service: Shared,
    /// Region class.
    #[serde(serialize_with = "shared_str")]
    pub region_class: Shared,
    /// Unit.
    #[serde(serialize_with = "shared_str")]
    pub unit: Shared,
    /// Volume band, when exact quantities are withheld.
    #[serde(serialize_with = "shared_opt")]
    pub volume_band: Option<Shared>,
    /// Exact quantity, when published.
    pub quantity: Option<f64>,
    /// Index of the record it comes from.
    pub record_index: u64,
    /// SHA-256 of that record's entry.
    #[serde(serialize_with = "shared_str")]
    pub record_sha256: Shared,
}

impl UsageRow {
    /// Its volume as shown: the band when exact quantities are withheld, else the quantity.
    pub fn volume(&self) -> String {
        match (&self.volume_band, self.quantity) {
            (Some(band), _) => band.to_string(),
            (None, Some(q)) => q.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// One shared copy of each text (see [`Shared`]).
#[derive(Default)]
struct Interned(std::collections::HashSet<Shared>);

impl Interned {
    fn get(&mut self, text: &str) -> Shared {
        if let Some(s) = self.0.get(text) {
            return s.clone();
        }
        let s: Shared = text.into();
        self.0.insert(s.clone());
        s
    }
}

/// Everything the pages and downloads are made from.
#[derive(Debug, Clone, Default)]
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
}

impl Model {
    /// The policy version recorded at `index`, if that record is one.
    pub fn policy_version(&self, index: u64) -> Option<&records::PolicyVersion> {
        match self.records.get(&index)?.body()? {
            Body::PolicyVersion(v) => Some(v),
            _ => None,
        }
    }

    /// The policy proposal recorded at `index`, if that record is one.
    pub fn policy_proposal(&self, index: u64) -> Option<&records::PolicyProposal> {
        match self.records.get(&index)?.body()? {
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
        entries: &[crate::entries::Entry],
        reader: &mut TileReader<'_>,
        first_seen: &mut BTreeMap<u64, String>,
        now: &str,
    ) -> Result<Model, Error> {
        let mut m = Model { tree: HashLevels::read(reader, entries.len() as u64)?, ..Model::default() };
        // The leaves the tiles give must make the tree their upper levels make.
        if m.tree.root()? != tlog::merkle::tree_root(reader, entries.len() as u64)? {
            return Err(Error::BadEntry {
                index: 0,
                message: "the log's hash tiles disagree: their leaves do not make their root".into(),
            });
        }
        // Each entry parsed once, its JSON tree dropped as soon as the record is read from it
        // (all trees at once took most of the model's peak memory).
        let mut parsed: Vec<(u64, records::Parsed, u64, Option<Value>)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let Ok(value) = serde_json::from_slice::<Value>(e) else { continue };
            let Some(record) = records::parse_entry_ref(e, &value) else { continue };
            let mut named_newest = 0;
            records::named_indexes(&value, &mut |n| named_newest = named_newest.max(n));
            let kept_value = matches!(record.body(), Some(Body::GateDecisions(_))).then_some(value);
            parsed.push((i as u64, record, named_newest, kept_value));
        }
        let corrected = records::corrected(entries, parsed.iter().map(|(i, r, _, _)| (*i, r)));
        for (index, record, named_newest, kept_value) in parsed {
            let entry = entries[index as usize].clone();
            let kind = record.kind().trim_start_matches("candor.").to_string();
            m.demonstration |= record.is_demonstration();
            first_seen.entry(index).or_insert_with(|| now.to_string());
            m.records.insert(
                index,
                RecordView {
                    index,
                    sha256: records::sha256_hex(&entry),
                    entry,
                    record,
                    kept_value,
                    named_newest,
                    kind,
                    corrected_by: corrected.get(&index).copied(),
                },
            );
        }
        let mut slugs: BTreeSet<String> = BTreeSet::new();
        for r in m.records.values() {
            let current = r.corrected_by.is_none();
            let Some(body) = r.record.body() else { continue };
            match body {
                Body::OrganisationUsage(u) => {
                    let o = m.organisations.entry(u.organisation.name.clone()).or_default();
                    o.usage_records.push(r.index);
                    if current {
                        o.record = Some(u.clone());
                        o.periods.insert(u.period.clone());
                    }
                }
                Body::Classification(c) => {
                    m.organisations.entry(c.organisation.clone()).or_default().classification_records.push(r.index);
                }
                Body::Enforcement(e) => {
                    m.organisations.entry(e.organisation.clone()).or_default().enforcement_records.push(r.index);
                }
                Body::RegisteredUse(u) => {
                    m.organisations.entry(u.organisation.clone()).or_default().use_records.push(r.index);
                }
                Body::PeriodSummary(s) if current => {
                    m.periods.insert(s.period.clone(), r.index);
                }
                Body::PolicyVersion(_) => m.policies.push(r.index),
                Body::Reconciliation(x) => {
                    m.reconciliations.insert(x.period.clone(), r.index);
                }
                Body::GateDecisions(g) if current => {
                    m.gate_decisions.entry(g.period.clone()).or_default().insert(g.part, r.index);
                }
                _ => {}
            }
        }
        m.proposals = crate::notices::proposals(m.records.values().filter_map(|r| Some((r.index, r.record.known()?))));
        // Organisations only classified, never disclosed with usage, get no page.
        m.organisations.retain(|_, o| !o.usage_records.is_empty());
        for (name, o) in m.organisations.iter_mut() {
            o.name = name.clone();
            o.slug = super::html::unique_name(&slug(name), &mut slugs);
        }
        let mut words = Interned::default();
        for o in m.organisations.values_mut() {
            let (name, slug): (Shared, Shared) = (o.name.as_str().into(), o.slug.as_str().into());
            for &i in &o.usage_records {
                let r = &m.records[&i];
                if r.corrected_by.is_some() {
                    continue;
                }
                let Some(Body::OrganisationUsage(rec)) = r.record.body() else { continue };
                let org = &rec.organisation;
                let (period, sha256): (Shared, Shared) = (rec.period.as_str().into(), r.sha256.as_str().into());
                let (kind, role) = (words.get(&org.kind), words.get(&org.law_enforcement_role));
                for u in &rec.usage {
                    o.capabilities.insert(u.capability.clone());
                    o.region_classes.insert(u.region_class.clone());
                    m.usage.push(UsageRow {
                        period: period.clone(),
                        organisation: name.clone(),
                        slug: slug.clone(),
                        kind: kind.clone(),
                        law_enforcement_role: role.clone(),
                        capability: words.get(&u.capability),
                        service: words.get(&u.service),
                        region_class: words.get(&u.region_class),
                        unit: words.get(&u.unit),
                        volume_band: u.volume_band.as_deref().map(|b| words.get(b)),
                        quantity: u.quantity,
                        record_index: r.index,
                        record_sha256: sha256.clone(),
                    });
                }
            }
        }
        m.usage.sort_by(|a, b| {
            (&b.period, &a.organisation, &a.capability, &a.service, &a.region_class).cmp(&(
                &a.period,
                &b.organisation,
                &b.capability,
                &b.service,
                &b.region_class,
            ))
        });
        Ok(m)
    }
}
