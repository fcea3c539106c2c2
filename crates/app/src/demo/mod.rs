//! `candor demo`: the whole pipeline on built-in demonstration data.
//!
//! 1–4 build a registry from candor's federal reference (and the real public records beside
//! the checkout, when present) plus fictional records, screen generated fictional accounts,
//! and generate and ingest usage for fictional accounts only; 5–7 activate the default use
//! policy through the log and audit the usage; 8 publishes the period 2026-Q3 (records in the
//! log, static report next to its tiles) and publishes again to show it adds nothing, then a
//! policy change is proposed with notice, objected to and withdrawn; 9 checks
//! the report from the outside (after a gateway asked the gate about fictional requests, whose
//! counts the second period discloses). From step 8 on, two witnesses on loopback must both cosign each
//! checkpoint before it is served; at the end a checkpoint forked with the log's own key is
//! shown to both and refused. Every record with usage is about a fictional organisation and
//! says "demonstration data".

pub mod gate_step;
pub mod notice_step;
pub mod policy_step;
pub mod reconcile_step;
pub mod registry_step;
pub mod witness_step;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use publish::check::{CheckReport, check_report};
use tlog::{Dir, LocalLog};

use crate::period::{PublishPeriod, Published, publish_period};
use crate::stores::Stores;

/// Marks a folder as made by `candor demo`, so a rerun may replace it and nothing else.
const MARKER: &str = "DEMONSTRATION-DATA.txt";
/// The demo log's origin.
pub const ORIGIN: &str = "candor.example/demo-log";
/// What every demo output says about itself.
pub const NOTICE: &str = "demonstration data: fictional organisations and generated figures";
/// The period the demo publishes.
pub const PERIOD: &str = "2026-Q3";
/// The second period the demo publishes.
pub const SECOND_PERIOD: &str = "2026-Q4";
/// The fictional face-recognition vendor, which starts using face recognition in the second period.
pub const VENDOR: &str = "Examplar Vision Ltd (fictional)";
/// The fictional agency whose face identification the audit finds.
pub const SHERIFF: &str = "Lakemoor County Sheriff's Office (fictional)";

/// Everything a demo run did, for the caller to print.
pub struct DemoRun {
    /// The demo's log.
    pub log: LocalLog,
    /// Its verifier key.
    pub vkey: String,
    /// The registry step.
    pub registry: registry_step::Summary,
    /// The policy step.
    pub policy: policy_step::Summary,
    /// The first publication of the period.
    pub first: Published,
    /// The publication after a reviewer confirmed a withheld role.
    pub corrected: Published,
    /// The organisation whose role the reviewer confirmed.
    pub confirmed: Option<String>,
    /// The check of the report from its files.
    pub check: CheckReport,
    /// The checkpoint verified, kept to check later reports against.
    pub trusted: PathBuf,
    /// The server's state for the demo folder.
    pub state: server::AppState,
    /// The two witnesses (served while this lives).
    pub witnesses: witness_step::DemoWitnesses,
    /// The forked checkpoint and the witnesses' refusals.
    pub fork: witness_step::ForkRefused,
    /// The enforcement action the provider recorded after the first publication.
    pub suspended: policy::store::EnforcementAction,
    /// The publication of the second period.
    pub second: Published,
    /// The policy change proposed, objected to and withdrawn.
    pub notice: notice_step::Summary,
    /// The requests a gateway asked the gate about in the second period.
    pub gate: gate_step::Summary,
}

/// How the demo publishes `period` from its folder `dir`: its stores, its log, every record
/// marked as demonstration data.
pub fn publish_request(dir: &Path, period: &str) -> Result<PublishPeriod> {
    Ok(PublishPeriod {
        period: publish::gather::Period::parse(period)?,
        log_dir: dir.join("log"),
        exact_quantities: false,
        demonstration: true,
        witness_fail_open: false,
        provider: Some(dir.join("provider.toml")),
        rebuild_site: false,
    })
}

