//! JOSE compact serialization: strict parsing (RFC 7515), algorithms, keys, signing.

mod alg;
mod b64;
mod claims_json;
mod ed25519_order;
mod flat;
mod header;
mod header_json;
mod json;
mod sign;
mod verify_key;

pub use alg::Algorithm;
pub use header::Header;
pub use sign::SigningKey;
pub use verify_key::VerifyingKey;

pub(crate) use b64::decode as decode_b64url;
pub(crate) use json::parse_object as parse_json_object;

use crate::claims::Claims;
use crate::error::{VerifyError, VerifyErrorKind};

/// Tokens longer than this are rejected before any decoding (security.md JWT-F17).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A parsed, **not yet verified** compact JWS.
///
/// Parsing enforces the format gate: size cap, exactly three segments, strict unpadded
/// canonical base64url, header and payload are JSON objects without duplicate keys, header
/// members per RFC 7515 (`crit`, `b64`, `cty`, `enc`, `zip` rules). Nothing in a `Jws` may be
/// trusted until [`crate::verify_jws`] succeeds.
///
/// Errors are `Malformed`, or `DisallowedAlg` when `alg` names no supported algorithm (`none`
/// in any case included). Their details never quote the token or a claim. `Debug` shows the
/// header and claims but never the raw token or signature.
#[derive(Clone)]
pub struct Jws<'a> {
    header: Header,
    claims: Claims,
    signing_input: &'a str,
    signature: Signature,
}

/// The decoded signature: inline up to RSA-2048's 256 bytes (ECDSA and EdDSA are 64 to 132),
/// so a typical token's parse allocates nothing for it.
type Signature = b64::Decoded<256>;

/// The longest decoded header [`Jws::parse`] reads from the stack; a longer one takes the
/// checks-in-order path (same outcome, one allocation more).
const HEADER_BYTES: usize = 256;

impl<'a> Jws<'a> {
    /// Parses a compact JWS, applying every format check of security.md §1.A, §1.B (header
    /// shape) and §1.D.
    ///
    /// The size cap comes first; the signature is decoded once and kept; `signing_input`
    /// borrows the token (no copy).
    pub fn parse(token: &'a str) -> Result<Self, VerifyError> {
        // A typical header fits here: decoded on the stack, read, dropped.
        let mut header_json = [0; HEADER_BYTES];
        let Some(segments) = Segments::decode(token, &mut header_json) else {
            // Some format check fails (or the header is long): the checks in their documented
            // order name it.
            return Self::parse_in_check_order(token);
        };
        Ok(Jws {
            header: Header::from_json_bytes(segments.header)?,
            claims: parse_claims(segments.payload)?,
            signing_input: segments.signing_input,
            signature: segments.signature,
        })
    }

