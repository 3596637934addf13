//! [`SessionError`]: what can go wrong behind a session lookup.

use authgate_core::store::StoreError;

/// A session operation failed on the server side (the store). Bad input from a client is
/// never an error: it is simply no session.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The session store failed.
    #[error("session store: {0}")]
    Store(String),
}

impl From<StoreError> for SessionError {
    fn from(e: StoreError) -> Self {
        SessionError::Store(e.to_string())
    }
}
