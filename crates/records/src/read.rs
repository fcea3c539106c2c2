//! Reading a log entry as a record.
//!
//! An entry is a candor record when it is a JSON object whose `type` starts with `candor.`;
//! other entries belong to whoever else writes to the log and are not candor's to read. A
//! candor record is read as its kind's type only when that type gives back exactly what the
//! entry says: members the format does not define are kept beside it ([`Record::extra`]),
//! and a record the types cannot hold without loss (an unknown kind, a member of another
//! shape) is kept whole as an [`Unrecognised`] record, shown as such and never dropped.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::canonical;
use crate::record::{Body, KINDS, Record};

/// A candor record this format cannot read without loss, kept as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Unrecognised {
    /// Its `type`.
    pub kind: String,
    /// The whole record.
    pub value: Value,
    /// Why it is not read as a known kind.
    pub why: String,
}

impl Unrecognised {
    /// Whether the record is marked as demonstration data.
    pub fn is_demonstration(&self) -> bool {
        self.value.get("demonstration_data") == Some(&Value::Bool(true))
    }
}

/// A candor record read from a log entry.
#[derive(Debug, Clone, PartialEq)]
// Nearly every record is known: boxing it would cost an allocation per record to shrink the
// rare unrecognised one.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    /// A record of a kind this format defines.
    Known(Record),
    /// A record of an unknown kind, or one the types cannot hold without loss.
    Unrecognised(Unrecognised),
}

impl Parsed {
    /// The record's `type`.
    pub fn kind(&self) -> &str {
        match self {
            Parsed::Known(r) => r.kind(),
            Parsed::Unrecognised(u) => &u.kind,
        }
    }

    /// The known record, if it is one.
    pub fn known(&self) -> Option<&Record> {
        match self {
            Parsed::Known(r) => Some(r),
            Parsed::Unrecognised(_) => None,
        }
    }

    /// The known record's content, if it is one.
    pub fn body(&self) -> Option<&Body> {
        self.known().map(|r| &r.body)
    }

    /// Whether the record is marked as demonstration data.
    pub fn is_demonstration(&self) -> bool {
        match self {
            Parsed::Known(r) => r.demonstration,
            Parsed::Unrecognised(u) => u.is_demonstration(),
        }
    }

    /// The record as a JSON value (what the entry says).
    pub fn to_value(&self) -> Value {
        match self {
            Parsed::Known(r) => r.to_value(),
            Parsed::Unrecognised(u) => u.value.clone(),
        }
    }
}

/// The candor record in `entry`, or `None` when the entry is not one.
pub fn parse(entry: &[u8]) -> Option<Parsed> {
    let value: Value = serde_json::from_slice(entry).ok()?;
    parse_read(&value, Some(entry))
}

/// The candor record `value` holds, or `None` when it is not one.
pub fn parse_value(value: Value) -> Option<Parsed> {
    parse_ref(&value)
}

/// [`parse_value`] without taking the value: a reader that keeps the entry's JSON (the site
/// shows it) parses the entry once. The value is copied only into an unrecognised record.
pub fn parse_ref(value: &Value) -> Option<Parsed> {
    parse_read(value, None)
}

/// [`parse_ref`] of `value`, which was read from `entry`: a record written canonically (as
/// candor writes every record) is known from comparing its typed writing with the entry's
/// own bytes, without writing the given value again (a third of a log's reading).
pub fn parse_entry_ref(entry: &[u8], value: &Value) -> Option<Parsed> {
    parse_read(value, Some(entry))
}

fn parse_read(value: &Value, entry: Option<&[u8]>) -> Option<Parsed> {
    let kind = value.get("type")?.as_str()?.to_string();
    if !kind.starts_with("candor.") {
        return None;
    }
    let unrecognised =
        |why: String| Some(Parsed::Unrecognised(Unrecognised { kind: kind.clone(), value: value.clone(), why }));
    if !KINDS.contains(&kind.as_str()) {
        return unrecognised(format!("{kind} is not a kind this format defines"));
    }
    let body = match Body::deserialize(value) {
        Ok(b) => b,
        Err(e) => return unrecognised(format!("not a {kind} record of this format: {e}")),
    };
    let Value::Object(given) = value else { return None };
    let mut record = Record { body, demonstration: false, notice: None, extra: Map::new() };
    let written = serde_json::to_value(&record.body).unwrap_or(Value::Null);
    let Value::Object(members) = &written else { return unrecognised("the record is not an object".into()) };
    for (k, v) in given {
        match (k.as_str(), v) {
            ("demonstration_data", Value::Bool(true)) => record.demonstration = true,
            ("notice", Value::String(n)) => record.notice = Some(n.clone()),
            _ if members.contains_key(k) => {}
            _ => {
                record.extra.insert(k.clone(), v.clone());
            }
        }
    }
    // Read back only if nothing is lost or added: the typed record must write what was given.
    let typed = canonical::to_vec(&record.around(written));
    // Canonical bytes equal to the entry: the entry is canonical, so the value read from it
    // writes those same bytes (the comparison below would find them equal).
    if let (Ok(a), Some(e)) = (&typed, entry)
        && a[..] == e[..]
    {
        return Some(Parsed::Known(record));
    }
    match (typed, canonical::to_vec(value)) {
        (Ok(a), Ok(b)) if a == b => Some(Parsed::Known(record)),
        (Err(e), _) | (_, Err(e)) => unrecognised(format!("not canonical JSON: {e}")),
        _ => unrecognised(format!("the {kind} record holds members of a shape this format does not define")),
    }
}

/// The candor records among a log's `entries`, with their indexes, in log order.
pub fn parse_all(entries: &[Vec<u8>]) -> Vec<(u64, Parsed)> {
    entries.iter().enumerate().filter_map(|(i, e)| Some((i as u64, parse(e)?))).collect()
}
