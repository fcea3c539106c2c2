//! `candor authorize` and `candor policy …`: parse, call the policy use cases, print.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use app::policy::Authorize;
use policy::engine::Request;

use crate::cli::{PolicyCommand, PolicyPlaces};
use crate::console::emit;

/// What `candor authorize` asks.
pub struct Ask {
    pub account: String,
    pub capability: String,
    pub service: String,
    pub region_class: String,
    pub purpose: String,
}

pub fn authorize(
    places: &PolicyPlaces,
    ask: Ask,
    policy_file: Option<PathBuf>,
    record: bool,
    json: bool,
) -> Result<ExitCode> {
    let request = Request {
        account: ask.account,
        capability: ask.capability,
        service: ask.service,
        region_class: ask.region_class,
        purpose: ask.purpose,
    };
    let a = app::policy::authorize(&places.stores(), Authorize { request, policy_file, record })?;
    emit(&a, json)?;
    Ok(if a.decision.allow { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn run(cmd: PolicyCommand) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Schema => {
            print!("{}", policy::schema::builtin_text()?);
        }
        PolicyCommand::Migrate(crate::cli::MigrateArgs { from, to, json }) => {
            let (from, to) = crate::cmd::migrate_places(&from, &to)?;
            let moved = crate::console::moving("the policy database", |progress| {
                policy::store::PolicyStore::move_to_postgres(&from, &to, progress)
            })
            .with_context(|| format!("moving {} to {}", from.display(), pg::redact(&to)))?;
            crate::console::emit_all(&moved, json)?;
        }
        PolicyCommand::Default => {
            print!("{}", policy::DEFAULT_POLICY);
        }
        PolicyCommand::Validate { file, json } => emit(&app::policy::validate(&file)?, json)?,
        PolicyCommand::Activate { policy: places, log, file, by, emergency, reason, json } => {
            let how = app::policy::Activate { emergency: if emergency { reason } else { None } };
            emit(&app::policy::activate_file(&places.stores(), &log.dir, &file, &by, &how)?, json)?;
        }
        PolicyCommand::Propose { policy: places, log, usage_db, file, effective, reason, by, json } => {
            let req = app::notice::Propose { file, effective, reason, by };
            emit(&app::notice::propose(&places.stores().with_usage(usage_db.path()), &log.dir, &req)?, json)?;
        }
        PolicyCommand::Proposals { log, json } => emit(&app::notice::Listing(app::notice::list(&log.dir)?), json)?,
        PolicyCommand::Object { log, proposal, reason, objector, json } => {
            emit(&app::notice::object(&log.dir, proposal, &reason, &objector)?, json)?;
        }
        PolicyCommand::Withdraw { log, proposal, reason, by, json } => {
            emit(&app::notice::withdraw(&log.dir, proposal, &reason, &by)?, json)?;
        }
        PolicyCommand::SetNotice { log, days, reason, by, json } => {
            emit(&app::notice::set_notice_days(&log.dir, days, &reason, &by)?, json)?;
        }
        PolicyCommand::History { policy: places, json } => emit(&app::policy::history(&places.stores())?, json)?,
        PolicyCommand::Audit { policy: places, usage_db, period, policy_version, json } => {
            let stores = places.stores().with_usage(usage_db.path());
            let a = app::policy::audit_usage(&stores, policy_version.as_deref(), period.as_ref())?;
            emit(&a, json)?;
            return Ok(if a.violations.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        PolicyCommand::Diff { policy: places, usage_db, old, new, period, json } => {
            let stores = places.stores().with_usage(usage_db.path());
            emit(&app::policy::diff_versions(&stores, &old, &new, period.as_ref())?, json)?;
        }
        PolicyCommand::RegisterUse {
            policy: places,
            account,
            use_case,
            reviewer,
            reason,
            withdraw,
            declared,
            json,
        } => {
            let declaration = if withdraw { None } else { Some(declaration(&declared)?) };
            let r = app::policy::register_use(
                &places.stores(),
                &account,
                &use_case,
                !withdraw,
                &reviewer,
                &reason,
                declaration.as_ref(),
            )?;
            emit(&r, json)?;
        }
        PolicyCommand::Replay { policy: places, json } => {
            let r = app::policy::replay_decisions(&places.stores())?;
            emit(&r, json)?;
            return Ok(if r.different.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        PolicyCommand::Serve { policy: places, usage_db, listen, tokens, record, limits } => {
            let stores = places.stores().with_usage(usage_db.path());
            let mut state = app::serving::decision_point(
                &stores,
                &app::serving::ServePlaces { log_dir: PathBuf::new(), tokens, record, four_eyes: true },
            )?;
            state.limits = limits.limits();
            let sha = state.decider.as_ref().map(|d| d.version().sha256.clone()).unwrap_or_default();
            crate::console::init_request_logs();
            server::run_until_signal(state, &listen, &|url| {
                eprintln!("serving POST /v1/authorize on {url} (policy {})", &sha[..12.min(sha.len())]);
            })?;
        }
        PolicyCommand::Token { role, label, tokens } => {
            let token = server::auth::Tokens::issue(&tokens, role, &label)?;
            eprintln!("a {} token (shown once; {} keeps only its hash):", role.as_str(), tokens.display());
            println!("{token}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The declaration from `--declaration FILE` (TOML), overridden by the flags given.
fn declaration(d: &crate::cli::Declared) -> Result<policy::declaration::UseDeclaration> {
    let mut out = match &d.declaration {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            policy::declaration::UseDeclaration::from_toml(&text).with_context(|| format!("{}", path.display()))?
        }
        None => policy::declaration::UseDeclaration::default(),
    };
    let set = |field: &mut String, v: &Option<String>| {
        if let Some(v) = v {
            field.clone_from(v);
        }
    };
    set(&mut out.purpose, &d.purpose);
    set(&mut out.authority, &d.authority);
    set(&mut out.retention, &d.retention);
    set(&mut out.start, &d.start);
    set(&mut out.approved_by, &d.approved_by);
    if d.authority_detail.is_some() {
        out.authority_detail.clone_from(&d.authority_detail);
    }
    if let Some(h) = &d.human_review {
        out.human_review = Some(h == "yes");
    }
    if d.human_review_by.is_some() {
        out.human_review_by.clone_from(&d.human_review_by);
    }
    if d.confidence_threshold.is_some() {
        out.confidence_threshold = d.confidence_threshold;
    }
    if !d.reference_data.is_empty() {
        out.reference_data.clone_from(&d.reference_data);
    }
    if !d.sharing.is_empty() {
        out.sharing.clone_from(&d.sharing);
    }
    if d.end.is_some() {
        out.end.clone_from(&d.end);
    }
    Ok(out)
}
