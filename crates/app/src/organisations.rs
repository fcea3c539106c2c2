//! Which organisations: the registry's use cases — import public records and accounts (all or
//! nothing per file), classify, explain a classification with its evidence, screen accounts
//! (or one name, or a labelled set), export and count — with their options checked here, so a
//! command only parses, calls and prints.

use std::path::Path;

use anyhow::{Result, bail};
use registry::Store;
use registry::classify::ClassifyConfig;
use registry::import::{ImportOptions, ImportReport};

use crate::stores::{Stores, lock};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// USAspending contract downloads (award summaries, transactions, subawards).
    Usaspending,
    /// The FBI UCR agency list.
    Fbi,
    /// The EFF Atlas of Surveillance CSV.
    Atlas,
    /// The provider's customer accounts.
    Accounts,
    /// FollowTheMoney entities (JSON lines).
    Ftm,
    /// A reference of organisations (candor's own when no file is given).
    Reference,
    /// The FedRAMP Marketplace (JSON).
    Fedramp,
    /// The federal AI use-case inventory (CSV).
    AiInventory,
}

/// Imports `files` of `source` into the registry of `stores`, each file all or nothing (or its bad
/// rows listed and skipped with `skip_bad_rows`); `progress(file, done, total)` follows each.
pub fn import(
    stores: &Stores,
    source: Source,
    files: &[std::path::PathBuf],
    skip_bad_rows: bool,
    progress: &mut dyn FnMut(&Path, u64, u64),
) -> Result<Vec<ImportReport>> {
    use registry::import;
    let store = stores.registry()?;
    let mut store = lock(&store);
    let opts = ImportOptions { skip_bad_rows };
    let mut reports = Vec::new();
    if source == Source::Reference {
        if files.is_empty() {
            reports.push(import::import_reference(&mut *store, None)?);
        }
        for f in files {
            reports.push(import::import_reference(&mut *store, Some(f))?);
        }
        return Ok(reports);
    }
    if files.is_empty() {
        bail!("give at least one file to import");
    }
    for f in files {
        let mut tick = |done: u64, total: u64| progress(f, done, total);
        let report = match source {
            Source::Usaspending => import::import_usaspending(&mut *store, f, opts, &mut tick),
            Source::Fbi => import::import_fbi_agencies(&mut *store, f, opts, &mut tick),
            Source::Atlas => import::import_atlas(&mut *store, f, opts, &mut tick),
            Source::Accounts => import::import_accounts(&mut *store, f, opts, &mut tick),
            Source::Ftm => registry::ftm::import(&mut *store, f),
            Source::Reference => import::import_reference(&mut *store, Some(f)),
            Source::Fedramp => import::import_fedramp(&mut *store, f),
            Source::AiInventory => import::import_ai_inventory(&mut *store, f, opts, &mut tick),
        };
        reports.push(report?);
    }
    Ok(reports)
}

/// The classification options, checked: a non-negative amount, an ISO date.
pub fn classify_config(min_amount: f64, since: Option<String>) -> Result<ClassifyConfig> {
    if !min_amount.is_finite() || min_amount < 0.0 {
        bail!("--min-amount must be a non-negative number of dollars");
    }
    if let Some(s) = &since {
        let ok = s.len() == 10
            && s.as_bytes()[4] == b'-'
            && s.as_bytes()[7] == b'-'
            && s.chars().filter(char::is_ascii_digit).count() == 8;
        if !ok {
            bail!("--since {s:?}: expected an ISO date such as 2020-01-01");
        }
    }
    Ok(ClassifyConfig { min_amount, since })
}

/// Derives classifications and appends the changes to the history.
pub fn classify(stores: &Stores, cfg: &ClassifyConfig) -> Result<registry::classify::ClassifyReport> {
    Ok(registry::classify::classify(&mut **lock(&*stores.registry()?), cfg)?)
}

/// What explains a classification: an account id explains the account (its links, then its
/// organisation); anything else names an organisation.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Explained {
    /// An account.
    Account(registry::classify::AccountExplanation),
    /// An organisation.
    Organisation(registry::classify::Explanation),
}

impl std::fmt::Display for Explained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Explained::Account(a) => a.fmt(f),
            Explained::Organisation(o) => o.fmt(f),
        }
    }
}

/// Explains `what` (an account id or an organisation).
pub fn explain(stores: &Stores, what: &str, cfg: &ClassifyConfig) -> Result<Explained> {
    let store = stores.registry()?;
    let store = lock(&store);
    Ok(match registry::classify::explain_account(&**store, what, cfg)? {
        Some(a) => Explained::Account(a),
        None => Explained::Organisation(registry::classify::explain(&**store, what, cfg)?),
    })
}

/// Writes the registry as FollowTheMoney entities to `out`; how many.
pub fn export_ftm(stores: &Stores, out: &mut dyn std::io::Write) -> Result<usize> {
    let n = registry::ftm::export(&**lock(&*stores.registry()?), out)?;
    out.flush()?;
    Ok(n)
}

/// What the registry holds, counted.
pub fn stats(stores: &Stores) -> Result<registry::Counts> {
    Ok(lock(&*stores.registry()?).counts()?)
}

/// How strictly to screen: a threshold from 0 to 1, checked.
pub fn screen_config(threshold: f64) -> Result<registry::screen::ScreenConfig> {
    if !(0.0..=1.0).contains(&threshold) {
        bail!("--threshold must be between 0 and 1");
    }
    Ok(registry::screen::ScreenConfig { threshold, ..Default::default() })
}

/// Screens every account of the registry of `stores`, proposing links for review.
pub fn screen_all(stores: &Stores, cfg: &registry::screen::ScreenConfig) -> Result<registry::screen::ScreenReport> {
    Ok(registry::screen::screen_all(&mut **lock(&*stores.registry()?), cfg)?)
}

/// Screens one name (with its state, when given) without storing anything.
pub fn screen_name(
    stores: &Stores,
    name: &str,
    state: Option<&str>,
    cfg: &registry::screen::ScreenConfig,
) -> Result<registry::screen::NameScreening> {
    Ok(registry::screen::screen_name(&**lock(&*stores.registry()?), name, state, cfg)?)
}

/// Precision and recall on the labelled set at `set`, per category and per score band.
pub fn evaluate(
    stores: &Stores,
    set: &Path,
    cfg: &registry::screen::ScreenConfig,
) -> Result<registry::eval::EvalReport> {
    Ok(registry::eval::evaluate(&**lock(&*stores.registry()?), set, cfg)?)
}

/// Every link of the registry of `stores` with its latest event and proposal (the review's full
/// list, decided links included).
pub fn links(stores: &Stores) -> Result<Vec<registry::review::LinkState>> {
    Ok(registry::review::links(&**lock(&*stores.registry()?))?)
}

/// The id of the organisation `name` names (a name, `#id`, key or identifier), as a reviewer
/// chooses one candidate of an ambiguous proposal.
pub fn organisation_named(store: &dyn Store, name: &str) -> Result<i64> {
    Ok(registry::review::organisation_named(store, name)?)
}
