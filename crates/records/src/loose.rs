//! What a record kept whole still says, read loosely from its JSON: a record of a later
//! format's kind, or with a member of another shape, is not read as a type, but a monitor
//! watching an organisation and an API filtering by period must not lose it for that. This is
//! the one place outside the types that reads a record by member names; what it reads is the
//! members the format gives the same meaning in every kind.

use serde_json::Value;

use crate::read::Unrecognised;

impl Unrecognised {
    /// Its `period`, when it writes one as a string.
    pub fn period(&self) -> Option<&str> {
        self.value.get("period").and_then(Value::as_str)
    }

    /// The organisation keys it names, lowercased: `organisation` as a name or as an object
    /// with `name` and `identifiers` (`{"scheme", "value"}` as `scheme:value`, or strings).
    pub fn organisation_keys(&self) -> Vec<String> {
        let Some(org) = self.value.get("organisation") else { return Vec::new() };
        let mut keys = Vec::new();
        if let Some(name) = org.as_str().or_else(|| org.get("name").and_then(Value::as_str)) {
            keys.push(name.to_lowercase());
        }
        for id in org.get("identifiers").and_then(Value::as_array).into_iter().flatten() {
            let part = |k: &str| id.get(k).and_then(Value::as_str);
            match (id.as_str(), part("scheme"), part("value")) {
                (Some(s), _, _) => keys.push(s.to_lowercase()),
                (None, Some(scheme), Some(value)) => keys.push(format!("{scheme}:{value}").to_lowercase()),
                _ => {}
            }
        }
        keys
    }

    /// The capabilities its `usage` lines name.
    pub fn capabilities(&self) -> Vec<String> {
        (self.value.get("usage").and_then(Value::as_array).into_iter().flatten())
            .filter_map(|line| line.get("capability").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// Whether it is a correction whose `replacement` is `null` (a withdrawal).
    pub fn is_withdrawal(&self) -> bool {
        self.kind == "candor.correction" && self.value.get("replacement").is_some_and(Value::is_null)
    }
}
