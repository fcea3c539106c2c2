//! The capability taxonomy: rules from billing lines to capabilities, and region classes.
//!
//! The rules are data (`data/taxonomy.toml`, embedded; users may add their own file, whose
//! rules come first). A line is described by provider, service, SKU or usage type, and
//! operation; the first rule whose every condition matches decides its capability.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

/// The taxonomy that ships with candor.
pub const BUILTIN: &str = include_str!("../data/taxonomy.toml");

/// Errors loading a taxonomy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file is not valid TOML of the taxonomy's shape.
    #[error("{file}: {message}")]
    Parse {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A rule is not usable.
    #[error("{file}: rule {rule}: {message}")]
    Rule {
        /// File name.
        file: String,
        /// 1-based rule number in the file.
        rule: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    capability: Vec<Capability>,
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    region: Vec<RawRegion>,
    #[serde(default)]
    operation: Vec<crate::operations::RawOperation>,
}

pub(crate) use crate::glob::Glob;

/// A capability: what a customer did.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capability {
    /// Stable id (`face_identification`).
    pub id: String,
    /// What it means, for people.
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    provider: String,
    #[serde(default)]
    service: Vec<String>,
    #[serde(default)]
    usage_type: Vec<String>,
    #[serde(default)]
    operation: Vec<String>,
    capability: String,
    note: Option<String>,
    example: Option<Example>,
}

/// An example line a rule must decide (checked by the tests).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Provider (defaults to the rule's).
    pub provider: Option<String>,
    /// Service.
    #[serde(default)]
    pub service: String,
    /// SKU or usage type.
    #[serde(default)]
    pub usage_type: String,
    /// Operation.
    #[serde(default)]
    pub operation: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    provider: String,
    pattern: Vec<String>,
    class: String,
    note: Option<String>,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Provider key (`aws`, `azure`, `gcp`, `oci`) or `*`.
    pub provider: String,
    pub(crate) service: Vec<Glob>,
    pub(crate) usage_type: Vec<Glob>,
    pub(crate) operation: Vec<Glob>,
    /// Index into the taxonomy's capabilities.
    pub capability: usize,
    /// Why the rule is as it is.
    pub note: Option<String>,
    /// Its example line.
    pub example: Option<Example>,
    /// Where it was written: file and 1-based rule number.
    pub origin: (String, usize),
}

/// Where a region sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegionClass {
    /// Ordinary commercial regions.
    Commercial,
    /// Government-only regions (AWS GovCloud, Azure Government).
    Government,
    /// Secret and top-secret regions.
    Secret,
}

impl RegionClass {
    /// The stored and printed form.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionClass::Commercial => "commercial",
            RegionClass::Government => "government",
            RegionClass::Secret => "secret",
        }
    }

    fn parse(s: &str) -> Option<RegionClass> {
        match s {
            "commercial" => Some(RegionClass::Commercial),
            "government" => Some(RegionClass::Government),
            "secret" => Some(RegionClass::Secret),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RegionRule {
    pub(crate) provider: String,
    pub(crate) patterns: Vec<Glob>,
    pub(crate) class: RegionClass,
}

fn any_match(globs: &[Glob], text: &str) -> bool {
    globs.is_empty() || globs.iter().any(|g| g.matches(text))
}

/// The provider key for a provider name as billing exports write it.
pub fn provider_key(name: &str) -> &'static str {
    let n = name.to_lowercase();
    if n.contains("aws") || n.contains("amazon") {
        "aws"
    } else if n.contains("microsoft") || n.contains("azure") {
        "azure"
    } else if n.contains("google") || n == "gcp" {
        "gcp"
    } else if n.contains("oracle") || n == "oci" {
        "oci"
    } else {
        "other"
    }
}

/// One billing line, as the taxonomy sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Line<'a> {
    /// Provider name or key.
    pub provider: &'a str,
    /// Service name (FOCUS `ServiceName`) or product code (CUR).
    pub service: &'a str,
    /// SKU, usage type or meter.
    pub usage_type: &'a str,
    /// Operation (API).
    pub operation: &'a str,
}

