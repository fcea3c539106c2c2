//! Extractors: a JSON body whose rejection is an [`ApiError`], and the caller's token checked
//! against the roles a route allows, so a handler states both in its signature and cannot
//! forget either.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize as _;
use serde::de::DeserializeOwned;

use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// A JSON request body; a bad body is answered with the [`ApiError`] for it (400, 413, 415, 422).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// The roles a route admits.
pub trait Roles: Send + Sync {
    /// Every role admitted.
    const ALLOWED: &'static [Role];
}

/// Reviewers and admins (the review queue and decisions).
pub struct Reviewers;
impl Roles for Reviewers {
    const ALLOWED: &'static [Role] = &[Role::Reviewer, Role::Admin];
}

/// Authorizers and admins (the decision point).
pub struct Authorizers;
impl Roles for Authorizers {
    const ALLOWED: &'static [Role] = &[Role::Authorizer, Role::Admin];
}

/// Staff and admins (objections to policy proposals).
pub struct Staff;
impl Roles for Staff {
    const ALLOWED: &'static [Role] = &[Role::Staff, Role::Admin];
}

impl<R: Roles> Caller<R> {
    /// Who the caller is, as decisions and objections record it: the token's label as one word
    /// (spaces become `_`). A token issued without a label (possible before labels were
    /// required) is refused (403): its holder could not be told apart from another's, so four
    /// eyes and one objection per person would not hold.
    pub fn id(&self) -> Result<String, ApiError> {
        let id: String = self.label.split_whitespace().collect::<Vec<_>>().join("_");
        // A label issued before labels were checked may hold what cannot tell people apart.
        if let Err(why) = registry::person::check("this token's label", &self.label) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, format!("{why}; use a token with another label")));
        }
        if id.is_empty() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "this token carries no label, so what it decides could not be told apart from another holder's; \
                 use a token made with candor policy token --label",
            ));
        }
        Ok(id)
    }
}

/// The caller, holding a token of one of `R`'s roles: 401 without a valid token, 403 with a
/// token of another role.
pub struct Caller<R: Roles> {
    /// The token's role.
    pub role: Role,
    /// The token's label (who holds it).
    pub label: String,
    roles: PhantomData<R>,
}

impl<R: Roles> FromRequestParts<Arc<AppState>> for Caller<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        // Two credentials are ambiguous: which one was meant is not guessed.
        if parts.headers.get_all(header::AUTHORIZATION).iter().nth(1).is_some() {
            return Err(ApiError::bad_request("send one Authorization header, not several"));
        }
        let auth = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        match state.tokens.who(auth) {
            None => {
                Err(ApiError::new(StatusCode::UNAUTHORIZED, "a bearer token is required (Authorization: Bearer …)"))
            }
            Some((role, label)) if R::ALLOWED.contains(&role) => {
                Ok(Caller { role, label: label.to_string(), roles: PhantomData })
            }
            Some((role, _)) => {
                Err(ApiError::new(StatusCode::FORBIDDEN, format!("a {} token may not do this", role.as_str())))
            }
        }
    }
}

/// A JSON integer, also when written with a zero fraction (`7.0`): JSON Schema counts that as an
/// integer, so a client following the OpenAPI document may send it.
pub fn integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    whole(&n).ok_or_else(|| serde::de::Error::custom(format!("{n} is not an integer from -2^63 to 2^63-1")))
}

/// Like [`integer`], or null.
pub fn optional_integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => whole(&n)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{n} is not an integer from -2^63 to 2^63-1"))),
    }
}

/// A list of [`integer`]s.
pub fn integers<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    Vec::<serde_json::Number>::deserialize(d)?
        .iter()
        .map(|n| {
            whole(n).ok_or_else(|| serde::de::Error::custom(format!("{n} is not an integer from -2^63 to 2^63-1")))
        })
        .collect()
}

fn whole(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let f = n.as_f64()?;
        // 2^63 itself is out of range; every f64 below it with no fraction fits.
        (f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f))
            .then_some(f as i64)
    })
}

