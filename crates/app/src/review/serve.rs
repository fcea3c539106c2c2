//! The review queue as a server serves it: one index, kept current with the registry, and the
//! decisions made through it (four eyes, bulk acceptance; `decide`); and a page as text
//! for `candor review list`.

use super::{Page, QueueIndex, query_from_pairs};
use crate::stores::{Stores, lock};

/// A server's review queue: one index, caught up with the registry's decisions on every
/// request (so several servers on one database agree), rebuilt when new proposals arrived or
/// when it is older than its time to live (the usage and the policy it read may have moved).
pub struct CachedQueue {
    stores: std::sync::Arc<Stores>,
    ttl: std::time::Duration,
    /// Whether accepting a link that would make a deny needs a second reviewer.
    four_eyes: bool,
    /// When the index was built, and the index; one request builds it, the others wait.
    index: std::sync::Mutex<Option<(std::time::Instant, QueueIndex)>>,
}

impl CachedQueue {
    /// A queue over these stores, rebuilt at least every `ttl`.
    pub fn new(stores: std::sync::Arc<Stores>, ttl: std::time::Duration, four_eyes: bool) -> CachedQueue {
        CachedQueue { stores, ttl, four_eyes, index: std::sync::Mutex::new(None) }
    }

    /// Builds the index now, so the first reviewer does not wait for it (a server calls this
    /// on a thread of its own at start; requests that come meanwhile wait for the lock, then
    /// find it built).
    pub fn warm(&self) -> anyhow::Result<()> {
        // The stores' lock order: the registry before the index.
        let store = self.stores.registry()?;
        let store = lock(&store);
        let mut slot = self.index.lock().map_err(|_| anyhow::anyhow!("the review queue's lock is poisoned"))?;
        if slot.is_none() {
            let index = QueueIndex::build_from(&**store, &self.stores, &crate::notice::log::today())?;
            *slot = Some((std::time::Instant::now(), index));
        }
        Ok(())
    }

    /// The index, current with `store` (caught up, or rebuilt), held locked. For an acceptance
    /// (`exact`), also current with the usage, the policy and the registry's facts, read now:
    /// what accepting a link would deny decides whether one reviewer may confirm it, so it is
    /// never taken from an index that is out of date (new usage, another active policy).
    #[allow(clippy::type_complexity)]
    fn current(
        &self,
        store: &dyn registry::Store,
        exact: bool,
    ) -> std::result::Result<std::sync::MutexGuard<'_, Option<(std::time::Instant, QueueIndex)>>, server::desk::Refused>
    {
        use server::desk::Refused;
        let failed = |e: anyhow::Error| Refused::Failed(format!("{e:#}"));
        let mut slot = self.index.lock().map_err(|_| Refused::Failed("the review queue's lock is poisoned".into()))?;
        let mut current = match slot.as_mut() {
            Some((at, index)) if at.elapsed() < self.ttl => index.catch_up(store).map_err(failed)?,
            _ => false,
        };
        if current
            && exact
            && let Some((_, index)) = slot.as_ref()
        {
            current = index.is_current(store, &self.stores).map_err(failed)?;
        }
        if !current {
            let today = crate::notice::log::today();
            let index = QueueIndex::build_from(store, &self.stores, &today).map_err(failed)?;
            *slot = Some((std::time::Instant::now(), index));
        }
        Ok(slot)
    }
}

impl server::desk::ReviewQueue for CachedQueue {
    fn page(
        &self,
        store: &dyn registry::Store,
        pairs: &[(String, String)],
    ) -> std::result::Result<server::queue::QueuePage, server::desk::Refused> {
        use server::desk::Refused;
        let q = query_from_pairs(pairs).map_err(|e| Refused::Invalid(format!("{e:#}")))?;
        let slot = self.current(store, false)?;
        let Some((_, index)) = slot.as_ref() else { return Err(Refused::Failed("no review queue".into())) };
        let page = index.page(&q);
        Ok(server::queue::QueuePage {
            total: page.total,
            offset: page.offset,
            limit: page.limit,
            count: page.count,
            sort: page.sort,
            rows: page.rows.into_iter().cloned().collect(),
        })
    }

