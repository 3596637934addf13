//! Signing keys: used by the dev identity provider, by tests that mint tokens, and later by
//! authgate's own token service.

use super::Algorithm;
use crate::secret::SecretBytes;

/// A private key (or shared secret) that signs JWS tokens with one algorithm.
pub struct SigningKey {
    #[allow(dead_code)]
    inner: (),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

impl SigningKey {
    /// Generates a fresh key for `alg` (RSA 2048 bits for RS*/PS*, P-256/P-384, Ed25519,
    /// 32 random bytes for HS*) with key id `kid`.
    pub fn generate(alg: Algorithm, kid: impl Into<String>) -> Self {
        todo!("{alg} {}", kid.into())
    }

    /// Generates an RSA key of `bits` (2048, 3072, 4096) for `alg` (RS* or PS*).
    pub fn generate_rsa(alg: Algorithm, bits: usize, kid: impl Into<String>) -> Self {
        todo!("{alg} {bits} {}", kid.into())
    }

    /// An HMAC key from a shared secret (any length: tests use short ones to prove rejection).
    pub fn hmac(alg: Algorithm, secret: SecretBytes, kid: Option<String>) -> Self {
        todo!("{alg} {} {kid:?}", secret.len())
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        todo!()
    }

    /// The key id placed in the header (`None` for kid-less keys).
    pub fn kid(&self) -> Option<&str> {
        todo!()
    }

    /// Signs `message` and returns the raw JWS signature bytes (R||S for ECDSA).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        todo!("{}", message.len())
    }

    /// Builds a compact JWS: header `{"alg":..,"kid":..}` merged with `extra_header`
    /// (e.g. `typ`, `x5t`), then `claims`, then the signature.
    pub fn sign_token(
        &self,
        extra_header: &serde_json::Map<String, serde_json::Value>,
        claims: &serde_json::Value,
    ) -> String {
        todo!("{} {}", extra_header.len(), claims.is_object())
    }

    /// The public JWK (`kty`, `kid`, `use: sig`, `alg`, and `n`/`e`, `crv`/`x`/`y` or `crv`/`x`).
    /// `None` for HMAC keys, which are never published.
    pub fn public_jwk(&self) -> Option<serde_json::Value> {
        todo!()
    }
}
