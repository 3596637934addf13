//! JWK / JWKS (RFC 7517): parse each key on its own, skip what cannot be used, look up by
//! `kid`/`x5t`.
//!
//! Policies (security.md §1.B, §1.C):
//! - Every key is parsed alone; one that cannot be used is skipped and counted, never an error
//!   for the document (JWT-C18). Skipped: private members (`d`, `p`, `q`, `dp`, `dq`, `qi`,
//!   `oth`, `k`; JWT-C16), `use` other than `sig` or `key_ops` without `verify` (JWT-C17),
//!   `oct` and unknown key types, RSA outside 2048..=8192 bits or with a bad exponent
//!   (JWT-C10, JWT-C11, JWT-R04), EC curves other than P-256/P-384 or points off the curve,
//!   OKP curves other than Ed25519 and small-order Ed25519 keys, an `alg` we do not support
//!   or that does not fit the key type, and malformed members.
//! - `x5c` is ignored: the key is taken from `n`/`e` (or `crv`/`x`/`y`) alone, so a
//!   certificate that disagrees with them changes nothing (JWT-C19).
//! - A token without `kid` or `x5t` is tried against the keys whose type and pinned `alg` fit
//!   its `alg`, at most [`MAX_CANDIDATES`] of them in document order (JWT-A26, JWT-A27).
//! - Two keys with the same `kid` are both tried, in document order, bounded the same way;
//!   the first one that verifies wins (JWT-A28).

mod parse;

use crate::error::{VerifyError, VerifyErrorKind};
use crate::jose::{self, Algorithm, Header, VerifyingKey};
use serde_json::Value;

/// Largest JWKS document accepted (the fetcher caps the body too).
const MAX_JWKS_BYTES: usize = 512 * 1024;
/// Most keys a JWKS may hold; a larger document is refused as a whole.
const MAX_JWKS_KEYS: usize = 100;
/// Most keys tried for one token (JWT-A27, JWT-A28).
pub(crate) const MAX_CANDIDATES: usize = 4;

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
        /// Of those, how many carried private members (JWT-C16: an alert).
        private: usize,
    },
}

impl std::fmt::Display for KeySetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySetError::NotAJwks(why) => write!(f, "not a JWKS document: {why}"),
            KeySetError::NoUsableKeys {
                skipped,
                private: 0,
            } => {
                write!(f, "no usable signature keys ({skipped} skipped)")
            }
            KeySetError::NoUsableKeys { skipped, private } => write!(
                f,
                "no usable signature keys ({skipped} skipped, {private} of them with private key material)"
            ),
        }
    }
}

impl std::error::Error for KeySetError {}

/// An immutable set of verification keys for one issuer.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<KeyEntry>,
    skipped: usize,
    /// Of the skipped keys, those carrying private members (JWT-C16).
    private: usize,
}

impl KeySet {
    /// Parses a JWKS document. Keys with private members, `use` other than `sig`, `key_ops`
    /// without `verify`, unknown `kty`, weak or oversized RSA, off-curve points, or malformed
    /// members are skipped and counted. An empty result is an error, so a bad document never
    /// replaces a good key set.
    pub fn from_jwks_json(bytes: &[u8]) -> Result<Self, KeySetError> {
        if bytes.len() > MAX_JWKS_BYTES {
            return Err(KeySetError::NotAJwks(
                "document exceeds the size limit".to_owned(),
            ));
        }
        let document =
            jose::parse_json_object(bytes).map_err(|why| KeySetError::NotAJwks(why.to_owned()))?;
        let Some(Value::Array(members)) = document.get("keys") else {
            return Err(KeySetError::NotAJwks("no keys array".to_owned()));
        };
        if members.len() > MAX_JWKS_KEYS {
            return Err(KeySetError::NotAJwks("too many keys".to_owned()));
        }
        let keys: Vec<KeyEntry> = members.iter().filter_map(parse::key_entry).collect();
        let skipped = members.len() - keys.len();
        let private = members
            .iter()
            .filter(|m| parse::has_private_members(m))
            .count();
        if keys.is_empty() {
            return Err(KeySetError::NoUsableKeys { skipped, private });
        }
        Ok(KeySet {
            keys,
            skipped,
            private,
        })
    }

    /// A key set built from configured keys.
    pub fn from_entries(keys: Vec<KeyEntry>) -> Self {
        KeySet {
            keys,
            skipped: 0,
            private: 0,
        }
    }

    /// How many keys of the document were skipped because they carry private members
    /// (`d`, `p`, `k`, ...): the identity provider published private key material, which
    /// deserves an alert (JWT-C16), not only the skip. (A document with no other key is
    /// refused with [`KeySetError::NoUsableKeys`], which counts them too.)
    pub fn private_keys_skipped(&self) -> usize {
        self.private
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
    /// without either, every key. Only keys that [fit](KeyEntry::fits) `alg` are returned, at
    /// most four, in document order (see the module policies).
    ///
    /// Fails with `UnknownKey` when no key has the id (the caller may refresh the JWKS), with
    /// `DisallowedAlg` when keys have the id but none fits `alg` (no refresh can help), and with
    /// `Malformed` when `kid` and `x5t` name different keys.
    pub fn candidates(&self, header: &Header) -> Result<Vec<&KeyEntry>, VerifyError> {
        Ok(self.usable_keys(header)?.collect())
    }

    /// [`KeySet::candidates`] without collecting them (no allocation): the same keys in the
    /// same order, the same errors.
    pub(crate) fn usable_keys<'k, 'h>(
        &'k self,
        header: &'h Header,
    ) -> Result<impl Iterator<Item = &'k KeyEntry> + use<'k, 'h>, VerifyError> {
        if let (Some(kid), Some(x5t)) = (&header.kid, &header.x5t) {
            self.kid_agrees_with_x5t(kid, x5t)?;
        }
        // With `kid` the keys of that id, else with `x5t` the keys of that thumbprint, else all.
        let matching = move |k: &&KeyEntry| match (&header.kid, &header.x5t) {
            (Some(kid), _) => k.kid.as_ref() == Some(kid),
            (None, Some(x5t)) => k.x5t.as_ref() == Some(x5t),
            (None, None) => true,
        };
        if !self.keys.iter().any(|k| matching(&k)) {
            return Err(VerifyError::new(
                VerifyErrorKind::UnknownKey,
                "no key matches kid/x5t",
            ));
        }
        let usable = move |k: &&KeyEntry| matching(k) && k.fits(header.alg);
        if !self.keys.iter().any(|k| usable(&k)) {
            return Err(VerifyError::new(
                VerifyErrorKind::DisallowedAlg,
                "alg does not fit the key",
            ));
        }
        Ok(self.keys.iter().filter(usable).take(MAX_CANDIDATES))
    }

