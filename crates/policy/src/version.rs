//! Policy versions: a policy text parsed, named by its policies' `@id`s, validated against
//! the schema and identified by its SHA-256, with what the decider needs to know of it
//! beforehand — the attributes each policy reads (to explain a decision) and whether any
//! policy names a specific account (which rules out deciding every unlinked account as one).

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{Policy, PolicyId, PolicySet, Schema, ValidationMode, Validator};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// A parsed, validated policy text.
#[derive(Debug, Clone)]
pub struct PolicyVersion {
    /// The text as given.
    pub text: String,
    /// Its SHA-256 (hex): the version's identity.
    pub sha256: String,
    /// The policies, named by their `@id` annotations.
    pub set: PolicySet,
    /// For each policy, the `(variable, attribute)` pairs its conditions read.
    pub(crate) reads: HashMap<String, Vec<(String, String)>>,
    /// Each policy's position in the text.
    pub(crate) order: HashMap<String, usize>,
    /// Some policy names a specific account (`Candor::Account::"…"`), in its scope or its
    /// conditions: then an account's id can change its decision, and unlinked accounts cannot
    /// all be decided as one.
    names_accounts: bool,
}

/// A policy's id and description.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    /// `@id`.
    pub id: String,
    /// `permit` or `forbid`.
    pub effect: String,
    /// `@description`, or "".
    pub description: String,
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Collects `principal.x`, `context.x`, `resource.x` reads from a policy's JSON form.
fn reads_of(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for key in [".", "has"] {
                if let Some(Value::Object(inner)) = m.get(key)
                    && let (Some(Value::Object(left)), Some(Value::String(attr))) =
                        (inner.get("left"), inner.get("attr"))
                    && let Some(Value::String(var)) = left.get("Var")
                {
                    let pair = (var.clone(), attr.clone());
                    if !out.contains(&pair) {
                        out.push(pair);
                    }
                }
            }
            for x in m.values() {
                reads_of(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| reads_of(x, out)),
        _ => {}
    }
}

/// Whether a policy's JSON form names a specific account: an entity literal whose type is
/// the account type, as the scope writes it (`principal == …`, `principal in …`) and as a
/// condition does inside `__entity` (alone, in a set, under `==`, `in`, `contains`).
/// Any `…::Account` counts: a false alarm only costs the unlinked accounts their fast path.
fn names_account(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            let account = m.get("id").is_some()
                && m.get("type").and_then(Value::as_str).and_then(|t| t.rsplit("::").next()).map(str::trim)
                    == Some("Account");
            account || m.values().any(names_account)
        }
        Value::Array(a) => a.iter().any(names_account),
        _ => false,
    }
}

/// Most characters of a policy's `@id` (the gates' counts keep rule ids up to this length).
pub const MAX_ID: usize = 128;

impl PolicyVersion {
    /// Parses and validates `text` (from `file`, named in errors) against `schema`. Every
    /// policy needs a unique `@id("…")`. An invalid text is refused with Cedar's diagnostics.
    pub fn parse(text: &str, file: &str, schema: &Schema) -> Result<PolicyVersion> {
        let invalid = |diagnostics: String| Error::InvalidPolicy { file: file.to_string(), diagnostics };
        // The text is published on the report's pages: no control character but tab and line
        // breaks (registry::input says why), named by line.
        for (n, line) in text.split('\n').enumerate() {
            registry::input::check(&format!("line {}", n + 1), line, registry::input::Lines::Data).map_err(invalid)?;
        }
        let parsed = PolicySet::from_str(text).map_err(|e| invalid(format!("{:?}", miette_text(&e))))?;
        let mut set = PolicySet::new();
        let mut reads = HashMap::new();
        let mut seen = HashSet::new();
        let mut names_accounts = false;
        for p in parsed.policies() {
            let id = p
                .annotation("id")
                .ok_or_else(|| invalid(format!("a policy has no @id(\"…\") annotation:\n{p}")))?
                .to_string();
            // An id names the rule in decisions, counts and published records: short, printable.
            if id.trim().is_empty() || id.chars().count() > MAX_ID || id.chars().any(char::is_control) {
                return Err(invalid(format!(
                    "@id({id:?}): an id is 1 to {MAX_ID} characters with no control character (it names the rule in \
                     every decision and in the published counts)"
                )));
            }
            if !seen.insert(id.clone()) {
                return Err(invalid(format!("two policies have @id({id:?})")));
            }
            let named: Policy = p.new_id(PolicyId::new(&id));
            let mut r = Vec::new();
            match named.to_json() {
                Ok(json) => {
                    reads_of(&json, &mut r);
                    names_accounts |= names_account(&json);
                }
                // Unseen, it may name one.
                Err(_) => names_accounts = true,
            }
            reads.insert(id.clone(), r);
            set.add(named).map_err(|e| invalid(e.to_string()))?;
        }
        if parsed.templates().next().is_some() {
            return Err(invalid("templates are not supported; write plain policies".into()));
        }
        let result = Validator::new(schema.clone()).validate(&set, ValidationMode::Strict);
        if !result.validation_passed() {
            let diagnostics: Vec<String> =
                result.validation_errors().map(|e| format!("{:?}", miette_text(e))).collect();
            return Err(invalid(diagnostics.join("\n")));
        }
        let order =
            reads.keys().map(|id| (id.clone(), text.find(&format!("@id(\"{id}\")")).unwrap_or(usize::MAX))).collect();
        Ok(PolicyVersion { text: text.to_string(), sha256: sha256_hex(text), set, reads, order, names_accounts })
    }

    /// Whether some policy names a specific account (`Candor::Account::"…"`), so that two
    /// accounts with the same attributes may be decided differently.
    pub fn names_accounts(&self) -> bool {
        self.names_accounts
    }

    /// The policies, in text order.
    pub fn policies(&self) -> Vec<PolicyInfo> {
        let mut out: Vec<PolicyInfo> = self
            .set
            .policies()
            .map(|p| PolicyInfo {
                id: p.id().to_string(),
                effect: match p.effect() {
                    cedar_policy::Effect::Permit => "permit".into(),
                    cedar_policy::Effect::Forbid => "forbid".into(),
                },
                description: p.annotation("description").unwrap_or("").to_string(),
            })
            .collect();
        out.sort_by_key(|p| self.order.get(&p.id).copied().unwrap_or(usize::MAX));
        out
    }
}

/// An error or diagnostic as text, with its help and source position where Cedar gives them.
fn miette_text(e: &dyn miette::Diagnostic) -> DiagnosticText {
    let mut s = e.to_string();
    if let Some(help) = e.help() {
        s.push_str(&format!(" (help: {help})"));
    }
    DiagnosticText(s)
}

/// Formats as the plain text (Debug is used in `format!("{:?}")` above to keep one code path).
struct DiagnosticText(String);

impl std::fmt::Debug for DiagnosticText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
