//! Pre-parsed public (or shared-secret) keys, bound to the algorithms they may verify.

use super::Algorithm;
use crate::error::VerifyError;
use crate::secret::SecretBytes;

/// A key ready to verify signatures: parsed once (per JWKS fetch or configuration load) so a
/// verification does no key parsing.
///
/// The key type is bound to the algorithm family: RSA keys verify RS*/PS* only, P-256 ES256
/// only, P-384 ES384 only, Ed25519 EdDSA only, shared secrets HS* only.
#[derive(Clone)]
pub struct VerifyingKey {
    #[allow(dead_code)]
    inner: (),
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyingKey")
    }
}

impl VerifyingKey {
    /// An RSA public key from its big-endian modulus and exponent. Rejects moduli under 2048
    /// or over 8192 bits, and even or tiny exponents.
    pub fn rsa(n: &[u8], e: &[u8]) -> Result<Self, VerifyError> {
        todo!("{} {}", n.len(), e.len())
    }

    /// An EC public key on P-256 or P-384 from its affine coordinates.
    pub fn ec(crv: &str, x: &[u8], y: &[u8]) -> Result<Self, VerifyError> {
        todo!("{crv} {} {}", x.len(), y.len())
    }

    /// An Ed25519 public key.
    pub fn ed25519(x: &[u8]) -> Result<Self, VerifyError> {
        todo!("{}", x.len())
    }

    /// A shared HMAC secret of at least 32 bytes (RFC 7518 §3.2, RFC 8725 §3.5).
    pub fn hmac(secret: SecretBytes) -> Result<Self, VerifyError> {
        todo!("{}", secret.len())
    }

    /// Whether this key may verify `alg`.
    pub fn supports(&self, alg: Algorithm) -> bool {
        todo!("{alg}")
    }

    /// Verifies `signature` over `message` with `alg`; fails with `DisallowedAlg` when the key
    /// type does not fit `alg` and `BadSignature` when the signature is wrong.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        todo!("{alg} {} {}", message.len(), signature.len())
    }
}
