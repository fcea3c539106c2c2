//! Disclosure records: what a period's report says, one log entry each, in canonical JSON.
//! A record that depends on another names it by log index and the SHA-256 of its entry, so
//! a reader can check the chain; a correction refers to the record it corrects and never
//! replaces it. Records say only what the provider chooses to disclose about organisations —
//! never people: reviewers appear as pseudonyms, account ids never.

use serde_json::{Value, json};

use crate::canonical;

/// A reference to an earlier record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Its index in the log.
    pub index: u64,
    /// SHA-256 (hex) of its entry bytes.
    pub sha256: String,
}

impl Link {
    fn to_json(&self) -> Value {
        json!({"index": self.index, "sha256": self.sha256})
    }
}

/// The band a volume falls in: `0`, then powers of ten (`1–9`, `10–99`, …, `1,000,000–9,999,999`),
/// so a report can disclose scale without exact figures.
pub fn volume_band(quantity: f64) -> String {
    if !quantity.is_finite() || quantity < 1.0 {
        return if quantity > 0.0 { "under 1".into() } else { "0".into() };
    }
    let exp = quantity.log10().floor() as i32;
    // Guard against log10 rounding at exact powers of ten.
    let exp = if 10f64.powi(exp + 1) <= quantity { exp + 1 } else { exp };
    let low = 10u128.pow(exp.max(0) as u32);
    let high = low * 10 - 1;
    format!("{}–{}", thousands(low), thousands(high))
}

fn thousands(n: u128) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A reviewer's pseudonym in published records: stable for one provider (`salt`), not
/// reversible to the reviewer id without the salt.
pub fn pseudonym(reviewer: &str, salt: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(salt);
    h.update([0]);
    h.update(reviewer.as_bytes());
    let d = h.finalize();
    format!("reviewer-{}", hex::encode(&d[..4]))
}

/// Most links in one [`Record::PeriodRecords`] (about 47 KB of JSON).
pub const LINKS_PER_LIST: usize = 500;

/// The kinds of disclosure records.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// How one organisation used the services in a period.
    OrganisationUsage {
        /// Period (`2026-Q3`).
        period: String,
        /// Name, kind, role, jurisdiction, evidence summary with public sources.
        organisation: Value,
        /// Per capability: region classes, services, volume band and unit.
        usage: Vec<Value>,
        /// Records it depends on (the policy version in force, classification changes).
        depends_on: Vec<Link>,
    },
    /// A change of an organisation's classification.
    ClassificationChange {
        /// The organisation's name.
        organisation: String,
        /// New role and status.
        role: String,
        /// `confirmed` or `proposed`.
        status: String,
        /// Why, with the public sources.
        reason: String,
        /// Who decided (a pseudonym, or `candor:rules`).
        decided_by: String,
        /// When (RFC 3339).
        decided_at: String,
    },
    /// What the audit found about an organisation in a period, and what the provider did.
    Enforcement {
        /// Period.
        period: String,
        /// The organisation's name.
        organisation: String,
        /// The findings, as the enforcement module lists them.
        findings: Vec<Value>,
        /// The actions, reviewers as pseudonyms.
        actions: Vec<Value>,
        /// The policy version and the organisation's usage record.
        depends_on: Vec<Link>,
    },
    /// A use the provider registered for an organisation, with the facts it declared.
    RegisteredUse {
        /// Period.
        period: String,
        /// The organisation's name.
        organisation: String,
        /// The use case.
        use_case: String,
        /// The declared fields (people as pseudonyms).
        declaration: Value,
        /// Who registered it (a pseudonym).
        registered_by: String,
        /// The policy version and the organisation's usage record.
        depends_on: Vec<Link>,
    },
    /// A correction of an earlier record (which stays in the log).
    Correction {
        /// The record corrected.
        corrects: Link,
        /// What was wrong.
        reason: String,
        /// The record that replaces its content, if any.
        replacement: Option<Link>,
    },
    /// What a period's report holds and what it withholds.
    PeriodSummary {
        /// Period.
        period: String,
        /// Organisations disclosed.
        organisations: u64,
        /// Organisations withheld, by reason: `(reason, count)`.
        withheld: Vec<(String, u64)>,
        /// Accounts with usage and no link to a law-enforcement organisation (not in scope).
        out_of_scope_accounts: u64,
        /// Accounts with usage whose name fits several organisations (one at least a
        /// law-enforcement organisation), awaiting a reviewer's choice.
        ambiguous_accounts: u64,
        /// The policy version in force when the period was published.
        policy: Option<Link>,
        /// The period's record lists ([`Record::PeriodRecords`]), which link to its records.
        record_lists: Vec<Link>,
        /// Published with `--witness-fail-open`: its checkpoint may lack the witnesses' quorum.
        witness_fail_open: bool,
        /// The audit's counts (findings, open findings, actions by kind), when a policy was in force.
        enforcement: Option<Value>,
        /// Policy proposals open at some time during the period: link, effective date, status
        /// and number of objections (see the `notices` module).
        proposals: Vec<Value>,
        /// What review did in the period: counts, and per reviewer pseudonym (see the
        /// `review_facts` module).
        review: Option<Value>,
        /// The screening's measured quality: the period's proposals by score band and what
        /// reviewers made of them, and the labelled sets' precision and recall (see the
        /// `screening_facts` module).
        screening: Option<Value>,
    },
    /// Part of the list of a period's organisation records: at most [`LINKS_PER_LIST`] links,
    /// so that every entry stays far below the log's 64 KiB limit however many organisations
    /// a period discloses.
    PeriodRecords {
        /// Period.
        period: String,
        /// 1-based part number.
        part: u64,
        /// Number of parts.
        parts: u64,
        /// The records.
        records: Vec<Link>,
    },
}

