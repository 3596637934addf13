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

/// Set in a [`SEXTETS`] entry for a byte outside the base64url alphabet; above the 24 bits that
/// four sextets fill.
const INVALID: u32 = 1 << 24;

/// For each position in a group of four characters, each byte's 6-bit value already shifted to
/// its place in the group's 24 bits, or [`INVALID`]: decoding a group is four lookups and ORs.
// Both loop indices stay below their tables' lengths.
#[allow(clippy::indexing_slicing)]
static SEXTETS: [[u32; 256]; 4] = {
    let mut tables = [[INVALID; 256]; 4];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut position = 0;
    while position < 4 {
        let mut i = 0;
        while i < 64 {
            tables[position][alphabet[i] as usize] = (i as u32) << (18 - 6 * position);
            i += 1;
        }
        position += 1;
    }
    tables
};

/// The shifted value of `byte` at `position` (0..4) of a group, or [`INVALID`].
#[inline(always)]
fn sextet<const POSITION: usize>(byte: u8) -> u32 {
    // POSITION < 4 at every call site and a `u8` always indexes a 256-entry table.
    #[allow(clippy::indexing_slicing)]
    SEXTETS[POSITION][usize::from(byte)]
}

/// Decodes strict base64url; `None` for anything non-canonical.
///
/// Accepts exactly what [`STRICT`] accepts (a property test checks it): only the URL-safe
/// alphabet, no padding, no final group of one character, and zero spare bits in a final group
/// of two or three characters. Written out because it runs three times per verified token and
/// costs about half the general engine per character.
pub(crate) fn decode(input: &[u8]) -> Option<Vec<u8>> {
    let len = decoded_len(input)?;
    // `with_capacity` and `resize`, not `vec![0; n]`: glibc's `calloc` bypasses its
    // per-thread cache, and each decode per token paid for that (about 200 instructions,
    // against a 30-instruction `memset`).
    #[allow(clippy::slow_vector_initialization)]
    let mut out = Vec::with_capacity(len);
    out.resize(len, 0);
    decode_into(input, &mut out).then_some(out)
}

/// How many bytes `input` decodes to; `None` when no base64url text has its length (a final
/// group of one character).
pub(crate) fn decoded_len(input: &[u8]) -> Option<usize> {
    let tail = match input.len() % 4 {
        0 => 0,
        1 => return None,
        n => n - 1,
    };
    Some(input.len() / 4 * 3 + tail)
}

/// [`decode`] into `out`, which must be [`decoded_len`] bytes long; `false` for anything
/// [`decode`] refuses (then `out` holds garbage).
fn decode_into(input: &[u8], out: &mut [u8]) -> bool {
    let (groups, tail) = input.as_chunks::<4>();
    let Some((out_groups, out_tail)) = out.split_at_mut_checked(groups.len() * 3) else {
        return false;
    };
    // OR of every group: an invalid character leaves the INVALID bit set.
    let seen = decode_groups(groups, out_groups);
    // RFC 4648 §3.5: the spare low bits of the last character must be zero (canonical form).
    let bits = match *tail {
        [] => 0,
        [a, b] => sextet::<0>(a) | sextet::<1>(b),
        [a, b, c] => sextet::<0>(a) | sextet::<1>(b) | sextet::<2>(c),
        _ => return false,
    };
    let [invalid, x, y, z] = bits.to_be_bytes();
    let canonical = match out_tail {
        [] => true,
        [first] => {
            *first = x;
            y == 0 && z == 0
        }
        [first, second] => {
            *first = x;
            *second = y;
            z == 0
        }
        _ => false,
    };
    seen < INVALID && invalid == 0 && canonical
}

/// The decoded length exceeds the buffer given to [`decode_to`].
#[derive(Debug, PartialEq)]
pub(crate) struct TooLong;

/// [`decode`] into the start of `buf`: the decoded bytes, `None` for anything [`decode`]
/// refuses, `TooLong` when they would not fit (nothing decoded then).
pub(crate) fn decode_to<'b>(input: &[u8], buf: &'b mut [u8]) -> Result<Option<&'b [u8]>, TooLong> {
    let Some(len) = decoded_len(input) else {
        return Ok(None);
    };
    let out = buf.get_mut(..len).ok_or(TooLong)?;
    Ok(decode_into(input, out).then_some(&*out))
}

/// Decoded bytes, kept inline when at most `N` long (a token's header and most signatures:
/// no allocation), on the heap otherwise.
#[derive(Clone)]
pub(crate) enum Decoded<const N: usize> {
    /// The first `len` bytes of `bytes`.
    Inline {
        /// How many bytes are decoded.
        len: usize,
        /// The bytes, zero past `len`.
        bytes: [u8; N],
    },
    /// Longer than `N`.
    Heap(Vec<u8>),
}

impl<const N: usize> Decoded<N> {
    /// [`decode`], inline when short enough.
    #[inline]
    pub(crate) fn decode(input: &[u8]) -> Option<Self> {
        let mut bytes = [0; N];
        match decode_to(input, &mut bytes) {
            Ok(decoded) => decoded
                .map(|d| d.len())
                .map(|len| Decoded::Inline { len, bytes }),
            Err(TooLong) => decode(input).map(Decoded::Heap),
        }
    }

    /// The decoded bytes.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Decoded::Inline { len, bytes } => bytes.get(..*len).unwrap_or_default(),
            Decoded::Heap(bytes) => bytes,
        }
    }
}

