//! Appending a period's records to the log, idempotently.
//!
//! A record's bytes follow from its content alone (canonical JSON, no publication time), so
//! publishing again finds every unchanged record already in the log and adds nothing. When
//! the content for an organisation changed, the new record is appended together with a
//! correction that names the old one; when an organisation is no longer disclosed for the
//! period, a correction withdraws its record. Nothing is ever removed from the log.

use std::collections::{BTreeMap, HashMap, HashSet};

use records::{
    Body, Classification, Correction, Enforcement, Evidence, Jurisdiction, LINKS_PER_LIST, Link, Organisation,
    OrganisationUsage, PeriodRecords, PeriodSummary, Record, RegisteredUse, Technology, UsageLine, Withheld, link_to,
};
use tlog::{LogWriter, Storage};

use crate::Error;
use crate::gather::{PeriodData, reasons};
use crate::index::{Cache, RecordIndex};
use crate::redact::{pseudonym, volume_band};

/// How to publish.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Publish exact quantities instead of volume bands.
    pub exact_quantities: bool,
    /// Mark every record as demonstration data.
    pub demonstration: bool,
    /// Salt for reviewer pseudonyms (kept private by the provider).
    pub salt: Vec<u8>,
    /// The operator publishes even if the log's witnesses miss their quorum
    /// (`--witness-fail-open`); the period summary says so.
    pub witness_fail_open: bool,
    /// Where the log's record index is kept (see [`crate::index`]); without one it is built
    /// from the log each time.
    pub index: Option<std::path::PathBuf>,
}

/// What publishing did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Outcome {
    /// Entries appended (index and record type), in order.
    pub appended: Vec<(u64, String)>,
    /// The period's organisation records (current ones).
    pub organisation_records: Vec<u64>,
    /// The period summary's index.
    pub summary: u64,
    /// Log size after publishing.
    pub size: u64,
}

/// Entries to append, placed after the log's current end; existing identical entries are
/// reused instead.
struct Batch {
    /// Entries by SHA-256 (hex).
    existing: HashMap<String, u64>,
    next: u64,
    /// Entries to append, each with what the record index records of it.
    pending: Vec<(Vec<u8>, crate::index::Indexed)>,
}

impl Batch {
    fn place(&mut self, body: Body, demonstration: bool) -> Result<Link, Error> {
        let record = Record::new(body, demonstration);
        let bytes = records::entry(&record)?;
        let sha256 = records::sha256_hex(&bytes);
        if let Some(&i) = self.existing.get(&sha256) {
            return Ok(Link { index: i, sha256 });
        }
        let index = self.next;
        self.next += 1;
        let link = Link { index, sha256: sha256.clone() };
        self.existing.insert(sha256, index);
        let indexed = crate::index::Indexed::of_written(&bytes, &record);
        self.pending.push((bytes, indexed));
        Ok(link)
    }

    /// Places `record`; when `old` (the current record of the same subject) is another entry,
    /// also a correction that names it and says `reason`. The old record stays in the log.
    fn place_replacing(&mut self, body: Body, old: Option<Link>, reason: &str, demo: bool) -> Result<Link, Error> {
        let placed = self.place(body, demo)?;
        if let Some(old) = old.filter(|o| o.index != placed.index) {
            let correction = Correction { corrects: old, reason: reason.into(), replacement: Some(placed.clone()) };
            self.place(Body::Correction(correction), demo)?;
        }
        Ok(placed)
    }

    /// A correction withdrawing `old`, which nothing replaces.
    fn withdraw(&mut self, old: Link, reason: &str, demo: bool) -> Result<(), Error> {
        self.place(Body::Correction(Correction { corrects: old, reason: reason.into(), replacement: None }), demo)
            .map(|_| ())
    }
}

/// Appends the records of `data` (after the policy version at `policy_index`, which must
/// already be in the log) and signs a new checkpoint if anything was appended.
pub fn publish<S: Storage>(
    writer: &mut LogWriter<S>,
    data: &PeriodData,
    policy_index: Option<u64>,
    opts: &Options,
) -> Result<Outcome, Error> {
    publish_indexed(writer, data, policy_index, opts).map(|(outcome, _)| outcome)
}

