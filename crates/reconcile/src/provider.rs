//! The provider's own offerings, declared once in a file (`provider.toml`):
//!
//! ```toml
//! name = "Example Cloud (fictional)"
//! uei = ["EXMPL0CLOUD1"]                       # the provider's UEIs (optional)
//! fedramp_offerings = ["FR0000000001", "Example Cloud Government"]   # ids or names
//! inventory_names = ["Example Vision API"]     # names in the AI inventory's vendor field
//! ```
//!
//! An offering is named by its FedRAMP Marketplace id or its exact name; each must be one an
//! imported Marketplace file lists (an unknown one is an error, so a typo cannot make the
//! reconciliation silently empty).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest provider file read, in bytes.
pub const MAX_FILE: usize = 64 * 1024;

/// The provider and its offerings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// The provider's name.
    pub name: String,
    /// Its Unique Entity IDs (SAM.gov), as USAspending and FedRAMP give them.
    #[serde(default)]
    pub uei: Vec<String>,
    /// Its FedRAMP offerings: Marketplace ids (`F1603047866`) or exact names (`AWS GovCloud`).
    #[serde(default)]
    pub fedramp_offerings: Vec<String>,
    /// Names its products go by in the AI use-case inventory's vendor field.
    #[serde(default)]
    pub inventory_names: Vec<String>,
}

impl Provider {
    /// Reads a provider file's text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Provider> {
        let bad = |message: String| Error::Provider { file: file.to_string(), message };
        if text.len() > MAX_FILE {
            return Err(bad(format!("{} bytes; a provider file is at most {MAX_FILE}", text.len())));
        }
        let p: Provider = toml::from_str(text).map_err(|e| bad(e.to_string().trim_end().to_string()))?;
        input::check("name", &p.name, input::Lines::One).map_err(bad)?;
        if p.name.trim().is_empty() {
            return Err(bad("name: is empty".into()));
        }
        for (field, list) in
            [("uei", &p.uei), ("fedramp_offerings", &p.fedramp_offerings), ("inventory_names", &p.inventory_names)]
        {
            for (i, v) in list.iter().enumerate() {
                let at = format!("{field}[{i}]");
                input::check(&at, v, input::Lines::One).map_err(bad)?;
                if v.trim().is_empty() {
                    return Err(bad(format!("{at}: is empty")));
                }
            }
        }
        for (i, n) in p.inventory_names.iter().enumerate() {
            if registry::import::named_vendors(n).is_empty() {
                return Err(bad(format!(
                    "inventory_names[{i}] = {n:?}: not a vendor's name as the inventory's vendor field gives one"
                )));
            }
        }
        for (i, u) in p.uei.iter().enumerate() {
            if u.len() != 12 || !u.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(bad(format!("uei[{i}] = {u:?}: a UEI is 12 letters and digits")));
            }
        }
        if p.fedramp_offerings.is_empty() && p.inventory_names.is_empty() {
            return Err(bad(
                "name at least one of fedramp_offerings and inventory_names: there is nothing to reconcile".into(),
            ));
        }
        Ok(p)
    }

    /// The Marketplace ids of the declared offerings, each checked against `known` (id → name,
    /// from the imported files); `file` names the provider file in errors.
    pub fn offering_ids(&self, known: &BTreeMap<String, BTreeSet<String>>, file: &str) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for (i, o) in self.fedramp_offerings.iter().enumerate() {
            let o = o.trim();
            let id = if known.contains_key(o) {
                o.to_string()
            } else {
                let by_name: Vec<&String> = known.iter().filter(|(_, n)| n.contains(o)).map(|(id, _)| id).collect();
                match by_name.as_slice() {
                    [one] => (*one).clone(),
                    [] => {
                        return Err(Error::Provider {
                            file: file.to_string(),
                            message: format!(
                                "fedramp_offerings[{i}] = {o:?}: no imported FedRAMP Marketplace file lists this offering \
                                 (an id such as F1603047866 or an exact name; import the Marketplace with \
                                 candor registry import fedramp)"
                            ),
                        });
                    }
                    several => {
                        return Err(Error::Provider {
                            file: file.to_string(),
                            message: format!(
                                "fedramp_offerings[{i}] = {o:?}: several offerings have this name ({}); give the id",
                                several.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                            ),
                        });
                    }
                }
            };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_file_is_checked_field_by_field() {
        let p = Provider::parse("name = \"Example Cloud\"\nfedramp_offerings = [\"FR1\"]\n", "p.toml").expect("ok");
        assert_eq!(p.fedramp_offerings, ["FR1"]);
        let e = Provider::parse("name = \"X\"\nfedramp_offering = [\"FR1\"]\n", "p.toml").expect_err("unknown field");
        assert!(e.to_string().starts_with("p.toml: ") && e.to_string().contains("fedramp_offering"), "{e}");
        let e = Provider::parse("name = \"X\"\nuei = [\"short\"]\nfedramp_offerings = [\"FR1\"]\n", "p.toml");
        assert!(e.expect_err("bad uei").to_string().contains("uei[0]"));
        let e = Provider::parse("name = \"X\"\ninventory_names = [\"n/a\"]\n", "p.toml").expect_err("no name");
        assert!(e.to_string().contains("inventory_names[0]"), "{e}");
        let e = Provider::parse("name = \"X\"\n", "p.toml").expect_err("nothing to reconcile");
        assert!(e.to_string().contains("nothing to reconcile"), "{e}");
        let e = Provider::parse("name = \"X\\u0007\"\ninventory_names = [\"A\"]\n", "p.toml").expect_err("control");
        assert!(e.to_string().contains("name"), "{e}");
    }

    #[test]
    fn an_offering_is_named_by_id_or_exact_name_and_an_unknown_one_is_an_error() {
        let known: BTreeMap<String, BTreeSet<String>> =
            [("F1", "Cloud East"), ("F2", "Cloud Gov"), ("F3", "Twin"), ("F4", "Twin")]
                .map(|(a, b)| (a.to_string(), [b.to_string()].into()))
                .into();
        let p = |o: &[&str]| Provider {
            name: "X".into(),
            uei: vec![],
            fedramp_offerings: o.iter().map(|s| s.to_string()).collect(),
            inventory_names: vec![],
        };
        assert_eq!(p(&["F1", "Cloud Gov", "F1"]).offering_ids(&known, "p.toml").expect("ids"), ["F1", "F2"]);
        let e = p(&["F9"]).offering_ids(&known, "p.toml").expect_err("unknown");
        assert!(e.to_string().contains("fedramp_offerings[0] = \"F9\""), "{e}");
        let e = p(&["Twin"]).offering_ids(&known, "p.toml").expect_err("ambiguous");
        assert!(e.to_string().contains("F3, F4"), "{e}");
    }
}
