//! What a request asks the gate: which capability (recognised from the API operation by the
//! taxonomy), for which account, in which region class.
//!
//! A gateway passes the request's method, its URI as the client sent it and its headers. The
//! path is read the way the service behind the gateway will read it — percent-decoded once,
//! dot segments removed, repeated slashes collapsed, the query dropped — so that an encoded or
//! padded spelling of a governed operation is recognised as that operation.

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
/// compared without case); a recognising header sent twice with different values is refused,
/// since the gate and the service could each read another.
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
    let header = |name: &str| -> Option<&'h str> {
        let values = headers(name);
        let first = values.first().copied()?;
        if values.iter().any(|v| v.trim() != first.trim()) {
            *ambiguous.borrow_mut() = Some(name.to_string());
        }
        Some(first)
    };
    let found = taxonomy.operation_for_request(method, &path, &header);
    if let Some(name) = ambiguous.into_inner() {
        return Err(Error::BadRequest(format!("the {name} header is sent more than once with different values")));
    }
    Ok(found.map(|op| {
        let capability = taxonomy.capabilities().get(op.capability).map(|c| c.id.clone()).unwrap_or_default();
        (capability, op.service.clone(), op.name.clone())
    }))
}

/// The path of `uri` as a server reads it: no query or fragment, percent-decoded once, dot
/// segments resolved, repeated slashes collapsed. A URI with an encoded slash, NUL or invalid
/// UTF-8 after decoding is refused: services disagree on what those mean.
pub fn normalise_path(uri: &str) -> Result<String, Error> {
    let bad = |m: &str| Err(Error::BadRequest(format!("the request's path {m}")));
    // An absolute-form URI (`http://host/path`) carries its path after the authority.
    let rest = match uri.find("://") {
        Some(i) => uri[i + 3..].find('/').map_or("/", |j| &uri[i + 3 + j..]),
        None => uri,
    };
    let raw = rest.split(['?', '#']).next().unwrap_or("");
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
        if decoded == b'/' || decoded == b'\\' || decoded == 0 {
            return bad("encodes a slash, a backslash or NUL");
        }
        bytes.push(decoded);
    }
    let Ok(decoded) = String::from_utf8(bytes) else { return bad("is not UTF-8 once decoded") };
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut path = format!("/{}", segments.join("/"));
    if decoded.ends_with('/') && path.len() > 1 {
        path.push('/');
    }
    Ok(path)
}