impl Record {
    /// The record's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::OrganisationUsage { .. } => "candor.organisation_usage",
            Record::ClassificationChange { .. } => "candor.classification",
            Record::Correction { .. } => "candor.correction",
            Record::Enforcement { .. } => "candor.enforcement",
            Record::RegisteredUse { .. } => "candor.registered_use",
            Record::PeriodRecords { .. } => "candor.period_records",
            Record::PeriodSummary { .. } => "candor.period_summary",
        }
    }

    /// The record as JSON (with `"type"` and, for demonstration data, the flag and notice).
    pub fn to_json(&self, demonstration: bool) -> Value {
        let links = |l: &[Link]| Value::Array(l.iter().map(Link::to_json).collect());
        let mut v = match self {
            Record::OrganisationUsage { period, organisation, usage, depends_on } => json!({
                "type": self.kind(), "period": period, "organisation": organisation,
                "usage": usage, "depends_on": links(depends_on),
            }),
            Record::ClassificationChange { organisation, role, status, reason, decided_by, decided_at } => json!({
                "type": self.kind(), "organisation": organisation, "role": role, "status": status,
                "reason": reason, "decided_by": decided_by, "decided_at": decided_at,
            }),
            Record::Enforcement { period, organisation, findings, actions, depends_on } => json!({
                "type": self.kind(), "period": period, "organisation": organisation,
                "findings": findings, "actions": actions, "depends_on": links(depends_on),
            }),
            Record::RegisteredUse { period, organisation, use_case, declaration, registered_by, depends_on } => json!({
                "type": self.kind(), "period": period, "organisation": organisation, "use": use_case,
                "declaration": declaration, "registered_by": registered_by, "depends_on": links(depends_on),
            }),
            Record::Correction { corrects, reason, replacement } => json!({
                "type": self.kind(), "corrects": corrects.to_json(), "reason": reason,
                "replacement": replacement.as_ref().map(Link::to_json),
            }),
            Record::PeriodRecords { period, part, parts, records } => json!({
                "type": self.kind(), "period": period, "part": part, "parts": parts,
                "records": links(records),
            }),
            Record::PeriodSummary {
                period,
                organisations,
                withheld,
                out_of_scope_accounts,
                ambiguous_accounts,
                policy,
                record_lists,
                witness_fail_open,
                enforcement,
                proposals,
                review,
                screening,
            } => {
                let mut v = json!({
                    "type": self.kind(), "period": period, "organisations_disclosed": organisations,
                    "withheld": withheld.iter().map(|(r, n)| json!({"reason": r, "organisations": n})).collect::<Vec<_>>(),
                    "out_of_scope_accounts": out_of_scope_accounts,
                    "accounts_awaiting_review_ambiguous": ambiguous_accounts,
                    "policy": policy.as_ref().map(Link::to_json),
                    "record_lists": links(record_lists),
                });
                // Only a fail-open period carries the field, so other summaries keep their bytes.
                if let Value::Object(m) = &mut v {
                    if *witness_fail_open {
                        m.insert("witness_fail_open".into(), Value::Bool(true));
                    }
                    if let Some(e) = enforcement {
                        m.insert("enforcement".into(), e.clone());
                    }
                    // Only periods with policy proposals carry the list, so others keep their bytes.
                    if !proposals.is_empty() {
                        m.insert("policy_proposals".into(), Value::Array(proposals.clone()));
                    }
                    if let Some(r) = review {
                        m.insert("review".into(), r.clone());
                    }
                    // Summaries written before it was measured keep their bytes.
                    if let Some(q) = screening {
                        m.insert("screening".into(), q.clone());
                    }
                }
                v
            }
        };
        if demonstration && let Value::Object(m) = &mut v {
            m.insert("demonstration_data".into(), Value::Bool(true));
            m.insert(
                "notice".into(),
                Value::String("demonstration data: fictional organisations and generated figures".into()),
            );
        }
        v
    }

    /// The log entry: canonical JSON.
    pub fn entry(&self, demonstration: bool) -> Result<Vec<u8>, canonical::Error> {
        canonical::to_vec(&self.to_json(demonstration))
    }
}

