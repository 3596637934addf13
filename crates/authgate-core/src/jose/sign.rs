//! Signing keys: used by the dev identity provider, by tests that mint tokens, and later by
//! authgate's own token service.

use super::{Algorithm, VerifyingKey, b64};
use crate::error::{VerifyError, VerifyErrorKind};
use crate::secret::SecretBytes;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair, RsaEncoding, RsaKeyPair,
};
use serde_json::{Map, Value, json};

/// A private key (or shared secret) that signs JWS tokens with one algorithm.
pub struct SigningKey {
    alg: Algorithm,
    kid: Option<String>,
    inner: Inner,
}

enum Inner {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    /// The secret is kept to build the matching [`VerifyingKey`].
    Hmac {
        key: Box<hmac::Key>,
        secret: SecretBytes,
    },
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

// Key generation and signing fail only when the system random generator or the crypto
// library itself is broken; nothing sensible can continue then, so those paths panic.
#[allow(clippy::expect_used)]
impl SigningKey {
    /// Generates a fresh key for `alg` (RSA 2048 bits for RS*/PS*, P-256/P-384, Ed25519,
    /// random bytes of the hash length (32, 48 or 64) for HS*) with key id `kid`.
    ///
    /// # Panics
    /// When the system random generator fails.
    pub fn generate(alg: Algorithm, kid: impl Into<String>) -> Self {
        let inner = match alg {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                let mut secret = vec![0; hmac_algorithm(alg).digest_algorithm().output_len()];
                SystemRandom::new()
                    .fill(&mut secret)
                    .expect("system random generator");
                return Self::hmac(alg, SecretBytes::new(secret), Some(kid.into()));
            }
            Algorithm::ES256 | Algorithm::ES384 => {
                Inner::Ec(EcdsaKeyPair::generate(ecdsa_signing(alg)).expect("EC key generation"))
            }
            Algorithm::EdDSA => {
                Inner::Ed25519(Ed25519KeyPair::generate().expect("Ed25519 key generation"))
            }
            _ => return Self::generate_rsa(alg, 2048, kid),
        };
        SigningKey {
            alg,
            kid: Some(kid.into()),
            inner,
        }
    }

    /// Generates an RSA key of `bits` (2048, 3072, 4096 or 8192) for `alg` (RS* or PS*).
    ///
    /// # Panics
    /// When `alg` is not RS*/PS* or `bits` is not one of the sizes above.
    pub fn generate_rsa(alg: Algorithm, bits: usize, kid: impl Into<String>) -> Self {
        assert!(rsa_encoding(alg).is_some(), "{alg} is not an RSA algorithm");
        let size = match bits {
            2048 => Some(KeySize::Rsa2048),
            3072 => Some(KeySize::Rsa3072),
            4096 => Some(KeySize::Rsa4096),
            8192 => Some(KeySize::Rsa8192),
            _ => None,
        };
        let size = size.expect("RSA key size is 2048, 3072, 4096 or 8192");
        let pair = RsaKeyPair::generate(size).expect("RSA key generation");
        SigningKey {
            alg,
            kid: Some(kid.into()),
            inner: Inner::Rsa(pair),
        }
    }

    /// An HMAC key from a shared secret (any length: tests use short ones to prove rejection).
    ///
    /// # Panics
    /// When `alg` is not HS*.
    pub fn hmac(alg: Algorithm, secret: SecretBytes, kid: Option<String>) -> Self {
        assert!(alg.is_hmac(), "{alg} is not an HMAC algorithm");
        let key = hmac::Key::new(hmac_algorithm(alg), secret.expose_secret());
        SigningKey {
            alg,
            kid,
            inner: Inner::Hmac {
                key: Box::new(key),
                secret,
            },
        }
    }