    /// [`Jws::parse`] one check at a time, in the order of security.md §1.A: size, character
    /// set, segment count, header, payload, signature. The same outcome as the fast path,
    /// which only runs checks in another order when all of them pass.
    fn parse_in_check_order(token: &'a str) -> Result<Self, VerifyError> {
        let (header_b64, payload_b64, signature_b64) = split_compact(token)?;
        let header_json = b64::decode(header_b64.as_bytes())
            .ok_or_else(|| malformed("header is not canonical unpadded base64url"))?;
        let header = Header::from_json_bytes(&header_json)?;
        let payload = b64::decode(payload_b64.as_bytes())
            .ok_or_else(|| malformed("payload is not canonical unpadded base64url"))?;
        let claims = parse_claims(payload)?;
        let signature = Signature::decode(signature_b64.as_bytes())
            .ok_or_else(|| malformed("signature is not canonical unpadded base64url"))?;
        let signing_input = token
            .get(..header_b64.len() + 1 + payload_b64.len())
            .ok_or_else(|| malformed("segment bounds"))?;
        Ok(Jws {
            header,
            claims,
            signing_input,
            signature,
        })
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The claims (unverified until [`crate::verify_jws`] succeeds).
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The claims, taken out of the token (for [`crate::Principal::from_claims`] once
    /// [`crate::verify_jws`] succeeded, without copying them).
    pub fn into_claims(self) -> Claims {
        self.claims
    }

    /// The unverified `iss`, used only to choose which configured verifier handles the token.
    pub fn unverified_issuer(&self) -> Option<&str> {
        self.claims.str_of(crate::claims::Claim::Iss)
    }

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The decoded signature bytes.
    pub fn signature(&self) -> &[u8] {
        self.signature.as_slice()
    }
}

/// Decodes header and claims **without verifying anything but the format**.
/// For diagnostics (`authgate doctor`) only.
pub fn decode_unverified(token: &str) -> Result<(Header, Claims), VerifyError> {
    let jws = Jws::parse(token)?;
    Ok((jws.header, jws.claims))
}

/// The format gate (security.md JWT-F02..F09, F17), applied before any decoding: size cap,
/// only `[A-Za-z0-9_-.]`, exactly two dots, no empty segment.
fn split_compact(token: &str) -> Result<(&str, &str, &str), VerifyError> {
    if token.is_empty() {
        return Err(malformed("empty token"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed("token exceeds the size limit"));
    }
    if !b64::all_compact(token.as_bytes()) {
        return Err(malformed("token has characters outside base64url and '.'"));
    }
    // Exactly two dots: `memchr` finds them, and only a refused token has its dots counted.
    let segments = token.split_once('.').and_then(|(header, rest)| {
        let (payload, signature) = rest.split_once('.')?;
        (!signature.contains('.')).then_some((header, payload, signature))
    });
    let Some((header, payload, signature)) = segments else {
        return Err(match token.bytes().filter(|b| *b == b'.').count() {
            4 => malformed("JWE compact serialization is not accepted"),
            _ => malformed("a compact JWS has exactly three segments"),
        });
    };
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(malformed("empty segment"));
    }
    Ok((header, payload, signature))
}

/// The three segments of a token that passes the format gate, decoded.
struct Segments<'a, 'h> {
    header: &'h [u8],
    payload: Vec<u8>,
    signature: Signature,
    signing_input: &'a str,
}

impl<'a, 'h> Segments<'a, 'h> {
    /// The size cap, then exactly three non-empty segments of strict base64url; `None` when
    /// any check fails. Strict base64url admits only the alphabet, so a token whose segments
    /// all decode also passes the character-set gate: no separate pass over the token. The
    /// first dot is searched from the start and the last from the end (the payload, the
    /// longest segment, is never scanned); a third dot would sit in the payload and fail its
    /// decoding. The header is decoded into `header_json`; `None` too when it does not fit.
    fn decode(token: &'a str, header_json: &'h mut [u8]) -> Option<Self> {
        if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
            return None;
        }
        let first = memchr::memchr(b'.', token.as_bytes())?;
        let last = memchr::memrchr(b'.', token.as_bytes())?;
        let (signing_input, signature) = (token.get(..last)?, token.get(last + 1..)?);
        let (header, payload) = (token.get(..first)?, token.get(first + 1..last)?);
        if header.is_empty() || payload.is_empty() || signature.is_empty() {
            return None;
        }
        Some(Segments {
            header: b64::decode_to(header.as_bytes(), header_json).ok()??,
            payload: b64::decode(payload.as_bytes())?,
            signature: Signature::decode(signature.as_bytes())?,
            signing_input,
        })
    }
}

/// The decoded payload as a strict JSON object.
fn parse_claims(payload: Vec<u8>) -> Result<Claims, VerifyError> {
    claims_json::parse_claims(payload)
        .map_err(|why| malformed(format!("payload is not a strict JSON object: {why}")))
}

fn malformed(detail: impl Into<String>) -> VerifyError {
    VerifyError::new(VerifyErrorKind::Malformed, detail)
}

impl std::fmt::Debug for Jws<'_> {
    /// Shows the header and claims; the raw token and signature are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jws")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .field("signature_len", &self.signature().len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    #[test]
    fn split_finds_three_non_empty_segments() {
        assert_eq!(split_compact("a.b.c").ok(), Some(("a", "b", "c")));
        for bad in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "a.b.c.d.e",
            "..",
            "a..c",
            ".b.c",
            "a.b.",
            "a.b.c=",
            "a b.c.d",
        ] {
            assert!(split_compact(bad).is_err(), "{bad:?}");
        }
        let at_limit = format!("a.b.{}", "c".repeat(MAX_TOKEN_BYTES - 4));
        assert!(split_compact(&at_limit).is_ok());
        assert!(split_compact(&format!("{at_limit}c")).is_err());
    }

    #[test]
    fn the_format_gate_runs_before_any_decoding() {
        let key = SigningKey::generate(Algorithm::HS256, "k");
        let token = key.sign_token(&Map::new(), &serde_json::json!({"sub": "alice"}));
        let (head, rest) = token.split_once('.').unwrap();
        let outside = "token has characters outside base64url and '.'";
        for (bad, detail) in [
            (format!("{head}+.{rest}"), outside),
            (format!("{head}.{rest}="), outside),
            (format!("{head}.{rest}.x+y"), outside),
            (
                format!("{head}.{rest}.x.y"),
                "JWE compact serialization is not accepted",
            ),
            (
                format!("{head}.{rest}.x"),
                "a compact JWS has exactly three segments",
            ),
            (
                format!("{head}..{rest}"),
                "a compact JWS has exactly three segments",
            ),
            (format!("e30.{rest}"), "alg header member is missing"),
            (format!("{head}.e3.AA"), "payload is not canonical"),
        ] {
            let error = Jws::parse(&bad).map(|_| ()).unwrap_err();
            assert_eq!(error.kind(), VerifyErrorKind::Malformed, "{bad:?}");
            assert!(
                error.detail().starts_with(detail),
                "{bad:?}: {}",
                error.detail()
            );
        }
    }

    #[test]
    fn decode_unverified_returns_header_and_claims() {
        let key = SigningKey::generate(Algorithm::HS256, "k");
        let token = key.sign_token(&Map::new(), &serde_json::json!({"sub": "alice"}));
        let (header, claims) = decode_unverified(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some("k"));
        assert_eq!(claims.get_str("sub"), Some("alice"));
    }

    #[test]
    fn a_header_longer_than_the_stack_buffer_parses_the_same() {
        let key = SigningKey::generate(Algorithm::HS256, "k");
        let mut header = Map::new();
        header.insert("x".into(), "y".repeat(2 * HEADER_BYTES).into());
        let token = key.sign_token(&header, &serde_json::json!({"sub": "alice"}));
        let jws = Jws::parse(&token).unwrap();
        assert_eq!(jws.header().kid.as_deref(), Some("k"));
        assert_eq!(outcome(Ok(jws)), outcome(Jws::parse_in_check_order(&token)));
    }

    /// What a parse yields, comparable: the parts of a `Jws`, or the error's kind and detail.
    type Outcome = Result<
        (Header, Map<String, serde_json::Value>, String, Vec<u8>),
        (VerifyErrorKind, String),
    >;

    fn outcome(result: Result<Jws<'_>, VerifyError>) -> Outcome {
        result
            .map(|jws| {
                let map = jws.claims().as_map().clone();
                let signature = jws.signature().to_vec();
                (jws.header, map, jws.signing_input.to_owned(), signature)
            })
            .map_err(|e| (e.kind(), e.detail().to_owned()))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// The fast path decodes everything before judging the JSON; whatever a token's flaws,
        /// it must name the same one as the checks in their documented order.
        #[test]
        fn the_fast_path_agrees_with_the_checks_in_order(edits in proptest::collection::vec(
            (0..4u8, proptest::prelude::any::<proptest::sample::Index>(), 0..9usize),
            0..3,
        )) {
            let key = SigningKey::generate(Algorithm::HS256, "k");
            let claims = serde_json::json!({"sub": "alice", "n": 1});
            let mut token = key.sign_token(&Map::new(), &claims).into_bytes();
            for (kind, at, pick) in edits {
                let at = at.index(token.len() + 1);
                let byte = b".+=/ {A_-"[pick];
                match kind {
                    0 => token.insert(at, byte),
                    1 if at < token.len() => {
                        token.remove(at);
                    }
                    2 if at < token.len() => token[at] = byte,
                    _ => token.truncate(at),
                }
            }
            let token = String::from_utf8(token).unwrap();
            proptest::prop_assert_eq!(
                outcome(Jws::parse(&token)),
                outcome(Jws::parse_in_check_order(&token))
            );
        }
    }
}