    /// When the token carries both `kid` and `x5t`, a key named `kid` must not have a
    /// different `x5t`, and no other key may carry that `x5t` (security.md JWT-A21).
    fn kid_agrees_with_x5t(&self, kid: &str, x5t: &str) -> Result<(), VerifyError> {
        let disagree = |k: &KeyEntry| match (k.kid.as_deref(), k.x5t.as_deref()) {
            (Some(key_kid), Some(key_x5t)) => (key_kid == kid) != (key_x5t == x5t),
            _ => false,
        };
        if self.keys.iter().any(disagree) {
            return Err(VerifyError::new(
                VerifyErrorKind::Malformed,
                "kid and x5t name different keys",
            ));
        }
        Ok(())
    }
}

impl KeyEntry {
    /// Whether this key may verify `alg`: its type fits, and its pinned `alg` (if any) is `alg`
    /// (RFC 8725 §3.1: each key is used with exactly one algorithm).
    pub fn fits(&self, alg: Algorithm) -> bool {
        self.key.supports(alg) && self.alg.is_none_or(|pinned| pinned == alg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretBytes;

    fn entry(kid: Option<&str>, x5t: Option<&str>, alg: Option<Algorithm>, byte: u8) -> KeyEntry {
        KeyEntry {
            kid: kid.map(str::to_owned),
            x5t: x5t.map(str::to_owned),
            alg,
            issuer: None,
            key: VerifyingKey::hmac(SecretBytes::new(vec![byte; 32])).unwrap(),
        }
    }

    fn header(kid: Option<&str>, x5t: Option<&str>) -> Header {
        Header {
            alg: Algorithm::HS256,
            kid: kid.map(str::to_owned),
            x5t: x5t.map(str::to_owned),
            typ: None,
            cty: None,
        }
    }

    fn kind(result: Result<Vec<&KeyEntry>, VerifyError>) -> VerifyErrorKind {
        result.map(|_| ()).unwrap_err().kind()
    }

    #[test]
    fn kid_selects_every_key_with_that_kid_in_order() {
        let set = KeySet::from_entries(vec![
            entry(Some("a"), None, None, 1),
            entry(Some("b"), None, None, 2),
            entry(Some("a"), None, None, 3),
        ]);
        let found = set.candidates(&header(Some("a"), None)).unwrap();
        let kids: Vec<_> = found.iter().map(|k| k.kid.as_deref()).collect();
        assert_eq!(kids, [Some("a"), Some("a")]);
        assert_eq!(
            kind(set.candidates(&header(Some("z"), None))),
            VerifyErrorKind::UnknownKey
        );
    }

    #[test]
    fn pinned_alg_filters_candidates() {
        let set = KeySet::from_entries(vec![entry(Some("a"), None, Some(Algorithm::HS512), 1)]);
        assert_eq!(
            kind(set.candidates(&header(Some("a"), None))),
            VerifyErrorKind::DisallowedAlg
        );
        assert_eq!(
            kind(set.candidates(&header(None, None))),
            VerifyErrorKind::DisallowedAlg
        );
    }

    #[test]
    fn x5t_rules() {
        let set = KeySet::from_entries(vec![
            entry(Some("a"), Some("ta"), None, 1),
            entry(Some("b"), Some("tb"), None, 2),
            entry(Some("c"), None, None, 3),
        ]);
        assert_eq!(
            set.candidates(&header(Some("a"), Some("ta")))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            set.candidates(&header(None, Some("tb"))).unwrap()[0]
                .kid
                .as_deref(),
            Some("b")
        );
        assert_eq!(
            kind(set.candidates(&header(Some("a"), Some("tb")))),
            VerifyErrorKind::Malformed
        );
        assert_eq!(
            kind(set.candidates(&header(Some("a"), Some("zz")))),
            VerifyErrorKind::Malformed
        );
        // A key without x5t cannot disagree.
        assert_eq!(
            set.candidates(&header(Some("c"), Some("tc")))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            kind(set.candidates(&header(None, Some("zz")))),
            VerifyErrorKind::UnknownKey
        );
    }

    #[test]
    fn kid_less_tokens_try_at_most_four_keys() {
        let set = KeySet::from_entries((0..6).map(|i| entry(None, None, None, i)).collect());
        assert_eq!(
            set.candidates(&header(None, None)).unwrap().len(),
            MAX_CANDIDATES
        );
        assert_eq!(
            kind(KeySet::default().candidates(&header(None, None))),
            VerifyErrorKind::UnknownKey
        );
    }
}
