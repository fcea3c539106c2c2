//! How a gate behaves when it cannot decide, and how long what it read may be trusted.

use std::collections::BTreeSet;
use std::time::Duration;

/// What a capability's requests get when the gate cannot decide (no active policy, stores
/// unreachable for longer than the outage TTL, an evaluation failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    /// Refuse (the default for every capability).
    Closed,
    /// Allow, and count the request as failed open (an incident the report shows).
    Open,
}

/// What a request for an operation the taxonomy does not know gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrecognised {
    /// Allowed without a policy decision (for a gateway that also sends APIs the taxonomy does
    /// not cover).
    Allow,
    /// Refused (the default: an operation added to an API after the taxonomy was written could
    /// otherwise be what the policy forbids).
    Deny,
}

/// A gate's settings.
#[derive(Debug, Clone)]
pub struct GateConfig {
    /// Capabilities that fail open; every other fails closed.
    pub fail_open: BTreeSet<String>,
    /// Requests for operations the taxonomy does not know.
    pub unrecognised: Unrecognised,
    /// How long a decision is reused for the same account and request (while the policy and
    /// the registry are unchanged).
    pub cache_ttl: Duration,
    /// Most decisions cached (the cache is emptied when full).
    pub cache_entries: usize,
    /// How often the stores are asked whether the policy or the registry changed.
    pub refresh: Duration,
    /// How long, once the stores cannot be read, decisions keep being made from what was last
    /// read; after that the fail modes decide.
    pub outage_ttl: Duration,
    /// How often counts are written to the policy store.
    pub flush: Duration,
    /// Count every decision on this day (`YYYY-MM-DD`) instead of today (UTC): for a
    /// demonstration that publishes a fixed period, and for tests.
    pub counting_day: Option<String>,
}

impl Default for GateConfig {
    fn default() -> GateConfig {
        GateConfig {
            fail_open: BTreeSet::new(),
            unrecognised: Unrecognised::Deny,
            cache_ttl: Duration::from_secs(30),
            cache_entries: 100_000,
            refresh: Duration::from_secs(1),
            outage_ttl: Duration::from_secs(10),
            flush: Duration::from_secs(5),
            counting_day: None,
        }
    }
}

impl GateConfig {
    /// The fail mode of `capability`.
    pub fn fail_mode(&self, capability: &str) -> FailMode {
        if self.fail_open.contains(capability) { FailMode::Open } else { FailMode::Closed }
    }
}
