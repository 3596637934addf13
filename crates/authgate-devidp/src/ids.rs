//! Random opaque identifiers (`kid`, `uti`, `jti`, `aio`, ...).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

/// `n` random bytes, base64url without padding.
pub(crate) fn random_b64url(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A key id shaped like Entra's: a base64url SHA-1 thumbprint (27 characters).
pub(crate) fn new_kid() -> String {
    random_b64url(20)
}

/// base64url without padding, as JWS segments use it.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kids_look_like_sha1_thumbprints_and_differ() {
        let (a, b) = (new_kid(), new_kid());
        assert_eq!(a.len(), 27);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
