//! The provider's secret salt for reviewer pseudonyms ([`crate::redact::pseudonym`]): made
//! once, kept in the log's home beside the signing key with the same 0600 permissions, never
//! published. Losing it changes every pseudonym in later records; leaking it lets anyone who
//! guesses a reviewer id confirm it.

use std::io::Write as _;
use std::path::Path;

use crate::Error;

/// The salt file's name in a log's home folder.
pub const SALT_FILE: &str = "pseudonym.salt";

/// Reads the salt from `home`, creating it (32 random bytes, hex, mode 0600) on first use.
pub fn load_or_create(home: &Path) -> Result<Vec<u8>, Error> {
    let path = home.join(SALT_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(text.trim().as_bytes().to_vec());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::io(&path, std::io::Error::other(format!("no randomness for the salt: {e}"))))?;
    let hex = hex::encode(bytes);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path).map_err(|e| Error::io(&path, e))?;
    f.write_all(format!("{hex}\n").as_bytes()).and_then(|()| f.sync_all()).map_err(|e| Error::io(&path, e))?;
    Ok(hex.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_salt_is_made_once_kept_private_and_read_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = load_or_create(dir.path()).expect("made");
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create(dir.path()).expect("read"), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SALT_FILE)).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