    /// Loads a key saved with [`SigningKey::to_private_bytes`]: PKCS#8 DER for RSA (2048 to
    /// 8192 bits), EC (the curve of `alg`) and Ed25519 keys, the raw secret for HMAC (at least
    /// the hash length, RFC 7518 §3.2: 32, 48 or 64 bytes). Fails with `Malformed` when the
    /// bytes do not hold a key for `alg`.
    pub fn from_private_bytes(
        alg: Algorithm,
        bytes: &[u8],
        kid: Option<String>,
    ) -> Result<Self, VerifyError> {
        let rejected = |_| VerifyError::new(VerifyErrorKind::Malformed, "private key rejected");
        let inner = match alg {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                let secret = SecretBytes::new(bytes.to_vec());
                if !VerifyingKey::hmac(secret.clone())?.supports(alg) {
                    let detail = "HMAC secret is shorter than the algorithm's hash output";
                    return Err(VerifyError::new(VerifyErrorKind::Malformed, detail));
                }
                return Ok(Self::hmac(alg, secret, kid));
            }
            Algorithm::ES256 | Algorithm::ES384 => {
                Inner::Ec(EcdsaKeyPair::from_pkcs8(ecdsa_signing(alg), bytes).map_err(rejected)?)
            }
            Algorithm::EdDSA => {
                Inner::Ed25519(Ed25519KeyPair::from_pkcs8(bytes).map_err(rejected)?)
            }
            _ => Inner::Rsa(RsaKeyPair::from_pkcs8(bytes).map_err(rejected)?),
        };
        let key = SigningKey { alg, kid, inner };
        key.verifying_key()?;
        Ok(key)
    }

    /// The private key for storage (encrypt it at rest): PKCS#8 v1 DER for RSA, EC and
    /// Ed25519 keys, the raw secret for HMAC keys.
    ///
    /// # Panics
    /// When the crypto library fails to serialize a key it generated.
    pub fn to_private_bytes(&self) -> SecretBytes {
        let der = match &self.inner {
            Inner::Rsa(pair) => pair.as_der().expect("RSA PKCS#8").as_ref().to_vec(),
            Inner::Ec(pair) => pair.to_pkcs8v1().expect("EC PKCS#8").as_ref().to_vec(),
            Inner::Ed25519(pair) => pair.to_pkcs8v1().expect("Ed25519 PKCS#8").as_ref().to_vec(),
            Inner::Hmac { secret, .. } => return secret.clone(),
        };
        SecretBytes::new(der)
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id placed in the header (`None` for kid-less keys).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Signs `message` and returns the raw JWS signature bytes (R||S for ECDSA).
    ///
    /// # Panics
    /// When the crypto library fails to sign (a broken random generator).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.inner {
            Inner::Rsa(pair) => {
                let mut out = vec![0; pair.public_modulus_len()];
                let encoding = rsa_encoding(self.alg).expect("RSA key holds an RSA algorithm");
                pair.sign(encoding, &SystemRandom::new(), message, &mut out)
                    .expect("RSA signing");
                out
            }
            Inner::Ec(pair) => pair
                .sign(&SystemRandom::new(), message)
                .expect("ECDSA signing")
                .as_ref()
                .to_vec(),
            Inner::Ed25519(pair) => pair.sign(message).as_ref().to_vec(),
            Inner::Hmac { key, .. } => hmac::sign(key, message).as_ref().to_vec(),
        }
    }

    /// Builds a compact JWS: header `{"alg":..,"kid":..}` merged with `extra_header`
    /// (e.g. `typ`, `x5t`), then `claims`, then the signature.
    ///
    /// Members of `extra_header` replace `alg` and `kid`, so tests can forge headers; the
    /// signature is always made with this key.
    pub fn sign_token(&self, extra_header: &Map<String, Value>, claims: &Value) -> String {
        let mut header = Map::new();
        header.insert("alg".to_owned(), Value::from(self.alg.as_str()));
        if let Some(kid) = &self.kid {
            header.insert("kid".to_owned(), Value::from(kid.as_str()));
        }
        header.extend(extra_header.iter().map(|(k, v)| (k.clone(), v.clone())));
        let header = Value::Object(header).to_string();
        self.sign_parts(header.as_bytes(), claims.to_string().as_bytes())
    }

    /// Builds a compact JWS from raw header and payload bytes (they need not be JSON): for
    /// tests that forge malformed tokens with a valid signature.
    pub fn sign_parts(&self, header: &[u8], payload: &[u8]) -> String {
        let mut token = b64::encode(header);
        token.push('.');
        b64::encode_into(payload, &mut token);
        let signature = self.sign(token.as_bytes());
        token.push('.');
        b64::encode_into(signature, &mut token);
        token
    }

    /// The key that verifies this key's signatures (for HMAC, from the same secret, so it
    /// fails for secrets under 32 bytes and does not verify HS384 or HS512 under 48 or 64).
    pub fn verifying_key(&self) -> Result<VerifyingKey, VerifyError> {
        match &self.inner {
            Inner::Rsa(pair) => {
                let public = pair.public_key();
                VerifyingKey::rsa(
                    public.modulus().big_endian_without_leading_zero(),
                    public.exponent().big_endian_without_leading_zero(),
                )
            }
            Inner::Ec(pair) => {
                let (crv, x, y) = ec_coordinates(self.alg, pair.public_key().as_ref());
                VerifyingKey::ec(crv, x, y)
            }
            Inner::Ed25519(pair) => VerifyingKey::ed25519(pair.public_key().as_ref()),
            Inner::Hmac { secret, .. } => VerifyingKey::hmac(secret.clone()),
        }
    }

    /// The public JWK (`kty`, `kid`, `use: sig`, `alg`, and `n`/`e`, `crv`/`x`/`y` or `crv`/`x`).
    /// `None` for HMAC keys, which are never published.
    pub fn public_jwk(&self) -> Option<Value> {
        let mut jwk = match &self.inner {
            Inner::Rsa(pair) => {
                let public = pair.public_key();
                json!({
                    "kty": "RSA",
                    "n": b64::encode(public.modulus().big_endian_without_leading_zero()),
                    "e": b64::encode(public.exponent().big_endian_without_leading_zero()),
                })
            }
            Inner::Ec(pair) => ec_jwk(self.alg, pair.public_key().as_ref()),
            Inner::Ed25519(pair) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(pair.public_key())})
            }
            Inner::Hmac { .. } => return None,
        };
        let members = jwk.as_object_mut()?;
        members.insert("use".to_owned(), Value::from("sig"));
        members.insert("alg".to_owned(), Value::from(self.alg.as_str()));
        if let Some(kid) = &self.kid {
            members.insert("kid".to_owned(), Value::from(kid.as_str()));
        }
        Some(jwk)
    }
}

