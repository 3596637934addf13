//! The format step: the strict parser's answer, and a forgiving decode that explains why a
//! token the strict parser refuses is refused (and still shows its claims when it can).

use super::report::Check;
use authgate_core::dangerous::decode_unverified;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// The header and claims of a token, decoded without verification.
#[derive(Debug, Clone)]
pub(super) struct Decoded {
    /// The JOSE header as sent.
    pub(super) header: Map<String, Value>,
    /// The claims as sent.
    pub(super) claims: Map<String, Value>,
    /// Whether the strict parser accepted the token (only then can it be verified).
    pub(super) strict: bool,
}

/// Runs the format step: a passed or failed check, and whatever could be decoded.
pub(super) fn inspect(token: &str) -> (Check, Option<Decoded>) {
    if let Some(check) = not_a_jws(token) {
        return (
            check,
            lenient(without_prefix(token)).map(Decoded::into_lenient),
        );
    }
    match (decode_unverified(token), lenient(token)) {
        (Ok(_), Some(parts)) => (
            Check::pass(
                "format",
                "a compact JWS: 3 segments, strict base64url, JSON objects without duplicate members",
            ),
            Some(Decoded {
                strict: true,
                ..parts
            }),
        ),
        (Ok(_), None) => (
            Check::fail("format", "the token could not be decoded for display"),
            None,
        ),
        (Err(e), parts) => {
            let check = Check::fail(
                "format",
                format!("refused by the strict parser: {}", e.detail()),
            )
            .notes(explain_refusal(token, e.detail(), parts.as_ref()));
            (check, parts.map(Decoded::into_lenient))
        }
    }
}

impl Decoded {
    fn into_lenient(self) -> Self {
        Decoded {
            strict: false,
            ..self
        }
    }
}

/// The value without a pasted `Authorization:` / `Bearer ` prefix.
fn without_prefix(token: &str) -> &str {
    let mut rest = token.trim();
    for prefix in ["authorization:", "bearer "] {
        if rest
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        {
            rest = rest.get(prefix.len()..).unwrap_or_default().trim();
        }
    }
    rest
}

/// Shapes that are not a JWS at all, recognised before parsing.
fn not_a_jws(token: &str) -> Option<Check> {
    if token.trim().is_empty() {
        return Some(Check::fail("format", "the token is empty"));
    }
    if token.starts_with("ya29.") {
        return Some(google_opaque());
    }
    let lower = token.to_ascii_lowercase();
    if lower.starts_with("bearer ") || lower.starts_with("authorization:") {
        return Some(
            Check::fail("format", "the value includes an HTTP header prefix").note(
                "pass only the token itself, without \"Authorization:\" or \"Bearer \" in front",
            ),
        );
    }
    match token.split('.').count() {
        1 => Some(opaque()),
        5 => Some(encrypted()),
        3 => None,
        n => Some(
            Check::fail(
                "format",
                format!("a JWT has 3 segments separated by '.', this value has {n}"),
            )
            .note("the token was probably cut or joined when copied: copy it again in full"),
        ),
    }
}

fn google_opaque() -> Check {
    Check::fail(
        "format",
        "this is a Google access token (ya29.…), not a JWT",
    )
    .note("Google access tokens are opaque: only Google can check them, an API cannot verify them locally")
    .note("send an ID token instead (the id_token of Google's token response), and set accept_id_tokens = true on the google provider")
}

fn opaque() -> Check {
    Check::fail("format", "not a JWT: the value has no '.' separators (an opaque token)")
        .note("opaque access tokens can only be checked by their issuer (introspection), not verified locally")
        .note("Auth0 issues opaque tokens when the authorization request names no `audience`: request one with audience=<your API identifier>")
        .note("Google access tokens (ya29.…) are always opaque: send the ID token and set accept_id_tokens = true")
}

fn encrypted() -> Check {
    Check::fail("format", "this is an encrypted token (JWE, 5 segments), not a signed JWS")
        .note("authgate verifies signed tokens only; an encrypted token is meant to be read by its recipient alone")
        .note("Entra: turn off token encryption for this API, or you are sending a token issued for another application")
}

