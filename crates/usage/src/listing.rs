//! The taxonomy as people and programs read it: its capabilities and rules (`candor usage
//! taxonomy`), and how one billing line is classified (`candor usage classify`). Each is one
//! struct that serializes for `--json` and displays as text.

use std::fmt::{self, Display, Formatter};

use serde::Serialize;

use crate::taxonomy::{Line, Taxonomy};

/// A capability as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ListedCapability {
    /// Stable id.
    pub id: String,
    /// What it means.
    pub name: String,
}

/// An API operation as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ListedOperation {
    /// Provider key.
    pub provider: String,
    /// Service.
    pub service: String,
    /// The operation.
    pub name: String,
    /// How a request for it is recognised (`header X-Amz-Target: …`, `POST *path*`).
    pub recognised: String,
    /// The capability the billing rules give the line it is billed as.
    pub capability: String,
}

/// A rule as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ListedRule {
    /// Provider key or `*`.
    pub provider: String,
    /// The capability it decides.
    pub capability: String,
    /// Why it is as it is.
    pub note: Option<String>,
    /// The file it was written in.
    pub file: String,
    /// Its number in that file.
    pub rule: usize,
    /// Its example line (service / usage type / operation), if it has one.
    #[serde(skip)]
    example: Option<String>,
}

/// The taxonomy's capabilities and its rules in the order they are tried.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// Capabilities.
    pub capabilities: Vec<ListedCapability>,
    /// Rules, first match wins.
    pub rules: Vec<ListedRule>,
    /// API operations, as requests name them.
    pub operations: Vec<ListedOperation>,
}

impl Listing {
    /// Lists a taxonomy.
    pub fn of(t: &Taxonomy) -> Listing {
        let capabilities =
            t.capabilities().iter().map(|c| ListedCapability { id: c.id.clone(), name: c.name.clone() }).collect();
        let rules = t
            .rules()
            .iter()
            .map(|r| ListedRule {
                provider: r.provider.clone(),
                capability: t.capabilities()[r.capability].id.clone(),
                note: r.note.clone(),
                file: r.origin.0.clone(),
                rule: r.origin.1,
                example: r.example.as_ref().map(|e| format!("{} / {} / {}", e.service, e.usage_type, e.operation)),
            })
            .collect();
        let operations = t
            .operations()
            .iter()
            .map(|o| ListedOperation {
                provider: o.provider.clone(),
                service: o.service.clone(),
                name: o.name.clone(),
                recognised: match &o.recognised {
                    crate::operations::Recognised::Header { name, value } => format!("header {name}: {value}"),
                    crate::operations::Recognised::Path { method, pattern } => format!("{method} {pattern}"),
                },
                capability: t.capabilities()[o.capability].id.clone(),
            })
            .collect();
        Listing { capabilities, rules, operations }
    }
}

impl Display for Listing {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "capabilities:")?;
        for c in &self.capabilities {
            writeln!(f, "  {:26} {}", c.id, c.name)?;
        }
        writeln!(f, "rules, tried in order ({}):", self.rules.len())?;
        for r in &self.rules {
            let example = r.example.as_deref().map(|e| format!("e.g. {e}")).unwrap_or_default();
            writeln!(f, "  {}#{:<3} {:6} → {:26} {example}", r.file, r.rule, r.provider, r.capability)?;
        }
        writeln!(f, "API operations, as requests name them ({}):", self.operations.len())?;
        for o in &self.operations {
            writeln!(f, "  {:6} {} {:24} → {:26} ({})", o.provider, o.service, o.name, o.capability, o.recognised)?;
        }
        Ok(())
    }
}

/// How one billing line is classified.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    /// The capability id, or none (unmapped).
    pub capability: Option<String>,
    /// The rule that decided it (`file#number`).
    pub rule: Option<String>,
    /// The region's class.
    pub region_class: &'static str,
    /// The capability's name.
    #[serde(skip)]
    name: String,
    /// The line's service and region, as given.
    #[serde(skip)]
    service: String,
    #[serde(skip)]
    region: String,
}

impl Classification {
    /// Classifies `line` in `region`.
    pub fn of(t: &Taxonomy, line: &Line<'_>, region: &str) -> Classification {
        let rule = t.rule_for(line);
        let capability = rule.map(|i| &t.capabilities()[t.rules()[i].capability]);
        Classification {
            capability: capability.map(|c| c.id.clone()),
            rule: rule.map(|i| format!("{}#{}", t.rules()[i].origin.0, t.rules()[i].origin.1)),
            region_class: t.region_class(line.provider, region).as_str(),
            name: capability.map(|c| c.name.clone()).unwrap_or_default(),
            service: line.service.to_string(),
            region: region.to_string(),
        }
    }
}

impl Display for Classification {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match (&self.capability, &self.rule) {
            (Some(c), Some(r)) => writeln!(f, "{c} ({}) — by rule {r}", self.name)?,
            _ => writeln!(f, "unmapped: no rule matches this line (it would be counted under {:?})", self.service)?,
        }
        if !self.region.is_empty() {
            writeln!(f, "region {}: {}", self.region, self.region_class)?;
        }
        Ok(())
    }
}
