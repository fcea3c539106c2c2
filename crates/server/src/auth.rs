//! Bearer tokens with roles. A token is 32 random bytes in hex, shown once when made; the
//! tokens file keeps only `role<TAB>sha256(token)<TAB>label` lines and is written 0600.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything.
    Admin,
    /// Review routes.
    Reviewer,
    /// The decision point.
    Authorizer,
    /// People the provider admits to object to policy proposals (its staff).
    Staff,
}

impl Role {
    /// Parses `admin`, `reviewer`, `authorizer` or `staff`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "reviewer" => Some(Role::Reviewer),
            "authorizer" => Some(Role::Authorizer),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }

    /// The name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Authorizer => "authorizer",
            Role::Staff => "staff",
        }
    }
}

/// Errors with the tokens file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A line is not `role<TAB>hash<TAB>label`.
    #[error("{path}: line {line}: expected role, SHA-256 hash and label separated by tabs")]
    BadLine {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
    },
    /// Others can read the file.
    #[error("{path}: readable by others; run chmod 600 on it")]
    TooOpen {
        /// The file.
        path: String,
    },
    /// A reviewer or staff token needs a label: decisions and objections are recorded under it.
    #[error(
        "a {role} token needs a --label naming who holds it: four eyes and one objection per person tell people apart by it"
    )]
    LabelRequired {
        /// The role.
        role: &'static str,
    },
    /// A label holds a character no id may hold.
    #[error("--label: {0}")]
    BadLabel(String),
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The known tokens, by hash.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    by_hash: HashMap<String, (Role, String)>,
}

impl Tokens {
    /// Loads a tokens file (a missing file means no tokens).
    pub fn load(path: &Path) -> Result<Tokens, Error> {
        let p = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Tokens::default()),
            Err(source) => return Err(Error::Io { path: p, source }),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                std::fs::metadata(path).map_err(|source| Error::Io { path: p.clone(), source })?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(Error::TooOpen { path: p });
            }
        }
        let mut by_hash = HashMap::new();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
            let mut parts = line.split('\t');
            let (Some(role), Some(h)) = (parts.next().and_then(Role::parse), parts.next()) else {
                return Err(Error::BadLine { path: p, line: i + 1 });
            };
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::BadLine { path: p, line: i + 1 });
            }
            let label = parts.next().unwrap_or("").to_string();
            by_hash.insert(h.to_ascii_lowercase(), (role, label));
        }
        Ok(Tokens { by_hash })
    }

    /// The role and label (who it was issued to) of an `Authorization` header's bearer token.
    pub fn who(&self, authorization: Option<&str>) -> Option<(Role, &str)> {
        let token = authorization?.strip_prefix("Bearer ")?.trim();
        if token.is_empty() {
            return None;
        }
        self.by_hash.get(&hash(token)).map(|(r, l)| (*r, l.as_str()))
    }

    /// Makes a token for `role`, appends its hash to `path` (created 0600) and returns the
    /// token, which is not stored anywhere.
    pub fn issue(path: &Path, role: Role, label: &str) -> Result<String, Error> {
        let p = path.display().to_string();
        let io = |source| Error::Io { path: p.clone(), source };
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| io(std::io::Error::other(e.to_string())))?;
        let token = hex::encode(bytes);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let label = label.trim();
        registry::person::check("label", label)
            .map_err(|m| Error::BadLabel(m.trim_start_matches("label: ").to_string()))?;
        if label.is_empty() && matches!(role, Role::Reviewer | Role::Staff) {
            return Err(Error::LabelRequired { role: role.as_str() });
        }
        let mut f = opts.open(path).map_err(io)?;
        writeln!(f, "{}\t{}\t{label}", role.as_str(), hash(&token)).map_err(io)?;
        f.sync_all().map_err(io)?;
        Ok(token)
    }
}
