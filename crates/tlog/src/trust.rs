//! A trust policy: which logs a verifier accepts and which witnesses must have cosigned their
//! checkpoints, in the Sigsum policy grammar that C2SP's tlog ecosystem uses. One file is read
//! alike by the log (whom to ask for cosignatures), verifiers and monitors.
//!
//! ```text
//! # comments and blank lines are ignored
//! log VKEY [URL]                    a log's verifier key (type 0x01)
//! witness NAME VKEY [URL]           a witness's cosigning key (type 0x04 or 0x06)
//! group NAME all|any|K MEMBER...    K of the members (witnesses or groups defined above)
//! quorum NAME|none                  the witness or group whose cosignature a checkpoint needs
//! ```
//!
//! Names are defined once, before use, so a policy has no cycles. A missing `quorum` line
//! means none, said as plainly as `quorum none`.

use std::collections::{BTreeMap, BTreeSet};

use crate::cosignature::CosignatureVerifier;
use crate::note::Verifier;

/// A policy that does not parse, naming the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy line {line}: {message}")]
pub struct PolicyError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A witness the policy names.
#[derive(Debug, Clone)]
pub struct Witness {
    /// Its name in the policy.
    pub name: String,
    /// Its cosigning key.
    pub key: CosignatureVerifier,
    /// Where it takes checkpoints (`add-checkpoint`), if given.
    pub url: Option<String>,
}

/// A log the policy accepts.
#[derive(Debug, Clone)]
pub struct PolicyLog {
    /// Its verifier key.
    pub key: Verifier,
    /// Where it is served, if given.
    pub url: Option<String>,
}

/// How many of a group's members must be satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// Every member.
    All,
    /// At least one.
    Any,
    /// At least this many.
    AtLeast(usize),
}

#[derive(Debug, Clone)]
struct Group {
    threshold: Threshold,
    members: Vec<String>,
}

/// A parsed trust policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Logs, in the order given.
    pub logs: Vec<PolicyLog>,
    /// Witnesses, in the order given.
    pub witnesses: Vec<Witness>,
    groups: BTreeMap<String, Group>,
    /// The witness or group a checkpoint needs, or none.
    pub quorum: Option<String>,
}

/// Whether a checkpoint meets a policy's quorum, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumVerdict {
    /// The quorum is met (always, when the policy has none).
    pub met: bool,
    /// The quorum's name, or none.
    pub quorum: Option<String>,
    /// Witnesses whose cosignature counted.
    pub cosigned_by: Vec<String>,
}

