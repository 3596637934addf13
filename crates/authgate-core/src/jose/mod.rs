//! JOSE compact serialization: strict parsing (RFC 7515), algorithms, keys, signing.

mod alg;
mod b64;
mod header;
mod json;
mod sign;
mod verify_key;

pub use alg::Algorithm;
pub use header::Header;
pub use sign::SigningKey;
pub use verify_key::VerifyingKey;

use crate::claims::Claims;
use crate::error::VerifyError;

/// Tokens longer than this are rejected before any decoding (security.md JWT-F17).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A parsed, **not yet verified** compact JWS.
///
/// Parsing enforces the format gate: size cap, exactly three segments, strict unpadded
/// canonical base64url, header and payload are JSON objects without duplicate keys, header
/// members per RFC 7515 (`crit`, `b64`, `cty`, `enc`, `zip` rules). Nothing in a `Jws` may be
/// trusted until [`crate::verify_jws`] succeeds.
#[derive(Debug, Clone)]
pub struct Jws<'a> {
    header: Header,
    claims: Claims,
    signing_input: &'a str,
    signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    /// Parses a compact JWS, applying every format check of security.md §1.A, §1.B (header
    /// shape) and §1.D.
    pub fn parse(token: &'a str) -> Result<Self, VerifyError> {
        todo!("jose::Jws::parse {}", token.len())
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The claims (unverified until [`crate::verify_jws`] succeeds).
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The unverified `iss`, used only to choose which configured verifier handles the token.
    pub fn unverified_issuer(&self) -> Option<&str> {
        self.claims.get_str("iss")
    }

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The decoded signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

/// Decodes header and claims **without verifying anything but the format**.
/// For diagnostics (`authgate doctor`) only.
pub fn decode_unverified(token: &str) -> Result<(Header, Claims), VerifyError> {
    let jws = Jws::parse(token)?;
    Ok((jws.header, jws.claims))
}
