//! What the provider's audit found against its use policy and what it did about it, per
//! disclosed organisation and period: the findings (policy, capability, service, region class,
//! volume, first and last day, and open or the action taken) and the actions (what, when, by
//! whom as a pseudonym, why). The caller runs the audit (the policy crate sits above this one)
//! and hands the results in; this module turns them into a record's content.

use std::collections::BTreeMap;

use records::{Action, ActionCount, Declaration, EnforcementCounts, Volume};

use crate::redact::{pseudonym, volume_band};

/// One finding of the audit: usage a policy in force forbids.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The policies (`@id`) that forbid it.
    pub policies: Vec<String>,
    /// Capability id.
    pub capability: String,
    /// Service as billed.
    pub service: String,
    /// Region class.
    pub region_class: String,
    /// Quantity per unit.
    pub quantity: BTreeMap<String, f64>,
    /// First day of the usage (`YYYY-MM-DD`).
    pub first_day: String,
    /// Last day of the usage.
    pub last_day: String,
}

/// One action the provider recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionTaken {
    /// `warned`, `suspended`, `terminated`, `exception-granted` or `no-action`.
    pub action: String,
    /// The policy it enforces.
    pub policy: String,
    /// Why.
    pub reason: String,
    /// The reviewer's id (published only as a salted pseudonym).
    pub reviewer: String,
    /// When it takes effect.
    pub effective: String,
}

/// An organisation's findings and the actions about them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Enforcement {
    /// The audit's findings for the period.
    pub findings: Vec<Finding>,
    /// Every action recorded for the organisation about a policy one of the findings names,
    /// in recording order.
    pub actions: Vec<ActionTaken>,
}

/// A period's audit: per disclosed organisation (by name), and what is not disclosed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeriodEnforcement {
    /// Per disclosed organisation.
    pub orgs: BTreeMap<String, Enforcement>,
    /// Findings about usage that is not disclosed.
    pub findings_not_disclosed: u64,
}

/// A use the provider registered for a disclosed organisation (an exception to its policy),
/// with the facts it declared.
#[derive(Debug, Clone, PartialEq)]
pub struct DisclosedUse {
    /// The organisation's name.
    pub organisation: String,
    /// The use case (e.g. `missing_persons`).
    pub use_case: String,
    /// The declared facts, as registered (`approved_by` is published as a pseudonym).
    pub declaration: Declaration,
    /// Who registered it (published as a pseudonym).
    pub registered_by: String,
}

impl DisclosedUse {
    /// The declaration as a record carries it: people only as salted pseudonyms.
    pub fn declaration(&self, salt: &[u8]) -> Declaration {
        Declaration { approved_by: pseudonym(&self.declaration.approved_by, salt), ..self.declaration.clone() }
    }
}

/// The counts a period summary gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Findings about disclosed organisations.
    pub findings: u64,
    /// Of those, findings with no action yet.
    pub open: u64,
    /// Actions by kind.
    pub actions: BTreeMap<String, u64>,
    /// Findings about usage that is not disclosed (accounts not linked, roles awaiting review).
    pub findings_not_disclosed: u64,
}

impl Enforcement {
    /// The latest action about any of `policies`, if one was taken.
    fn status(&self, policies: &[String]) -> Option<&ActionTaken> {
        self.actions.iter().rev().find(|a| policies.contains(&a.policy))
    }

    /// The findings as a record lists them.
    pub fn findings(&self, exact: bool) -> Vec<records::Finding> {
        self.findings
            .iter()
            .map(|f| {
                let volume = f
                    .quantity
                    .iter()
                    .map(|(unit, q)| Volume {
                        unit: unit.clone(),
                        quantity: exact.then(|| (q * 1e6).round() / 1e6),
                        volume_band: (!exact).then(|| volume_band(*q)),
                    })
                    .collect();
                records::Finding {
                    policies: f.policies.clone(),
                    capability: f.capability.clone(),
                    service: f.service.clone(),
                    region_class: f.region_class.clone(),
                    volume,
                    first_day: f.first_day.clone(),
                    last_day: f.last_day.clone(),
                    status: self.status(&f.policies).map_or("open", |a| a.action.as_str()).to_string(),
                }
            })
            .collect()
    }

    /// The actions as a record lists them, reviewers as pseudonyms.
    pub fn actions(&self, salt: &[u8]) -> Vec<Action> {
        self.actions
            .iter()
            .map(|a| Action {
                action: a.action.clone(),
                policy: a.policy.clone(),
                effective: a.effective.clone(),
                decided_by: pseudonym(&a.reviewer, salt),
                reason: a.reason.clone(),
            })
            .collect()
    }

    /// Adds this organisation's findings and actions to `counts`.
    pub fn count(&self, counts: &mut Counts) {
        counts.findings += self.findings.len() as u64;
        counts.open += self.findings.iter().filter(|f| self.status(&f.policies).is_none()).count() as u64;
        for a in &self.actions {
            *counts.actions.entry(a.action.clone()).or_insert(0) += 1;
        }
    }
}

impl Counts {
    /// The summary's `enforcement` counts.
    pub fn summary(&self) -> EnforcementCounts {
        EnforcementCounts {
            findings: self.findings,
            open_findings: self.open,
            actions: self.actions.iter().map(|(k, n)| ActionCount { action: k.clone(), count: *n }).collect(),
            findings_not_disclosed: self.findings_not_disclosed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(policy: &str) -> Finding {
        Finding {
            policies: vec![policy.into()],
            capability: "face_identification".into(),
            service: "Amazon Rekognition".into(),
            region_class: "commercial".into(),
            quantity: BTreeMap::from([("Images".to_string(), 31_689.0)]),
            first_day: "2026-07-01".into(),
            last_day: "2026-09-30".into(),
        }
    }

    #[test]
    fn a_finding_is_open_until_an_action_about_its_policy_and_then_shows_the_latest() {
        let mut e = Enforcement { findings: vec![finding("no-face"), finding("other")], actions: vec![] };
        let status = |e: &Enforcement| -> Vec<String> { e.findings(false).iter().map(|f| f.status.clone()).collect() };
        assert_eq!(status(&e), ["open", "open"]);
        let act = |action: &str| ActionTaken {
            action: action.into(),
            policy: "no-face".into(),
            reason: "r".into(),
            reviewer: "alice".into(),
            effective: "2026-10-01".into(),
        };
        e.actions.push(act("warned"));
        e.actions.push(act("suspended"));
        assert_eq!(status(&e), ["suspended", "open"]);
        let mut counts = Counts::default();
        e.count(&mut counts);
        assert_eq!((counts.findings, counts.open, counts.actions.len()), (2, 1, 2));
        let actions = e.actions(b"salt");
        assert!(actions[0].decided_by.starts_with("reviewer-") && !actions[0].decided_by.contains("alice"));
        assert_eq!(e.findings(false)[0].volume[0].volume_band.as_deref(), Some("10,000\u{2013}99,999"));
    }
}
