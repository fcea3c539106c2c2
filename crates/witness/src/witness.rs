//! Answering `add-checkpoint` exactly as tlog-witness says: 400 for a malformed request or an
//! old size beyond the checkpoint's, 404 for a log it does not watch, 403 without a valid
//! signature by the log's key, 409 (body: the size it last cosigned, `text/x.tlog.size`) when
//! the old size is not that size, 422 when the checkpoint is not consistent with the one it
//! cosigned (kept as evidence), else 200 with its cosignature line, after the new state is on
//! disk. A log over its rate limit gets 429 with `Retry-After` (see [`crate::rate`]).

use tlog::cosignature::Cosigner;
use tlog::{Checkpoint, Hash, NoteError, empty_root, merkle, note};

use crate::rate::{Buckets, RateLimit};
use crate::request;
use crate::state::{Latest, Outcome, State};

/// An HTTP answer: status, content type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Its content type.
    pub content_type: &'static str,
    /// Its body.
    pub body: Vec<u8>,
    /// Seconds to wait before retrying (429).
    pub retry_after: Option<u64>,
}

impl Answer {
    fn text(status: u16, body: impl Into<String>) -> Answer {
        let mut body = body.into();
        body.push('\n');
        Answer { status, content_type: "text/plain; charset=utf-8", body: body.into_bytes(), retry_after: None }
    }
}

/// A witness: its cosigning key and its state.
pub struct Witness {
    cosigner: Cosigner,
    state: State,
    limit: RateLimit,
    buckets: Buckets,
}

impl Witness {
    /// A witness with this key and state, and the default per-log rate limit.
    pub fn new(cosigner: Cosigner, state: State) -> Witness {
        Witness { cosigner, state, limit: RateLimit::default(), buckets: Buckets::default() }
    }

    /// The same witness with another per-log rate limit.
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Witness {
        self.limit = limit;
        self
    }

    /// The state (to add logs, read evidence).
    pub fn state(&mut self) -> &mut State {
        &mut self.state
    }

    /// The cosigning key's name.
    pub fn name(&self) -> &str {
        self.cosigner.name()
    }

    /// Answers one `add-checkpoint` request body at `now` (seconds since the epoch, not zero).
    pub fn add_checkpoint(&mut self, body: &[u8], now: u64) -> Answer {
        match self.answer(body, now) {
            Ok(a) => a,
            Err(e) => Answer::text(500, format!("the witness's state failed: {e}")),
        }
    }

    fn answer(&mut self, body: &[u8], now: u64) -> Result<Answer, crate::Error> {
        let req = match request::parse(body) {
            Ok(r) => r,
            Err(e) => return Ok(Answer::text(400, e)),
        };
        let (text, _) = match note::parse(&req.checkpoint) {
            Ok(parsed) => parsed,
            Err(e) => return Ok(Answer::text(400, format!("the checkpoint: {e}"))),
        };
        let cp = match Checkpoint::parse_text(text) {
            Ok(cp) => cp,
            Err(e) => return Ok(Answer::text(400, format!("the checkpoint: {e}"))),
        };
        let Some(key) = self.state.log_key(&cp.origin)? else {
            return Ok(Answer::text(404, format!("this witness does not watch {}", cp.origin)));
        };
        if let Err(wait) = self.buckets.take(&cp.origin, self.limit, std::time::Instant::now()) {
            let mut answer = Answer::text(429, format!("too many submissions for {}; retry in {wait} s", cp.origin));
            answer.retry_after = Some(wait);
            return Ok(answer);
        }
        match note::open(&req.checkpoint, &[key]) {
            Ok(_) => {}
            Err(NoteError::InvalidSignature { .. } | NoteError::NoTrustedSignature(_)) => {
                return Ok(Answer::text(403, format!("no valid signature by {}'s key", cp.origin)));
            }
            Err(e) => return Ok(Answer::text(400, format!("the checkpoint: {e}"))),
        }
        if req.old > cp.size {
            return Ok(Answer::text(400, format!("old size {} is beyond the checkpoint's {}", req.old, cp.size)));
        }
        let text = text.to_string();
        let cosigner = &self.cosigner;
        self.state.update(&cp.origin, |latest| decide(&req, &cp, &text, latest, cosigner, now))
    }
}

/// The decision on a well-formed, validly signed submission, against the latest cosigned
/// checkpoint, and what to store.
fn decide(
    req: &request::AddCheckpoint,
    cp: &Checkpoint,
    text: &str,
    latest: Option<&Latest>,
    cosigner: &Cosigner,
    now: u64,
) -> (Outcome, Answer) {
    let latest_size = latest.map_or(0, |l| l.size);
    if req.old != latest_size {
        let answer = Answer {
            status: 409,
            content_type: "text/x.tlog.size",
            body: format!("{latest_size}\n").into_bytes(),
            retry_after: None,
        };
        return (Outcome::Nothing, answer);
    }
    let refuse = |reason: String| {
        let proof = req.proof.iter().map(|h| h.to_base64()).collect::<Vec<_>>().join("\n");
        let outcome = Outcome::Evidence {
            reason: reason.clone(),
            old_size: req.old,
            proof,
            submitted: req.checkpoint.clone(),
            at: now,
        };
        (outcome, Answer::text(422, reason))
    };
    if cp.size == 0 && cp.root != empty_root() {
        return refuse("a checkpoint of size 0 must have the empty tree's root".into());
    }
    let old_root: Hash = latest.map_or_else(empty_root, |l| l.root);
    if let Err(e) = merkle::verify_consistency(req.old, cp.size, &old_root, &cp.root, &req.proof) {
        return refuse(format!("not consistent with the checkpoint of size {} this witness cosigned: {e}", req.old));
    }
    match cosigner.cosign(text, now) {
        Ok(line) => {
            let outcome = Outcome::Cosign { size: cp.size, root: cp.root, checkpoint: req.checkpoint.clone(), at: now };
            (
                outcome,
                Answer {
                    status: 200,
                    content_type: "text/plain; charset=utf-8",
                    body: line.into_bytes(),
                    retry_after: None,
                },
            )
        }
        Err(e) => (Outcome::Nothing, Answer::text(500, format!("cosigning failed: {e}"))),
    }
}
