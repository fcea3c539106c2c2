//! JSON Schemas (draft 2020-12) of the record kinds, generated from the types, so the
//! published schemas and the records cannot drift apart. Each kind's schema adds what every
//! record carries: its `type`, and the demonstration mark and notice.
//!
//! The schemas allow members they do not name: a later format may add fields, and readers
//! keep them (see the `read` module).

use schemars::JsonSchema;
use serde_json::{Value, json};

use crate::kinds::correction::Correction;
use crate::kinds::enforcement::{Enforcement, RegisteredUse};
use crate::kinds::gate::GateDecisions;
use crate::kinds::period::{PeriodRecords, PeriodSummary};
use crate::kinds::policy::{NoticeSetting, PolicyObjection, PolicyProposal, PolicyVersion, PolicyWithdrawal};
use crate::kinds::reconciliation::{CustomerStatement, Reconciliation};
use crate::kinds::usage::{Classification, OrganisationUsage};
use crate::record::KINDS;

/// One kind's schema.
#[derive(Debug, Clone)]
pub struct KindSchema {
    /// The records' `type`.
    pub kind: &'static str,
    /// The schema.
    pub schema: Value,
}

impl KindSchema {
    /// The file it is published as (`candor.organisation_usage.schema.json`).
    pub fn file_name(&self) -> String {
        format!("{}.schema.json", self.kind)
    }
}

fn kind_schema<T: JsonSchema>(kind: &'static str) -> KindSchema {
    let mut schema = schemars::schema_for!(T).to_value();
    if let Value::Object(m) = &mut schema {
        m.insert("title".into(), json!(kind));
        if let Some(Value::Object(p)) = m.get_mut("properties") {
            p.insert("type".into(), json!({"description": "The record's kind.", "const": kind}));
            p.insert(
                "demonstration_data".into(),
                json!({"description": "Present, and true, only on demonstration data.", "const": true}),
            );
            p.insert(
                "notice".into(),
                json!({"description": "On demonstration data: what the record is.", "type": "string"}),
            );
        }
        if let Some(Value::Array(r)) = m.get_mut("required") {
            r.insert(0, json!("type"));
        } else {
            m.insert("required".into(), json!(["type"]));
        }
    }
    KindSchema { kind, schema }
}

/// The schema of every kind, in the order of [`KINDS`].
pub fn all() -> Vec<KindSchema> {
    vec![
        kind_schema::<OrganisationUsage>(KINDS[0]),
        kind_schema::<Classification>(KINDS[1]),
        kind_schema::<Enforcement>(KINDS[2]),
        kind_schema::<RegisteredUse>(KINDS[3]),
        kind_schema::<Correction>(KINDS[4]),
        kind_schema::<PeriodSummary>(KINDS[5]),
        kind_schema::<PeriodRecords>(KINDS[6]),
        kind_schema::<PolicyVersion>(KINDS[7]),
        kind_schema::<PolicyProposal>(KINDS[8]),
        kind_schema::<PolicyObjection>(KINDS[9]),
        kind_schema::<PolicyWithdrawal>(KINDS[10]),
        kind_schema::<NoticeSetting>(KINDS[11]),
        kind_schema::<Reconciliation>(KINDS[12]),
        kind_schema::<CustomerStatement>(KINDS[13]),
        kind_schema::<GateDecisions>(KINDS[14]),
    ]
}

/// The schema for records of `kind`, if the format defines it.
pub fn for_kind(kind: &str) -> Option<KindSchema> {
    all().into_iter().find(|s| s.kind == kind)
}
