//! `candor publish --period 2026-Q3`: gather what the period may disclose, append its records
//! to the log (idempotently, with corrections when something changed), then write the static
//! report next to the log's tiles.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use policy::store::PolicyStore;
use publish::append::{self, Options};
use publish::gather::{Period, gather};
use registry::SqliteStore;
use serde_json::json;
use tlog::LocalLog;
use usage::aggregate::UsageStore;

use crate::cli::PublishArgs;
use crate::output::print_json;

/// What a publish run did.
pub struct Published {
    pub outcome: append::Outcome,
    pub site: publish::site::SiteReport,
    pub organisations: usize,
    pub withheld: Vec<(String, u64)>,
    /// Accounts with usage whose name fits several organisations, awaiting a reviewer.
    pub ambiguous_accounts: u64,
}

/// Publishes `period` from the given places.
pub fn publish_period(
    period: &str,
    log_dir: &Path,
    registry_db: &Path,
    usage_db: &Path,
    policy_db: &Path,
    exact_quantities: bool,
    demonstration: bool,
) -> Result<Published> {
    let period = Period::parse(period)?;
    for (what, p) in [("registry", registry_db), ("usage database", usage_db)] {
        if !p.exists() {
            bail!("{}: no {what} here (pass its path; see candor publish --help)", p.display());
        }
    }
    let home = LocalLog::at(log_dir);
    let mut writer = home
        .open()
        .with_context(|| format!("opening the log in {} (create one with candor log init)", log_dir.display()))?;
    let registry = SqliteStore::open(registry_db).with_context(|| format!("opening {}", registry_db.display()))?;
    let rows = UsageStore::open(usage_db).with_context(|| format!("opening {}", usage_db.display()))?.rows()?;
    let policy_index =
        if policy_db.exists() { PolicyStore::open(policy_db)?.active()?.map(|v| v.log_index) } else { None };
    let data = gather(&registry, &rows, &period)?;
    let opts = Options { exact_quantities, demonstration, salt: salt(&home)? };
    let outcome = append::publish(&mut writer, &data, policy_index, &opts)?;
    drop(writer);
    let site = publish::site::write_site(&home.public_dir(), &home.verifier()?, &registry::model::now())?;
    let mut withheld: Vec<(String, u64)> = data.withheld.into_iter().collect();
    if !exact_quantities && !data.orgs.is_empty() {
        withheld.push((publish::gather::reasons::EXACT_QUANTITIES.to_string(), data.orgs.len() as u64));
    }
    Ok(Published {
        outcome,
        site,
        organisations: data.orgs.len(),
        withheld,
        ambiguous_accounts: data.ambiguous_accounts,
    })
}

/// The provider's secret salt for reviewer pseudonyms: made once, kept beside the signing key
/// with the same 0600 permissions, never published.
fn salt(home: &LocalLog) -> Result<Vec<u8>> {
    let path = home.home().join("pseudonym.salt");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(text.trim().as_bytes().to_vec());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the pseudonym salt: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path).with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut f, format!("{hex}\n").as_bytes())?;
    f.sync_all()?;
    Ok(hex.into_bytes())
}

pub fn run(args: &PublishArgs) -> Result<ExitCode> {
    let p = publish_period(
        &args.period,
        &args.log.dir,
        &args.policy.db,
        &args.usage_db,
        &args.policy.policy_db,
        args.exact_quantities,
        args.demonstration_data,
    )?;
    let public = LocalLog::at(&args.log.dir).public_dir();
    if args.json {
        print_json(&json!({
            "period": args.period, "appended": p.outcome.appended, "organisation_records": p.outcome.organisation_records,
            "summary": p.outcome.summary, "size": p.outcome.size, "site": public, "files": p.site.files,
            "organisations": p.organisations, "withheld": p.withheld,
            "accounts_awaiting_review_ambiguous": p.ambiguous_accounts,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    if p.outcome.appended.is_empty() {
        println!("{}: nothing new to publish; the log is unchanged at size {}", args.period, p.outcome.size);
    } else {
        println!(
            "{}: appended {} records (log now {} entries) and signed the checkpoint:",
            args.period,
            p.outcome.appended.len(),
            p.outcome.size
        );
        for (i, kind) in &p.outcome.appended {
            println!("  #{i} {kind}");
        }
    }
    println!(
        "  {} organisations disclosed; withheld: {}; {} accounts awaiting review: ambiguous",
        p.organisations,
        withheld_text(&p.withheld),
        p.ambiguous_accounts
    );
    println!(
        "  report: {} ({} files; open index.html, or candor serve --dir {})",
        public.display(),
        p.site.files,
        args.log.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn withheld_text(withheld: &[(String, u64)]) -> String {
    if withheld.is_empty() {
        return "nothing".into();
    }
    withheld.iter().map(|(r, n)| format!("{n} ({r})")).collect::<Vec<_>>().join(", ")
}
