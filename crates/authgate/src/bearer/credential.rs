//! Finding the bearer credential in a request, strictly per RFC 6750 §2.
//!
//! Grammar (RFC 6750 §2.1): `credentials = "Bearer" 1*SP b64token`, where this crate accepts
//! exactly one SP (the POLICY for JWT-B02 and JWT-F12: a tab, two spaces or any other
//! whitespace around the token is an `invalid_request`, never silently trimmed).

use crate::rejection::Rejection;
use crate::verifier::ConnectionMemo;
use http::header::AUTHORIZATION;
use http::{HeaderMap, Uri};
use std::sync::Arc;

/// What the request carried.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Credential<'a> {
    /// No bearer credential: no header, an empty one, or another scheme such as `Basic`.
    Absent,
    /// A token that is a syntactically valid `b64token`.
    Token(&'a str),
}

/// Why the transport of the credential is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportError {
    /// RFC 6750 §3.1 `invalid_request`, with its fixed description.
    InvalidRequest(&'static str),
    /// The token itself is not a `b64token` (RFC 6750 §3.1 `invalid_token`).
    MalformedToken,
    /// `?access_token=` alone: that method is never accepted (RFC 9700 §4.3), so the request
    /// is answered like one that carried no credential.
    QueryTokenOnly,
}

const MULTIPLE_HEADERS: &str = "send exactly one bearer credential in one Authorization header";
const MULTIPLE_METHODS: &str = "send the access token in the Authorization header only";
const BAD_SEPARATOR: &str = "separate the Bearer scheme from the token with exactly one space";
const NOT_VISIBLE_ASCII: &str = "the Authorization header must be visible ASCII";

impl TransportError {
    /// The response for this error.
    pub(crate) fn into_rejection(self, realm: Option<Arc<str>>) -> Rejection {
        match self {
            TransportError::InvalidRequest(description) => {
                Rejection::invalid_request(realm, description)
            }
            TransportError::MalformedToken => Rejection::invalid_token(realm),
            TransportError::QueryTokenOnly => Rejection::missing_credentials(realm),
        }
    }
}

/// Extracts the bearer credential from the `Authorization` header, refusing every ambiguous or
/// forbidden transport (JWT-B01…B06, JWT-F01, JWT-F12).
pub(crate) fn extract<'a>(
    headers: &'a HeaderMap,
    uri: &Uri,
) -> Result<Credential<'a>, TransportError> {
    extract_knowing(headers, uri, |_| false)
}

/// [`extract`], where `known` recognises a token that passed this check before (the exact
/// bytes of an earlier credential): its characters are not checked again.
fn extract_knowing<'a>(
    headers: &'a HeaderMap,
    uri: &Uri,
    known: impl Fn(&[u8]) -> bool,
) -> Result<Credential<'a>, TransportError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let header = values.next();
    // RFC 6750 §3.1: repeating a parameter is an invalid_request (JWT-B04).
    if values.next().is_some() {
        return Err(TransportError::InvalidRequest(MULTIPLE_HEADERS));
    }
    let in_query = has_query_token(uri);
    match header {
        // RFC 6750 §2: clients MUST NOT use more than one method (JWT-B05).
        Some(_) if in_query => Err(TransportError::InvalidRequest(MULTIPLE_METHODS)),
        // The URI query method is never accepted: it leaks through logs and Referer (JWT-B06).
        None if in_query => Err(TransportError::QueryTokenOnly),
        None => Ok(Credential::Absent),
        Some(value) => match common_case(value.as_bytes(), known) {
            Some(token) => Ok(Credential::Token(token)),
            None => parse(
                value
                    .to_str()
                    .map_err(|_| TransportError::InvalidRequest(NOT_VISIBLE_ASCII))?,
            ),
        },
    }
}

/// The token of `Bearer <token>` when the token has no padding and only `b64token` characters
/// (every JWT), in one pass; `None` sends every other value through [`parse`], which gives the
/// same answer for these and the exact error for the rest.
fn common_case(value: &[u8], known: impl Fn(&[u8]) -> bool) -> Option<&str> {
    let (scheme, token) = value.split_at_checked(7)?;
    let plain = scheme.eq_ignore_ascii_case(b"bearer ")
        && !token.is_empty()
        && (known(token) || all_b64token(token));
    // Only ASCII bytes passed, so this is valid UTF-8 (checked, not assumed).
    plain.then(|| std::str::from_utf8(token).ok()).flatten()
}

