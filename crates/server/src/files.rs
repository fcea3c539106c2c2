//! The static report and the log's tiles and checkpoint, from the log's public folder.
//!
//! A request path is decoded, split into segments and refused if any segment is empty, `.`,
//! `..`, hidden (starts with `.`) or holds a backslash or NUL; the file found is then
//! resolved (symbolic links too) and must still lie inside the folder. Content types and
//! cache headers follow C2SP tlog-tiles: the checkpoint is `text/plain; charset=utf-8` and
//! cached for a few seconds at most; tiles and entry bundles are
//! `application/octet-stream` and immutable.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// Largest file served.
pub const MAX_FILE: u64 = 64 << 20;

/// The fallback route: a file of the report, or 404.
pub async fn serve_file(State(state): State<Arc<AppState>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut res = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "the report is read-only").into_response();
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    let Some(report) = &state.report else {
        return ApiError::not_found("this server has no report").into_response();
    };
    let Some(rel) = safe_path(uri.path()) else {
        return ApiError::not_found("no such file").into_response();
    };
    let root = report.dir().to_path_buf();
    let found = tokio::task::spawn_blocking(move || read_inside(&root, &rel)).await;
    match found {
        Ok(Ok((name, bytes))) => {
            let (content_type, cache) = kind_of(&name);
            // HEAD says the length GET would send.
            let length = HeaderValue::from(bytes.len());
            let mut res = if method == Method::HEAD { Body::empty() } else { Body::from(bytes) }.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_LENGTH, length);
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            res
        }
        Ok(Err(status)) => ApiError::new(status, "no such file").into_response(),
        Err(e) => ApiError::internal(format!("reading a report file: {e}")).into_response(),
    }
}

/// The request path as a relative path of plain segments, or `None` if it could leave the
/// folder or name a hidden file. A trailing `/` means the folder's `index.html`.
pub fn safe_path(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let mut out = PathBuf::new();
    let trimmed = decoded.strip_prefix('/')?;
    let (body, index) = match trimmed.strip_suffix('/') {
        Some(b) => (b, true),
        None => (trimmed, trimmed.is_empty()),
    };
    if !body.is_empty() {
        for seg in body.split('/') {
            let bad =
                seg.is_empty() || seg.starts_with('.') || seg.contains('\\') || seg.contains('\0') || seg.contains(':');
            if bad {
                return None;
            }
            out.push(seg);
        }
    }
    if index {
        out.push("index.html");
    }
    Some(out)
}

fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Reads `rel` under `root` (already resolved), refusing anything that resolves outside it.
fn read_inside(root: &Path, rel: &Path) -> Result<(String, Vec<u8>), StatusCode> {
    let mut path = root.join(rel).canonicalize().map_err(|_| StatusCode::NOT_FOUND)?;
    if path.is_dir() {
        path = path.join("index.html").canonicalize().map_err(|_| StatusCode::NOT_FOUND)?;
    }
    if !path.starts_with(root) {
        return Err(StatusCode::NOT_FOUND);
    }
    let meta = std::fs::metadata(&path).map_err(|_| StatusCode::NOT_FOUND)?;
    if !meta.is_file() {
        return Err(StatusCode::NOT_FOUND);
    }
    if meta.len() > MAX_FILE {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let name = path.strip_prefix(root).map_err(|_| StatusCode::NOT_FOUND)?.to_string_lossy().replace('\\', "/");
    let bytes = std::fs::read(&path).map_err(|_| StatusCode::NOT_FOUND)?;
    Ok((name, bytes))
}

/// Content type and cache policy of a file, by its path in the folder.
pub fn kind_of(name: &str) -> (&'static str, &'static str) {
    const PAGE: &str = "no-cache";
    if name == tlog::CHECKPOINT_PATH {
        return ("text/plain; charset=utf-8", "max-age=5");
    }
    if name.starts_with("tile/") {
        return ("application/octet-stream", "public, max-age=31536000, immutable");
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let ty = match ext {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/atom+xml; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
    (ty, PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_folder() {
        assert_eq!(safe_path("/"), Some(PathBuf::from("index.html")));
        assert_eq!(safe_path("/org/a.html"), Some(PathBuf::from("org/a.html")));
        assert_eq!(safe_path("/data/"), Some(PathBuf::from("data/index.html")));
        for bad in [
            "/../log.key",
            "/org/../../log.key",
            "/%2e%2e/log.key",
            "/org/%2E%2E/%2E%2E/etc/passwd",
            "/.hidden",
            "/a//b",
            "/a\\..\\b",
            "/a%00b",
            "/%zz",
            "/C:/x",
            "relative",
        ] {
            assert_eq!(safe_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn tlog_tiles_content_types_and_caching() {
        assert_eq!(kind_of("checkpoint"), ("text/plain; charset=utf-8", "max-age=5"));
        assert_eq!(kind_of("tile/0/x001/234").0, "application/octet-stream");
        assert!(kind_of("tile/entries/000.p/5").1.contains("immutable"));
        assert_eq!(kind_of("index.html").0, "text/html; charset=utf-8");
    }
}