/// `{"kty":"EC","crv":..,"x":..,"y":..}` from an uncompressed SEC 1 point `04 || x || y`.
fn ec_jwk(alg: Algorithm, point: &[u8]) -> Value {
    let (crv, x, y) = ec_coordinates(alg, point);
    json!({"kty": "EC", "crv": crv, "x": b64::encode(x), "y": b64::encode(y)})
}

/// The curve name and affine coordinates of an uncompressed SEC 1 point `04 || x || y`.
fn ec_coordinates(alg: Algorithm, point: &[u8]) -> (&'static str, &[u8], &[u8]) {
    let crv = if alg == Algorithm::ES384 {
        "P-384"
    } else {
        "P-256"
    };
    let coordinates = point.get(1..).unwrap_or_default();
    let (x, y) = coordinates.split_at(coordinates.len() / 2);
    (crv, x, y)
}

fn hmac_algorithm(alg: Algorithm) -> hmac::Algorithm {
    match alg {
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    }
}

fn ecdsa_signing(alg: Algorithm) -> &'static EcdsaSigningAlgorithm {
    if alg == Algorithm::ES384 {
        &signature::ECDSA_P384_SHA384_FIXED_SIGNING
    } else {
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING
    }
}

fn rsa_encoding(alg: Algorithm) -> Option<&'static dyn RsaEncoding> {
    let encoding: &'static dyn RsaEncoding = match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => return None,
    };
    Some(encoding)
}
