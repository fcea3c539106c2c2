//! What can go wrong reconciling.

/// An error of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The provider file is not as documented: which file and what.
    #[error("{file}: {message}")]
    Provider {
        /// The file.
        file: String,
        /// What is wrong, naming the field.
        message: String,
    },
    /// The registry failed.
    #[error(transparent)]
    Registry(#[from] registry::Error),
}

/// A result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
