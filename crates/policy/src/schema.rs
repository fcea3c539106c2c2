//! The Cedar schema candor's policies are written against, generated from the capability
//! taxonomy: one action per capability (so a provider's extra capabilities become actions
//! too), grouped under `face_recognition` for the face capabilities.

pub use cedar_policy::Schema;

use crate::{Error, Result};

/// The action groups a request may name besides the capabilities.
pub const GROUPS: [&str; 1] = ["face_recognition"];

/// The capabilities in the `face_recognition` action group.
pub const FACE_RECOGNITION: [&str; 3] = ["face_identification", "face_verification", "face_unspecified"];

/// The attributes every principal carries (accounts copy their organisation's).
const PRINCIPAL_ATTRIBUTES: &str = "    name: String,
    kind: String,
    law_enforcement_role: String,
    role_status: String,
    country: String,
    state: String,
    enables: Set<String>,
    enables_immigration_enforcement: Bool,
    registered_uses: Set<String>,
    supplied_technologies: Set<String>,";

/// The schema text for these capability ids.
pub fn schema_text(capabilities: &[&str]) -> String {
    let mut out = String::from(
        "// candor's Cedar schema (generated from the capability taxonomy).\nnamespace Candor {\n  entity RegionClass;\n  entity Service in [RegionClass] = {\n    name: String,\n    region_class: String,\n  };\n",
    );
    out.push_str(&format!("  entity Organisation in [Organisation] = {{\n{PRINCIPAL_ATTRIBUTES}\n  }};\n"));
    out.push_str(&format!(
        "  entity Account in [Organisation] = {{\n    linked: Bool,\n{PRINCIPAL_ATTRIBUTES}\n  }};\n"
    ));
    out.push_str("  type Request = { purpose: String };\n  action \"face_recognition\";\n");
    for c in capabilities {
        let group = if FACE_RECOGNITION.contains(c) { " in [\"face_recognition\"]" } else { "" };
        out.push_str(&format!(
            "  action \"{c}\"{group} appliesTo {{\n    principal: [Account, Organisation],\n    resource: [Service],\n    context: Request,\n  }};\n"
        ));
    }
    out.push_str("}\n");
    out
}

/// The parsed schema.
pub fn schema(capabilities: &[&str]) -> Result<Schema> {
    if let Some(bad) = capabilities.iter().find(|c| c.is_empty() || c.contains(['"', '\\'])) {
        return Err(Error::Schema(format!("capability id {bad:?} cannot be a Cedar action")));
    }
    Schema::from_cedarschema_str(&schema_text(capabilities))
        .map(|(s, _warnings)| s)
        .map_err(|e| Error::Schema(format!("{e:?}")))
}

/// The ids of the built-in taxonomy's capabilities, in its order.
fn builtin_capabilities() -> Result<Vec<String>> {
    let t = usage::taxonomy::Taxonomy::builtin()?;
    Ok(t.capabilities().iter().map(|c| c.id.clone()).collect())
}

/// The schema for the built-in capability taxonomy: the one every command and server uses.
pub fn builtin() -> Result<Schema> {
    let ids = builtin_capabilities()?;
    schema(&ids.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The text of [`builtin`] (what `candor policy schema` prints).
pub fn builtin_text() -> Result<String> {
    let ids = builtin_capabilities()?;
    Ok(schema_text(&ids.iter().map(String::as_str).collect::<Vec<_>>()))
}
