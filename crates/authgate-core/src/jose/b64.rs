//! Strict, canonical, unpadded base64url (RFC 7515 §2).
//!
//! Padding (`=`) is refused, and so are non-canonical encodings whose unused trailing bits are
//! not zero (security.md JWT-F10, JWT-F11): one byte string has exactly one accepted encoding.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The one base64url engine of authgate: no padding on output, none accepted on input,
/// trailing bits must be zero.
pub(crate) const STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Decodes strict base64url; `None` for anything non-canonical.
pub(crate) fn decode(input: &[u8]) -> Option<Vec<u8>> {
    STRICT.decode(input).ok()
}

/// Encodes bytes as unpadded base64url.
pub(crate) fn encode(input: impl AsRef<[u8]>) -> String {
    STRICT.encode(input)
}

/// Appends the unpadded base64url encoding of `input` to `out`.
pub(crate) fn encode_into(input: impl AsRef<[u8]>, out: &mut String) {
    STRICT.encode_string(input, out);
}

/// Which bytes may appear in a compact JWS: the base64url alphabet and the `.` separator.
// The loop index stays below 256, the table's length.
#[allow(clippy::indexing_slicing)]
static COMPACT_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
        byte += 1;
    }
    table
};

/// Whether `byte` may appear in a compact JWS: the base64url alphabet or the `.` separator.
#[inline]
pub(crate) fn is_compact_byte(byte: u8) -> bool {
    // A `u8` always indexes a 256-entry table.
    #[allow(clippy::indexing_slicing)]
    COMPACT_BYTES[usize::from(byte)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_without_padding() {
        for len in 0..10 {
            let bytes: Vec<u8> = (0..len).map(|i: u8| i.wrapping_mul(37)).collect();
            let text = encode(&bytes);
            assert!(!text.contains('='));
            assert_eq!(decode(text.as_bytes()), Some(bytes));
        }
    }

    #[test]
    fn padding_and_standard_alphabet_are_refused() {
        assert_eq!(decode(b"YQ"), Some(b"a".to_vec()));
        assert_eq!(decode(b"YQ=="), None);
        assert_eq!(decode(b"YQ="), None);
        assert_eq!(decode(b"+/8"), None);
        assert_eq!(decode(b"-_8"), Some(vec![0xfb, 0xff]));
    }

    #[test]
    fn non_canonical_trailing_bits_are_refused() {
        // "YQ" is canonical for "a"; "YR" decodes to the same byte with non-zero spare bits.
        assert_eq!(decode(b"YR"), None);
        assert_eq!(decode(b"Y"), None);
    }

    #[test]
    fn compact_alphabet() {
        assert!(b"azAZ09-_.".iter().all(|b| is_compact_byte(*b)));
        assert!(!b"+/= \r\n{\"\0".iter().any(|b| is_compact_byte(*b)));
    }
}
