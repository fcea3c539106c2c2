//! Answering `add-checkpoint` exactly as tlog-witness says: 400 for a malformed request or an
//! old size beyond the checkpoint's, 404 for a log it does not watch, 403 without a valid
//! signature by the log's key, 409 (body: the size it last cosigned, `text/x.tlog.size`) when
//! the old size is not that size, 422 when the checkpoint is not consistent with the one it
//! cosigned (kept as evidence), else 200 with its cosignature line, after the new state is on
//! disk.
//!
//! Anyone can submit, and a log's checkpoints are public, so what a submission costs the log
//! depends on what it is (see [`crate::rate`]). The log's signature is checked before anything
//! is counted: a submission without it (403) spends nothing, so those who do not hold the
//! log's key cannot spend the log's budget. A 409 is a read and spends nothing either: it is
//! how a log learns where the witness stands. The checkpoint cosigned last, sent again, is
//! answered with the cosignature given then, read from the state and never rewritten; it and a
//! refused checkpoint (kept as evidence once) draw on a separate budget for submissions that
//! change nothing. Only a new checkpoint the witness will cosign draws on the log's budget.
//! Over a budget the answer is 429 with `Retry-After`.

use std::time::Instant;

use tlog::cosignature::Cosigner;
use tlog::{Checkpoint, Hash, NoteError, Verifier, empty_root, merkle, note};

use crate::rate::{Buckets, RateLimit};
use crate::request;
use crate::signed;
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

    /// 200 with this witness's cosignature line.
    fn cosigned(line: String) -> Answer {
        Answer { status: 200, content_type: "text/plain; charset=utf-8", body: line.into_bytes(), retry_after: None }
    }

    /// 409 with the size cosigned last.
    fn stale(size: u64) -> Answer {
        Answer {
            status: 409,
            content_type: "text/x.tlog.size",
            body: format!("{size}\n").into_bytes(),
            retry_after: None,
        }
    }

    /// 429: `what` is over its budget for `wait` seconds.
    fn over(what: String, wait: u64) -> Answer {
        let mut answer = Answer::text(429, format!("{what}; retry in {wait} s"));
        answer.retry_after = Some(wait);
        answer
    }
}

/// A witness: its cosigning key and its state.
pub struct Witness {
    cosigner: Cosigner,
    state: State,
    /// Each log's budget for new checkpoints to cosign.
    limit: RateLimit,
    buckets: Buckets,
    /// Each log's budget for validly signed submissions that change nothing (the checkpoint
    /// cosigned last sent again, a refused one), apart, so replays cannot spend the other.
    replay_limit: RateLimit,
    replays: Buckets,
}

impl Witness {
    /// A witness with this key and state, and the default per-log rate limits.
    pub fn new(cosigner: Cosigner, state: State) -> Witness {
        Witness {
            cosigner,
            state,
            limit: RateLimit::default(),
            buckets: Buckets::default(),
            replay_limit: RateLimit::default(),
            replays: Buckets::default(),
        }
    }

    /// The same witness with another per-log limit on new checkpoints.
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Witness {
        self.limit = limit;
        self
    }

    /// The same witness with another per-log limit on submissions that change nothing.
    pub fn with_replay_limit(mut self, limit: RateLimit) -> Witness {
        self.replay_limit = limit;
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

    /// The latest checkpoint of `origin` this witness cosigned, as it serves it: the text, the
    /// log's signature lines and its own cosignature (see the `signed` module); `None` when it
    /// never cosigned one (or does not watch the log).
    pub fn latest_checkpoint(&self, origin: &str) -> Result<Option<Vec<u8>>, crate::Error> {
        let Some(key) = self.state.log_key(origin)? else {
            return Ok(None);
        };
        let Some(latest) = self.state.latest(origin)? else {
            return Ok(None);
        };
        signed::served(&latest, &key, &self.cosigner).map(Some)
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
        // The signature before any budget: only the holder of the log's key may spend it.
        match note::open(&req.checkpoint, std::slice::from_ref(&key)) {
            Ok(_) => {}
            Err(NoteError::InvalidSignature { .. } | NoteError::NoTrustedSignature(_)) => {
                return Ok(Answer::text(403, format!("no valid signature by {}'s key", cp.origin)));
            }
            Err(e) => return Ok(Answer::text(400, format!("the checkpoint: {e}"))),
        }
        if req.old > cp.size {
            return Ok(Answer::text(400, format!("old size {} is beyond the checkpoint's {}", req.old, cp.size)));
        }
        // A read decides which budget the submission draws on; the transaction below decides
        // again, atomically, what to store.
        let latest = self.state.latest(&cp.origin)?;
        let verdict = judge(&req, &cp, text, latest.as_ref());
        let limited = match &verdict {
            Verdict::Stale(size) => return Ok(Answer::stale(*size)),
            Verdict::Advance => self
                .buckets
                .take(&cp.origin, self.limit, Instant::now())
                .map_err(|wait| Answer::over(format!("too many new checkpoints of {}", cp.origin), wait)),
            Verdict::Replay { .. } | Verdict::Refuse(_) => {
                self.replays.take(&cp.origin, self.replay_limit, Instant::now()).map_err(|wait| {
                    Answer::over(format!("too many submissions of {} that change nothing", cp.origin), wait)
                })
            }
        };
        if let Err(answer) = limited {
            return Ok(answer);
        }
        if let Verdict::Replay { at } = verdict {
            return Ok(Answer::cosigned(self.cosigner.cosign(text, at)?));
        }
        let (_, lines) = signed::log_lines(&req.checkpoint, &key)?;
        let submitted = signed::note_of(text, &lines, "");
        let keys = Keys { log: &key, cosigner: &self.cosigner };
        let submission = Submission { req: &req, cp: &cp, text, submitted: &submitted };
        self.state.update(&cp.origin, |latest| decide(&submission, latest, &keys, now))?
    }
}

/// The keys a decision uses: the log's, to keep its lines, and this witness's, to cosign.
struct Keys<'a> {
    log: &'a Verifier,
    cosigner: &'a Cosigner,
}

