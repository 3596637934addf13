//! Ed25519 public keys of small order (RFC 8032 §5.1.3, "Taming the many EdDSAs" §3).
//!
//! A public key in the small-order subgroup makes `[k]A` take at most 8 values, so one forged
//! signature verifies for a large share of messages. The list is libsodium's: the canonical and
//! non-canonical encodings of the points of order 1, 2, 4 and 8, compared with the sign bit
//! cleared.

/// Encodings (sign bit cleared) of the small-order points.
const SMALL_ORDER: [[u8; 32]; 7] = [
    // 0 (order 4)
    [0; 32],
    // 1, the identity (order 1)
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    // order 8
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    // order 8
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    // p - 1 (order 2)
    high_ff(0xec),
    // p, non-canonical 0 (order 4)
    high_ff(0xed),
    // p + 1, non-canonical 1 (order 1)
    high_ff(0xee),
];

/// `[low, 0xff, ..., 0xff, 0x7f]`.
const fn high_ff(low: u8) -> [u8; 32] {
    let mut bytes = [0xff; 32];
    bytes[0] = low;
    bytes[31] = 0x7f;
    bytes
}

/// Whether the 32-byte encoding `key` is a point of small order.
pub(crate) fn is_small_order(key: &[u8]) -> bool {
    let Ok(mut bytes) = <[u8; 32]>::try_from(key) else {
        return false;
    };
    if let Some(last) = bytes.last_mut() {
        *last &= 0x7f;
    }
    SMALL_ORDER.contains(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};

    /// The listed points of order 1 and 8 really have small order: with R = identity and S = 0
    /// the verification equation `[S]B = R + [k]A` holds whenever `[k]A` is the identity, which
    /// happens for about one message in eight (always, for the identity itself). For an
    /// ordinary key it would essentially never happen.
    #[test]
    fn listed_points_forge_signatures_for_some_messages() {
        let mut forged_sig = [0u8; 64];
        forged_sig[0] = 1;
        for point in SMALL_ORDER
            .iter()
            .filter(|p| p[0] == 0x26 || p[0] == 0xc7 || p[0] == 1)
        {
            let key = UnparsedPublicKey::new(&ED25519, point);
            let forged = (0u32..200).any(|i| key.verify(&i.to_be_bytes(), &forged_sig).is_ok());
            assert!(forged, "{point:02x?}");
            assert!(is_small_order(point));
        }
    }

    #[test]
    fn sign_bit_is_ignored_and_ordinary_keys_pass() {
        let mut point = SMALL_ORDER[2];
        point[31] |= 0x80;
        assert!(is_small_order(&point));
        let pair = aws_lc_rs::signature::Ed25519KeyPair::generate().unwrap();
        use aws_lc_rs::signature::KeyPair;
        assert!(!is_small_order(pair.public_key().as_ref()));
        assert!(!is_small_order(&[1; 31]));
    }
}