/// [`publish`], handing back the record index of the log as this step left it (what it
/// appended included), so a step that goes on under the same lock need not open it again.
pub fn publish_indexed<S: Storage>(
    writer: &mut LogWriter<S>,
    data: &PeriodData,
    policy_index: Option<u64>,
    opts: &Options,
) -> Result<(Outcome, RecordIndex), Error> {
    let size = writer.size();
    // What the log holds, from the record index: no entry is read again except the few this
    // step needs whole (the policy version cited, the policy notices).
    let cache = match opts.index.as_deref() {
        Some(path) => Cache::Read(path),
        None => Cache::None,
    };
    let (mut index, opened) = RecordIndex::open(writer.storage(), size, &writer.root(), cache)?;
    // What the report shows as corrected (see `records::corrected`), so that publishing again
    // reads the same current records as every reader.
    let corrected: HashSet<u64> = index.corrected().into_keys().collect();
    let period = data.period.as_str();
    // Current (uncorrected) records of this period: organisation usage by name, and the summary.
    let mut current_org: BTreeMap<String, u64> = BTreeMap::new();
    let mut current_enforcement: BTreeMap<String, u64> = BTreeMap::new();
    let mut current_uses: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut current_summary: Option<u64> = None;
    let mut current_gate: BTreeMap<u64, u64> = BTreeMap::new();
    let of_period = index.iter().filter(|(i, e)| !corrected.contains(i) && e.period.as_deref() == Some(period));
    for (i, e) in of_period {
        let subject = e.subject.clone().unwrap_or_default();
        match e.kind.as_deref().unwrap_or("") {
            "candor.organisation_usage" => {
                current_org.insert(subject, i);
            }
            "candor.enforcement" => {
                current_enforcement.insert(subject, i);
            }
            "candor.registered_use" => {
                current_uses.insert((subject, e.use_case.clone().unwrap_or_default()), i);
            }
            "candor.period_summary" => current_summary = Some(i),
            "candor.gate_decisions" => {
                if let Ok(part) = subject.parse::<u64>() {
                    current_gate.insert(part, i);
                }
            }
            _ => {}
        }
    }
    let reader = tlog::TileReader::new(writer.storage(), size);
    let policy = match policy_index {
        Some(i) => {
            let missing = || Error::BadEntry {
                index: i,
                message: format!("the policy version is recorded at this index but the log has {size} entries"),
            };
            if i >= size {
                return Err(missing());
            }
            let entry = reader.entry(i)?;
            if !matches!(records::parse(&entry).as_ref().and_then(|r| r.body()), Some(Body::PolicyVersion(_))) {
                return Err(Error::BadEntry { index: i, message: "expected a candor.policy_version entry".into() });
            }
            Some(link_to(i, &entry))
        }
        None => None,
    };
    // The policy notices, read whole for the summary's proposal lines (a handful of entries).
    let notices = index.read_kinds(writer.storage(), &|k| k.starts_with("candor.policy_"))?;
    let existing = index.first_by_sha256(&corrected);
    let mut batch = Batch { existing, next: size, pending: Vec::new() };
    let demo = opts.demonstration;
    // Every index in `current_*` came from the index.
    let link_of = |i: u64| index.link(i).unwrap_or(Link { index: i, sha256: String::new() });

    let mut org_links = Vec::new();
    let mut banded = 0u64;
    let mut counts = crate::enforcement::Counts::default();
    for o in &data.orgs {
        let c = &o.classification;
        let actor = if c.actor.starts_with("candor:") { c.actor.clone() } else { pseudonym(&c.actor, &opts.salt) };
        let class = batch.place(
            Body::Classification(Classification {
                organisation: o.org.name.clone(),
                role: c.role.as_str().into(),
                status: c.status.as_str().into(),
                reason: c.reason.clone(),
                decided_by: actor,
                decided_at: c.at.clone(),
            }),
            demo,
        )?;
        let usage: Vec<UsageLine> = o
            .usage
            .iter()
            .map(|u| {
                let (quantity, band) = if opts.exact_quantities {
                    (Some((u.quantity * 1e6).round() / 1e6), None)
                } else {
                    banded += 1;
                    (None, Some(volume_band(u.quantity)))
                };
                UsageLine {
                    capability: u.capability.clone(),
                    service: u.service.clone(),
                    region_class: u.region_class.clone(),
                    unit: u.unit.clone(),
                    quantity,
                    volume_band: band,
                }
            })
            .collect();
        let mut depends_on: Vec<Link> = policy.iter().cloned().collect();
        depends_on.push(class);
        let record = Body::OrganisationUsage(OrganisationUsage {
            period: period.to_string(),
            organisation: organisation(o),
            usage,
            depends_on,
        });
        let link = batch.place_replacing(
            record,
            current_org.remove(&o.org.name).map(link_of),
            "replaced: the organisation's usage or classification for the period changed",
            demo,
        )?;
        let enforcement = data.enforcement.as_ref().and_then(|e| e.orgs.get(&o.org.name));
        if let Some(e) = enforcement.filter(|e| !e.findings.is_empty() || !e.actions.is_empty()) {
            e.count(&mut counts);
            let mut depends_on: Vec<Link> = policy.iter().cloned().collect();
            depends_on.push(link.clone());
            let record = Body::Enforcement(Enforcement {
                period: period.to_string(),
                organisation: o.org.name.clone(),
                findings: e.findings(opts.exact_quantities),
                actions: e.actions(&opts.salt),
                depends_on,
            });
            let old = current_enforcement.remove(&o.org.name).map(link_of);
            let reason = "replaced: the findings or the actions taken for the period changed";
            org_links.push(batch.place_replacing(record, old, reason, demo)?);
        }
        for u in data.registered_uses.iter().filter(|u| u.organisation == o.org.name) {
            let mut depends_on: Vec<Link> = policy.iter().cloned().collect();
            depends_on.push(link.clone());
            let record = Body::RegisteredUse(RegisteredUse {
                period: period.to_string(),
                organisation: u.organisation.clone(),
                use_case: u.use_case.clone(),
                declaration: u.declaration(&opts.salt),
                registered_by: pseudonym(&u.registered_by, &opts.salt),
                depends_on,
            });
            let old = current_uses.remove(&(u.organisation.clone(), u.use_case.clone())).map(link_of);
            let reason = "replaced: the registered use or its declaration changed";
            org_links.push(batch.place_replacing(record, old, reason, demo)?);
        }
        org_links.push(link);
    }
    for (_, old) in current_uses {
        batch.withdraw(link_of(old), "withdrawn: the use is no longer registered for the organisation", demo)?;
    }
    for (_, old) in current_enforcement {
        let reason = "withdrawn: no finding or action remains for the organisation in the period";
        batch.withdraw(link_of(old), reason, demo)?;
    }
    for (_, old) in current_org {
        let reason = "withdrawn: the organisation is no longer disclosed for the period (its link or classification \
                      was withdrawn)";
        batch.withdraw(link_of(old), reason, demo)?;
    }
    let mut withheld: Vec<Withheld> =
        data.withheld.iter().map(|(r, n)| Withheld { reason: r.clone(), organisations: *n }).collect();
    if banded > 0 {
        withheld
            .push(Withheld { reason: reasons::EXACT_QUANTITIES.to_string(), organisations: data.orgs.len() as u64 });
    }
    // The period's records, listed in parts that each fit an entry, then the summary.
    let parts = org_links.len().div_ceil(LINKS_PER_LIST).max(1);
    let mut record_lists = Vec::with_capacity(parts);
    for (i, chunk) in org_links.chunks(LINKS_PER_LIST).chain(org_links.is_empty().then_some(&[][..])).enumerate() {
        record_lists.push(batch.place(
            Body::PeriodRecords(PeriodRecords {
                period: period.to_string(),
                part: i as u64 + 1,
                parts: parts as u64,
                records: chunk.to_vec(),
            }),
            demo,
        )?);
    }
    let mut gate_decisions = Vec::new();
    if let Some(input) = &data.gate {
        let disclosed = data.orgs.iter().map(|o| (o.org.id, o.org.name.clone())).collect();
        let link = |i: u64| index.link(i);
        for part in crate::gate::records(period, input, &disclosed, opts.exact_quantities, &link) {
            let old = current_gate.remove(&part.part).map(link_of);
            let reason = "replaced: the gates counted more decisions in the period";
            gate_decisions.push(batch.place_replacing(Body::GateDecisions(part), old, reason, demo)?);
        }
    }
    for (_, old) in std::mem::take(&mut current_gate) {
        batch.withdraw(link_of(old), "withdrawn: the period's gate decisions have fewer parts now", demo)?;
    }
    let summary = batch.place_replacing(
        Body::PeriodSummary(PeriodSummary {
            period: period.to_string(),
            organisations_disclosed: data.orgs.len() as u64,
            withheld,
            out_of_scope_accounts: data.out_of_scope_accounts,
            accounts_awaiting_review_ambiguous: Some(data.ambiguous_accounts),
            policy: policy.clone(),
            record_lists,
            witness_fail_open: opts.witness_fail_open,
            enforcement: data.enforcement.as_ref().map(|e| {
                counts.findings_not_disclosed = e.findings_not_disclosed;
                counts.summary()
            }),
            review: Some(data.review.summary(&opts.salt)),
            screening: Some(data.screening.summary()),
            gate_decisions,
            policy_proposals: crate::notices::summary_lines(
                notices.iter().filter_map(|(i, r)| Some((*i, r.known()?))),
                &|i| index.get(i).map(|e| e.sha256.clone()),
                period,
            ),
        }),
        current_summary.map(link_of),
        "replaced: the period was published again with changed records",
        demo,
    )?;
    let mut outcome = Outcome {
        organisation_records: org_links.iter().map(|l| l.index).collect(),
        summary: summary.index,
        ..Outcome::default()
    };
    if !batch.pending.is_empty() {
        let bytes: Vec<&[u8]> = batch.pending.iter().map(|(b, _)| b.as_slice()).collect();
        let range = writer.append(&bytes)?;
        outcome.appended = range.zip(batch.pending.iter().map(|(_, e)| e.kind.clone().unwrap_or_default())).collect();
        for (_, indexed) in batch.pending {
            index.push_indexed(indexed);
        }
    }
    outcome.size = writer.size();
    // The index file written once, as the log now is (opened from it, not written back there).
    if let Some(path) = opts.index.as_deref().filter(|_| opened.kept != outcome.size || opened.rebuilt) {
        index.save_to(path)?;
    }
    Ok((outcome, index))
}

