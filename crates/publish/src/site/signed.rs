//! What every page says of the log it was built from: the verifier key, the signed checkpoint
//! its proofs are for, and, when the log has a trust policy (`trust-policy`, served next to `vkey`),
//! which of its witnesses cosigned that checkpoint and whether the quorum is met. A page whose
//! checkpoint lacks the quorum says so plainly, not in a footnote.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use tlog::NoteError;
use tlog::cosignature::{Cosigned, check_cosignatures};
use tlog::trust::Policy;

use super::html::{Frame, esc};

/// The log's signed facts a page carries.
pub struct Signed {
    /// The verifier key (signed-note vkey).
    pub vkey: String,
    /// The signed checkpoint, cosignatures included.
    pub checkpoint: String,
    /// The trust policy's text, when the log has one.
    pub policy: Option<String>,
    /// The witnessing notice (HTML), empty without a policy.
    pub witnessing: String,
}

impl Signed {
    /// Judges `checkpoint` by `policy` at `now` (seconds since the epoch).
    pub fn new(vkey: String, checkpoint: String, policy: Option<String>, now: u64) -> Signed {
        let witnessing = policy.as_deref().map(|p| notice(&checkpoint, p, now)).unwrap_or_default();
        Signed { vkey, checkpoint, policy, witnessing }
    }

    /// The frame of a page at depth `root` of the log `origin`.
    pub fn frame<'a>(&'a self, root: &'a str, origin: &'a str, demonstration: bool) -> Frame<'a> {
        Frame {
            root,
            origin,
            vkey: &self.vkey,
            checkpoint: &self.checkpoint,
            policy: self.policy.as_deref(),
            witnessing: &self.witnessing,
            demonstration,
        }
    }
}

/// The notice for a checkpoint under a policy's text.
fn notice(checkpoint: &str, policy: &str, now: u64) -> String {
    let not_witnessed = |why: String| {
        format!(
            "<p id=\"witnessing\" class=\"witnessing not-witnessed\" data-quorum=\"not-met\"><strong>Not witnessed.</strong> {why} \
             Without its witnesses, this log could show you a history that others do not see.</p>\n"
        )
    };
    let policy = match Policy::parse(policy) {
        Ok(p) => p,
        Err(e) => return not_witnessed(format!("The log's trust policy does not parse ({}).", esc(&e.to_string()))),
    };
    let verdicts = match check_cosignatures(checkpoint.as_bytes(), &policy.witness_keys(), now) {
        Ok(v) => v,
        // Said without the time of judging (the error's `now`): the page stays what every
        // writing and check makes until the cosignature's time comes.
        Err(NoteError::FutureCosignature { name, timestamp, .. }) => {
            return not_witnessed(format!(
                "A witness check failed: the cosignature by {} is dated {timestamp}, after the time this page was \
                 written; a witness cannot have cosigned then.",
                esc(&name)
            ));
        }
        Err(e) => return not_witnessed(format!("A witness check failed: {}.", esc(&e.to_string()))),
    };
    let cosigned: BTreeSet<String> = policy
        .witnesses
        .iter()
        .zip(&verdicts)
        .filter(|(_, (_, v))| matches!(v, Cosigned::Verified { .. }))
        .map(|(w, _)| w.name.clone())
        .collect();
    let verdict = policy.verdict(&cosigned);
    let names = |set: &BTreeSet<String>| {
        if set.is_empty() {
            "none".to_string()
        } else {
            set.iter().map(|n| format!("<b>{}</b>", esc(n))).collect::<Vec<_>>().join(", ")
        }
    };
    let quorum = verdict.quorum.as_deref().map(esc).unwrap_or_else(|| "none".into());
    if verdict.met {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<p id=\"witnessing\" class=\"witnessing\" data-quorum=\"met\">Witnessed by {}: independent witnesses cosigned this \
             page's checkpoint, each only because it extends every checkpoint of this log they cosigned before \
             (quorum <code>{quorum}</code> of the log's <a href=\"ROOT/trust-policy\">trust policy</a> met).</p>",
            names(&cosigned)
        );
        out
    } else {
        not_witnessed(format!(
            "This page's checkpoint lacks the cosignatures the log's <a href=\"ROOT/trust-policy\">trust policy</a> \
             requires (quorum <code>{quorum}</code>; cosigned by {}).",
            names(&cosigned)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog::cosignature::Cosigner;
    use tlog::{Checkpoint, Signer, empty_root};

    fn setup() -> (String, Cosigner, Cosigner, String) {
        let log = Signer::generate("candor.example/log").expect("key");
        let cp = Checkpoint { origin: "candor.example/log".into(), size: 0, root: empty_root(), extensions: vec![] };
        let signed = cp.sign(&log).expect("sign");
        let a = Cosigner::generate("witness-a.example").expect("a");
        let b = Cosigner::generate("witness-b.example").expect("b");
        let policy = format!(
            "witness a {} http://127.0.0.1:1\nwitness b {} http://127.0.0.1:2\ngroup both all a b\nquorum both\n",
            a.verifier().to_vkey().expect("vkey"),
            b.verifier().to_vkey().expect("vkey")
        );
        (signed, a, b, policy)
    }

    #[test]
    fn a_page_says_who_witnessed_it_and_says_plainly_when_the_quorum_is_missing() {
        let (signed, a, b, policy) = setup();
        let body = &signed[..signed.find("\n\n").expect("body") + 1];
        let with_a = format!("{signed}{}", a.cosign(body, 1_700_000_000).expect("a"));
        let with_both = format!("{with_a}{}", b.cosign(body, 1_700_000_001).expect("b"));
        let now = 1_800_000_000;
        let met = Signed::new(String::new(), with_both, Some(policy.clone()), now).witnessing;
        assert!(met.contains("Witnessed by <b>a</b>, <b>b</b>") && met.contains("data-quorum=\"met\""), "{met}");
        let one = Signed::new(String::new(), with_a, Some(policy.clone()), now).witnessing;
        assert!(one.contains("<strong>Not witnessed.</strong>") && one.contains("cosigned by <b>a</b>"), "{one}");
        let future = format!("{signed}{}", a.cosign(body, now + 3600).expect("a"));
        let bad = Signed::new(String::new(), future, Some(policy), now).witnessing;
        assert!(bad.contains("Not witnessed") && bad.contains("witness check failed"), "{bad}");
        assert_eq!(Signed::new(String::new(), signed, None, now).witnessing, "");
    }
}
