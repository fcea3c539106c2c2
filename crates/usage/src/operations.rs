//! API operations: how a request to a provider's API is recognised (an HTTP method and path,
//! or a header such as AWS's `X-Amz-Target`), and the capability it exercises. The capability
//! is never written beside the operation: each operation names the billing line it is billed
//! as, and the taxonomy's billing rules decide that line — so what a gateway refuses and what a
//! bill shows speak of the same capability, from one mapping.

use serde::Deserialize;

use crate::glob::Glob;

/// An operation as written in a taxonomy file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOperation {
    provider: String,
    service: String,
    name: String,
    /// A header that names the operation (`X-Amz-Target: RekognitionService.SearchFacesByImage`).
    header: Option<RawHeader>,
    /// The method of a request to the operation's path.
    method: Option<String>,
    /// The path (`*` matches any run of characters).
    path: Option<String>,
    /// The billing line the operation is billed as.
    billed_as: BilledAs,
}

/// The billing line an operation is billed as; the taxonomy's rules decide its capability.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BilledAs {
    /// Provider (the operation's when not given).
    pub(crate) provider: Option<String>,
    /// Service.
    #[serde(default)]
    pub(crate) service: String,
    /// SKU or usage type.
    #[serde(default)]
    pub(crate) usage_type: String,
    /// Operation.
    #[serde(default)]
    pub(crate) operation: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    value: String,
}

/// How a request for an operation is recognised.
#[derive(Debug, Clone)]
pub enum Recognised {
    /// By a header's value (names compared without case, values exactly).
    Header {
        /// The header's name.
        name: String,
        /// Its value.
        value: String,
    },
    /// By method and path.
    Path {
        /// The method (upper case).
        method: String,
        /// The path pattern as written (`*` matches any run of characters).
        pattern: String,
    },
}

/// An API operation and the capability it exercises.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Provider key (`aws`, `azure`, `gcp`, `oci`).
    pub provider: String,
    /// The service.
    pub service: String,
    /// The operation's name (`SearchFacesByImage`).
    pub name: String,
    /// How a request for it is recognised.
    pub recognised: Recognised,
    /// Index into the taxonomy's capabilities: what the billing rules decide for the line it is
    /// billed as.
    pub capability: usize,
    /// The path pattern, compiled (for a path operation).
    pub(crate) glob: Option<Glob>,
}

/// Compiles operations; `decide(billed_as, provider)` gives the capability the billing rules
/// decide for a line. An error names the operation by its 1-based number.
pub(crate) fn compile(
    raw: Vec<RawOperation>,
    decide: &dyn Fn(&BilledAs, &str) -> Option<usize>,
) -> Result<Vec<Operation>, (usize, String)> {
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let bad = |message: String| (i + 1, message);
        let provider = r.provider.to_lowercase();
        if !["aws", "azure", "gcp", "oci"].contains(&provider.as_str()) {
            return Err(bad(format!("unknown provider {:?} (aws, azure, gcp or oci)", r.provider)));
        }
        let (recognised, glob) = match (r.header, r.method, r.path) {
            (Some(h), None, None) if !h.name.trim().is_empty() && !h.value.is_empty() => {
                (Recognised::Header { name: h.name.trim().to_string(), value: h.value }, None)
            }
            (None, Some(m), Some(p)) if !p.is_empty() => {
                let glob = Glob::new(&p);
                (Recognised::Path { method: m.trim().to_uppercase(), pattern: p }, Some(glob))
            }
            _ => return Err(bad(format!("{:?}: give either a header (name, value) or a method and a path", r.name))),
        };
        let capability = decide(&r.billed_as, &provider).ok_or_else(|| {
            bad(format!("{:?}: no billing rule decides the line it is billed as ({:?})", r.name, r.billed_as))
        })?;
        out.push(Operation { provider, service: r.service, name: r.name, recognised, capability, glob });
    }
    Ok(out)
}

/// Every operation of `ops` a request is for (see `Taxonomy::operations_for_request`): a
/// header's value is compared without case (a service reading it either way must not get past),
/// a path pattern against the lower-cased path.
pub(crate) fn find_all<'a, 'h>(
    ops: &'a [Operation],
    method: &str,
    path: &str,
    header: &dyn Fn(&str) -> Option<&'h str>,
) -> Vec<&'a Operation> {
    let path = path.to_lowercase();
    ops.iter()
        .filter(|o| match &o.recognised {
            Recognised::Header { name, value } => header(name).is_some_and(|v| v.trim().eq_ignore_ascii_case(value)),
            Recognised::Path { method: m, .. } => {
                m.eq_ignore_ascii_case(method) && o.glob.as_ref().is_some_and(|g| g.matches(&path))
            }
        })
        .collect()
}
