//! The server's state over its stores, opened once for the process. Each part is on when its
//! files exist: the report when the log has published, the decision point when a policy is
//! active, review when there is a registry.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use tlog::LocalLog;

use crate::stores::Stores;

/// Where the server's parts live, besides its stores.
#[derive(Debug, Clone)]
pub struct ServePlaces {
    /// The log's home folder (its public folder is the report).
    pub log_dir: PathBuf,
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

/// Builds the server's state over `stores`, which the server's handlers, its review queue and
/// its decision point share (each store opened once, for the process's life).
pub fn state(stores: Arc<Stores>, places: &ServePlaces) -> Result<server::AppState> {
    let tokens = server::auth::Tokens::load(&places.tokens)?;
    let mut state = server::AppState::new(tokens);
    let public = LocalLog::at(&places.log_dir).public_dir();
    if public.join(tlog::CHECKPOINT_PATH).exists() {
        state.report = Some(server::report::Report::at(public));
        state.objections = Some(Arc::new(crate::notice::LogDesk(places.log_dir.clone())));
    }
    // The decision point first: the review queue below builds on a thread of its own holding
    // the registry, and the server must not wait for that build to start.
    if stores.has_policy() && stores.has_registry() {
        let store = stores.policy()?;
        let active = crate::stores::lock(&store).active()?;
        if active.is_some() {
            state.decider = Some(crate::policy::serving_decider(&stores)?);
            if places.record {
                state.store = Some(store);
            }
        }
    }
    if stores.has_registry() {
        // Opened before the queue warms on its own thread, so a bad place fails the start.
        state.registry = Some(stores.registry()?);
        let queue =
            Arc::new(crate::review::serve::CachedQueue::new(stores.clone(), REVIEW_QUEUE_TTL, places.four_eyes));
        // Built in the background from the start: at a large provider's size it takes seconds.
        let warming = queue.clone();
        std::thread::spawn(move || {
            if let Err(e) = warming.warm() {
                eprintln!("the review queue will be built on its first request: {e:#}");
            }
        });
        state.review_queue = Some(queue);
    }
    Ok(state)
}

/// The state of a decision point alone (`candor policy serve`): the active version, no report
/// and no review.
pub fn decision_point(stores: &Stores, places: &ServePlaces) -> Result<server::AppState> {
    let decider = crate::policy::serving_decider(stores)?;
    Ok(server::AppState {
        decider: Some(decider),
        store: if places.record { Some(stores.policy()?) } else { None },
        ..server::AppState::new(server::auth::Tokens::load(&places.tokens)?)
    })
}
