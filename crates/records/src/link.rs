//! How a record names another: by log index and the SHA-256 of its entry, so a reader can
//! check that the record it finds at the index is the one meant.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A reference to an earlier record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Link {
    /// Its index in the log.
    pub index: u64,
    /// SHA-256 (lowercase hex) of its entry bytes.
    pub sha256: String,
}

/// The link to `entry` at `index`.
pub fn link_to(index: u64, entry: &[u8]) -> Link {
    Link { index, sha256: sha256_hex(entry) }
}

/// SHA-256 of `bytes` in lowercase hex, as records and downloads name entries.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// The index of every record `value` (a record as JSON) names: each object holding an `index`
/// and a `sha256`, as [`Link`] is written. An index that is no number is given as `u64::MAX`
/// (it names no record a reader could find). Whatever the kind, so a reader of a later
/// format's record still sees what it links to.
pub fn named_indexes(value: &serde_json::Value, each: &mut dyn FnMut(u64)) {
    use serde_json::Value;
    match value {
        Value::Object(o) => {
            if let (Some(i), true) = (o.get("index"), o.contains_key("sha256")) {
                each(i.as_u64().unwrap_or(u64::MAX));
            }
            o.values().for_each(|x| named_indexes(x, each));
        }
        Value::Array(a) => a.iter().for_each(|x| named_indexes(x, each)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_in_a_record_is_found_wherever_it_is() {
        let v = serde_json::json!({
            "type": "candor.x", "corrects": {"index": 3, "sha256": "ab"},
            "depends_on": [{"index": 7, "sha256": "cd"}, {"index": "x", "sha256": "ef"}],
            "deep": {"list": [{"part": {"index": 11, "sha256": "01"}}]}, "index": 99
        });
        let mut found = Vec::new();
        named_indexes(&v, &mut |i| found.push(i));
        found.sort_unstable();
        assert_eq!(found, vec![3, 7, 11, u64::MAX]);
    }
}
