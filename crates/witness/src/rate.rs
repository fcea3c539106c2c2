//! Per-log rate limits: a log's submissions draw from a bucket of `burst` tokens refilled at
//! `per_second`, so one busy or misbehaving log cannot take the witness from the others. A
//! submission over its limit is answered 429 with `Retry-After`, before state is touched.
//!
//! Only submissions validly signed by the log's key draw on its buckets, so nobody without the
//! key can empty them (one without the signature costs a signature check and gets 403), and the
//! witness keeps two per log (see [`crate::Witness`]): one for new checkpoints, which cost a
//! durable write, and one for submissions that change nothing (the checkpoint cosigned last,
//! which anyone can replay from the log, or a refused one), so replays cannot spend what the
//! log's next checkpoint needs.

use std::collections::HashMap;
use std::time::Instant;

/// Submissions allowed per log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained submissions per second.
    pub per_second: f64,
    /// How many may come at once.
    pub burst: f64,
}

impl Default for RateLimit {
    /// 20 a second, bursts of 40: far above a log that checkpoints every second or so.
    fn default() -> RateLimit {
        RateLimit { per_second: 20.0, burst: 40.0 }
    }
}

/// Each log's bucket: (tokens left, when last refilled).
#[derive(Debug, Default)]
pub(crate) struct Buckets {
    by_origin: HashMap<String, (f64, Instant)>,
}

impl Buckets {
    /// Takes a token for `origin` at `now`; `Err(seconds to wait)` when none is left.
    pub(crate) fn take(&mut self, origin: &str, limit: RateLimit, now: Instant) -> Result<(), u64> {
        let (tokens, last) = self.by_origin.entry(origin.to_string()).or_insert((limit.burst, now));
        let refilled =
            (*tokens + now.saturating_duration_since(*last).as_secs_f64() * limit.per_second).min(limit.burst);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) / limit.per_second.max(f64::MIN_POSITIVE)).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_rate_per_log() {
        let limit = RateLimit { per_second: 2.0, burst: 3.0 };
        let mut b = Buckets::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(b.take("a", limit, t0), Ok(()));
        }
        assert_eq!(b.take("a", limit, t0), Err(1), "the burst is spent");
        assert_eq!(b.take("b", limit, t0), Ok(()), "another log has its own bucket");
        assert_eq!(b.take("a", limit, t0 + Duration::from_millis(500)), Ok(()), "half a second refills one");
        assert!(b.take("a", limit, t0 + Duration::from_millis(600)).is_err());
    }
}
