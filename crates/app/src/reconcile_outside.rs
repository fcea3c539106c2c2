//! The same reconciliation from outside (`candor reconcile-report`): anyone with a published
//! report and the public files can repeat it. The report is verified first (signature, every
//! entry, every page); the public files are imported into a registry of their own, in memory,
//! with candor's federal reference (and any extra reference given); the ties are computed from
//! them exactly as the provider computes its own; and each tie is looked up in the period's
//! published reconciliation. A tie the reconciliation does not list is **missing**; one it
//! calls disclosed whose record is not the organisation's current usage record of the period
//! is **not disclosed**. Either is a finding, and the check fails.

use std::path::PathBuf;

use anyhow::{Context, Result};
use reconcile::{Status, Tie};
use registry::import::{self, ImportOptions};
use serde::Serialize;

/// What to check.
#[derive(Clone)]
pub struct OutsideCheck {
    /// The report: an http(s) URL or a folder.
    pub source: String,
    /// The log's verifier key (the site's own when absent, with a warning).
    pub vkey: Option<tlog::Verifier>,
    /// FedRAMP Marketplace files.
    pub fedramp: Vec<PathBuf>,
    /// AI use-case inventory files.
    pub ai_inventory: Vec<PathBuf>,
    /// Extra references of law-enforcement agencies (candor's own is always read).
    pub references: Vec<PathBuf>,
    /// The provider file.
    pub provider: PathBuf,
    /// The period (the last one published when absent).
    pub period: Option<String>,
}

/// One tie and what the report says of it.
#[derive(Debug, Clone, Serialize)]
pub struct OutsideRow {
    /// The tie, from the public files.
    #[serde(flatten)]
    pub tie: Tie,
    /// Its standing as the report's reconciliation states it; absent when it does not list it.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub status: Option<Status>,
    /// What is wrong, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
}

/// The outside check's result.
#[derive(Debug, Clone, Serialize)]
pub struct OutsideResult {
    /// The report checked.
    pub source: String,
    /// The period.
    pub period: String,
    /// The report verified (its faults are in `faults`).
    pub verified: bool,
    /// What the report's own verification found.
    pub faults: Vec<String>,
    /// What to know about how it was checked.
    pub warnings: Vec<String>,
    /// The log index of the reconciliation read, when the report has one for the period.
    pub reconciliation_record: Option<u64>,
    /// One row per tie, by name.
    pub rows: Vec<OutsideRow>,
    /// Organisations the reconciliation lists that the files given do not tie (information).
    pub listed_not_tied: Vec<String>,
    /// How many findings (missing or not disclosed).
    pub findings: u64,
}

impl OutsideResult {
    /// Whether the report verified and every tie is accounted for.
    pub fn passed(&self) -> bool {
        self.verified && self.findings == 0
    }
}