/// A loaded taxonomy.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    capabilities: Vec<Capability>,
    rules: Vec<Rule>,
    regions: Vec<RegionRule>,
    operations: Vec<crate::operations::Operation>,
}

impl Taxonomy {
    /// candor's own taxonomy.
    pub fn builtin() -> Result<Taxonomy, Error> {
        Taxonomy::parse(BUILTIN, "taxonomy.toml (built in)")
    }

    /// Parses a taxonomy file.
    pub fn parse(text: &str, file: &str) -> Result<Taxonomy, Error> {
        let raw: File = toml::from_str(text).map_err(|e| Error::Parse { file: file.into(), message: e.to_string() })?;
        let mut t =
            Taxonomy { capabilities: raw.capability, rules: Vec::new(), regions: Vec::new(), operations: Vec::new() };
        t.add_rules(raw.rule, raw.region, file, false)?;
        t.operations = t.compile_operations(raw.operation, file)?;
        Ok(t)
    }

    /// The built-in taxonomy extended by a user's file, when one is given.
    pub fn builtin_with(extra: Option<&std::path::Path>) -> Result<Taxonomy, Error> {
        let mut t = Taxonomy::builtin()?;
        if let Some(path) = extra {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::Parse { file: file.clone(), message: e.to_string() })?;
            t.extend(&text, &file)?;
        }
        Ok(t)
    }

    /// Adds a user's taxonomy: its capabilities join, its rules and regions come first.
    pub fn extend(&mut self, text: &str, file: &str) -> Result<(), Error> {
        let raw: File = toml::from_str(text).map_err(|e| Error::Parse { file: file.into(), message: e.to_string() })?;
        for c in raw.capability {
            if !self.capabilities.iter().any(|x| x.id == c.id) {
                self.capabilities.push(c);
            }
        }
        self.add_rules(raw.rule, raw.region, file, true)?;
        // The user's operations first, decided by the rules as extended.
        let mut ops = self.compile_operations(raw.operation, file)?;
        ops.append(&mut self.operations);
        self.operations = ops;
        Ok(())
    }

    /// The API operations, the user's first.
    pub fn operations(&self) -> &[crate::operations::Operation] {
        &self.operations
    }

    /// Compiles operations written in `file`: each is given the capability the billing rules
    /// decide for the line it is billed as (none deciding it is an error).
    fn compile_operations(
        &self,
        raw: Vec<crate::operations::RawOperation>,
        file: &str,
    ) -> Result<Vec<crate::operations::Operation>, Error> {
        let decide = |b: &crate::operations::BilledAs, provider: &str| {
            let line = Line {
                provider: b.provider.as_deref().unwrap_or(provider),
                service: &b.service,
                usage_type: &b.usage_type,
                operation: &b.operation,
            };
            self.rule_for(&line).map(|r| self.rules[r].capability)
        };
        crate::operations::compile(raw, &decide)
            .map_err(|(i, message)| Error::Parse { file: file.into(), message: format!("operation {i}: {message}") })
    }

    /// The operation a request is for: the first whose header the request carries with its
    /// value, or whose method and path it has; `header(name)` gives a header's value.
    pub fn operation_for_request<'h>(
        &self,
        method: &str,
        path: &str,
        header: &dyn Fn(&str) -> Option<&'h str>,
    ) -> Option<&crate::operations::Operation> {
        crate::operations::find_all(&self.operations, method, path, header).into_iter().next()
    }

    /// Every operation a request matches (a header and a path may each name one): a gate must
    /// refuse a request two different capabilities could be read from.
    pub fn operations_for_request<'h>(
        &self,
        method: &str,
        path: &str,
        header: &dyn Fn(&str) -> Option<&'h str>,
    ) -> Vec<&crate::operations::Operation> {
        crate::operations::find_all(&self.operations, method, path, header)
    }

    fn add_rules(
        &mut self,
        rules: Vec<RawRule>,
        regions: Vec<RawRegion>,
        file: &str,
        first: bool,
    ) -> Result<(), Error> {
        let mut compiled = Vec::new();
        for (i, r) in rules.into_iter().enumerate() {
            let bad = |message: String| Error::Rule { file: file.into(), rule: i + 1, message };
            let capability = self
                .capabilities
                .iter()
                .position(|c| c.id == r.capability)
                .ok_or_else(|| bad(format!("unknown capability {:?}", r.capability)))?;
            let provider = r.provider.to_lowercase();
            if !["aws", "azure", "gcp", "oci", "*"].contains(&provider.as_str()) {
                return Err(bad(format!("unknown provider {:?} (aws, azure, gcp, oci or *)", r.provider)));
            }
            if r.service.is_empty() && r.usage_type.is_empty() && r.operation.is_empty() {
                return Err(bad("a rule needs a service, usage_type or operation condition".into()));
            }
            compiled.push(Rule {
                provider,
                service: r.service.iter().map(|s| Glob::new(s)).collect(),
                usage_type: r.usage_type.iter().map(|s| Glob::new(s)).collect(),
                operation: r.operation.iter().map(|s| Glob::new(s)).collect(),
                capability,
                note: r.note,
                example: r.example,
                origin: (file.to_string(), i + 1),
            });
        }
        let mut region_rules = Vec::new();
        for r in regions {
            let class = RegionClass::parse(&r.class).ok_or_else(|| Error::Parse {
                file: file.into(),
                message: format!("unknown region class {:?} (commercial, government, secret)", r.class),
            })?;
            let _ = r.note;
            region_rules.push(RegionRule {
                provider: r.provider.to_lowercase(),
                patterns: r.pattern.iter().map(|p| Glob::new(p)).collect(),
                class,
            });
        }
        if first {
            compiled.append(&mut self.rules);
            self.rules = compiled;
            region_rules.append(&mut self.regions);
            self.regions = region_rules;
        } else {
            self.rules.extend(compiled);
            self.regions.extend(region_rules);
        }
        Ok(())
    }

    /// The capabilities, in file order.
    pub fn capabilities(&self) -> &[Capability] {
        &self.capabilities
    }

    /// The rules, in the order they are tried.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub(crate) fn region_rules(&self) -> &[RegionRule] {
        &self.regions
    }

    /// The index of the first rule that matches `line`.
    pub fn rule_for(&self, line: &Line<'_>) -> Option<usize> {
        let provider = match line.provider {
            "aws" | "azure" | "gcp" | "oci" => line.provider,
            other => provider_key(other),
        };
        let (service, usage, op) =
            (line.service.to_lowercase(), line.usage_type.to_lowercase(), line.operation.to_lowercase());
        self.rules.iter().position(|r| {
            (r.provider == "*" || r.provider == provider)
                && any_match(&r.service, &service)
                && any_match(&r.usage_type, &usage)
                && (r.operation.is_empty() || (!op.is_empty() && any_match(&r.operation, &op)))
        })
    }

    /// The capability of a line, if a rule decides it.
    pub fn classify(&self, line: &Line<'_>) -> Option<&Capability> {
        self.rule_for(line).map(|i| &self.capabilities[self.rules[i].capability])
    }

    /// The class of a region.
    pub fn region_class(&self, provider: &str, region: &str) -> RegionClass {
        let provider = provider_key(provider);
        let region = region.to_lowercase();
        self.regions
            .iter()
            .find(|r| (r.provider == "*" || r.provider == provider) && r.patterns.iter().any(|g| g.matches(&region)))
            .map(|r| r.class)
            .unwrap_or(RegionClass::Commercial)
    }
}

