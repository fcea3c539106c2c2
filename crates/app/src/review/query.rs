//! Asking the queue: filters (`key=value`, as the CLI's `--filter` and the API's query take
//! them), the order, the page; the grammar of a score band.

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::rows::QueueItem;

pub use server::queue::Sort;

/// Which proposals to list. Text filters match exactly (case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Organisation kind (`local_agency`, `company`, …).
    pub kind: Option<String>,
    /// Law-enforcement role of the organisation (`agency`, `supplier`, `none`).
    pub role: Option<String>,
    /// Its status (`confirmed`, `proposed`).
    pub role_status: Option<String>,
    /// The organisation's country (ISO 3166-1 alpha-3), else the account's.
    pub country: Option<String>,
    /// The organisation's state, else the account's.
    pub state: Option<String>,
    /// A capability the account used.
    pub capability: Option<String>,
    /// Score band, inclusive.
    pub min_score: Option<f64>,
    /// Upper end.
    pub max_score: Option<f64>,
    /// Waiting at least this many days.
    pub min_age_days: Option<i64>,
    /// Only proposals whose link would make a deny.
    pub would_deny: Option<bool>,
    /// Order.
    pub sort: Sort,
    /// First row (0-based).
    pub offset: usize,
    /// Rows at most (at most [`MAX_PAGE`]).
    pub limit: usize,
}

/// Most rows a page holds.
pub const MAX_PAGE: usize = 500;

impl Query {
    /// Applies one `key=value` filter (`candor review list --filter`, the API's query).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let text = || Some(value.trim().to_string());
        match key {
            "kind" => self.kind = text(),
            "role" => self.role = text(),
            "status" => self.role_status = text(),
            "country" => self.country = text(),
            "state" => self.state = text(),
            "capability" => self.capability = text(),
            "score" => (self.min_score, self.max_score) = score_band(value)?,
            "age" => {
                self.min_age_days = Some(value.trim().parse().context("age: whole days waiting, at least")?);
            }
            "would_deny" => {
                self.would_deny = Some(match value.trim() {
                    "true" | "yes" => true,
                    "false" | "no" => false,
                    _ => bail!("would_deny: true or false"),
                });
            }
            other => bail!(
                "filter {other:?}: use kind, role, status, country, state, capability, score (LOW-HIGH), age (days) or would_deny"
            ),
        }
        Ok(())
    }

    pub(super) fn matches(&self, i: &QueueItem) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_ref().is_none_or(|w| w.eq_ignore_ascii_case(have));
        let place = |o: &Option<String>, a: &Option<String>| o.clone().or_else(|| a.clone()).unwrap_or_default();
        eq(&self.kind, &i.organisation.kind)
            && eq(&self.role, &i.organisation.role)
            && eq(&self.role_status, &i.organisation.role_status)
            && eq(&self.country, &place(&i.organisation.country, &i.account.country))
            && eq(&self.state, &place(&i.organisation.state, &i.account.state))
            && self
                .capability
                .as_ref()
                .is_none_or(|c| i.account.capabilities.iter().any(|u| u.capability.eq_ignore_ascii_case(c)))
            && self.min_score.is_none_or(|m| i.score >= m)
            && self.max_score.is_none_or(|m| i.score <= m)
            && self.min_age_days.is_none_or(|d| i.age_days >= d)
            && self.would_deny.is_none_or(|w| w != i.would_deny.is_empty())
    }
}

/// The grammar of one end of a score band: 0, 1, 0.xyz or 1.000 (the API document states
/// the same as a pattern, `server::openapi::SCORE_BAND_PATTERN`).
fn score_bound(t: &str) -> Option<f64> {
    let digits = |r: &str, only: &dyn Fn(char) -> bool| !r.is_empty() && r.chars().all(only);
    let ok = t == "0"
        || t == "1"
        || t.strip_prefix("0.").is_some_and(|r| digits(r, &|c| c.is_ascii_digit()))
        || t.strip_prefix("1.").is_some_and(|r| digits(r, &|c| c == '0'));
    if ok { t.parse().ok() } else { None }
}

/// `LOW-HIGH`, `LOW-`, `-HIGH` or `LOW` (at least LOW), each end from 0 to 1.
fn score_band(value: &str) -> Result<(Option<f64>, Option<f64>)> {
    let bad = || anyhow::anyhow!("score {value:?}: LOW-HIGH between 0 and 1, e.g. 0.8-0.95");
    let (lo, hi) = match value.split_once('-') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (value, None),
    };
    let lo = if lo.is_empty() && hi.is_some() { None } else { Some(score_bound(lo).ok_or_else(bad)?) };
    let hi = match hi {
        None | Some("") if lo.is_some() => None,
        None | Some("") => return Err(bad()),
        Some(h) => Some(score_bound(h).ok_or_else(bad)?),
    };
    Ok((lo, hi))
}

/// A page of the queue.
#[derive(Debug, Serialize)]
pub struct Page<'a> {
    /// Proposals matching the filters.
    pub total: usize,
    /// First row's position.
    pub offset: usize,
    /// Rows asked for.
    pub limit: usize,
    /// Rows in this page.
    pub count: usize,
    /// The order.
    pub sort: Sort,
    /// The rows.
    pub rows: Vec<&'a QueueItem>,
}

/// A query from `key=value` pairs: `sort`, `offset`, `limit` (50 unless given) and filters.
pub fn query_from_pairs(pairs: &[(String, String)]) -> Result<Query> {
    let mut q = Query { limit: 50, ..Query::default() };
    for (k, v) in pairs {
        match k.as_str() {
            "sort" => q.sort = Sort::parse(v).map_err(anyhow::Error::msg)?,
            "offset" => {
                // As the API document bounds it: 0 to 2^63 - 1.
                let n: i64 = v.trim().parse().context("offset: a whole number from 0")?;
                q.offset = usize::try_from(n).context("offset: a whole number from 0")?;
            }
            "limit" => {
                q.limit = v.trim().parse().context("limit: a whole number")?;
                if q.limit == 0 || q.limit > MAX_PAGE {
                    bail!("limit: from 1 to {MAX_PAGE}");
                }
            }
            _ => q.set(k, v)?,
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bands_follow_the_documented_grammar() {
        for (text, want) in [
            ("0.8-0.95", Some((Some(0.8), Some(0.95)))),
            ("0.9-", Some((Some(0.9), None))),
            ("-0.5", Some((None, Some(0.5)))),
            ("1", Some((Some(1.0), None))),
            ("1.000-1", Some((Some(1.0), Some(1.0)))),
            ("", None),
            ("-", None),
            ("1.5", None),
            ("+0.5", None),
            ("0.", None),
            ("NaN", None),
            (" 0.5", None),
            ("0.5-0.6-0.7", None),
        ] {
            assert_eq!(score_band(text).ok(), want, "{text:?}");
        }
    }

    #[test]
    fn a_query_names_its_bad_key_or_value() {
        let pairs = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert!(query_from_pairs(&pairs("colour", "blue")).is_err());
        assert!(query_from_pairs(&pairs("limit", "0")).is_err());
        assert!(query_from_pairs(&pairs("limit", "501")).is_err());
        assert!(query_from_pairs(&pairs("sort", "loudest")).is_err());
        assert!(query_from_pairs(&pairs("would_deny", "maybe")).is_err());
        let q = query_from_pairs(&pairs("age", "7")).expect("age");
        assert_eq!((q.min_age_days, q.limit, q.sort), (Some(7), 50, Sort::Impact));
    }
}
