//! What a user watches for in a log's new records: organisations (by name, case-insensitive,
//! or by identifier `SCHEME:VALUE`), capabilities, and record kinds. Each match names the watch
//! item as the user wrote it.

use records::{Body, Parsed};

use crate::config::Watch;

/// The watch items `record` matches, as the user wrote them. Organisations and capabilities
/// are read from records of the kinds this format defines; a record of another kind matches
/// by its kind only.
pub fn matches(record: &Parsed, watch: &Watch) -> Vec<String> {
    let mut out = Vec::new();
    let body = record.body();
    let names = body.map(organisation_keys).unwrap_or_default();
    for item in &watch.organisations {
        let want = item.to_lowercase();
        if names.contains(&want) {
            out.push(format!("organisation {item}"));
        }
    }
    let capabilities: Vec<&str> = match body {
        Some(Body::OrganisationUsage(u)) => u.usage.iter().map(|l| l.capability.as_str()).collect(),
        _ => Vec::new(),
    };
    for item in &watch.capabilities {
        if capabilities.contains(&item.as_str()) {
            out.push(format!("capability {item}"));
        }
    }
    let kind = record.kind();
    let withdrawal = matches!(body, Some(Body::Correction(c)) if c.replacement.is_none());
    for item in &watch.record_kinds {
        let hit = item == kind || format!("candor.{item}") == kind || (item == "withdrawal" && withdrawal);
        if hit {
            out.push(format!("record kind {item}"));
        }
    }
    out
}

/// The organisation's name and identifiers (`SCHEME:VALUE`) a record carries, lowercased.
fn organisation_keys(body: &Body) -> Vec<String> {
    let mut keys: Vec<String> = body.organisation().map(str::to_lowercase).into_iter().collect();
    if let Body::OrganisationUsage(u) = body {
        keys.extend(u.organisation.identifiers.iter().map(|id| format!("{}:{}", id.scheme, id.value).to_lowercase()));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch() -> Watch {
        Watch {
            organisations: vec!["Lakemoor County Sheriff's Office (fictional)".into(), "UEI:FICTIONAL123".into()],
            capabilities: vec!["face_identification".into()],
            record_kinds: vec!["withdrawal".into(), "candor.policy_version".into()],
        }
    }

    fn usage(name: &str, capabilities: &[&str], identifiers: &[(&str, &str)]) -> Parsed {
        let organisation = records::Organisation {
            name: name.into(),
            kind: "local_agency".into(),
            law_enforcement_role: "agency".into(),
            role_status: "confirmed".into(),
            jurisdiction: records::Jurisdiction::default(),
            evidence: records::Evidence { summary: "fictional".into(), sources: vec![] },
            technologies: vec![],
            identifiers: identifiers
                .iter()
                .map(|(s, v)| records::Identifier { scheme: s.to_string(), value: v.to_string() })
                .collect(),
        };
        let usage = capabilities
            .iter()
            .map(|c| records::UsageLine {
                capability: c.to_string(),
                service: "Example".into(),
                region_class: "commercial".into(),
                unit: "Images".into(),
                quantity: None,
                volume_band: Some("1–9".into()),
            })
            .collect();
        let body = Body::OrganisationUsage(records::OrganisationUsage {
            period: "2026-Q3".into(),
            organisation,
            usage,
            depends_on: vec![],
        });
        Parsed::Known(records::Record::from(body))
    }

    fn correction(replacement: Option<u64>) -> Parsed {
        let link = |index| records::Link { index, sha256: "0".repeat(64) };
        let body = Body::Correction(records::Correction {
            corrects: link(1),
            reason: "r".into(),
            replacement: replacement.map(link),
        });
        Parsed::Known(records::Record::from(body))
    }

    #[test]
    fn each_item_matches_as_written() {
        let usage_record =
            usage("LAKEMOOR County Sheriff's Office (fictional)", &["compute", "face_identification"], &[]);
        assert_eq!(
            matches(&usage_record, &watch()),
            vec!["organisation Lakemoor County Sheriff's Office (fictional)", "capability face_identification"]
        );
        let by_id = usage("Other (fictional)", &[], &[("UEI", "fictional123")]);
        assert_eq!(matches(&by_id, &watch()), vec!["organisation UEI:FICTIONAL123"]);
        let withdrawn = correction(None);
        assert_eq!(matches(&withdrawn, &watch()), vec!["record kind withdrawal"]);
        let replaced = correction(Some(3));
        assert!(matches(&replaced, &watch()).is_empty());
        let version =
            records::parse_value(serde_json::json!({"type": "candor.policy_version"})).expect("a candor record");
        assert_eq!(matches(&version, &watch()), vec!["record kind candor.policy_version"]);
    }
}