/// Decodes whole groups of four characters into `out` (three bytes each), two groups at a
/// time; returns the OR of every group's bits (see [`INVALID`]).
fn decode_groups(groups: &[[u8; 4]], out: &mut [u8]) -> u32 {
    let (pairs, last) = groups.as_chunks::<2>();
    let (out_pairs, out_last) = out.as_chunks_mut::<6>();
    let mut seen = 0u32;
    for (&[[a, b, c, d], [e, f, g, h]], decoded) in pairs.iter().zip(out_pairs) {
        let first = sextet::<0>(a) | sextet::<1>(b) | sextet::<2>(c) | sextet::<3>(d);
        let second = sextet::<0>(e) | sextet::<1>(f) | sextet::<2>(g) | sextet::<3>(h);
        seen |= first | second;
        let both = (u64::from(first) << 24 | u64::from(second)).to_be_bytes();
        let [_, _, bytes @ ..] = both;
        *decoded = bytes;
    }
    if let (Some(&[a, b, c, d]), [x, y, z]) = (last.first(), out_last) {
        let bits = sextet::<0>(a) | sextet::<1>(b) | sextet::<2>(c) | sextet::<3>(d);
        seen |= bits;
        let [_, bx, by, bz] = bits.to_be_bytes();
        (*x, *y, *z) = (bx, by, bz);
    }
    seen
}

/// Encodes bytes as unpadded base64url.
pub(crate) fn encode(input: impl AsRef<[u8]>) -> String {
    STRICT.encode(input)
}

/// Appends the unpadded base64url encoding of `input` to `out`.
pub(crate) fn encode_into(input: impl AsRef<[u8]>, out: &mut String) {
    STRICT.encode_string(input, out);
}

/// Whether `byte` may appear in a compact JWS: the base64url alphabet or the `.` separator.
#[inline]
pub(crate) fn is_compact_byte(byte: u8) -> bool {
    // `byte | 0x20` is in `a..=z` exactly when `byte` is an ASCII letter of either case.
    (byte | 0x20).wrapping_sub(b'a') < 26
        || byte.wrapping_sub(b'0') < 10
        || byte == b'-'
        || byte == b'_'
        || byte == b'.'
}

/// Whether every byte of `token` [is a compact byte](is_compact_byte). No early exit, so the
/// loop vectorises: it runs over every token before anything is decoded.
pub(crate) fn all_compact(token: &[u8]) -> bool {
    !token
        .iter()
        .fold(false, |outside, &byte| outside | !is_compact_byte(byte))
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

    proptest::proptest! {
        #[test]
        fn decode_accepts_exactly_what_the_strict_engine_accepts(
            text in "[A-Za-z0-9_=+/.-]{0,40}",
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
        ) {
            proptest::prop_assert_eq!(decode(text.as_bytes()), STRICT.decode(text.as_bytes()).ok());
            proptest::prop_assert_eq!(decode(&bytes), STRICT.decode(&bytes).ok());
            let encoded = encode(&bytes);
            proptest::prop_assert_eq!(decode(encoded.as_bytes()), Some(bytes));
            // Inline (up to 16 bytes) or on the heap, the same bytes and the same refusals.
            for input in [text.as_bytes(), encoded.as_bytes()] {
                let small = Decoded::<16>::decode(input).map(|d| d.as_slice().to_vec());
                proptest::prop_assert_eq!(small, decode(input));
            }
        }
    }

    proptest::proptest! {
        /// Token-sized inputs: a valid encoding with one byte replaced at any position (by
        /// any byte: outside the alphabet, `=`, `+`, `/`, or a last character with spare bits
        /// set) is decoded or refused exactly as the strict engine does.
        #[test]
        fn long_inputs_with_one_byte_changed_match_the_strict_engine(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..1200),
            at in proptest::num::usize::ANY,
            replacement in proptest::num::u8::ANY,
        ) {
            let mut text = encode(&bytes).into_bytes();
            proptest::prop_assert_eq!(decode(&text), Some(bytes));
            if !text.is_empty() {
                let at = at % text.len();
                text[at] = replacement;
                proptest::prop_assert_eq!(decode(&text), STRICT.decode(&text).ok());
            }
        }
    }

    #[test]
    fn decode_matches_the_strict_engine_on_every_short_tail() {
        // Every 2- and 3-character final group (after one full group) over a mixed alphabet.
        let chars = b"AQgw_-Z9az=+/.";
        for &a in chars {
            for &b in chars {
                for &c in chars {
                    let two = [b'Y', b'W', b'J', b'j', a, b];
                    let three = [b'Y', b'W', b'J', b'j', a, b, c];
                    assert_eq!(decode(&two), STRICT.decode(two).ok());
                    assert_eq!(decode(&three), STRICT.decode(three).ok());
                }
            }
        }
    }

    #[test]
    fn compact_alphabet() {
        assert!(b"azAZ09-_.".iter().all(|b| is_compact_byte(*b)));
        assert!(!b"+/= \r\n{\"\0".iter().any(|b| is_compact_byte(*b)));
        for byte in 0..=255u8 {
            let expected = byte.is_ascii_alphanumeric() || b"-_.".contains(&byte);
            assert_eq!(is_compact_byte(byte), expected, "{byte:#x}");
        }
    }

    #[test]
    fn all_compact_finds_any_outside_byte() {
        assert!(all_compact(b""));
        assert!(all_compact(b"a.b.c"));
        assert!(!all_compact(b"a.b.c\xc3\xa9"));
        let mut late = vec![b'a'; 600];
        assert!(all_compact(&late));
        late.push(b'+');
        assert!(!all_compact(&late));
    }
}
