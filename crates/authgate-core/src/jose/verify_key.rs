//! Pre-parsed public (or shared-secret) keys, bound to the algorithms they may verify.

use super::Algorithm;
use crate::error::{VerifyError, VerifyErrorKind};
use crate::secret::SecretBytes;
use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents};
use std::sync::Arc;

/// Smallest accepted RSA modulus (RFC 7518 §3.3).
const MIN_RSA_BITS: usize = 2048;
/// Largest accepted RSA modulus, bounding verification cost (security.md JWT-R04).
const MAX_RSA_BITS: usize = 8192;
/// Length of an Ed25519 signature (RFC 8032 §5.1.6).
const ED25519_SIGNATURE_LEN: usize = 64;
/// Shortest accepted HMAC secret (RFC 7518 §3.2, RFC 8725 §3.5): the HS256 minimum.
const MIN_HMAC_BYTES: usize = 32;
/// The HMAC algorithms, in the order of `Inner::Hmac`.
const HMAC_ALGS: [(Algorithm, hmac::Algorithm); 3] = [
    (Algorithm::HS256, hmac::HMAC_SHA256),
    (Algorithm::HS384, hmac::HMAC_SHA384),
    (Algorithm::HS512, hmac::HMAC_SHA512),
];

/// The RSA algorithms, in the order of [`RsaKey::parsed`].
const RSA_ALGS: [(Algorithm, &RsaParameters); 6] = [
    (Algorithm::RS256, &signature::RSA_PKCS1_2048_8192_SHA256),
    (Algorithm::RS384, &signature::RSA_PKCS1_2048_8192_SHA384),
    (Algorithm::RS512, &signature::RSA_PKCS1_2048_8192_SHA512),
    (Algorithm::PS256, &signature::RSA_PSS_2048_8192_SHA256),
    (Algorithm::PS384, &signature::RSA_PSS_2048_8192_SHA384),
    (Algorithm::PS512, &signature::RSA_PSS_2048_8192_SHA512),
];

/// A key ready to verify signatures: parsed once (per JWKS fetch or configuration load) so a
/// verification does no key parsing.
///
/// The key type is bound to the algorithm family: RSA keys verify RS*/PS* only, P-256 ES256
/// only, P-384 ES384 only, Ed25519 EdDSA only, shared secrets HS* only. Cloning is cheap (the
/// parsed key is shared).
#[derive(Clone)]
pub struct VerifyingKey {
    inner: Arc<Inner>,
}

// One `Inner` per key, always behind an `Arc`: its size does not matter, and boxing a variant
// would add a pointer chase to every verification.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Rsa(RsaKey),
    Ec(EcKey),
    Ed25519(ParsedPublicKey),
    /// One key per HMAC algorithm of [`HMAC_ALGS`], all from the same secret; `None` where
    /// the secret is shorter than that algorithm's hash output (RFC 7518 §3.2).
    Hmac([Option<hmac::Key>; 3]),
}

/// A P-256 (ES256) or P-384 (ES384) key.
struct EcKey {
    alg: Algorithm,
    key: ParsedPublicKey,
    /// The fixed `R || S` length: twice the coordinate length (RFC 7518 §3.4).
    signature_len: usize,
}

struct RsaKey {
    /// Modulus length in bytes: every signature has exactly this length (RFC 8017 §8.2.2).
    modulus_len: usize,
    /// One parsed key per algorithm of [`RSA_ALGS`], same order.
    parsed: [ParsedPublicKey; 6],
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &*self.inner {
            Inner::Rsa(rsa) => format!("RSA-{}", rsa.modulus_len * 8),
            Inner::Ec(ec) => format!("EC {}", ec.alg),
            Inner::Ed25519(_) => "Ed25519".to_owned(),
            Inner::Hmac(_) => "HMAC([redacted])".to_owned(),
        };
        write!(f, "VerifyingKey({kind})")
    }
}

