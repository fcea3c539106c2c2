//! Where a followed log is read from (a folder, or a URL over HTTP(S)), and a witness's latest
//! view of it (`GET <witness>/checkpoints/<origin>`).

use std::path::PathBuf;
use std::time::Duration;

use tlog::{Dir, ReadStorage};

use crate::config::is_url;

/// Largest resource fetched (a tile is at most 8 KiB, an entry bundle at most 16 MiB).
const MAX_FETCH: u64 = 64 << 20;
/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A log's resources.
pub enum LogSource {
    /// A folder holding `checkpoint` and `tile/` (or a log home holding `public/`).
    Folder(Dir),
    /// A base URL.
    Http {
        /// Without a trailing `/`.
        base: String,
        /// Shared, keep-alive.
        agent: ureq::Agent,
    },
}

/// An HTTP agent with the monitor's timeout that reads non-2xx answers as answers.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().timeout_global(Some(TIMEOUT)).http_status_as_error(false).build().new_agent()
}

impl LogSource {
    /// The source `source` names.
    pub fn new(source: &str, agent: &ureq::Agent) -> LogSource {
        if is_url(source) {
            return LogSource::Http { base: source.trim_end_matches('/').to_string(), agent: agent.clone() };
        }
        let mut root = PathBuf::from(source);
        if !root.join(tlog::CHECKPOINT_PATH).exists() && root.join("public").join(tlog::CHECKPOINT_PATH).exists() {
            root = root.join("public");
        }
        LogSource::Folder(Dir::new(root))
    }
}

impl ReadStorage for LogSource {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, tlog::Error> {
        match self {
            LogSource::Folder(dir) => dir.read(path),
            LogSource::Http { base, agent } => get(agent, &format!("{base}/{path}"))
                .map_err(|e| tlog::Error::io(format!("{base}/{path}"), std::io::Error::other(e))),
        }
    }
}

/// GETs `url`: the body, `None` on 404, an error otherwise.
pub fn get(agent: &ureq::Agent, url: &str) -> Result<Option<Vec<u8>>, String> {
    let mut res = agent.get(url).call().map_err(|e| e.to_string())?;
    match res.status().as_u16() {
        200 => res.body_mut().with_config().limit(MAX_FETCH).read_to_vec().map(Some).map_err(|e| e.to_string()),
        404 => Ok(None),
        other => Err(format!("HTTP {other}")),
    }
}

/// The latest checkpoint of `origin` the witness at `url` cosigned, if it has one.
pub fn witness_view(agent: &ureq::Agent, url: &str, origin: &str) -> Result<Option<Vec<u8>>, String> {
    get(agent, &format!("{}/checkpoints/{origin}", url.trim_end_matches('/')))
}