/// Characters that do not count as text in a reason or a search: Unicode's White_Space (what
/// `char::is_whitespace` and `str::trim` use) and the byte-order mark, as ranges. The OpenAPI
/// document's `pattern` is written from the same ranges ([`has_text_pattern`]), so schema and
/// server agree on every character whatever the regular-expression dialect.
const BLANK: &[(char, char)] = &[
    ('\u{9}', '\u{d}'),
    (' ', ' '),
    ('\u{85}', '\u{85}'),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{feff}', '\u{feff}'),
];

/// Whether `c` does not count as text (see [`BLANK`]).
pub fn is_blank(c: char) -> bool {
    BLANK.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// The OpenAPI `pattern` for "holds a character that is not blank": a negated class of
/// [`BLANK`] in `\uXXXX` escapes, which JSON Schema (ECMA-262) and Python read alike.
pub fn has_text_pattern() -> String {
    let u = |c: char| format!("\\u{:04x}", u32::from(c));
    let ranges: String =
        BLANK.iter().map(|&(lo, hi)| if lo == hi { u(lo) } else { format!("{}-{}", u(lo), u(hi)) }).collect();
    format!("[^{ranges}]")
}

/// The control characters a reason may not hold, as a regular-expression class body: C0 but
/// tab and line feed, DEL, C1, U+FFFE and U+FFFF (`registry::input`, `Lines::Many`).
const CONTROLS: &str = "\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\ufffe\\uffff";

/// The OpenAPI `pattern` of a reason: no control character but tab and line feed, and at
/// least one character that is not blank.
pub fn reason_pattern() -> String {
    let blank = has_text_pattern();
    let blank = blank.trim_start_matches("[^").trim_end_matches(']');
    format!("^[^{CONTROLS}]*[^{blank}{CONTROLS}][^{CONTROLS}]*$")
}

/// A reason from a request body, trimmed: 400 naming `field` when it is blank, longer than
/// `max` characters, or holds a control character other than tab and line feed.
pub fn reason<'a>(field: &str, raw: &'a str, max: usize) -> Result<&'a str, ApiError> {
    let reason = raw.trim_matches(is_blank);
    if reason.is_empty() || raw.chars().count() > max {
        return Err(ApiError::bad_request(format!("{field}: give one, of at most {max} characters")));
    }
    registry::input::check(field, raw, registry::input::Lines::Many).map_err(ApiError::bad_request)?;
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_pattern_refuses_what_the_server_refuses() {
        let p = reason_pattern();
        assert!(p.starts_with("^[^\\u0000-\\u0008\\u000b-\\u001f") && p.ends_with("*$"), "{p}");
        for (text, ok) in [
            ("why", true),
            ("a\tb\nc", true),
            ("  x ", true),
            ("", false),
            (" \n", false),
            ("a\u{0}", false),
            ("a\r\nb", false),
            ("a\u{1b}", false),
            ("a\u{85}", false),
        ] {
            assert_eq!(reason("reason", text, 10).is_ok(), ok, "{text:?}");
        }
        assert!(reason("reason", "12345678901", 10).is_err());
    }

    #[test]
    fn blank_is_unicode_white_space_and_the_byte_order_mark_and_the_pattern_says_so() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert_eq!(is_blank(c), c.is_whitespace() || c == '\u{feff}', "U+{:04X}", u32::from(c));
        }
        let p = has_text_pattern();
        assert!(p.starts_with("[^\\u0009-\\u000d\\u0020\\u0085") && p.ends_with("\\ufeff]"), "{p}");
    }

    #[test]
    fn integers_may_carry_a_zero_fraction_and_nothing_else() {
        let read = |json: &str| -> Result<i64, String> {
            integer(&mut serde_json::Deserializer::from_str(json)).map_err(|e| e.to_string())
        };
        assert_eq!(read("7"), Ok(7));
        assert_eq!(read("-14000.0"), Ok(-14000));
        assert!(read("7.5").is_err());
        assert!(read("1e19").is_err(), "beyond 2^63");
        assert!(read("\"7\"").is_err());
        let read =
            |json: &str| optional_integer(&mut serde_json::Deserializer::from_str(json)).map_err(|e| e.to_string());
        assert_eq!(read("null"), Ok(None));
        assert_eq!(read("3.0"), Ok(Some(3)));
    }
}