/// Whether every byte is a `b64token` character ([`is_b64token_byte`]), without a branch per
/// byte so the compiler can check many bytes at once: a JWT is a thousand bytes or more.
fn all_b64token(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |all, &b| {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26; // `| 0x20` folds A-Z onto a-z only
        let digit = b.wrapping_sub(b'0') < 10;
        let mark =
            (b == b'-') | (b == b'.') | (b == b'_') | (b == b'~') | (b == b'+') | (b == b'/');
        all & (letter | digit | mark)
    })
}

/// The bearer token of a request, for code that makes its own authorization decision (the
/// gateway's proxy and forward-auth endpoint): `Ok(None)` when no bearer credential was sent,
/// `Ok(Some(token))` for one syntactically valid token, and the exact RFC 6750 rejection for
/// every ambiguous or forbidden transport (JWT-B01…B06, JWT-F01, JWT-F12).
pub fn bearer_token<'a>(
    headers: &'a HeaderMap,
    uri: &Uri,
    realm: Option<Arc<str>>,
) -> Result<Option<&'a str>, Rejection> {
    match extract(headers, uri) {
        Ok(Credential::Absent) => Ok(None),
        Ok(Credential::Token(token)) => Ok(Some(token)),
        Err(e) => Err(e.into_rejection(realm)),
    }
}

/// [`bearer_token`] for a request on the connection `memo` belongs to: the token that
/// connection presented last (exactly the same bytes, which passed this check then) is
/// recognised without checking its characters again. Pair with
/// [`crate::Verifier::verify_on_connection`].
pub fn bearer_token_on_connection<'a>(
    headers: &'a HeaderMap,
    uri: &Uri,
    memo: &ConnectionMemo,
) -> Result<Option<&'a str>, Rejection> {
    match extract_knowing(headers, uri, |token| memo.is_last(token)) {
        Ok(Credential::Absent) => Ok(None),
        Ok(Credential::Token(token)) => Ok(Some(token)),
        Err(e) => Err(e.into_rejection(None)),
    }
}

/// Parses one `Authorization` value.
fn parse(value: &str) -> Result<Credential<'_>, TransportError> {
    let scheme_end = value.find([' ', '\t']).unwrap_or(value.len());
    let (scheme, rest) = value.split_at(scheme_end);
    // RFC 9110 §11.1: the scheme is case-insensitive (JWT-B01). Another scheme is no bearer
    // credential at all (JWT-B03).
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(Credential::Absent);
    }
    // `Bearer` alone (HTTP strips the trailing space of `Bearer `) is the missing-token case.
    let Some(token) = rest.strip_prefix(' ') else {
        return if rest.is_empty() {
            Ok(Credential::Absent)
        } else {
            Err(TransportError::InvalidRequest(BAD_SEPARATOR))
        };
    };
    classify(token)
}

/// One pass over the token's bytes (it is the longest part of the header, up to 16 KiB):
/// RFC 6750 §2.1 `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
/// A comma or whitespace means several credentials, `Bearer a, Bearer b` (JWT-B04), or a
/// second space after the scheme (JWT-B02); any other character makes the token malformed.
fn classify(token: &str) -> Result<Credential<'_>, TransportError> {
    let bytes = token.as_bytes();
    let body_len = bytes
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |last| last + 1);
    let (body, _padding) = bytes.split_at(body_len);
    let separator = |b: &u8| matches!(b, b',' | b' ' | b'\t');
    match body.iter().position(|&b| !is_b64token_byte(b)) {
        None if body.is_empty() => Err(TransportError::MalformedToken),
        None => Ok(Credential::Token(token)),
        Some(_) if bytes.first().is_some_and(separator) => {
            Err(TransportError::InvalidRequest(BAD_SEPARATOR))
        }
        Some(bad)
            if bytes
                .get(bad..)
                .is_some_and(|rest| rest.iter().any(separator)) =>
        {
            Err(TransportError::InvalidRequest(MULTIPLE_HEADERS))
        }
        Some(_) => Err(TransportError::MalformedToken),
    }
}

