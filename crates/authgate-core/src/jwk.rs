//! JWK / JWKS (RFC 7517): parse each key on its own, skip what cannot be used, look up by
//! `kid`/`x5t`.

use crate::error::VerifyError;
use crate::jose::{Algorithm, Header, VerifyingKey};

/// One usable verification key from a JWKS or from configuration.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    /// `kid`, if any.
    pub kid: Option<String>,
    /// `x5t`, if any (Entra publishes `x5t == kid`).
    pub x5t: Option<String>,
    /// The JWK's `alg`, when it pins one (then only that algorithm may use the key).
    pub alg: Option<Algorithm>,
    /// The Entra per-key `issuer` property (may contain the `{tenantid}` template).
    pub issuer: Option<String>,
    /// The parsed key.
    pub key: VerifyingKey,
}

/// Why a JWKS document as a whole was refused (individual bad keys are skipped, not errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySetError {
    /// Not a JSON object with a `keys` array.
    NotAJwks(String),
    /// Parsed, but no usable signature key remained.
    NoUsableKeys {
        /// How many keys were skipped.
        skipped: usize,
    },
}

impl std::fmt::Display for KeySetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySetError::NotAJwks(why) => write!(f, "not a JWKS document: {why}"),
            KeySetError::NoUsableKeys { skipped } => {
                write!(f, "no usable signature keys ({skipped} skipped)")
            }
        }
    }
}

impl std::error::Error for KeySetError {}

/// An immutable set of verification keys for one issuer.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<KeyEntry>,
    skipped: usize,
}

impl KeySet {
    /// Parses a JWKS document. Keys with private members, `use` other than `sig`, `key_ops`
    /// without `verify`, unknown `kty`, weak or oversized RSA, off-curve points, or malformed
    /// members are skipped and counted. An empty result is an error, so a bad document never
    /// replaces a good key set.
    pub fn from_jwks_json(bytes: &[u8]) -> Result<Self, KeySetError> {
        todo!("{}", bytes.len())
    }

    /// A key set built from configured keys.
    pub fn from_entries(keys: Vec<KeyEntry>) -> Self {
        KeySet { keys, skipped: 0 }
    }

    /// The usable keys.
    pub fn keys(&self) -> &[KeyEntry] {
        &self.keys
    }

    /// How many keys of the document were skipped as unusable.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The keys that may verify a token with this header, per the OIDC RP rules:
    /// with `kid` (and/or `x5t`) the keys with that id (which must agree when both are given);
    /// without either, the keys whose type fits `alg`. Fails with `UnknownKey` when none match
    /// and with `Malformed` when `kid` and `x5t` name different keys.
    pub fn candidates(&self, header: &Header) -> Result<Vec<&KeyEntry>, VerifyError> {
        todo!("{header:?}")
    }
}
