//! The JOSE protected header (RFC 7515 §4).

use super::Algorithm;
use crate::error::{VerifyError, VerifyErrorKind};
use serde_json::{Map, Value};

/// A validated JWS header. Construction (in `Jws::parse`) has already rejected `none`, unknown
/// algorithms, unsupported `crit` members, `b64`, `enc`, `zip` and `cty: JWT`.
///
/// `jku`, `x5u`, `jwk` and `x5c` are never read: keys come only from configuration or the
/// issuer's JWKS (RFC 8725 §3.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `alg`.
    pub alg: Algorithm,
    /// `kid`, an opaque lookup key (never a path, query or URL).
    pub kid: Option<String>,
    /// `x5t` (Entra v1 tokens carry it, sometimes alone).
    pub x5t: Option<String>,
    /// `typ` as sent.
    pub typ: Option<String>,
    /// `cty` as sent (anything but a nested JWT).
    pub cty: Option<String>,
}

impl Header {
    /// Whether `typ` names `application/<media>` (RFC 7515 §4.1.9: case-insensitive, and a
    /// value without `/` means `application/<value>`).
    pub fn typ_is(&self, media: &str) -> bool {
        let Some(typ) = self.typ.as_deref() else {
            return false;
        };
        let bare = match typ.split_once('/') {
            Some((top, rest)) if top.eq_ignore_ascii_case("application") => rest,
            Some(_) => return false,
            None => typ,
        };
        bare.eq_ignore_ascii_case(media)
    }
}

/// Longest accepted `kid`/`x5t`/`typ`/`cty` value in bytes (security.md JWT-A24).
const MAX_MEMBER_BYTES: usize = 1024;

impl Header {
    /// Builds a header from its strictly parsed JSON object, applying RFC 7515 §4.1 and
    /// RFC 8725 rules. Unknown non-critical members are ignored (JWT-A34), and so are `jku`,
    /// `x5u`, `jwk` and `x5c` (never used).
    pub(crate) fn from_json(mut json: Map<String, Value>) -> Result<Self, VerifyError> {
        reject_unsupported_members(&json)?;
        let header = Header {
            alg: alg_member(&json)?,
            kid: id_member(&mut json, "kid")?,
            x5t: id_member(&mut json, "x5t")?,
            typ: id_member(&mut json, "typ")?,
            cty: id_member(&mut json, "cty")?,
        };
        // RFC 7519 §7.2 step 8, RFC 8725 §3.3: a nested JWT is never unwrapped.
        if header.cty.as_deref().is_some_and(is_jwt_media_type) {
            return Err(malformed("nested JWT (cty: JWT) is not supported"));
        }
        Ok(header)
    }
}

/// Members whose presence alone makes the token unacceptable.
fn reject_unsupported_members(json: &Map<String, Value>) -> Result<(), VerifyError> {
    // RFC 7515 §4.1.11: we understand no extension, so any `crit` (even `[]`) is refused.
    if json.contains_key("crit") {
        return Err(malformed("crit header member is not supported"));
    }
    // RFC 7797: unencoded payloads are forbidden in JWTs.
    if json.contains_key("b64") {
        return Err(malformed("b64 header member is not allowed in a JWT"));
    }
    // RFC 7516 §4.1.2, §4.1.3: `enc` and `zip` belong to JWE, never to a JWS.
    if json.contains_key("enc") || json.contains_key("zip") {
        return Err(malformed("JWE header member (enc/zip) in a JWS"));
    }
    Ok(())
}

/// RFC 7515 §4.1.1 and RFC 8725 §3.1: `alg` is a string naming a supported algorithm, compared
/// case-sensitively (there is no `none`).
fn alg_member(json: &Map<String, Value>) -> Result<Algorithm, VerifyError> {
    match json.get("alg") {
        None => Err(malformed("alg header member is missing")),
        Some(Value::String(name)) => name
            .parse()
            .map_err(|_| VerifyError::new(VerifyErrorKind::DisallowedAlg, "unsupported alg")),
        Some(_) => Err(malformed("alg header member is not a string")),
    }
}

/// An optional string member: bounded, non-empty, no control characters.
fn id_member(json: &mut Map<String, Value>, name: &str) -> Result<Option<String>, VerifyError> {
    let Some(value) = json.remove(name) else {
        return Ok(None);
    };
    let Value::String(text) = value else {
        return Err(malformed(format!("{name} header member is not a string")));
    };
    if text.is_empty() || text.len() > MAX_MEMBER_BYTES || text.chars().any(char::is_control) {
        return Err(malformed(format!(
            "{name} header member is empty, too long or has control characters"
        )));
    }
    Ok(Some(text))
}

/// `JWT` or `application/jwt`, case-insensitively (RFC 7515 §4.1.10).
fn is_jwt_media_type(cty: &str) -> bool {
    let bare = match cty.split_once('/') {
        Some((top, rest)) if top.eq_ignore_ascii_case("application") => rest,
        _ => cty,
    };
    bare.eq_ignore_ascii_case("jwt")
}

fn malformed(detail: impl Into<String>) -> VerifyError {
    VerifyError::new(VerifyErrorKind::Malformed, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn header(value: Value) -> Result<Header, VerifyErrorKind> {
        let Value::Object(map) = value else {
            panic!("not an object")
        };
        Header::from_json(map).map_err(|e| e.kind())
    }

    #[test]
    fn reads_the_known_members() {
        let parsed = header(json!({"alg":"RS256","kid":"k","x5t":"t","typ":"at+jwt","cty":"json"}));
        assert_eq!(
            parsed,
            Ok(Header {
                alg: Algorithm::RS256,
                kid: Some("k".into()),
                x5t: Some("t".into()),
                typ: Some("at+jwt".into()),
                cty: Some("json".into()),
            })
        );
    }

    #[test]
    fn refuses_members_we_do_not_implement() {
        for member in ["crit", "b64", "enc", "zip"] {
            assert_eq!(
                header(json!({"alg": "RS256", member: []})),
                Err(VerifyErrorKind::Malformed)
            );
        }
    }

    #[test]
    fn kid_bounds() {
        let max = "k".repeat(MAX_MEMBER_BYTES);
        assert!(header(json!({"alg": "RS256", "kid": max})).is_ok());
        let over = "k".repeat(MAX_MEMBER_BYTES + 1);
        assert_eq!(
            header(json!({"alg": "RS256", "kid": over})),
            Err(VerifyErrorKind::Malformed)
        );
        assert_eq!(
            header(json!({"alg": "RS256", "kid": "a\u{85}b"})),
            Err(VerifyErrorKind::Malformed)
        );
        assert!(header(json!({"alg": "RS256", "kid": "ключ-1"})).is_ok());
    }

    #[test]
    fn jwt_media_type() {
        assert!(is_jwt_media_type("JWT"));
        assert!(is_jwt_media_type("application/JWT"));
        assert!(!is_jwt_media_type("at+jwt"));
        assert!(!is_jwt_media_type("text/jwt"));
    }
}