/// Why the strict parser refused a three-segment token, in words a user can act on.
fn explain_refusal(token: &str, detail: &str, parts: Option<&Decoded>) -> Vec<String> {
    let mut notes = Vec::new();
    if detail.contains("duplicate") {
        notes.push("a member name appears twice (e.g. two \"sub\" or two \"alg\"): parsers disagree on which one wins, so such a token is refused (RFC 7515 §5.2); the claims below keep the last value".to_owned());
    }
    if token.contains('=') {
        notes.push("the token contains '=' padding: JWTs use base64url WITHOUT padding (RFC 7515 §2); whoever produced or copied it added the padding".to_owned());
    }
    if token.contains('+') || token.contains('/') {
        notes.push("the token contains '+' or '/': that is standard base64, JWTs use base64url ('-' and '_')".to_owned());
    }
    if token
        .chars()
        .any(|c| c.is_whitespace() || c == '"' || c == '\'')
    {
        notes.push(
            "the token contains spaces, line breaks or quotes: copy only the token characters"
                .to_owned(),
        );
    }
    let alg = parts
        .and_then(|p| p.header.get("alg"))
        .and_then(Value::as_str);
    if alg.is_some_and(|a| a.eq_ignore_ascii_case("none")) {
        notes.push("alg is \"none\": an unsigned token is never accepted (RFC 8725 §3.1); someone stripped the signature, or a library was asked to skip signing".to_owned());
    }
    if let Some(parts) = parts {
        for (name, member) in [
            ("enc", "JWE"),
            ("crit", "critical extensions"),
            ("b64", "unencoded payloads"),
        ] {
            if parts.header.contains_key(name) {
                notes.push(format!("the header has \"{name}\" ({member}), which a signed JWT access token never needs"));
            }
        }
    } else {
        notes.push(
            "the header or payload is not base64url-encoded JSON, even read leniently".to_owned(),
        );
    }
    if notes.is_empty() && parts.is_some() {
        notes.push("read leniently, the header and payload are JSON: a strict parser refuses duplicate members or non-canonical encodings because different libraries would read such a token differently".to_owned());
    }
    notes
}

/// A forgiving decode of the first two segments: padding and standard-alphabet characters are
/// tolerated, duplicate members keep the last value.
fn lenient(token: &str) -> Option<Decoded> {
    let mut segments = token.split('.');
    let header = lenient_object(segments.next()?)?;
    let claims = lenient_object(segments.next()?)?;
    Some(Decoded {
        header,
        claims,
        strict: false,
    })
}

fn lenient_object(segment: &str) -> Option<Map<String, Value>> {
    let cleaned: String = segment
        .trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    let bytes = URL_SAFE_NO_PAD.decode(cleaned.as_bytes()).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::report::Mark;

    fn notes(token: &str) -> String {
        let (check, _) = inspect(token);
        assert_eq!(check.mark, Mark::Fail);
        format!("{} {}", check.summary, check.notes.join(" "))
    }

    #[test]
    fn shapes_that_are_not_a_jws_are_named() {
        assert!(notes("").contains("empty"));
        assert!(notes("ya29.a0Af").contains("Google access tokens are opaque"));
        assert!(notes("abc").contains("no '.' separators"));
        assert!(notes("a.b.c.d.e").contains("JWE"));
        assert!(notes("a.b").contains("this value has 2"));
        assert!(notes("Bearer a.b.c").contains("\"Bearer \""));
    }

    #[test]
    fn standard_base64_is_decoded_leniently_and_explained() {
        // {"alg":"RS256"} and {"a":"??>"} in standard base64 with padding.
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJhIjoiPz8+In0=.c2ln";
        let (check, decoded) = inspect(token);
        assert_eq!(check.mark, Mark::Fail);
        let text = check.notes.join(" ");
        assert!(
            text.contains("'=' padding") && text.contains("'+' or '/'"),
            "{text}"
        );
        let decoded = decoded.unwrap();
        assert!(!decoded.strict);
        assert_eq!(decoded.claims.get("a").and_then(Value::as_str), Some("??>"));
    }
}