/// A well-formed, validly signed submission.
struct Submission<'a> {
    req: &'a request::AddCheckpoint,
    cp: &'a Checkpoint,
    /// The checkpoint's text.
    text: &'a str,
    /// What is kept of it: the text and the log's signature lines.
    submitted: &'a [u8],
}

/// What a validly signed submission is, against the latest cosigned checkpoint.
#[derive(Debug)]
enum Verdict {
    /// Its old size is not the size cosigned last, this one (409).
    Stale(u64),
    /// The checkpoint cosigned last, sent again: answered with the cosignature given then
    /// (made at `at`), nothing stored.
    Replay { at: u64 },
    /// Not consistent with what was cosigned, for this reason (422).
    Refuse(String),
    /// A checkpoint to cosign and store.
    Advance,
}

fn judge(req: &request::AddCheckpoint, cp: &Checkpoint, text: &str, latest: Option<&Latest>) -> Verdict {
    let latest_size = latest.map_or(0, |l| l.size);
    if req.old != latest_size {
        return Verdict::Stale(latest_size);
    }
    if cp.size == 0 && cp.root != empty_root() {
        return Verdict::Refuse("a checkpoint of size 0 must have the empty tree's root".into());
    }
    let old_root: Hash = latest.map_or_else(empty_root, |l| l.root);
    if let Err(e) = merkle::verify_consistency(req.old, cp.size, &old_root, &cp.root, &req.proof) {
        return Verdict::Refuse(format!(
            "not consistent with the checkpoint of size {} this witness cosigned: {e}",
            req.old
        ));
    }
    match latest {
        // The same text (so the same size, root and extension lines): recording it again would
        // change nothing the spec asks the witness to keep.
        Some(l) if l.size == cp.size && note::parse(&l.checkpoint).is_ok_and(|(stored, _)| stored == text) => {
            Verdict::Replay { at: l.cosigned_at }
        }
        _ => Verdict::Advance,
    }
}

/// The decision on a submission against the latest cosigned checkpoint, inside the state's
/// transaction, and what to store.
fn decide(
    s: &Submission<'_>,
    latest: Option<&Latest>,
    keys: &Keys<'_>,
    now: u64,
) -> (Outcome, Result<Answer, crate::Error>) {
    match judge(s.req, s.cp, s.text, latest) {
        Verdict::Stale(size) => (Outcome::Nothing, Ok(Answer::stale(size))),
        Verdict::Replay { at } => {
            (Outcome::Nothing, keys.cosigner.cosign(s.text, at).map(Answer::cosigned).map_err(Into::into))
        }
        // The checkpoint cosigned last with a bad proof: the submitter's mistake (anyone can
        // replay a public checkpoint), not evidence that the log contradicts itself.
        Verdict::Refuse(reason)
            if latest.is_some_and(|l| note::parse(&l.checkpoint).is_ok_and(|(stored, _)| stored == s.text)) =>
        {
            (Outcome::Nothing, Ok(Answer::text(422, reason)))
        }
        Verdict::Refuse(reason) => {
            let contradicted = match latest.map(|l| signed::served(l, keys.log, keys.cosigner)).transpose() {
                Ok(c) => c,
                Err(e) => return (Outcome::Nothing, Err(e)),
            };
            let proof = s.req.proof.iter().map(|h| h.to_base64()).collect::<Vec<_>>().join("\n");
            let outcome = Outcome::Evidence {
                reason: reason.clone(),
                old_size: s.req.old,
                proof,
                submitted: s.submitted.to_vec(),
                latest: contradicted,
                at: now,
            };
            (outcome, Ok(Answer::text(422, reason)))
        }
        Verdict::Advance => match keys.cosigner.cosign(s.text, now) {
            Ok(line) => {
                let mut checkpoint = s.submitted.to_vec();
                checkpoint.extend_from_slice(line.as_bytes());
                let outcome = Outcome::Cosign { size: s.cp.size, root: s.cp.root, checkpoint, at: now };
                (outcome, Ok(Answer::cosigned(line)))
            }
            Err(e) => (Outcome::Nothing, Ok(Answer::text(500, format!("cosigning failed: {e}")))),
        },
    }
}