    fn decide(
        &self,
        store: &mut dyn registry::Store,
        ask: &server::desk::DecisionAsk,
    ) -> std::result::Result<server::queue::Decided, server::desk::Refused> {
        use server::desk::Refused;
        let slot = self.current(&*store, ask.accept)?;
        let Some((_, index)) = slot.as_ref() else { return Err(Refused::Failed("no review queue".into())) };
        let a = super::decide::Ask {
            proposal_id: ask.proposal_id,
            accept: ask.accept,
            org: ask.org_id,
            reviewer: &ask.reviewer,
            reason: &ask.reason,
            overrides: ask.overrides,
        };
        Ok(super::decide::decide(store, index, &a, self.four_eyes)?)
    }

    fn bulk_accept(
        &self,
        store: &mut dyn registry::Store,
        ids: &[i64],
        reviewer: &str,
        reason: &str,
    ) -> std::result::Result<server::queue::BulkAccepted, server::desk::Refused> {
        use server::desk::Refused;
        let slot = self.current(&*store, true)?;
        let Some((_, index)) = slot.as_ref() else { return Err(Refused::Failed("no review queue".into())) };
        let done = super::decide::bulk_accept(store, index, ids, reviewer, reason, self.four_eyes)?;
        Ok(server::queue::BulkAccepted { accepted: done.len(), decisions: done })
    }
}

/// A page as text: one block per proposal, the account beside the organisation.
pub struct PageText<'a, 'b>(pub &'b Page<'a>);

impl std::fmt::Display for PageText<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.0;
        for i in &p.rows {
            let a = &i.account;
            let o = &i.organisation;
            let place =
                [&a.city, &a.state, &a.country].iter().filter_map(|x| x.as_deref()).collect::<Vec<_>>().join(", ");
            if i.candidates.len() > 1 {
                writeln!(
                    f,
                    "[{}] {} {:?} ({place}) → ambiguous, {} candidates (accept with --org):",
                    i.proposal_id,
                    a.id,
                    a.name,
                    i.candidates.len()
                )?;
                for c in &i.candidates {
                    let o = &c.organisation;
                    writeln!(
                        f,
                        "      #{} {} ({}, {} {}) {:.2}: {}",
                        o.id, o.name, o.kind, o.role, o.role_status, c.score, c.reasons
                    )?;
                }
            } else {
                // Why it came back has a line of its own below; the matcher's reasons here.
                let reasons = i.matcher_reasons();
                writeln!(
                    f,
                    "[{}] {} {:?} ({place}) → {} (#{}; {}, {} {}) {:.2}{}: {reasons}",
                    i.proposal_id,
                    a.id,
                    a.name,
                    o.name,
                    o.id,
                    o.kind,
                    o.role,
                    o.role_status,
                    i.score,
                    if i.identifier_match { ", identifier match" } else { "" },
                )?;
            }
            if let Some(why) = &i.proposed_again {
                writeln!(f, "      proposed again {why}")?;
            }
            for e in i.organisation.evidence.iter().take(3) {
                writeln!(f, "      evidence: {e}")?;
            }
            if !a.capabilities.is_empty() {
                let used: Vec<String> =
                    a.capabilities.iter().map(|c| format!("{} ({} {})", c.capability, c.volume_band, c.unit)).collect();
                writeln!(f, "      uses {} from {} to {}", used.join(", "), a.first_usage, a.last_usage)?;
            }
            writeln!(f, "      {}; chance right {:.0}%", i.calibration.words(), i.calibration.probability * 100.0)?;
            if !i.would_deny.is_empty() {
                writeln!(
                    f,
                    "      accepting makes a deny: {} (by {})",
                    i.would_deny.join(", "),
                    i.denying_policies.join(", ")
                )?;
            }
        }
        let shown = if p.count == p.total {
            String::new()
        } else {
            format!(" (showing {} from {}; --offset, --limit)", p.count, p.offset + 1)
        };
        writeln!(f, "{} link(s) waiting for review{shown}", p.total)
    }
}
