//! Encryption at rest (DESIGN.md): AES-256-GCM under a master key named by a key id, so keys
//! can rotate. A sealed blob is `"ag1" | len(kid) | kid | nonce(12) | ciphertext | tag(16)`;
//! the associated data binds it to its row (a session's key hash), so a blob copied to another
//! row does not open.

use crate::secret::SecretBytes;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use std::fmt;

const MAGIC: &[u8; 3] = b"ag1";

/// Why a master key or a sealed blob was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// A master key is not 32 bytes of standard base64.
    #[error("a master key must be 32 random bytes in base64 (try `openssl rand -base64 32`)")]
    BadKey,
    /// A key id is empty or longer than 64 bytes.
    #[error("a key id must be 1 to 64 bytes")]
    BadKeyId,
    /// The blob names a key id that is not configured.
    #[error("sealed with unknown key id {0:?}")]
    UnknownKeyId(String),
    /// The blob is malformed, tampered with, or bound to other associated data.
    #[error("sealed data does not open")]
    Corrupt,
}

/// The master keys: the current one seals; every configured one opens.
pub struct MasterKeys {
    current: (String, LessSafeKey),
    previous: Vec<(String, LessSafeKey)>,
}

impl fmt::Debug for MasterKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let previous: Vec<&str> = self.previous.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("MasterKeys")
            .field("current", &self.current.0)
            .field("previous", &previous)
            .finish_non_exhaustive()
    }
}

fn key_from_base64(b64: &str) -> Result<LessSafeKey, SealError> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| SealError::BadKey)?;
    let raw = SecretBytes::new(raw);
    if raw.len() != 32 {
        return Err(SealError::BadKey);
    }
    let key = UnboundKey::new(&AES_256_GCM, raw.expose_secret()).map_err(|_| SealError::BadKey)?;
    Ok(LessSafeKey::new(key))
}

fn check_kid(kid: &str) -> Result<(), SealError> {
    if kid.is_empty() || kid.len() > 64 {
        return Err(SealError::BadKeyId);
    }
    Ok(())
}

impl MasterKeys {
    /// The current key: `kid` and 32 bytes in standard base64.
    pub fn new(kid: &str, key_base64: &str) -> Result<Self, SealError> {
        check_kid(kid)?;
        Ok(MasterKeys {
            current: (kid.to_owned(), key_from_base64(key_base64)?),
            previous: Vec::new(),
        })
    }

    /// Adds a retired key that still opens blobs sealed under it.
    pub fn with_previous(mut self, kid: &str, key_base64: &str) -> Result<Self, SealError> {
        check_kid(kid)?;
        self.previous
            .push((kid.to_owned(), key_from_base64(key_base64)?));
        Ok(self)
    }

    /// The id of the key that seals.
    pub fn current_kid(&self) -> &str {
        &self.current.0
    }

    /// Encrypts `plaintext` bound to `aad` under the current key, with a random nonce.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let (kid, key) = &self.current;
        let mut nonce = [0u8; NONCE_LEN];
        // The system RNG does not fail on supported platforms; aws-lc aborts if it does.
        let _ = aws_lc_rs::rand::fill(&mut nonce);
        let mut body = plaintext.to_vec();
        let sealed = key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut body,
        );
        debug_assert!(sealed.is_ok(), "AES-GCM seals any length below 64 GiB");
        let mut out = Vec::with_capacity(4 + kid.len() + NONCE_LEN + body.len());
        out.extend_from_slice(MAGIC);
        out.push(u8::try_from(kid.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(kid.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&body);
        out
    }

    /// Decrypts a blob from [`MasterKeys::seal`] with the key it names.
    pub fn open(&self, blob: &[u8], aad: &[u8]) -> Result<SecretBytes, SealError> {
        let rest = blob.strip_prefix(MAGIC).ok_or(SealError::Corrupt)?;
        let (&kid_len, rest) = rest.split_first().ok_or(SealError::Corrupt)?;
        let kid_len = usize::from(kid_len);
        let kid = rest.get(..kid_len).ok_or(SealError::Corrupt)?;
        let kid = std::str::from_utf8(kid).map_err(|_| SealError::Corrupt)?;
        let rest = rest.get(kid_len..).ok_or(SealError::Corrupt)?;
        let nonce = rest.get(..NONCE_LEN).ok_or(SealError::Corrupt)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Corrupt)?;
        let body = rest.get(NONCE_LEN..).ok_or(SealError::Corrupt)?;
        let key = self.key(kid)?;
        let mut body = body.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(aad), &mut body)
            .map_err(|_| SealError::Corrupt)?;
        let len = plain.len();
        body.truncate(len);
        Ok(SecretBytes::new(body))
    }

    fn key(&self, kid: &str) -> Result<&LessSafeKey, SealError> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|(k, _)| k == kid)
            .map(|(_, key)| key)
            .ok_or_else(|| SealError::UnknownKeyId(kid.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=";

    #[test]
    fn round_trips_and_binds_to_aad() {
        let keys = MasterKeys::new("k1", K1).unwrap();
        let blob = keys.seal(b"refresh-token", b"row-a");
        assert_eq!(
            keys.open(&blob, b"row-a").unwrap().expose_secret(),
            b"refresh-token"
        );
        assert_eq!(keys.open(&blob, b"row-b").unwrap_err(), SealError::Corrupt);
    }

    #[test]
    fn every_single_byte_change_is_refused() {
        let keys = MasterKeys::new("k1", K1).unwrap();
        let blob = keys.seal(b"secret", b"");
        for i in 0..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 0x01;
            assert!(keys.open(&bad, b"").is_err(), "byte {i}");
        }
        assert!(keys.open(&blob[..blob.len() - 1], b"").is_err());
    }

    #[test]
    fn rotation_keeps_old_blobs_readable() {
        let old = MasterKeys::new("k1", K1).unwrap();
        let blob = old.seal(b"x", b"aad");
        let rotated = MasterKeys::new("k2", K2)
            .unwrap()
            .with_previous("k1", K1)
            .unwrap();
        assert_eq!(rotated.open(&blob, b"aad").unwrap().expose_secret(), b"x");
        let only_new = MasterKeys::new("k2", K2).unwrap();
        assert_eq!(
            only_new.open(&blob, b"aad").unwrap_err(),
            SealError::UnknownKeyId("k1".into())
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        assert_eq!(
            MasterKeys::new("k", "c2hvcnQ=").unwrap_err(),
            SealError::BadKey
        );
        assert_eq!(
            MasterKeys::new("k", "not base64!").unwrap_err(),
            SealError::BadKey
        );
        assert_eq!(MasterKeys::new("", K1).unwrap_err(), SealError::BadKeyId);
    }

    #[test]
    fn debug_shows_no_key_material() {
        let keys = MasterKeys::new("k1", K1).unwrap();
        assert_eq!(
            format!("{keys:?}"),
            r#"MasterKeys { current: "k1", previous: [], .. }"#
        );
    }
}
