//! The period's `candor.gate_decisions` record, from the counts the gates kept: summed over
//! the period's days, banded unless the provider publishes exact quantities (failed-open
//! requests are always exact), each policy version's share, and per organisation only for
//! the organisations the period discloses.

use std::collections::BTreeMap;

use records::{GateDecisions, GateLine, Link, OrganisationGateLine, RequestCount, VersionShare};

use crate::redact::volume_band;

/// Decisions the gates counted under one key (any day of the period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateCounted {
    /// Capability id, or `unrecognised`.
    pub capability: String,
    /// `agency`, `supplier`, `none` or `unknown`.
    pub role_class: String,
    /// `allowed`, `denied`, `failed_open` or `failed_closed`.
    pub outcome: String,
    /// The version decided under ("" for none).
    pub policy_version: String,
    /// The rule that refused ("" unless denied).
    pub policy: String,
    /// The caller's organisation (registry id), for a linked account.
    pub organisation: Option<i64>,
    /// How many.
    pub count: u64,
}

/// What the caller read for the record: the period's counts, and the log index of each
/// policy version's record (by SHA-256).
#[derive(Debug, Clone, Default)]
pub struct GateInput {
    /// The counts of the period's days.
    pub counts: Vec<GateCounted>,
    /// Log index of each version's `candor.policy_version` record.
    pub version_records: BTreeMap<String, u64>,
}

/// The first and last day (`YYYY-MM-DD`, inclusive) of a period (`2026-Q3` or `2026-07`);
/// days compare as text, so the 31st bounds every month.
pub fn days_of(period: &str) -> Option<(String, String)> {
    let (year, rest) = period.split_once('-')?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (first, last) = match rest.strip_prefix('Q') {
        Some(q) => {
            let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            (q * 3 - 2, q * 3)
        }
        None => {
            let m: u32 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
            (m, m)
        }
    };
    Some((format!("{year}-{first:02}-01"), format!("{year}-{last:02}-31")))
}

fn count(n: u64, exact: bool) -> RequestCount {
    if exact {
        RequestCount { requests: Some(n), requests_band: None }
    } else {
        RequestCount { requests: None, requests_band: Some(volume_band(n as f64)) }
    }
}

/// Organisation lines per part, at most; a part also closes once its lines reach
/// [`PART_BYTES`], so long names cannot take it past the log's 64 KiB entry.
pub const ORGANISATION_LINES_PER_PART: usize = 200;

/// The bytes of organisation lines (as JSON) a part holds at most.
pub const PART_BYTES: usize = 40_000;

/// The records for `period` (one per part): `disclosed` names the organisations the period
/// discloses (by registry id), `link_of` gives the link to a log entry by index (when the log
/// holds it).
pub fn records(
    period: &str,
    input: &GateInput,
    disclosed: &BTreeMap<i64, String>,
    exact: bool,
    link_of: &dyn Fn(u64) -> Option<Link>,
) -> Vec<GateDecisions> {
    let mut whole = record(period, input, disclosed, exact, link_of);
    let lines = std::mem::take(&mut whole.organisations);
    let mut chunks: Vec<Vec<OrganisationGateLine>> = Vec::new();
    let mut bytes = 0;
    for line in lines {
        let size = serde_json::to_string(&line).map_or(PART_BYTES, |t| t.len());
        match chunks.last_mut() {
            Some(chunk) if chunk.len() < ORGANISATION_LINES_PER_PART && bytes + size <= PART_BYTES => {
                bytes += size;
                chunk.push(line);
            }
            _ => {
                bytes = size;
                chunks.push(vec![line]);
            }
        }
    }
    let parts = chunks.len().max(1) as u64;
    let mut out = vec![GateDecisions { part: 1, parts, ..whole.clone() }];
    for (k, chunk) in chunks.into_iter().enumerate() {
        if k == 0 {
            out[0].organisations = chunk;
        } else {
            out.push(GateDecisions {
                period: period.to_string(),
                part: k as u64 + 1,
                parts,
                decisions: Vec::new(),
                failed_open: whole.failed_open,
                policy_versions: Vec::new(),
                organisations: chunk,
            });
        }
    }
    out
}

