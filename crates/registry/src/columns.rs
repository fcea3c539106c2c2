//! What both stores write alike from a value: a proposal's candidates column and the fact a
//! relationship states. One definition, so a registry moved from SQLite to PostgreSQL keys
//! the same facts the same way.

use crate::error::{Error, Result};
use crate::model::Relationship;

/// The `candidates` column of a proposal: the ambiguous proposal's candidates as JSON, or
/// nothing (both stores write it alike).
pub(crate) fn candidates_column(candidates: &[crate::model::LinkCandidate]) -> Result<Option<String>> {
    if candidates.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(candidates).map(Some).map_err(|e| Error::Invalid(format!("candidates: {e}")))
}

/// The fact a relationship states, independent of where it was read: re-importing the same
/// facts from another copy or layout of a file adds nothing (both stores key on it).
pub(crate) fn relationship_fact(r: &Relationship) -> String {
    let mut fact = format!(
        "{}|{}|{}|{}|{}|{}",
        r.kind.as_str(),
        r.from,
        r.to,
        r.award_id.as_deref().unwrap_or(""),
        r.action_date.as_deref().or(r.start_date.as_deref()).unwrap_or(""),
        r.amount.map(|a| format!("{a:.2}")).unwrap_or_default()
    );
    if let Some(t) = &r.technology {
        fact.push_str(&format!("|{t}"));
    }
    fact
}
