//! What a request asks the gate: which capability (recognised from the API operation by the
//! taxonomy), for which account, in which region class.
//!
//! A gateway passes the request's method, its URI as the client sent it and its headers. The
//! path is read the way the service behind the gateway will read it — percent-decoded once,
//! dot segments removed, repeated slashes collapsed, the query dropped — so that an encoded or
//! padded spelling of a governed operation is recognised as that operation.

use usage::operations::{Operation, Recognised};
use usage::taxonomy::Taxonomy;

use crate::Error;

/// Most characters of an account id, a service, a purpose or a region class.
pub const MAX_ID: usize = 256;

/// Most bytes of a URI the gate reads.
pub const MAX_URI: usize = 8 * 1024;

/// One request to decide.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ask {
    /// The provider's account id, as the provider's authentication layer established it.
    pub account: String,
    /// The capability, or `None` for an operation the taxonomy does not know.
    pub capability: Option<String>,
    /// The service.
    pub service: String,
    /// The region class (`commercial`, `government`, `secret`; "" when not given).
    pub region_class: String,
    /// The declared purpose ("" when none).
    pub purpose: String,
}

impl Ask {
    /// Checks the lengths of what the caller sent.
    pub fn check(&self) -> Result<(), Error> {
        for (field, v) in [
            ("account", &self.account),
            ("service", &self.service),
            ("region class", &self.region_class),
            ("purpose", &self.purpose),
        ] {
            if v.chars().count() > MAX_ID {
                return Err(Error::BadRequest(format!("{field}: at most {MAX_ID} characters")));
            }
            if v.chars().any(char::is_control) {
                return Err(Error::BadRequest(format!("{field}: no control characters")));
            }
        }
        if self.account.trim().is_empty() {
            return Err(Error::BadRequest("no account: the gateway must name the caller's account".into()));
        }
        Ok(())
    }
}

/// The operation a request is for: `(capability id, service, operation name)`, or `None`
/// when the taxonomy knows none. `headers(name)` gives every value of a header (names
/// compared without case). Of the path patterns a request matches, the most specific one
/// names it. Refused, never guessed: a recognising header sent twice with different values,
/// and a request two operations of different capabilities could be read from (a Rekognition
/// header on an Azure Face path, two equally specific paths) — the gate and the service could
/// each read another.
pub fn recognise<'h>(
    taxonomy: &Taxonomy,
    method: &str,
    uri: &str,
    headers: &dyn Fn(&str) -> Vec<&'h str>,
) -> Result<Option<(String, String, String)>, Error> {
    if uri.len() > MAX_URI {
        return Err(Error::BadRequest(format!("the URI is longer than {MAX_URI} bytes")));
    }
    let path = normalise_path(uri)?;
    let ambiguous = std::cell::RefCell::new(None);
    // The taxonomy asks for the same header once per operation: read each name once.
    let seen: std::cell::RefCell<Vec<(String, Vec<&'h str>)>> = std::cell::RefCell::new(Vec::new());
    let header = |name: &str| -> Option<&'h str> {
        let known = seen.borrow().iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let values = known.unwrap_or_else(|| {
            let v = headers(name);
            seen.borrow_mut().push((name.to_string(), v.clone()));
            v
        });
        let first = values.first().copied()?;
        if values.iter().any(|v| !v.trim().eq_ignore_ascii_case(first.trim())) {
            *ambiguous.borrow_mut() = Some(name.to_string());
        }
        Some(first)
    };
    let found = taxonomy.operations_for_request(method, &path, &header);
    if let Some(name) = ambiguous.into_inner() {
        return Err(Error::BadRequest(format!("the {name} header is sent more than once with different values")));
    }
    let capability_of = |i: usize| taxonomy.capabilities().get(i).map(|c| c.id.clone()).unwrap_or_default();
    let two = |a: &Operation, b: &Operation| {
        Err(Error::BadRequest(format!(
            "the request reads as two operations, {} ({}) and {} ({})",
            a.name,
            capability_of(a.capability),
            b.name,
            capability_of(b.capability)
        )))
    };
    // Of the paths a request matches, the most specific names it (as a service routes: a
    // person group called `verify-team` is not the verify API); a tie between capabilities,
    // or a header naming another capability than the path, is refused.
    let pattern_len = |o: &Operation| match &o.recognised {
        Recognised::Path { pattern, .. } => pattern.len(),
        Recognised::Header { .. } => 0,
    };
    let (by_header, by_path): (Vec<&Operation>, Vec<&Operation>) =
        found.iter().copied().partition(|o| matches!(o.recognised, Recognised::Header { .. }));
    let longest = by_path.iter().map(|o| pattern_len(o)).max().unwrap_or(0);
    let specific: Vec<&Operation> = by_path.into_iter().filter(|o| pattern_len(o) == longest).collect();
    let chosen: Vec<&Operation> = by_header.into_iter().chain(specific).collect();
    let Some(first) = chosen.first() else { return Ok(None) };
    if let Some(other) = chosen.iter().find(|o| o.capability != first.capability) {
        return two(first, other);
    }
    Ok(Some((capability_of(first.capability), first.service.clone(), first.name.clone())))
}

/// The path of `uri` as a server reads it: the query dropped, percent-decoded once, repeated
/// slashes collapsed. What services disagree on is refused rather than guessed: a fragment,
/// an encoded slash or backslash, a backslash, NUL, `;` (path parameters some servers drop),
/// dot segments (some servers resolve them before routing, some after), invalid UTF-8.
pub fn normalise_path(uri: &str) -> Result<String, Error> {
    let bad = |m: &str| Err(Error::BadRequest(format!("the request's path {m}")));
    // An absolute-form URI (`http://host/path`) carries its path after the authority; any other
    // URI is a path (a `://` in its query is not an authority).
    let lower = uri.get(..8).unwrap_or(uri).to_ascii_lowercase();
    let rest = if lower.starts_with("http://") || lower.starts_with("https://") {
        let after = &uri[uri.find("://").map_or(0, |i| i + 3)..];
        after.find(['/', '?']).map_or("/", |j| &after[j..])
    } else {
        uri
    };
    let raw = rest.split('?').next().unwrap_or("");
    if raw.contains('#') {
        return bad("holds a fragment");
    }
    if !raw.starts_with('/') && !raw.is_empty() {
        return bad("does not start with /");
    }
    let mut bytes = Vec::with_capacity(raw.len());
    let mut it = raw.bytes();
    while let Some(b) = it.next() {
        if b != b'%' {
            bytes.push(b);
            continue;
        }
        let (Some(h), Some(l)) = (it.next(), it.next()) else { return bad("has a broken percent escape") };
        let hex = |c: u8| (c as char).to_digit(16);
        let (Some(h), Some(l)) = (hex(h), hex(l)) else { return bad("has a broken percent escape") };
        let decoded = (h * 16 + l) as u8;
        if decoded == b'/' || decoded == b'\\' {
            return bad("encodes a slash or a backslash");
        }
        bytes.push(decoded);
    }
    let Ok(decoded) = String::from_utf8(bytes) else { return bad("is not UTF-8 once decoded") };
    if decoded.contains(['\\', '\0', ';']) {
        return bad("holds a backslash, NUL or ;");
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" => {}
            "." | ".." => return bad("holds a dot segment"),
            s => segments.push(s),
        }
    }
    let mut path = format!("/{}", segments.join("/"));
    if decoded.ends_with('/') && path.len() > 1 {
        path.push('/');
    }
    Ok(path)
}