/// Runs the demo in `dir` (replacing an earlier demo there, nothing else).
pub fn run(dir: &Path) -> Result<DemoRun> {
    prepare(dir)?;
    let log = LocalLog::at(dir.join("log"));
    log.init(ORIGIN).context("creating the demo log")?;
    let verifier = log.verifier()?;

    // The demo's stores, opened once for the whole run and passed to every step.
    let stores = Arc::new(Stores::in_folder(dir));
    let registry = registry_step::run(dir, &stores).context("the registry demo")?;
    let policy = policy_step::run(dir, &stores).context("the policy demo")?;
    let witnesses = witness_step::start(dir, &log).context("starting the demo's witnesses")?;

    let request = publish_request(dir, PERIOD)?;
    let first = publish_period(&stores, &request).context("publishing the demo period")?;
    let again = publish_period(&stores, &request).context("publishing the demo period again")?;
    if !again.outcome.appended.is_empty() {
        bail!("publishing the same period twice appended {} records", again.outcome.appended.len());
    }
    // The audit found the fictional sheriff's face identification (an open finding in the
    // first publication); the provider suspends it.
    let suspended = crate::enforcement::record(
        &stores,
        &crate::enforcement::RecordAction {
            subject: crate::enforcement::Subject::Organisation(SHERIFF.into()),
            action: policy::store::ActionKind::Suspended,
            policy: "no-face-recognition-for-police".into(),
            reason: "face identification by a police agency is forbidden by the use policy; access to Amazon Rekognition suspended (demonstration data)"
                .into(),
            reviewer: "demo-reviewer".into(),
            effective: Some("2026-10-01".into()),
        },
    )
    .context("recording the demo's enforcement action")?;
    // A reviewer confirms the role that was withheld as awaiting review; publishing again
    // discloses the organisation, the action taken, and corrects what changed, openly.
    let confirmed = confirm_withheld_role(&stores)?;
    let corrected = publish_period(&stores, &request).context("publishing the demo period after the review")?;
    // A change announced before it takes effect, with its effect on the published period,
    // objected to by two staff members and withdrawn.
    let notice = notice_step::run(dir, &stores, SHERIFF).context("the demo's policy proposal")?;
    // A second quarter: the suspended sheriff's office no longer uses face recognition, the
    // fictional vendor starts to; publishing 2026-Q4 shows what is new and what stopped.
    let face_q4: Vec<String> = [registry_step::HARBOR_CITY, VENDOR]
        .iter()
        .flat_map(|n| registry.org_accounts.get(*n).cloned().unwrap_or_default())
        .collect();
    registry_step::generate_quarter(dir, &stores, &registry.usage_accounts, &face_q4, (2026, 10), 2027)
        .context("generating the second quarter's demonstration usage")?;
    // The gateway in front of the face API asks the gate; its counts go into the second period.
    let police = registry.org_accounts.get(registry_step::HARBOR_CITY).cloned().unwrap_or_default();
    let others: Vec<String> =
        registry.usage_accounts.iter().filter(|a| !police.contains(a)).take(20).cloned().collect();
    let gate = gate_step::run(&stores, &police, &others, 5).context("the demo's gate")?;
    let second =
        publish_period(&stores, &publish_request(dir, SECOND_PERIOD)?).context("publishing the second demo period")?;

    // Check the report from the outside, as an auditor would, and keep its checkpoint.
    let public = log.public_dir();
    let files = publish::check::folder_files(&public);
    let check = check_report(&Dir::new(&public), &verifier, &[], &files, &mut |_| {})?;
    if !check.faults.is_empty() {
        bail!("the demo report does not verify: {}", check.faults.join("; "));
    }
    let trusted = dir.join("trusted-checkpoint");
    fs::copy(public.join(tlog::CHECKPOINT_PATH), &trusted)?;
    let fork =
        witness_step::fork_refused(dir, &log, &witnesses).context("showing the witnesses a forked checkpoint")?;
    if let Some((name, status, _)) = fork.answers.iter().find(|(_, status, _)| *status != 422) {
        bail!("witness {name} answered a forked checkpoint with {status}, not 422");
    }
    if !fork.monitor_alerts.iter().any(|a| a.kind == "split_view") {
        bail!("the monitor shown the forked view raised no split-view alert");
    }

    let state = crate::serving::state(
        stores,
        &crate::serving::ServePlaces {
            log_dir: dir.join("log"),
            tokens: dir.join("tokens"),
            record: false,
            four_eyes: true,
        },
    )?;
    Ok(DemoRun {
        vkey: verifier.to_vkey(),
        log,
        registry,
        policy,
        first,
        corrected,
        confirmed,
        check,
        trusted,
        state,
        witnesses,
        fork,
        suspended,
        second,
        notice,
        gate,
    })
}

/// Confirms the first fictional organisation whose law-enforcement role is only proposed (the
/// demo's fictional parent company), as the demo's reviewer. Returns its name.
fn confirm_withheld_role(stores: &Stores) -> Result<Option<String>> {
    use registry::Store as _;
    use registry::model::Status;
    let store = stores.registry()?;
    let mut store = crate::stores::lock(&store);
    let graph = registry::classify::Graph::load(&**store)?;
    let mut proposed: Vec<_> = graph
        .latest
        .values()
        .filter(|c| c.status == Status::Proposed)
        .filter(|c| graph.orgs.get(&c.org_id).is_some_and(|o| o.name.contains("(fictional)")))
        .collect();
    proposed.sort_by_key(|c| c.org_id);
    let Some(c) = proposed.first() else { return Ok(None) };
    let name = graph.orgs[&c.org_id].name.clone();
    let mut tx = store.begin()?;
    tx.append_classification(
        c.org_id,
        c.role,
        Status::Confirmed,
        &format!("{} — confirmed on review (demonstration data)", c.reason),
        "demo-reviewer",
    )?;
    tx.commit()?;
    Ok(Some(name))
}

/// Makes `dir` an empty demo folder; replaces only a folder an earlier demo made.
fn prepare(dir: &Path) -> Result<()> {
    if dir.exists() {
        if !dir.join(MARKER).exists() {
            bail!("{} exists and was not made by candor demo; choose another --dir", dir.display());
        }
        fs::remove_dir_all(dir).with_context(|| format!("removing the earlier demo in {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    fs::write(dir.join(MARKER), format!("Everything in this folder was made by `candor demo`.\nIt is {NOTICE}.\n"))?;
    Ok(())
}
