//! Fresh protocol secrets (state, nonce, PKCE verifier, browser binding) and base64url.

use aws_lc_rs::digest;
use rand::RngCore;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// 256 random bits as 43 base64url characters: every character is in RFC 7636's unreserved
/// set, so the same function makes PKCE verifiers (BCP-02), `state`, `nonce` and bindings.
pub(crate) fn secret_256() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    b64url(&bytes)
}

/// Whether `value` has the shape [`secret_256`] makes: 43 base64url characters.
pub(crate) fn is_secret_256(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| ALPHABET.contains(&b))
}

/// RFC 7636 §4.2: `BASE64URL(SHA256(ASCII(code_verifier)))`.
pub(crate) fn s256_challenge(verifier: &str) -> String {
    b64url(digest::digest(&digest::SHA256, verifier.as_bytes()).as_ref())
}

/// Unpadded base64url (RFC 4648 §5).
pub(crate) fn b64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(
                ALPHABET.get(index as usize).copied().unwrap_or(b'A'),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn bcp02_verifier_is_43_unreserved_characters_and_fresh() {
        let a = secret_256();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
        );
        assert_ne!(a, secret_256());
    }

    #[test]
    fn bcp03_only_generated_shapes_are_well_formed_bindings() {
        assert!(is_secret_256(&secret_256()));
        assert!(!is_secret_256(""));
        assert!(!is_secret_256(&"a".repeat(42)));
        assert!(!is_secret_256(&"a".repeat(44)));
        assert!(!is_secret_256(&format!("{}=", "a".repeat(42))));
        assert!(!is_secret_256(&format!("{}é", "a".repeat(41))));
    }

    #[test]
    fn b64url_matches_rfc4648_vectors() {
        assert_eq!(b64url(b""), "");
        assert_eq!(b64url(b"f"), "Zg");
        assert_eq!(b64url(b"fo"), "Zm8");
        assert_eq!(b64url(b"foo"), "Zm9v");
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
    }
}
