//! Step 7: the token kind (security.md §1.H).

use super::{TokenKind, reject};
use crate::claims::{Claim, Claims};
use crate::error::{VerifyError, VerifyErrorKind::WrongTokenType};
use crate::jose::Header;

/// Checks that the token is the kind this issuer's verifier expects, so an ID token, a logout
/// token, a SET or one of our own refresh tokens is never accepted as an access token.
pub(crate) fn token_kind(
    header: &Header,
    claims: &Claims,
    kind: &TokenKind,
) -> Result<(), VerifyError> {
    // RFC 8725 §3.11 (explicit typing), RFC 9068 §4 step 1: only the `typ` values of this
    // kind; `logout+jwt`, `secevent+jwt` and every other foreign type fail here (JWT-K02,
    // JWT-K03, JWT-K04, JWT-K12).
    if !typ_allowed(header, kind) {
        return Err(reject(
            WrongTokenType,
            "typ header does not match the expected token kind",
        ));
    }
    // OIDC Back-Channel Logout §2.4, RFC 8417 §2.2: `events` marks a logout token or a SET.
    if claims.has(Claim::Events) {
        return Err(reject(
            WrongTokenType,
            "an events claim marks a logout token or SET",
        ));
    }
    match kind {
        TokenKind::AccessToken {
            require_scp_or_roles,
            ..
        } => access_token_shape(claims, *require_scp_or_roles),
        TokenKind::IdToken => Ok(()),
    }
}

/// RFC 7515 §4.1.9 media-type comparison (case-insensitive, `application/` optional) via
/// [`Header::typ_is`].
fn typ_allowed(header: &Header, kind: &TokenKind) -> bool {
    let untyped_or_jwt = header.typ.is_none() || header.typ_is("jwt");
    match kind {
        TokenKind::AccessToken {
            require_at_jwt: true,
            ..
        } => header.typ_is("at+jwt"),
        TokenKind::AccessToken {
            require_at_jwt: false,
            ..
        } => untyped_or_jwt || header.typ_is("at+jwt"),
        TokenKind::IdToken => untyped_or_jwt,
    }
}

/// JWT-K01: an ID token presented as an access token.
fn access_token_shape(claims: &Claims, require_scp_or_roles: bool) -> Result<(), VerifyError> {
    // OIDC Core §2: `nonce` belongs to ID tokens; RFC 9068 access tokens never carry it.
    if claims.has(Claim::Nonce) {
        return Err(reject(WrongTokenType, "a nonce claim marks an ID token"));
    }
    // Entra: access tokens carry `scp` (delegated) or `roles` (app); ID tokens carry neither.
    if require_scp_or_roles && !claims.has(Claim::Scp) && !claims.has(Claim::Roles) {
        return Err(reject(
            WrongTokenType,
            "access token has neither scp nor roles",
        ));
    }
    Ok(())
}
