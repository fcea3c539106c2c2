//! What the routes share.

use std::sync::{Arc, Mutex};

use policy::engine::Decider;
use policy::store::PolicyStore;

use crate::auth::Tokens;
use crate::metrics::Metrics;
use crate::report::Report;

/// What the routes share. Every part but the tokens is optional: a server without a policy
/// answers `/v1/authorize` with 503, one without a report answers the report's routes with
/// 404, one without a registry has no review routes.
pub struct AppState {
    /// The decision point (the active policy version over the registry's facts).
    pub decider: Option<Decider>,
    /// Who may call.
    pub tokens: Tokens,
    /// Where recorded decisions go, if anywhere (the process's policy store, shared with the
    /// use cases that opened it).
    pub store: Option<Arc<Mutex<PolicyStore>>>,
    /// The published report (the log's public folder), served as files and through the API.
    pub report: Option<Report>,
    /// The registry, for the review routes (the process's registry, shared with the review
    /// queue and the use cases that opened it).
    pub registry: Option<Arc<Mutex<Box<dyn registry::Store>>>>,
    /// Where objections to policy proposals are filed, if this server takes them.
    pub objections: Option<Arc<dyn crate::desk::Desk>>,
    /// The review queue ordered by consequence; without it, the queue is the registry's, oldest first.
    pub review_queue: Option<Arc<dyn crate::desk::ReviewQueue>>,
    /// Request counters and timings.
    pub metrics: Arc<Metrics>,
    /// Connections served at once, header and request timeouts.
    pub limits: crate::Limits,
}

impl AppState {
    /// A server that only knows its tokens; set the other fields to add capabilities.
    pub fn new(tokens: Tokens) -> AppState {
        AppState {
            decider: None,
            tokens,
            store: None,
            report: None,
            registry: None,
            objections: None,
            review_queue: None,
            metrics: Arc::new(Metrics::default()),
            limits: crate::Limits::default(),
        }
    }
}
