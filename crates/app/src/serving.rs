//! The server's state from the places on disk. Each part is on when its files exist: the
//! report when the log has published, the decision point when a policy is active, review when
//! there is a registry.

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, Result};
use tlog::LocalLog;

use crate::PolicyPlaces;

/// Where the server's parts live.
#[derive(Debug, Clone)]
pub struct ServePlaces {
    /// The log's home folder (its public folder is the report).
    pub log_dir: PathBuf,
    /// The registry and policy databases.
    pub policy: PolicyPlaces,
    /// The usage store (its services are built into the decider up front).
    pub usage_db: PathBuf,
    /// The API token file.
    pub tokens: PathBuf,
    /// Record every decision the decision point makes.
    pub record: bool,
    /// Accepting a link that would make a deny needs a second reviewer.
    pub four_eyes: bool,
}

/// How long a server's review queue serves from memory before it is built again from the
/// stores (decisions are caught up with on every request regardless).
pub const REVIEW_QUEUE_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// Builds the server's state.
pub fn state(places: &ServePlaces) -> Result<server::AppState> {
    let tokens = server::auth::Tokens::load(&places.tokens)?;
    let mut state = server::AppState::new(tokens);
    let public = LocalLog::at(&places.log_dir).public_dir();
    if public.join(tlog::CHECKPOINT_PATH).exists() {
        state.report = Some(server::report::Report::at(public));
        state.objections = Some(std::sync::Arc::new(crate::notice::LogDesk(places.log_dir.clone())));
    }
    let p = &places.policy;
    if registry::exists(&p.registry_db) {
        let queue = std::sync::Arc::new(crate::review::serve::CachedQueue::new(
            p.clone(),
            places.usage_db.clone(),
            REVIEW_QUEUE_TTL,
            places.four_eyes,
        ));
        // Built in the background from the start: at a large provider's size it takes seconds.
        let warming = queue.clone();
        std::thread::spawn(move || {
            if let Err(e) = warming.warm() {
                eprintln!("the review queue will be built on its first request: {e:#}");
            }
        });
        state.review_queue = Some(queue);
        state.registry = Some(Mutex::new(
            registry::open(&p.registry_db)
                .with_context(|| format!("opening {}", registry::describe(&p.registry_db)))?,
        ));
    }
    if pg::place_exists(&p.policy_db) && registry::exists(&p.registry_db) {
        let store = crate::policy::open_store(p)?;
        if store.active()?.is_some() {
            state.decider = Some(crate::policy::serving_decider(p, &places.usage_db, &store)?);
            if places.record {
                state.store = Some(Mutex::new(store));
            }
        }
    }
    Ok(state)
}

/// The state of a decision point alone (`candor policy serve`): the active version, no report
/// and no review.
pub fn decision_point(places: &ServePlaces) -> Result<server::AppState> {
    let store = crate::policy::open_store(&places.policy)?;
    let decider = crate::policy::serving_decider(&places.policy, &places.usage_db, &store)?;
    Ok(server::AppState {
        decider: Some(decider),
        store: places.record.then(|| Mutex::new(store)),
        ..server::AppState::new(server::auth::Tokens::load(&places.tokens)?)
    })
}
