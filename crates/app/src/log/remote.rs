//! A report served over HTTP(S), read as a log's storage, so `candor verify URL` checks a
//! published site exactly as it checks a folder.

use std::time::Duration;

use tlog::ReadStorage;

/// Largest resource fetched (a tile is at most 8 KiB, a bundle at most 16 MiB).
const MAX_FETCH: u64 = 64 << 20;

/// A site's base URL and an HTTP client with a global timeout.
pub struct HttpStorage {
    base: String,
    agent: ureq::Agent,
}

impl HttpStorage {
    /// Reads paths relative to `base` (a trailing `/` is ignored); each request may take at
    /// most `timeout`.
    pub fn new(base: &str, timeout: Duration) -> HttpStorage {
        let agent =
            ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(true).build().new_agent();
        HttpStorage { base: base.trim_end_matches('/').to_string(), agent }
    }

    /// Whether `source` names a URL rather than a folder.
    pub fn is_url(source: &str) -> bool {
        source.starts_with("http://") || source.starts_with("https://")
    }
}

impl ReadStorage for HttpStorage {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, tlog::Error> {
        let url = format!("{}/{path}", self.base);
        let fail = |e: String| tlog::Error::io(&url, std::io::Error::other(e));
        match self.agent.get(&url).call() {
            Ok(mut res) => {
                res.body_mut().with_config().limit(MAX_FETCH).read_to_vec().map(Some).map_err(|e| fail(e.to_string()))
            }
            Err(ureq::Error::StatusCode(404)) => Ok(None),
            Err(e) => Err(fail(e.to_string())),
        }
    }
}

/// A published report as storage: an http(s) URL, or a folder (the log's public folder or its
/// home), with the folder's files for the page checks (none over HTTP).
pub fn open_report(source: &str) -> anyhow::Result<(Box<dyn ReadStorage + Send + Sync>, Vec<String>)> {
    if HttpStorage::is_url(source) {
        return Ok((Box::new(HttpStorage::new(source, Duration::from_secs(30))), Vec::new()));
    }
    let mut root = std::path::PathBuf::from(source);
    // A log's home holds its public folder; accept either.
    if !root.join(tlog::CHECKPOINT_PATH).exists() && root.join("public").join(tlog::CHECKPOINT_PATH).exists() {
        root = root.join("public");
    }
    if !root.join(tlog::CHECKPOINT_PATH).exists() {
        anyhow::bail!("{source}: no checkpoint here; give the report's folder (the log's public folder) or URL");
    }
    let pages = publish::check::folder_files(&root);
    Ok((Box::new(tlog::Dir::new(root)), pages))
}
