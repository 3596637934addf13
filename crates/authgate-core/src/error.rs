//! The one error type of token verification.

use std::fmt;

/// Why a token was rejected. Named after the spec step that failed.
///
/// Every kind becomes the same `401 invalid_token` response; the kind and detail are for logs
/// and for `authgate doctor`, never for response bodies.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerifyErrorKind {
    /// Not a well-formed compact JWS (size, segments, base64url, JSON, header members).
    Malformed,
    /// `alg` is not on the issuer's allow-list or does not fit the key.
    DisallowedAlg,
    /// No key in the issuer's key set matches the token's `kid`/`x5t`.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// The `typ` header or token-kind rules say this is not the expected kind of token.
    WrongTokenType,
    /// `iss` is missing or is not the configured issuer.
    WrongIssuer,
    /// The issuer is not configured at all (no verifier to route to).
    UnknownIssuer,
    /// `aud` is missing or does not name this API.
    WrongAudience,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future, or time claims are inconsistent, or the lifetime is too long.
    InvalidTimes,
    /// A required claim is absent.
    MissingClaim,
    /// A claim has the wrong JSON type or a forbidden value.
    InvalidClaim,
    /// The issuer's keys are not available (never fetched, or stale beyond the bound).
    KeysUnavailable,
}

/// A rejected token: the kind (stable, for metrics) and a human detail (for debug logs).
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyError {
    kind: VerifyErrorKind,
    detail: String,
}

impl VerifyError {
    /// A new error of `kind` with a human-readable `detail`. The detail must never contain
    /// the token or any secret.
    pub fn new(kind: VerifyErrorKind, detail: impl Into<String>) -> Self {
        VerifyError {
            kind,
            detail: detail.into(),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> VerifyErrorKind {
        self.kind
    }

    /// What exactly failed, in plain words (for logs and `doctor`).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Debug for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VerifyError({:?}: {})",
            self.kind,
            self.detail.escape_debug()
        )
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.detail.escape_debug())
    }
}

impl std::error::Error for VerifyError {}