/// What a record says about an organisation: name, kind, role, jurisdiction, evidence.
fn organisation(o: &crate::gather::OrgDisclosure) -> Organisation {
    let j = &o.org.jurisdiction;
    // Only organisations a public record names as supplying or using one carry technologies (an empty list is not written),
    // so other records keep their bytes.
    let technologies = o
        .technologies
        .iter()
        .map(|t| {
            let e = &t.evidence;
            Technology {
                technology: t.technology.clone(),
                relation: t.relation.clone(),
                counterpart: t.counterpart.clone(),
                source: format!("{} {}", registry::classify::record_of(e), e.award_id.as_deref().unwrap_or("")),
                citation: e.citation.clone().unwrap_or_default(),
                link: e.permalink.clone().unwrap_or_default(),
            }
        })
        .collect();
    Organisation {
        name: o.org.name.clone(),
        kind: o.org.kind.as_str().into(),
        law_enforcement_role: o.classification.role.as_str().into(),
        role_status: o.classification.status.as_str().into(),
        jurisdiction: Jurisdiction {
            country: j.country.clone(),
            state: j.state.clone(),
            county: j.county.clone(),
            city: j.city.clone(),
        },
        evidence: Evidence { summary: o.classification.reason.clone(), sources: o.sources.clone() },
        technologies,
        identifiers: Vec::new(),
    }
}