impl VerifyingKey {
    /// An RSA public key from its big-endian modulus and exponent. Rejects moduli under 2048
    /// or over 8192 bits (JWT-C10, JWT-R04), even moduli, and exponents that are even, 1, or
    /// longer than 64 bits (JWT-C11). Leading zero octets, which some publishers add, are
    /// ignored.
    ///
    /// The key is parsed here once for each RSA algorithm, so [`VerifyingKey::verify`] does no
    /// parsing.
    pub fn rsa(n: &[u8], e: &[u8]) -> Result<Self, VerifyError> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        check_rsa_modulus(n)?;
        check_rsa_exponent(e)?;
        let components = RsaPublicKeyComponents { n, e };
        let parse = |params: &'static RsaParameters| {
            components
                .to_parsed_public_key(params)
                .map_err(|_| bad_key("RSA key rejected"))
        };
        let [a, b, c, d, e, f] = RSA_ALGS.map(|(_, params)| parse(params));
        let parsed = [a?, b?, c?, d?, e?, f?];
        Ok(Self::new(Inner::Rsa(RsaKey {
            modulus_len: n.len(),
            parsed,
        })))
    }

    /// An EC public key on P-256 or P-384 from its affine coordinates. Points not on the curve
    /// are rejected.
    pub fn ec(crv: &str, x: &[u8], y: &[u8]) -> Result<Self, VerifyError> {
        let (alg, params, coordinate_len) = match crv {
            "P-256" => (Algorithm::ES256, &signature::ECDSA_P256_SHA256_FIXED, 32),
            "P-384" => (Algorithm::ES384, &signature::ECDSA_P384_SHA384_FIXED, 48),
            _ => return Err(bad_key("EC curve is not P-256 or P-384")),
        };
        if x.len() != coordinate_len || y.len() != coordinate_len {
            return Err(bad_key("EC coordinate has the wrong length"));
        }
        // SEC 1 §2.3.3 uncompressed point: 0x04 || x || y.
        let point = [&[4u8][..], x, y].concat();
        let key = ParsedPublicKey::new(params, point).map_err(|_| bad_key("EC point rejected"))?;
        let signature_len = 2 * coordinate_len;
        Ok(Self::new(Inner::Ec(EcKey {
            alg,
            key,
            signature_len,
        })))
    }

    /// An Ed25519 public key. Keys of small order (which would verify forged signatures for
    /// many messages) are rejected (security.md JWT-C11).
    pub fn ed25519(x: &[u8]) -> Result<Self, VerifyError> {
        if x.len() != signature::ED25519_PUBLIC_KEY_LEN {
            return Err(bad_key("Ed25519 key has the wrong length"));
        }
        if super::ed25519_order::is_small_order(x) {
            return Err(bad_key("Ed25519 key has small order"));
        }
        let key = ParsedPublicKey::new(&signature::ED25519, x)
            .map_err(|_| bad_key("Ed25519 key rejected"))?;
        Ok(Self::new(Inner::Ed25519(key)))
    }

    /// A shared HMAC secret of at least 32 bytes (RFC 8725 §3.5).
    ///
    /// RFC 7518 §3.2: a key must be at least as long as the hash output, so the key verifies
    /// HS256 with 32 bytes or more, HS384 from 48 bytes and HS512 from 64 bytes; a token of an
    /// algorithm the secret is too short for is refused with `DisallowedAlg`.
    pub fn hmac(secret: SecretBytes) -> Result<Self, VerifyError> {
        if secret.len() < MIN_HMAC_BYTES {
            return Err(bad_key("HMAC secret is shorter than 32 bytes"));
        }
        let bytes = secret.expose_secret();
        let keys = HMAC_ALGS.map(|(_, alg)| {
            (bytes.len() >= alg.digest_algorithm().output_len()).then(|| hmac::Key::new(alg, bytes))
        });
        Ok(Self::new(Inner::Hmac(keys)))
    }

    /// Whether this key may verify `alg`.
    pub fn supports(&self, alg: Algorithm) -> bool {
        match &*self.inner {
            Inner::Rsa(_) => RSA_ALGS.iter().any(|(a, _)| *a == alg),
            Inner::Ec(ec) => ec.alg == alg,
            Inner::Ed25519(_) => alg == Algorithm::EdDSA,
            Inner::Hmac(keys) => hmac_key(keys, alg).is_ok(),
        }
    }

    /// Whether `other` is the same public key (type and material). Shared secrets are never
    /// reported the same: they cannot be compared without exposing them, and they only come
    /// from configuration, never from a fetched key set.
    pub fn same_public_key(&self, other: &VerifyingKey) -> bool {
        match (&*self.inner, &*other.inner) {
            (Inner::Rsa(a), Inner::Rsa(b)) => a.parsed[0].as_ref() == b.parsed[0].as_ref(),
            (Inner::Ec(a), Inner::Ec(b)) => a.alg == b.alg && a.key.as_ref() == b.key.as_ref(),
            (Inner::Ed25519(a), Inner::Ed25519(b)) => a.as_ref() == b.as_ref(),
            _ => false,
        }
    }

    /// Verifies `signature` over `message` with `alg`; fails with `DisallowedAlg` when the key
    /// type does not fit `alg` (or a shared secret is too short for it) and `BadSignature` when
    /// the signature is wrong.
    ///
    /// Signature lengths are exact: the modulus length for RSA (RFC 8017 §8.2.2), 64 or 96
    /// bytes of `R || S` for ES256/ES384 (RFC 7518 §3.4, so DER is refused), 64 for EdDSA.
    /// HMAC tags are compared in constant time.
    pub fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        let verified = match &*self.inner {
            Inner::Rsa(rsa) => rsa.verify(alg, message, signature)?,
            Inner::Ec(ec) => ec.verify(alg, message, signature)?,
            Inner::Ed25519(key) if alg == Algorithm::EdDSA => {
                signature.len() == ED25519_SIGNATURE_LEN
                    && key.verify_sig(message, signature).is_ok()
            }
            Inner::Ed25519(_) => return Err(alg_mismatch()),
            Inner::Hmac(keys) => hmac::verify(hmac_key(keys, alg)?, message, signature).is_ok(),
        };
        if !verified {
            let detail = "signature does not verify";
            return Err(VerifyError::new(VerifyErrorKind::BadSignature, detail));
        }
        Ok(())
    }

    fn new(inner: Inner) -> Self {
        VerifyingKey {
            inner: Arc::new(inner),
        }
    }
}