/// The link to an entry at `index`.
pub fn link_to(index: u64, entry: &[u8]) -> Link {
    Link { index, sha256: sha256_hex(entry) }
}

/// SHA-256 of `bytes` in lowercase hex, as records and downloads name entries.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_fall_in_bands() {
        for (q, band) in [
            (0.0, "0"),
            (0.4, "under 1"),
            (1.0, "1–9"),
            (9.99, "1–9"),
            (10.0, "10–99"),
            (999.0, "100–999"),
            (1000.0, "1,000–9,999"),
            (31_689.0, "10,000–99,999"),
            (1e6, "1,000,000–9,999,999"),
        ] {
            assert_eq!(volume_band(q), band, "{q}");
        }
    }

    #[test]
    fn pseudonyms_are_stable_per_salt_and_hide_the_id() {
        let a = pseudonym("alice@example.org", b"provider-salt");
        assert_eq!(a, pseudonym("alice@example.org", b"provider-salt"));
        assert_ne!(a, pseudonym("alice@example.org", b"other-salt"));
        assert_ne!(a, pseudonym("bob@example.org", b"provider-salt"));
        assert!(a.starts_with("reviewer-") && !a.contains("alice"));
    }

    #[test]
    fn a_correction_names_the_record_it_corrects_and_entries_are_canonical() {
        let first = Record::ClassificationChange {
            organisation: "Example Retail Co (fictional)".into(),
            role: "supplier".into(),
            status: "confirmed".into(),
            reason: "holds award TEST-1 (fictional-records.csv line 3)".into(),
            decided_by: pseudonym("reviewer-7", b"salt"),
            decided_at: "2026-10-01T00:00:00Z".into(),
        };
        let e1 = first.entry(true).expect("entry");
        let fix = Record::Correction {
            corrects: link_to(41, &e1),
            reason: "the award was a grant".into(),
            replacement: None,
        };
        let e2 = fix.entry(true).expect("entry");
        let v: Value = serde_json::from_slice(&e2).expect("json");
        assert_eq!(v["corrects"]["index"], 41);
        assert_eq!(v["corrects"]["sha256"].as_str().expect("hash").len(), 64);
        assert_eq!(v["demonstration_data"], true);
        assert_eq!(canonical::to_vec(&v).expect("canonical"), e2);
        assert!(!String::from_utf8_lossy(&e1).contains("reviewer-7\""));
    }
}
