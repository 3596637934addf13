//! The JOSE protected header (RFC 7515 §4).

use super::Algorithm;

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