impl EcKey {
    /// `Ok(true)` when the signature verifies, `Ok(false)` when it does not.
    fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, VerifyError> {
        if alg != self.alg {
            return Err(alg_mismatch());
        }
        Ok(
            signature.len() == self.signature_len
                && self.key.verify_sig(message, signature).is_ok(),
        )
    }
}

impl RsaKey {
    /// `Ok(true)` when the signature verifies, `Ok(false)` when it does not.
    fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, VerifyError> {
        let key = RSA_ALGS
            .iter()
            .zip(&self.parsed)
            .find_map(|((a, _), key)| (*a == alg).then_some(key))
            .ok_or_else(alg_mismatch)?;
        Ok(signature.len() == self.modulus_len && key.verify_sig(message, signature).is_ok())
    }
}

/// The key for `alg`: `DisallowedAlg` when `alg` is not HS* or the secret is too short for it.
fn hmac_key(keys: &[Option<hmac::Key>; 3], alg: Algorithm) -> Result<&hmac::Key, VerifyError> {
    HMAC_ALGS
        .iter()
        .zip(keys)
        .find_map(|((a, _), key)| (*a == alg).then_some(key))
        .ok_or_else(alg_mismatch)?
        .as_ref()
        .ok_or_else(|| {
            VerifyError::new(
                VerifyErrorKind::DisallowedAlg,
                "HMAC secret is shorter than the algorithm's hash output",
            )
        })
}

/// RFC 7518 §3.3: at least 2048 bits; at most 8192 to bound the cost of one verification.
fn check_rsa_modulus(n: &[u8]) -> Result<(), VerifyError> {
    let bits = n.first().map_or(0, |top| {
        (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize)
    });
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(bad_key("RSA modulus is not between 2048 and 8192 bits"));
    }
    if n.last().is_some_and(|low| low % 2 == 0) {
        return Err(bad_key("RSA modulus is even"));
    }
    Ok(())
}

/// The public exponent must be odd and at least 3 (RFC 8017 §3.1), and fit in 64 bits.
fn check_rsa_exponent(e: &[u8]) -> Result<(), VerifyError> {
    let odd = e.last().is_some_and(|low| low % 2 == 1);
    if e.is_empty() || e.len() > 8 || !odd || e == [1] {
        return Err(bad_key("RSA exponent must be odd and at least 3"));
    }
    Ok(())
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

fn bad_key(detail: &str) -> VerifyError {
    VerifyError::new(VerifyErrorKind::Malformed, detail)
}

fn alg_mismatch() -> VerifyError {
    VerifyError::new(
        VerifyErrorKind::DisallowedAlg,
        "alg does not fit the key type",
    )
}

#[cfg(test)]
mod tests;
