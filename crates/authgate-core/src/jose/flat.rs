//! The fast path of the JSON readers: a flat object in a small subset of JSON, read by hand.
//!
//! The subset is what token headers and access-token payloads look like: optional
//! whitespace, one object whose member names and string values contain no backslash and no
//! control character, whose values are such strings, `true`, `false`, `null`, integers of at
//! most 18 digits (`-0` excluded), or arrays of such strings; then nothing but whitespace. In
//! it, serde_json's reading is easy to match exactly: a string is the bytes between its quotes
//! (the caller checked UTF-8 over the whole input), an integer is serde_json's `u64`, or its
//! `i64` when negative.
//!
//! Anything else — an escape, a fraction, an exponent, a longer integer, a nested object, an
//! array with a non-string element, any syntax error — makes [`read_object`] return `None`,
//! and the caller hands the **whole** input to its serde_json visitor, which alone decides
//! acceptance and the reason for a refusal. So does a repeated name, which the callers detect.
//! This path never refuses anything; it only declines.

use crate::claims::{Text, Typed};

/// Reads `text` when it lies in the subset, handing each member in document order to
/// `member` (its name and string values as [`Text::Span`]s of `text`); `None` when `text`
/// does not lie in the subset (whether or not it is valid JSON) or `member` declined one.
pub(super) fn read_object(
    text: &str,
    mut member: impl FnMut(Text, Typed) -> Option<()>,
) -> Option<()> {
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    cursor.expect(b'{')?;
    match cursor.next()? {
        b'}' => {}
        b'"' => cursor.members(&mut member)?,
        _ => return None,
    }
    cursor.next().is_none().then_some(())
}

/// A position in the input's bytes.
struct Cursor<'p> {
    bytes: &'p [u8],
    at: usize,
}

impl Cursor<'_> {
    /// The members of the object, from just after the first name's opening quote to just after
    /// the closing brace.
    fn members(&mut self, member: &mut impl FnMut(Text, Typed) -> Option<()>) -> Option<()> {
        loop {
            let name = self.string()?;
            self.expect(b':')?;
            member(name, self.value()?)?;
            match self.next()? {
                b',' => self.expect(b'"')?,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// The next value. Whatever follows it (a delimiter or not) is the caller's to check, so
    /// `1.5`, `1e5`, `01` or `truex` end up declined there.
    fn value(&mut self) -> Option<Typed> {
        match self.next()? {
            b'"' => self.string().map(Typed::Str),
            b't' => self.rest_of(b"rue", Typed::Bool(true)),
            b'f' => self.rest_of(b"alse", Typed::Bool(false)),
            b'n' => self.rest_of(b"ull", Typed::Null),
            b'[' => self.strings(),
            b'-' => self.integer(true),
            b'0'..=b'9' => {
                self.at -= 1;
                self.integer(false)
            }
            _ => None,
        }
    }

    /// The elements of an array of strings, from just after its `[` to just after its `]`.
    fn strings(&mut self) -> Option<Typed> {
        let mut items = Vec::new();
        match self.next()? {
            b']' => return Some(Typed::Strings(items.into_boxed_slice())),
            b'"' => {}
            _ => return None,
        }
        loop {
            items.push(self.string()?);
            match self.next()? {
                b',' => self.expect(b'"')?,
                b']' => return Some(Typed::Strings(items.into_boxed_slice())),
                _ => return None,
            }
        }
    }

    /// A string from just after its opening quote to just after its closing one, as a span:
    /// `None` at a backslash, a control character or the end of the input.
    fn string(&mut self) -> Option<Text> {
        let start = self.at;
        let len = first_special(self.bytes.get(start..)?)?;
        let end = start + len;
        (*self.bytes.get(end)? == b'"').then_some(())?;
        self.at = end + 1;
        Some(Text::Span {
            start: u32::try_from(start).ok()?,
            len: u32::try_from(len).ok()?,
        })
    }

    /// An integer whose `-` (when `negative`) is already consumed: at most 18 digits, so that
    /// it fits both `u64` and `i64`, and no leading zero. serde_json reads such a number with
    /// `visit_u64`, or `visit_i64` when negative; `-0` it reads as the float `-0.0`, so that
    /// one is declined too.
    fn integer(&mut self, negative: bool) -> Option<Typed> {
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(digit) = self.digit() {
            if self.at - start > 18 {
                return None;
            }
            value = value * 10 + u64::from(digit);
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes.get(start) == Some(&b'0');
        if digits == 0 || leading_zero {
            return None;
        }
        if !negative {
            return Some(Typed::Number(value.into()));
        }
        let value = i64::try_from(value).ok()?;
        (value != 0).then(|| Typed::Number((-value).into()))
    }

    /// The value of the next byte when it is a decimal digit, consumed.
    fn digit(&mut self) -> Option<u8> {
        let digit = self.bytes.get(self.at)?.wrapping_sub(b'0');
        (digit < 10).then(|| {
            self.at += 1;
            digit
        })
    }

    /// `typed` when the input continues with `rest` (the rest of a literal), consumed.
    fn rest_of(&mut self, rest: &[u8], typed: Typed) -> Option<Typed> {
        let end = self.at + rest.len();
        (self.bytes.get(self.at..end)? == rest).then_some(())?;
        self.at = end;
        Some(typed)
    }

    /// The next byte that is not JSON whitespace (RFC 8259 §2), consumed; `None` at the end.
    fn next(&mut self) -> Option<u8> {
        // Minted tokens have no whitespace: the first byte is nearly always the one.
        if let Some(&byte) = self.bytes.get(self.at).filter(|&&b| b > b' ') {
            self.at += 1;
            return Some(byte);
        }
        while let Some(&byte) = self.bytes.get(self.at) {
            self.at += 1;
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(byte);
            }
        }
        None
    }

    /// Consumes `byte`, after whitespace.
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }
}

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_le_bytes([1; 8]);
/// `0x80` in every byte of a word.
const HIGHS: u64 = ONES << 7;

/// The offset of the first `"`, `\` or control character (below 0x20) in `bytes`; `None`
/// when there is none. Eight bytes at a time: a string claim is often 20 to 100 bytes long.
fn first_special(bytes: &[u8]) -> Option<usize> {
    let (words, tail) = bytes.as_chunks::<8>();
    for (i, word) in words.iter().enumerate() {
        let found = special_bytes(u64::from_le_bytes(*word));
        if found != 0 {
            return Some(i * 8 + found.trailing_zeros() as usize / 8);
        }
    }
    let in_tail = tail
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    Some(words.len() * 8 + in_tail)
}

/// The high bit of each byte of `word` (little-endian: byte 0 lowest) that is `"`, `\` or
/// below 0x20. Only the **lowest** set bit is exact: a borrow out of a matching byte may mark
/// a later one as well, which never matters because the search stops at the first.
#[inline]
fn special_bytes(word: u64) -> u64 {
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

#[cfg(test)]
pub(super) mod tests;