/// Classifies many lines: caches each distinct line, counts the unmapped ones by service.
///
/// Billing data repeats a few thousand distinct (service, usage type, operation) tuples over
/// billions of rows, so each tuple is decided once.
pub struct Classifier<'t> {
    taxonomy: &'t Taxonomy,
    cache: HashMap<(String, String, String, String), Option<usize>>,
    unmapped: BTreeMap<String, u64>,
}

impl<'t> Classifier<'t> {
    /// A classifier over a taxonomy.
    pub fn new(taxonomy: &'t Taxonomy) -> Classifier<'t> {
        Classifier { taxonomy, cache: HashMap::new(), unmapped: BTreeMap::new() }
    }

    /// The capability index of a line (into [`Taxonomy::capabilities`]); unmapped lines are
    /// counted under their service.
    pub fn classify(&mut self, line: &Line<'_>) -> Option<usize> {
        let key = (
            line.provider.to_string(),
            line.service.to_string(),
            line.usage_type.to_string(),
            line.operation.to_string(),
        );
        let cap = match self.cache.get(&key) {
            Some(c) => *c,
            None => {
                let c = self.taxonomy.rule_for(line).map(|r| self.taxonomy.rules[r].capability);
                self.cache.insert(key, c);
                c
            }
        };
        if cap.is_none() {
            let service = if line.service.is_empty() { "(no service)" } else { line.service };
            *self.unmapped.entry(service.to_string()).or_insert(0) += 1;
        }
        cap
    }

    /// Unmapped lines by service.
    pub fn unmapped(&self) -> &BTreeMap<String, u64> {
        &self.unmapped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Taxonomy {
        Taxonomy::builtin().expect("the built-in taxonomy loads")
    }

    #[test]
    fn every_shipped_rule_has_an_example_and_decides_it() {
        let t = builtin();
        for (i, r) in t.rules().iter().enumerate() {
            let e = r.example.as_ref().unwrap_or_else(|| panic!("rule {} has no example", r.origin.1));
            let provider = e.provider.clone().unwrap_or_else(|| r.provider.clone());
            let line =
                Line { provider: &provider, service: &e.service, usage_type: &e.usage_type, operation: &e.operation };
            assert_eq!(
                t.rule_for(&line),
                Some(i),
                "rule {} ({}) does not decide its own example {e:?}",
                r.origin.1,
                t.capabilities()[r.capability].id
            );
        }
        assert!(t.rules().len() >= 20);
    }

    fn check(t: &Taxonomy, provider: &str, service: &str, usage_type: &str, operation: &str, want: Option<&str>) {
        let got = t.classify(&Line { provider, service, usage_type, operation }).map(|c| c.id.as_str());
        assert_eq!(got, want, "{provider} / {service} / {usage_type} / {operation}");
    }

    #[test]
    fn face_identification_verification_and_detection_are_told_apart() {
        let t = builtin();
        let rek = "Amazon Rekognition";
        check(&t, "AWS", rek, "USE1-Group1-ImagesProcessed", "SearchFaces", Some("face_identification"));
        check(&t, "Amazon Web Services", rek, "USE1-Group1-ImagesProcessed", "IndexFaces", Some("face_identification"));
        check(&t, "AWS", rek, "USE1-Group1-ImagesProcessed", "CompareFaces", Some("face_verification"));
        check(&t, "AWS", rek, "USE1-Group2-ImagesProcessed", "DetectFaces", Some("face_detection_analysis"));
        check(&t, "AWS", rek, "USE1-Group2-ImagesProcessed", "DetectText", Some("image_video_analysis"));
        check(&t, "AWS", "AmazonRekognition", "USE1-UserVectorsStored", "", Some("face_identification"));
        check(&t, "AWS", rek, "USE1-Group1-ImagesProcessed", "", Some("face_identification"));
        check(&t, "Microsoft", "Cognitive Services", "Face Identify - Transactions", "", Some("face_identification"));
        check(&t, "Microsoft", "Cognitive Services", "Face Verify - Transactions", "", Some("face_verification"));
        check(&t, "Microsoft", "Cognitive Services", "Face - S0 - Transactions", "", Some("face_unspecified"));
        check(&t, "Google Cloud", "Cloud Vision API", "Face Detection", "", Some("face_detection_analysis"));
        check(&t, "AWS", "Amazon Elastic Compute Cloud", "BoxUsage:m5.large", "RunInstances", Some("compute"));
        // CUR 2.0 writes product codes instead of service names.
        check(&t, "AWS", "AmazonEC2", "BoxUsage:m5.large", "RunInstances", Some("compute"));
        check(&t, "AWS", "AmazonS3", "TimedStorage-ByteHrs", "", Some("storage"));
        check(&t, "AWS", "AmazonRDS", "InstanceUsage:db.r5.large", "", Some("databases"));
        check(&t, "AWS", "AmazonSageMaker", "ml.m5.large", "", Some("generic_ml"));
        check(&t, "AWS", "Amazon Simple Queue Service", "Requests-Tier1", "", Some("operations_management"));
        check(&t, "AWS", "Amazon Managed Blockchain", "Member-Hours", "", None);
    }

    #[test]
    fn region_classes() {
        let t = builtin();
        for (p, r, want) in [
            ("AWS", "us-gov-west-1", RegionClass::Government),
            ("AWS", "us-iso-east-1", RegionClass::Secret),
            ("AWS", "us-isob-east-1", RegionClass::Secret),
            ("AWS", "us-east-1", RegionClass::Commercial),
            ("Microsoft", "usgovvirginia", RegionClass::Government),
            ("Microsoft", "usdodeast", RegionClass::Government),
            ("Microsoft", "eastus", RegionClass::Commercial),
            ("Google Cloud", "us-central1", RegionClass::Commercial),
        ] {
            assert_eq!(t.region_class(p, r), want, "{p} {r}");
        }
    }

    #[test]
    fn unmapped_lines_are_counted_by_service() {
        let t = builtin();
        let mut c = Classifier::new(&t);
        for _ in 0..3 {
            assert_eq!(
                c.classify(&Line {
                    provider: "AWS",
                    service: "Amazon Managed Blockchain",
                    usage_type: "Member-Hours",
                    operation: ""
                }),
                None
            );
        }
        assert!(
            c.classify(&Line {
                provider: "AWS",
                service: "Amazon DynamoDB",
                usage_type: "ReadCapacityUnit-Hrs",
                operation: ""
            })
            .is_some()
        );
        c.classify(&Line { provider: "AWS", service: "", usage_type: "x", operation: "" });
        assert_eq!(c.unmapped().get("Amazon Managed Blockchain"), Some(&3));
        assert_eq!(c.unmapped().get("(no service)"), Some(&1));
        assert_eq!(c.unmapped().values().sum::<u64>(), 4);
    }

    #[test]
    fn a_user_rule_comes_first_and_bad_rules_are_refused() {
        let mut t = builtin();
        t.extend(
            r#"
[[rule]]
provider = "aws"
service = ["Amazon Simple Queue Service"]
capability = "data_analytics_search"
"#,
            "mine.toml",
        )
        .expect("extend");
        check(&t, "AWS", "Amazon Simple Queue Service", "Requests-Tier1", "", Some("data_analytics_search"));
        for (bad, why) in [
            ("[[rule]]\nprovider = \"aws\"\nservice = [\"x\"]\ncapability = \"mind_reading\"\n", "unknown capability"),
            ("[[rule]]\nprovider = \"ibm\"\nservice = [\"x\"]\ncapability = \"compute\"\n", "unknown provider"),
            ("[[rule]]\nprovider = \"*\"\ncapability = \"compute\"\n", "needs a service"),
            (
                "[[rule]]\nprovider = \"aws\"\nservice = [\"x\"]\ncapability = \"compute\"\ncolour = \"red\"\n",
                "unknown field",
            ),
        ] {
            let err = builtin().extend(bad, "bad.toml").expect_err(why).to_string();
            assert!(err.contains("bad.toml") && err.contains(why), "{err}");
        }
    }

    #[test]
    fn globs() {
        for (p, t, want) in [
            ("*group1-imagesprocessed*", "use1-group1-imagesprocessed", true),
            ("face*", "face - s0", true),
            ("face*", "xface", false),
            ("*face*storage*", "face - face storage", true),
            ("us-gov-*", "us-gov-west-1", true),
            ("us-gov-*", "us-east-1", false),
            ("exact", "exact", true),
            ("exact", "exactly", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
        ] {
            assert_eq!(Glob::new(p).matches(t), want, "{p} ~ {t}");
        }
    }
}
