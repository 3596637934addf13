//! sqlx errors to `StoreError`, without parameter values.

use authgate_core::store::StoreError;
use sqlx::error::ErrorKind;

/// `Backend` naming the operation and the failure; database messages name tables and
/// constraints, never bound values.
pub(crate) fn backend(op: &str, e: &sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(db) => StoreError::Backend(format!("{op}: {}", db.message())),
        sqlx::Error::ColumnDecode { index, .. } => {
            StoreError::Backend(format!("{op}: corrupt column {index}"))
        }
        other => StoreError::Backend(format!("{op}: {other}")),
    }
}

/// Maps a write's error: unique violation → `Conflict(what exists)`, foreign-key violation →
/// `NotFound(user)`, anything else → `Backend`.
pub(crate) fn write(op: &'static str, what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation => {
            StoreError::Conflict(format!("{what} already exists"))
        }
        sqlx::Error::Database(db) if db.kind() == ErrorKind::ForeignKeyViolation => {
            StoreError::NotFound("user".into())
        }
        _ => backend(op, &e),
    }
}

/// Maps a read's error to `Backend`.
pub(crate) fn read(op: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| backend(op, &e)
}
