//! What a provider declares when it registers a use (an exception to its policy, e.g. face
//! identification for missing persons): the facts that oversight regimes ask of such a use,
//! as structured fields, checked before the use is registered. [`FIELDS`] (kept with the
//! report, whose data dictionary prints it) maps each field to the regimes that ask for it.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The kinds of legal authority or authorisation a use may rest on.
pub const AUTHORITIES: &[&str] = &["court-order", "warrant", "administrative", "statute", "consent"];

/// The declared facts of a registered use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseDeclaration {
    /// What the use is for (e.g. "identify missing persons from photographs families provide").
    #[serde(default)]
    pub purpose: String,
    /// The authorisation type: one of [`AUTHORITIES`].
    #[serde(default)]
    pub authority: String,
    /// The legal basis in words (a statute, the issuing court), when there is one to name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_detail: Option<String>,
    /// Whether a person reviews every result before it is acted on.
    #[serde(default)]
    pub human_review: Option<bool>,
    /// Who reviews (a role, not a person), required when `human_review` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_review_by: Option<String>,
    /// The similarity or confidence threshold results must meet (0 to 1).
    #[serde(default)]
    pub confidence_threshold: Option<f64>,
    /// The reference data searched (e.g. "photographs supplied by families").
    #[serde(default)]
    pub reference_data: Vec<String>,
    /// Who receives results outside the organisation (`["none"]` when nobody).
    #[serde(default)]
    pub sharing: Vec<String>,
    /// How long inputs and results are kept.
    #[serde(default)]
    pub retention: String,
    /// First day of the use (`YYYY-MM-DD`).
    #[serde(default)]
    pub start: String,
    /// Last day, when it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Who approved it (a pseudonym or role, never a person's name).
    #[serde(default)]
    pub approved_by: String,
}

pub use publish::declared::{FIELDS, Field};

impl From<&UseDeclaration> for records::Declaration {
    fn from(d: &UseDeclaration) -> records::Declaration {
        records::Declaration {
            purpose: d.purpose.clone(),
            authority: d.authority.clone(),
            authority_detail: d.authority_detail.clone(),
            human_review: d.human_review,
            human_review_by: d.human_review_by.clone(),
            confidence_threshold: d.confidence_threshold,
            reference_data: d.reference_data.clone(),
            sharing: d.sharing.clone(),
            retention: d.retention.clone(),
            start: d.start.clone(),
            end: d.end.clone(),
            approved_by: d.approved_by.clone(),
        }
    }
}

fn is_date(s: &str) -> bool {
    s.len() == 10 && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
}

impl UseDeclaration {
    /// Reads a declaration file (TOML, the field names of [`FIELDS`]); unknown fields are refused.
    pub fn from_toml(text: &str) -> Result<UseDeclaration> {
        toml::from_str(text).map_err(|e| Error::BadRequest(format!("the declaration file: {e}")))
    }

    /// Checks the declaration: every mandatory field given and well formed. The error names
    /// every missing or bad field at once.
    pub fn check(&self) -> Result<()> {
        let mut missing = Vec::new();
        let mut bad = Vec::new();
        let blank = |s: &str| s.trim().is_empty();
        if blank(&self.purpose) {
            missing.push("purpose");
        }
        if blank(&self.authority) {
            missing.push("authority");
        } else if !AUTHORITIES.contains(&self.authority.as_str()) {
            bad.push(format!("authority {:?} is not one of {}", self.authority, AUTHORITIES.join(", ")));
        }
        match self.human_review {
            None => missing.push("human_review"),
            Some(true) if self.human_review_by.as_deref().is_none_or(blank) => {
                bad.push("human_review_by is required when human_review is yes".into());
            }
            Some(_) => {}
        }
        match self.confidence_threshold {
            None => missing.push("confidence_threshold"),
            Some(t) if !(0.0..=1.0).contains(&t) => {
                bad.push(format!("confidence_threshold {t} is not between 0 and 1"))
            }
            Some(_) => {}
        }
        if self.reference_data.iter().all(|r| blank(r)) {
            missing.push("reference_data");
        }
        if self.sharing.iter().all(|r| blank(r)) {
            missing.push("sharing");
        }
        if blank(&self.retention) {
            missing.push("retention");
        }
        if blank(&self.start) {
            missing.push("start");
        } else if !is_date(&self.start) {
            bad.push(format!("start {:?} is not YYYY-MM-DD", self.start));
        }
        if let Some(end) = &self.end
            && (!is_date(end) || *end < self.start)
        {
            bad.push(format!("end {end:?} is not a YYYY-MM-DD on or after start"));
        }
        if blank(&self.approved_by) {
            missing.push("approved_by");
        }
        // Published on the report's pages: no control character (registry::input says why).
        let texts = [
            ("purpose", &self.purpose),
            ("authority", &self.authority),
            ("retention", &self.retention),
            ("start", &self.start),
            ("approved_by", &self.approved_by),
        ]
        .into_iter()
        .map(|(f, v)| (f, v.as_str()))
        .chain(
            [
                ("authority_detail", &self.authority_detail),
                ("human_review_by", &self.human_review_by),
                ("end", &self.end),
            ]
            .into_iter()
            .filter_map(|(f, v)| v.as_deref().map(|v| (f, v))),
        )
        .chain(self.reference_data.iter().map(|v| ("reference_data", v.as_str())))
        .chain(self.sharing.iter().map(|v| ("sharing", v.as_str())));
        for (field, value) in texts {
            if let Err(e) = registry::input::check(field, value, registry::input::Lines::Many) {
                bad.push(e);
            }
        }
        if missing.is_empty() && bad.is_empty() {
            return Ok(());
        }
        let mut why = Vec::new();
        if !missing.is_empty() {
            why.push(format!("missing mandatory field(s): {}", missing.join(", ")));
        }
        why.extend(bad);
        Err(Error::BadRequest(format!("the use's declaration is incomplete: {}", why.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn complete() -> UseDeclaration {
        UseDeclaration {
            purpose: "identify missing persons".into(),
            authority: "court-order".into(),
            authority_detail: None,
            human_review: Some(true),
            human_review_by: Some("trained examiner".into()),
            confidence_threshold: Some(0.99),
            reference_data: vec!["photographs supplied by families".into()],
            sharing: vec!["none".into()],
            retention: "30 days".into(),
            start: "2026-07-01".into(),
            end: None,
            approved_by: "approver-3".into(),
        }
    }

    #[test]
    fn a_declaration_needs_every_mandatory_field() {
        assert!(complete().check().is_ok());
        let err = UseDeclaration::default().check().expect_err("empty").to_string();
        for f in FIELDS.iter().filter(|f| f.mandatory) {
            assert!(err.contains(f.name), "{} not named in {err}", f.name);
        }
        let mut d = complete();
        d.human_review_by = None;
        d.confidence_threshold = Some(99.0);
        d.authority = "hunch".into();
        let err = d.check().expect_err("bad").to_string();
        assert!(err.contains("human_review_by") && err.contains("between 0 and 1") && err.contains("hunch"), "{err}");
        assert!(FIELDS.iter().all(|f| !f.asked_by.is_empty()));
    }
}
