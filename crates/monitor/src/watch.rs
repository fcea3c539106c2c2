//! What a user watches for in a log's new records: organisations (by name, case-insensitive,
//! or by identifier `SCHEME:VALUE`), capabilities, and record kinds. Each match names the watch
//! item as the user wrote it.

use serde_json::Value;

use crate::config::Watch;

/// The watch items `record` matches, as the user wrote them.
pub fn matches(record: &Value, watch: &Watch) -> Vec<String> {
    let mut out = Vec::new();
    let names = organisation_keys(record);
    for item in &watch.organisations {
        let want = item.to_lowercase();
        if names.contains(&want) {
            out.push(format!("organisation {item}"));
        }
    }
    let capabilities: Vec<&str> = record["usage"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["capability"].as_str()).collect())
        .unwrap_or_default();
    for item in &watch.capabilities {
        if capabilities.contains(&item.as_str()) {
            out.push(format!("capability {item}"));
        }
    }
    let kind = record["type"].as_str().unwrap_or("");
    let withdrawal = kind == "candor.correction" && record.get("replacement").is_some_and(Value::is_null);
    for item in &watch.record_kinds {
        let hit = item == kind || format!("candor.{item}") == kind || (item == "withdrawal" && withdrawal);
        if hit {
            out.push(format!("record kind {item}"));
        }
    }
    out
}

/// The organisation's name and identifiers a record carries, lowercased: `organisation` as a
/// name or as an object with `name` and `identifiers` (`{"scheme", "value"}` or strings).
fn organisation_keys(record: &Value) -> Vec<String> {
    let org = &record["organisation"];
    let mut keys = Vec::new();
    if let Some(name) = org.as_str().or_else(|| org["name"].as_str()) {
        keys.push(name.to_lowercase());
    }
    for id in org["identifiers"].as_array().into_iter().flatten() {
        match (id.as_str(), id["scheme"].as_str(), id["value"].as_str()) {
            (Some(s), _, _) => keys.push(s.to_lowercase()),
            (None, Some(scheme), Some(value)) => keys.push(format!("{scheme}:{value}").to_lowercase()),
            _ => {}
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn watch() -> Watch {
        Watch {
            organisations: vec!["Lakemoor County Sheriff's Office (fictional)".into(), "UEI:FICTIONAL123".into()],
            capabilities: vec!["face_identification".into()],
            record_kinds: vec!["withdrawal".into(), "candor.policy_version".into()],
        }
    }

    #[test]
    fn each_item_matches_as_written() {
        let usage = json!({"type": "candor.organisation_usage",
            "organisation": {"name": "LAKEMOOR County Sheriff's Office (fictional)"},
            "usage": [{"capability": "compute"}, {"capability": "face_identification"}]});
        assert_eq!(
            matches(&usage, &watch()),
            vec!["organisation Lakemoor County Sheriff's Office (fictional)", "capability face_identification"]
        );
        let by_id = json!({"type": "candor.organisation_usage",
            "organisation": {"name": "Other (fictional)", "identifiers": [{"scheme": "UEI", "value": "fictional123"}]}});
        assert_eq!(matches(&by_id, &watch()), vec!["organisation UEI:FICTIONAL123"]);
        let withdrawn = json!({"type": "candor.correction", "replacement": null});
        assert_eq!(matches(&withdrawn, &watch()), vec!["record kind withdrawal"]);
        let replaced = json!({"type": "candor.correction", "replacement": {"index": 3}});
        assert!(matches(&replaced, &watch()).is_empty());
        assert_eq!(
            matches(&json!({"type": "candor.policy_version"}), &watch()),
            vec!["record kind candor.policy_version"]
        );
    }
}