impl Policy {
    /// Parses a policy file's text.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut p = Policy::default();
        let mut names: BTreeSet<String> = BTreeSet::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |message: String| PolicyError { line, message };
            let words: Vec<&str> = raw.split('#').next().unwrap_or("").split_whitespace().collect();
            let Some((&keyword, args)) = words.split_first() else { continue };
            let url = |a: Option<&&str>| a.map(|u| u.to_string());
            match keyword {
                "log" => {
                    let (Some(vkey), None) = (args.first(), args.get(2)) else {
                        return Err(err("expected: log VKEY [URL]".into()));
                    };
                    let key = Verifier::from_vkey(vkey).map_err(|e| err(e.to_string()))?;
                    p.logs.push(PolicyLog { key, url: url(args.get(1)) });
                }
                "witness" => {
                    let (Some(name), Some(vkey), None) = (args.first(), args.get(1), args.get(3)) else {
                        return Err(err("expected: witness NAME VKEY [URL]".into()));
                    };
                    if !names.insert(name.to_string()) {
                        return Err(err(format!("{name} is defined twice")));
                    }
                    let key = CosignatureVerifier::from_vkey(vkey).map_err(|e| err(e.to_string()))?;
                    p.witnesses.push(Witness { name: name.to_string(), key, url: url(args.get(2)) });
                }
                "group" => {
                    let (Some(name), Some(threshold), members) = (args.first(), args.get(1), args.get(2..)) else {
                        return Err(err("expected: group NAME all|any|K MEMBER...".into()));
                    };
                    let members: Vec<String> = members.unwrap_or(&[]).iter().map(|m| m.to_string()).collect();
                    if members.is_empty() {
                        return Err(err(format!("group {name} has no members")));
                    }
                    if let Some(unknown) = members.iter().find(|m| !names.contains(*m)) {
                        return Err(err(format!("{unknown} is not a witness or group defined above")));
                    }
                    if members.iter().collect::<BTreeSet<_>>().len() != members.len() {
                        return Err(err(format!("group {name} names a member twice")));
                    }
                    let threshold = match *threshold {
                        "all" => Threshold::All,
                        "any" => Threshold::Any,
                        k => match k.parse::<usize>() {
                            Ok(k) if (1..=members.len()).contains(&k) => Threshold::AtLeast(k),
                            _ => {
                                return Err(err(format!(
                                    "threshold {k:?}: all, any, or a number from 1 to {}",
                                    members.len()
                                )));
                            }
                        },
                    };
                    if !names.insert(name.to_string()) {
                        return Err(err(format!("{name} is defined twice")));
                    }
                    p.groups.insert(name.to_string(), Group { threshold, members });
                }
                "quorum" => {
                    let (Some(name), None) = (args.first(), args.get(1)) else {
                        return Err(err("expected: quorum NAME|none".into()));
                    };
                    if p.quorum.is_some() {
                        return Err(err("a second quorum line".into()));
                    }
                    if *name != "none" && !names.contains(*name) {
                        return Err(err(format!("{name} is not a witness or group defined above")));
                    }
                    p.quorum = (*name != "none").then(|| name.to_string());
                }
                other => return Err(err(format!("unknown keyword {other:?} (log, witness, group, quorum)"))),
            }
        }
        Ok(p)
    }

    /// The cosigning keys of every witness, to check a checkpoint's lines with.
    pub fn witness_keys(&self) -> Vec<CosignatureVerifier> {
        self.witnesses.iter().map(|w| w.key.clone()).collect()
    }

    /// Whether witnesses that verifiably cosigned (by policy name) meet the quorum.
    pub fn verdict(&self, cosigned: &BTreeSet<String>) -> QuorumVerdict {
        let met = self.quorum.as_deref().is_none_or(|q| self.satisfied(q, cosigned));
        let cosigned_by =
            self.witnesses.iter().filter(|w| cosigned.contains(&w.name)).map(|w| w.name.clone()).collect();
        QuorumVerdict { met, quorum: self.quorum.clone(), cosigned_by }
    }

    fn satisfied(&self, name: &str, cosigned: &BTreeSet<String>) -> bool {
        let Some(g) = self.groups.get(name) else { return cosigned.contains(name) };
        let n = g.members.iter().filter(|m| self.satisfied(m, cosigned)).count();
        match g.threshold {
            Threshold::All => n == g.members.len(),
            Threshold::Any => n >= 1,
            Threshold::AtLeast(k) => n >= k,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::Cosigner;
    use crate::note::Signer;

    fn keys() -> (String, Vec<String>) {
        let log = Signer::generate("example.com/log").expect("log").verifier().to_vkey();
        let witnesses = ["w.example/a", "w.example/b", "w.example/c"]
            .map(|n| Cosigner::generate(n).expect("w").verifier().to_vkey().expect("vkey"))
            .to_vec();
        (log, witnesses)
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn groups_nest_and_the_quorum_counts_verified_witnesses() {
        let (log, w) = keys();
        let text = format!(
            "# two of three, and always a\nlog {log} https://log.example/\nwitness a {} https://a.example/\nwitness b {}\nwitness c {}\n\
             group bc any b c\ngroup two 2 a b c\ngroup q all a two\nquorum q\n",
            w[0], w[1], w[2]
        );
        let p = Policy::parse(&text).expect("parse");
        assert_eq!(p.logs.len(), 1);
        assert_eq!(p.witnesses[0].url.as_deref(), Some("https://a.example/"));
        assert!(p.verdict(&set(&["a", "b"])).met);
        assert!(p.verdict(&set(&["a", "c"])).met);
        assert!(!p.verdict(&set(&["b", "c"])).met, "a is required");
        assert!(!p.verdict(&set(&["a"])).met, "two of three");
        assert_eq!(p.verdict(&set(&["a", "b", "stranger"])).cosigned_by, ["a", "b"]);
        let none = Policy::parse(&format!("log {log}\nquorum none\n")).expect("none");
        assert!(none.verdict(&BTreeSet::new()).met);
    }

    #[test]
    fn bad_policies_name_their_line() {
        let (log, w) = keys();
        for (text, expect) in [
            (format!("witness a {}\nwitness a {}\n", w[0], w[1]), "line 2: a is defined twice"),
            (format!("witness a {}\ngroup g 2 a\n", w[0]), "line 2: threshold \"2\""),
            (format!("witness a {}\ngroup g any a b\n", w[0]), "line 2: b is not a witness or group"),
            ("quorum q\n".to_string(), "line 1: q is not a witness or group"),
            (format!("witness a {log}\n"), "line 1: malformed key"),
            ("frobnicate\n".to_string(), "line 1: unknown keyword"),
            (format!("witness a {}\nquorum a\nquorum a\n", w[0]), "line 3: a second quorum"),
        ] {
            let e = Policy::parse(&text).expect_err(expect).to_string();
            assert!(e.contains(expect), "{e} should say {expect}");
        }
    }
}