/// Runs the outside check.
pub fn check(req: &OutsideCheck, progress: &mut dyn FnMut(&str)) -> Result<OutsideResult> {
    if req.fedramp.is_empty() && req.ai_inventory.is_empty() {
        anyhow::bail!("give the public files to hold the report against: --fedramp FILE and/or --ai-inventory FILE");
    }
    let (source, pages) = crate::log::remote::open_report(&req.source)?;
    let mut warnings = Vec::new();
    let verifier = match &req.vkey {
        Some(v) => v.clone(),
        None => {
            let served = source.read("vkey")?.context("the site serves no vkey file; pass --vkey")?;
            warnings.push(
                "no --vkey given: using the key the site itself serves; compare it with the key the provider publishes elsewhere"
                    .to_string(),
            );
            tlog::Verifier::from_vkey(String::from_utf8_lossy(&served).trim()).context("the site's vkey file")?
        }
    };
    progress("verifying the report");
    let faults = match publish::check::check_report(&*source, &verifier, &[], &pages, &mut |_| {}) {
        Ok(r) => r.faults,
        Err(e) => vec![format!("the log (checkpoint, tiles, entries): {e:#}")],
    };
    let signed = source.read(tlog::CHECKPOINT_PATH)?.context("the report serves no checkpoint")?;
    let cp = tlog::Checkpoint::open(&signed, &verifier).context("the report's checkpoint")?;
    // The served log, indexed as it is read (each bundle once); only the records the
    // reconciliation needs are read again whole.
    let (index, _) = publish::index::RecordIndex::open(&*source, cp.size, &cp.root, publish::index::Cache::None)?;
    let log = crate::reconcile::Logged { index: &index, storage: &*source };
    let period = match &req.period {
        Some(p) => p.clone(),
        None => log.last_period().context("the report has published no period")?,
    };

    progress("importing the public files");
    let mut store = registry::SqliteStore::in_memory()?;
    import::import_reference(&mut store, None)?;
    for f in &req.references {
        import::import_reference(&mut store, Some(f)).with_context(|| format!("{}", f.display()))?;
    }
    for f in &req.fedramp {
        import::import_fedramp(&mut store, f).with_context(|| format!("{}", f.display()))?;
    }
    for f in &req.ai_inventory {
        import::import_ai_inventory(&mut store, f, ImportOptions::default(), &mut |_, _| {})
            .with_context(|| format!("{}", f.display()))?;
    }
    let provider = crate::reconcile::provider(&req.provider)?;
    let offerings = provider.offering_ids(&reconcile::known_offerings(&store)?, &req.provider.display().to_string())?;
    let ties = reconcile::ties(&store, &provider, &offerings)?;
    if !req.ai_inventory.is_empty() {
        for n in reconcile::unmatched_inventory_names(&store, &provider)? {
            warnings.push(format!(
                "inventory name {:?} names no vendor of the inventory given: it ties nothing (a typo?)",
                reconcile::printable(&n)
            ));
        }
    }

    progress("holding the ties against the report");
    let latest = log.latest_reconciliation(&period)?;
    let reconciliation = latest.as_ref().map(|(i, x)| (*i, x));
    let held = Held {
        log,
        disclosed: log.disclosures(&period)?,
        statements: log.statements_in_force()?,
        withheld_reasons: log.withheld_reasons(&period)?,
    };
    let mut rows = Vec::new();
    for tie in ties {
        let listed =
            reconciliation.and_then(|(_, x)| x.organisations.iter().find(|o| o.organisation == tie.organisation));
        let (status, finding) = match listed {
            None => (
                None,
                Some(match reconciliation {
                    None => format!("missing: the report has no reconciliation for {period}"),
                    Some(_) => "missing: a public record ties it to the provider's offerings, and the report's \
                                reconciliation does not list it"
                        .to_string(),
                }),
            ),
            Some(o) => held.standing(o, &tie),
        };
        rows.push(OutsideRow { tie, status, finding });
    }
    let tied: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.tie.organisation.as_str()).collect();
    let listed_not_tied = reconciliation
        .map(|(_, x)| {
            x.organisations.iter().map(|o| o.organisation.clone()).filter(|o| !tied.contains(o.as_str())).collect()
        })
        .unwrap_or_default();
    let findings = rows.iter().filter(|r| r.finding.is_some()).count() as u64;
    Ok(OutsideResult {
        source: req.source.clone(),
        period,
        verified: faults.is_empty(),
        faults,
        warnings,
        reconciliation_record: reconciliation.map(|(i, _)| i),
        rows,
        listed_not_tied,
        findings,
    })
}

/// What the report's log says, to hold each listed organisation against.
struct Held<'a> {
    log: crate::reconcile::Logged<'a>,
    /// The period's current usage records, by organisation name.
    disclosed: std::collections::BTreeMap<String, reconcile::Disclosure>,
    /// The statements in force that an organisation is not a customer.
    statements: std::collections::BTreeMap<String, (u64, String)>,
    /// The reasons the period's current summary counts withheld organisations under.
    withheld_reasons: std::collections::BTreeSet<String>,
}