/// The period's gate decisions in one record, before it is split into parts.
fn record(
    period: &str,
    input: &GateInput,
    disclosed: &BTreeMap<i64, String>,
    exact: bool,
    link_of: &dyn Fn(u64) -> Option<Link>,
) -> GateDecisions {
    let mut lines: BTreeMap<(&str, &str, &str, &str), u64> = BTreeMap::new();
    let mut versions: BTreeMap<&str, u64> = BTreeMap::new();
    let mut orgs: BTreeMap<(&str, &str, &str, &str), u64> = BTreeMap::new();
    let mut failed_open = 0u64;
    let mut total = 0u64;
    for c in &input.counts {
        *lines.entry((&c.capability, &c.role_class, &c.outcome, &c.policy)).or_insert(0) += c.count;
        *versions.entry(&c.policy_version).or_insert(0) += c.count;
        if let Some(name) = c.organisation.and_then(|o| disclosed.get(&o)) {
            *orgs.entry((name, &c.capability, &c.outcome, &c.policy)).or_insert(0) += c.count;
        }
        if c.outcome == "failed_open" {
            failed_open += c.count;
        }
        total += c.count;
    }
    let share = |n: u64| if total == 0 { 0.0 } else { (n as f64 * 1000.0 / total as f64).round() / 10.0 };
    GateDecisions {
        period: period.to_string(),
        part: 1,
        parts: 1,
        decisions: lines
            .into_iter()
            .map(|((capability, role_class, outcome, policy), n)| GateLine {
                capability: capability.into(),
                role_class: role_class.into(),
                outcome: outcome.into(),
                policy: policy.into(),
                count: count(n, exact),
            })
            .collect(),
        failed_open,
        policy_versions: versions
            .into_iter()
            .map(|(v, n)| VersionShare {
                policy_version: v.into(),
                record: input.version_records.get(v).and_then(|&i| link_of(i)),
                count: count(n, exact),
                share_percent: share(n),
            })
            .collect(),
        organisations: orgs
            .into_iter()
            .map(|((organisation, capability, outcome, policy), n)| OrganisationGateLine {
                organisation: organisation.into(),
                capability: capability.into(),
                outcome: outcome.into(),
                policy: policy.into(),
                count: count(n, exact),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(capability: &str, class: &str, outcome: &str, version: &str, org: Option<i64>, n: u64) -> GateCounted {
        GateCounted {
            capability: capability.into(),
            role_class: class.into(),
            outcome: outcome.into(),
            policy_version: version.into(),
            policy: if outcome == "denied" { "no-face-recognition-for-police".into() } else { String::new() },
            organisation: org,
            count: n,
        }
    }

    #[test]
    fn many_organisations_are_split_into_parts_that_fit_an_entry() {
        let counts: Vec<GateCounted> =
            (1..=450).map(|id| counted("face_identification", "agency", "denied", "v1", Some(id), 3)).collect();
        let disclosed = (1..=450).map(|id| (id, format!("Fictional Agency {id:04}"))).collect();
        let input = GateInput { counts, version_records: BTreeMap::new() };
        let parts = records("2026-Q4", &input, &disclosed, true, &|_| None);
        assert_eq!(
            parts.iter().map(|p| (p.part, p.parts, p.organisations.len())).collect::<Vec<_>>(),
            vec![(1, 3, 200), (2, 3, 200), (3, 3, 50)]
        );
        assert!(!parts[0].decisions.is_empty() && parts[1].decisions.is_empty());
        for p in &parts {
            let entry =
                records::entry(&records::Record::new(records::Body::GateDecisions(p.clone()), true)).expect("entry");
            assert!(entry.len() < 65_535, "part {} is {} bytes", p.part, entry.len());
        }
    }

    #[test]
    fn periods_span_their_days() {
        assert_eq!(days_of("2026-Q4"), Some(("2026-10-01".into(), "2026-12-31".into())));
        assert_eq!(days_of("2026-02"), Some(("2026-02-01".into(), "2026-02-31".into())));
        assert_eq!(days_of("2026-Q5"), None);
        assert_eq!(days_of("26-01"), None);
    }

    #[test]
    fn counts_are_summed_banded_and_shared_and_only_disclosed_organisations_are_named() {
        let input = GateInput {
            counts: vec![
                counted("face_identification", "agency", "denied", "v2", Some(7), 1200),
                counted("face_identification", "agency", "denied", "v1", Some(8), 30),
                counted("face_identification", "unknown", "allowed", "v2", None, 770),
                counted("face_detection_analysis", "agency", "failed_open", "", Some(7), 0),
            ],
            version_records: BTreeMap::new(),
        };
        let disclosed = BTreeMap::from([(7, "Fictional Police Department".to_string())]);
        let banded = record("2026-Q4", &input, &disclosed, false, &|_| None);
        let denied = &banded.decisions.iter().find(|l| l.outcome == "denied").expect("a denied line");
        assert_eq!(denied.count.requests_band.as_deref(), Some("1,000\u{2013}9,999"));
        assert_eq!(denied.count.requests, None);
        assert_eq!(banded.failed_open, 0);
        let shares: Vec<(&str, f64)> =
            banded.policy_versions.iter().map(|v| (v.policy_version.as_str(), v.share_percent)).collect();
        assert_eq!(shares, vec![("", 0.0), ("v1", 1.5), ("v2", 98.5)]);
        // Organisation 8 is not disclosed in the period: only its class's totals show it.
        assert!(banded.organisations.iter().all(|o| o.organisation == "Fictional Police Department"));
        let exact = record("2026-Q4", &input, &disclosed, true, &|_| None);
        let denied: u64 =
            exact.decisions.iter().filter(|l| l.outcome == "denied").filter_map(|l| l.count.requests).sum();
        assert_eq!(denied, 1230);
    }
}