fn is_b64token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// Whether the query string carries an `access_token` parameter (name compared after
/// percent-decoding, so `access%5Ftoken` counts too).
fn has_query_token(uri: &Uri) -> bool {
    let Some(query) = uri.query() else {
        return false;
    };
    url::form_urlencoded::parse(query.as_bytes()).any(|(name, _)| name == "access_token")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn run(values: &[&str]) -> Result<Credential<'static>, TransportError> {
        let map: &'static HeaderMap = Box::leak(Box::new(headers(values)));
        extract(map, &Uri::from_static("/data"))
    }

    #[test]
    fn the_branchless_check_matches_the_grammar() {
        for b in 0..=255u8 {
            assert_eq!(all_b64token(&[b]), is_b64token_byte(b), "{b}");
            assert_eq!(all_b64token(&[b'a', b, b'Z']), is_b64token_byte(b), "{b}");
        }
        assert!(all_b64token(b""));
    }

    #[test]
    fn the_common_case_agrees_with_the_full_parser() {
        let values = [
            "Bearer abc.def-_~+/",
            "bearer x",
            "BEARER x.y.z",
            "Bearer ",
            "Bearer  x",
            "Bearer\tx",
            "Bearer x=",
            "Bearer x==",
            "Bearer =",
            "Bearer x,y",
            "Bearer x y",
            "Bearerx",
            "Basic abc",
            "Bearer é",
            "Bearer x\u{7f}",
        ];
        for value in values {
            let full = parse(value);
            match common_case(value.as_bytes(), |_| false) {
                Some(token) => assert_eq!(full, Ok(Credential::Token(token)), "{value:?}"),
                None => assert!(
                    !matches!(full, Ok(Credential::Token(t)) if !t.contains('=')),
                    "{value:?}: the full parser found a plain token the common case missed"
                ),
            }
        }
    }

    #[test]
    fn jwt_b01_scheme_is_case_insensitive() {
        for v in [
            "Bearer abc.def.ghi",
            "bearer abc.def.ghi",
            "BEARER abc.def.ghi",
            "bEaReR abc.def.ghi",
        ] {
            assert_eq!(run(&[v]), Ok(Credential::Token("abc.def.ghi")), "{v}");
        }
    }

    #[test]
    fn jwt_b02_two_spaces_or_a_tab_is_an_invalid_request() {
        assert_eq!(
            run(&["Bearer  abc"]),
            Err(TransportError::InvalidRequest(BAD_SEPARATOR))
        );
        assert_eq!(
            run(&["Bearer\tabc"]),
            Err(TransportError::InvalidRequest(BAD_SEPARATOR))
        );
        assert_eq!(
            run(&["Bearer \tabc"]),
            Err(TransportError::InvalidRequest(BAD_SEPARATOR))
        );
    }

    #[test]
    fn jwt_b03_other_schemes_are_no_bearer_credential() {
        assert_eq!(run(&["Basic dXNlcjpwYXNz"]), Ok(Credential::Absent));
        assert_eq!(run(&["DPoP abc"]), Ok(Credential::Absent));
        assert_eq!(run(&["Bearerabc"]), Ok(Credential::Absent));
    }

    #[test]
    fn jwt_b04_several_credentials_are_an_invalid_request() {
        assert_eq!(
            run(&["Bearer a", "Bearer b"]),
            Err(TransportError::InvalidRequest(MULTIPLE_HEADERS))
        );
        assert_eq!(
            run(&["Bearer a, Bearer b"]),
            Err(TransportError::InvalidRequest(MULTIPLE_HEADERS))
        );
        assert_eq!(
            run(&["Bearer a,b"]),
            Err(TransportError::InvalidRequest(MULTIPLE_HEADERS))
        );
    }

    #[test]
    fn jwt_b05_b06_query_tokens_are_never_accepted() {
        let with_query = Uri::from_static("/data?x=1&access%5Ftoken=abc");
        assert_eq!(
            extract(&HeaderMap::new(), &with_query),
            Err(TransportError::QueryTokenOnly)
        );
        let both = headers(&["Bearer abc"]);
        assert_eq!(
            extract(&both, &with_query),
            Err(TransportError::InvalidRequest(MULTIPLE_METHODS))
        );
        let other_param = Uri::from_static("/data?token=abc");
        assert_eq!(extract(&both, &other_param), Ok(Credential::Token("abc")));
    }

    #[test]
    fn jwt_f01_missing_or_empty_is_absent() {
        assert_eq!(run(&[]), Ok(Credential::Absent));
        assert_eq!(run(&[""]), Ok(Credential::Absent));
        assert_eq!(run(&["Bearer"]), Ok(Credential::Absent));
    }

    #[test]
    fn jwt_f07_non_b64token_characters_are_an_invalid_token() {
        assert_eq!(
            run(&[r#"Bearer {"protected":"x"}"#]),
            Err(TransportError::MalformedToken)
        );
        assert_eq!(run(&["Bearer ===="]), Err(TransportError::MalformedToken));
        assert_eq!(run(&["Bearer abc=="]), Ok(Credential::Token("abc==")));
    }

    #[test]
    fn non_ascii_header_is_an_invalid_request() {
        let mut map = HeaderMap::new();
        map.insert(
            AUTHORIZATION,
            HeaderValue::from_bytes(b"Bearer \xe9t").unwrap(),
        );
        let got = extract(&map, &Uri::from_static("/"));
        assert_eq!(got, Err(TransportError::InvalidRequest(NOT_VISIBLE_ASCII)));
    }
}