impl Held<'_> {
    /// A listed organisation's standing as the record states it, and a finding when the log
    /// says otherwise.
    fn standing(&self, o: &records::Reconciled, tie: &Tie) -> (Option<Status>, Option<String>) {
        let status = match o.status {
            records::Standing::Disclosed => Status::Disclosed { record: o.record.as_ref().map(|l| l.index) },
            records::Standing::Withheld => Status::Withheld { reason: o.reason.clone().unwrap_or_default() },
            records::Standing::LinkedNoUsage => Status::LinkedNoUsage,
            records::Standing::NoLinkedAccount => Status::NoLinkedAccount { awaiting_review: o.awaiting_review },
            records::Standing::NotACustomer => Status::NotACustomer {
                statement: o.statement.as_ref().map_or(0, |l| l.index),
                reason: o.reason.clone().unwrap_or_default(),
            },
        };
        // Its usage record of the period, when the period discloses this organisation (not
        // another of its name).
        let current = self
            .disclosed
            .get(&o.organisation)
            .filter(|d| d.kind == tie.kind && d.state == tie.state)
            .and_then(|d| d.record);
        let finding = match o.status {
            records::Standing::Disclosed => match (&o.record, current) {
                (Some(link), Some(c)) if link.index == c && self.log.holds(link) => None,
                (link, _) => Some(format!(
                    "not disclosed: the reconciliation says disclosed{}, but the period has no such current usage \
                     record of it",
                    link.as_ref().map(|l| format!(" in record #{}", l.index)).unwrap_or_default()
                )),
            },
            _ if current.is_some() => Some(format!(
                "the reconciliation says {}, but the period discloses its usage (record #{})",
                o.status.words(),
                current.unwrap_or_default()
            )),
            records::Standing::Withheld => {
                let reason = o.reason.as_deref().unwrap_or("");
                (!self.withheld_reasons.contains(reason))
                    .then(|| format!("withheld for {reason:?}, a reason the period summary does not count"))
            }
            records::Standing::NotACustomer => {
                let in_force = self.statements.get(&o.organisation).map(|(i, _)| *i);
                let linked = o.statement.as_ref().filter(|l| Some(l.index) == in_force && self.log.holds(l));
                linked.is_none().then(|| {
                    "not a customer, the reconciliation says, but the log holds no statement in force that says so"
                        .to_string()
                })
            }
            _ => None,
        };
        (Some(status), finding)
    }
}

impl std::fmt::Display for OutsideResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for w in &self.warnings {
            writeln!(f, "warning: {}", reconcile::printable(w))?;
        }
        if self.verified {
            writeln!(f, "the report verified: every record it shows is in its signed log")?;
        } else {
            writeln!(f, "the report did NOT verify ({} fault(s)):", self.faults.len())?;
            for x in &self.faults {
                writeln!(f, "  {}", reconcile::printable(x))?;
            }
        }
        match self.reconciliation_record {
            Some(i) => writeln!(f, "{}: the report's reconciliation is record #{i}", self.period)?,
            None => writeln!(f, "{}: the report has no reconciliation", self.period)?,
        }
        writeln!(
            f,
            "{} law-enforcement organisation(s) the public files tie to the provider's offerings:",
            self.rows.len()
        )?;
        for r in &self.rows {
            let status = r.status.as_ref().map(Status::words).unwrap_or_else(|| "not listed".into());
            let p = reconcile::printable;
            writeln!(f, "{} ({}): {}", p(&r.tie.organisation), r.tie.role, p(&status))?;
            if let Some(x) = &r.finding {
                writeln!(f, "    FINDING: {}", p(x))?;
            }
            for e in &r.tie.public_records {
                writeln!(f, "    {}", p(&e.entry))?;
            }
        }
        for o in &self.listed_not_tied {
            writeln!(f, "{}: listed by the report, tied by none of the files given", reconcile::printable(o))?;
        }
        if self.passed() {
            writeln!(f, "PASSED: the report accounts for every organisation these public records tie to the provider")
        } else {
            writeln!(
                f,
                "FAILED: {} finding(s){}",
                self.findings,
                if self.verified { "" } else { ", and the report did not verify" }
            )
        }
    }
}
