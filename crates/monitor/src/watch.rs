//! What a user watches for in a log's new records: organisations (by name, case-insensitive,
//! or by identifier `SCHEME:VALUE`), capabilities, and record kinds. Each match names the watch
//! item as the user wrote it.
//!
//! Records of the kinds this format defines are read from their types. A candor record kept
//! whole (a later format's kind, or a member of another shape) is still read for what it names,
//! as its JSON says it: a record about a watched organisation must not go unnoticed because one
//! of its members has an unexpected shape.

use records::{Body, Parsed, Unrecognised};

use crate::config::Watch;

/// The watch items `record` matches, as the user wrote them.
pub fn matches(record: &Parsed, watch: &Watch) -> Vec<String> {
    let mut out = Vec::new();
    let (names, capabilities, withdrawal) = match record {
        Parsed::Known(r) => typed(&r.body),
        Parsed::Unrecognised(u) => whole(u),
    };
    for item in &watch.organisations {
        let want = item.to_lowercase();
        if names.contains(&want) {
            out.push(format!("organisation {item}"));
        }
    }
    for item in &watch.capabilities {
        if capabilities.contains(item) {
            out.push(format!("capability {item}"));
        }
    }
    let kind = record.kind();
    for item in &watch.record_kinds {
        let hit = item == kind || format!("candor.{item}") == kind || (item == "withdrawal" && withdrawal);
        if hit {
            out.push(format!("record kind {item}"));
        }
    }
    out
}

/// What a record names: organisation keys (lowercased), capabilities, whether it withdraws.
type Named = (Vec<String>, Vec<String>, bool);

/// What a typed record names.
fn typed(body: &Body) -> Named {
    let mut keys: Vec<String> = body.organisation().map(str::to_lowercase).into_iter().collect();
    let mut capabilities = Vec::new();
    if let Body::OrganisationUsage(u) = body {
        keys.extend(u.organisation.identifiers.iter().map(|id| format!("{}:{}", id.scheme, id.value).to_lowercase()));
        capabilities.extend(u.usage.iter().map(|l| l.capability.clone()));
    }
    let withdrawal = matches!(body, Body::Correction(c) if c.replacement.is_none());
    (keys, capabilities, withdrawal)
}

/// What a record kept whole names, read loosely from its JSON (see `records::Unrecognised`).
fn whole(record: &Unrecognised) -> Named {
    (record.organisation_keys(), record.capabilities(), record.is_withdrawal())
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

    #[test]
    fn a_record_kept_whole_still_matches_by_what_it_names() {
        // An organisation_usage record whose `depends_on` has another shape, and a withdrawal
        // whose `corrects` does: kept whole, they still name the organisation, the capability
        // and the withdrawal.
        let Parsed::Known(known) = usage("Lakemoor County Sheriff's Office (fictional)", &["face_identification"], &[])
        else {
            panic!("known")
        };
        let mut v = known.to_value();
        v["depends_on"] = serde_json::json!("none");
        v["organisation"]["identifiers"] = serde_json::json!([{"scheme": "UEI", "value": "fictional123"}]);
        let odd = records::parse_value(v).expect("a candor record");
        assert!(matches!(odd, Parsed::Unrecognised(_)));
        assert_eq!(
            matches(&odd, &watch()),
            vec![
                "organisation Lakemoor County Sheriff's Office (fictional)",
                "organisation UEI:FICTIONAL123",
                "capability face_identification"
            ]
        );
        let withdrawal = records::parse_value(serde_json::json!({"type": "candor.correction", "corrects": 3,
            "reason": "r", "replacement": null}))
        .expect("a candor record");
        assert!(matches!(withdrawal, Parsed::Unrecognised(_)));
        assert_eq!(matches(&withdrawal, &watch()), vec!["record kind withdrawal"]);
    }
}
