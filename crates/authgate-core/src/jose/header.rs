//! The JOSE protected header (RFC 7515 §4).

use super::Algorithm;
use super::header_json::{self, Member, Members};
use crate::error::{VerifyError, VerifyErrorKind};
use crate::validation::has_control;

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
    /// Reads a header from its decoded JSON, which must be one strict JSON object (no
    /// duplicate member names at any depth), applying RFC 7515 §4.1 and RFC 8725 rules.
    /// Unknown non-critical members are ignored (JWT-A34), and so are `jku`, `x5u`, `jwk` and
    /// `x5c` (never used).
    pub(crate) fn from_json_bytes(json: &[u8]) -> Result<Self, VerifyError> {
        let members = header_json::read_members(json)
            .map_err(|why| malformed(format!("header is not a strict JSON object: {why}")))?;
        reject_unsupported_members(&members)?;
        let header = Header {
            alg: alg_member(members.alg)?,
            kid: id_member(members.kid, "kid")?,
            x5t: id_member(members.x5t, "x5t")?,
            typ: id_member(members.typ, "typ")?,
            cty: id_member(members.cty, "cty")?,
        };
        // RFC 7519 §7.2 step 8, RFC 8725 §3.3: a nested JWT is never unwrapped.
        if header.cty.as_deref().is_some_and(is_jwt_media_type) {
            return Err(malformed("nested JWT (cty: JWT) is not supported"));
        }
        Ok(header)
    }
}

/// Members whose presence alone makes the token unacceptable.
fn reject_unsupported_members(members: &Members<'_>) -> Result<(), VerifyError> {
    // RFC 7515 §4.1.11: we understand no extension, so any `crit` (even `[]`) is refused.
    if members.crit {
        return Err(malformed("crit header member is not supported"));
    }
    // RFC 7797: unencoded payloads are forbidden in JWTs.
    if members.b64 {
        return Err(malformed("b64 header member is not allowed in a JWT"));
    }
    // RFC 7516 §4.1.2, §4.1.3: `enc` and `zip` belong to JWE, never to a JWS.
    if members.enc || members.zip {
        return Err(malformed("JWE header member (enc/zip) in a JWS"));
    }
    Ok(())
}

/// RFC 7515 §4.1.1 and RFC 8725 §3.1: `alg` is a string naming a supported algorithm, compared
/// case-sensitively (there is no `none`).
fn alg_member(alg: Option<Member<'_>>) -> Result<Algorithm, VerifyError> {
    match alg {
        None => Err(malformed("alg header member is missing")),
        Some(Member::Text(name)) => name
            .parse()
            .map_err(|_| VerifyError::new(VerifyErrorKind::DisallowedAlg, "unsupported alg")),
        Some(Member::Other) => Err(malformed("alg header member is not a string")),
    }
}

/// An optional string member: bounded, non-empty, no control characters.
fn id_member(member: Option<Member<'_>>, name: &str) -> Result<Option<String>, VerifyError> {
    let Some(value) = member else {
        return Ok(None);
    };
    let Member::Text(text) = value else {
        return Err(malformed(format!("{name} header member is not a string")));
    };
    if text.is_empty() || text.len() > MAX_MEMBER_BYTES || has_control(&text) {
        return Err(malformed(format!(
            "{name} header member is empty, too long or has control characters"
        )));
    }
    Ok(Some(text.into_owned()))
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
    use serde_json::{Value, json};

    fn header(value: Value) -> Result<Header, VerifyErrorKind> {
        Header::from_json_bytes(value.to_string().as_bytes()).map_err(|e| e.kind())
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
