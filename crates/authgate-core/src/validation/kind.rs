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
            require_entra_shape,
            ..
        } => access_token_shape(claims, *require_entra_shape),
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
fn access_token_shape(claims: &Claims, require_entra_shape: bool) -> Result<(), VerifyError> {
    // OIDC Core §2: `nonce` belongs to ID tokens; RFC 9068 access tokens never carry it.
    if claims.has(Claim::Nonce) {
        return Err(reject(WrongTokenType, "a nonce claim marks an ID token"));
    }
    if require_entra_shape && !is_entra_access_token(claims) {
        return Err(reject(
            WrongTokenType,
            "neither scp nor the app-only shape: an Entra ID token",
        ));
    }
    Ok(())
}

/// Entra access and ID tokens share `iss`, `ver`, keys and (v2) the bare client id as `aud`,
/// so only their claims tell them apart (providers.md §1.3, §1.4):
///
/// - a delegated access token carries `scp`;
/// - an app-only token carries no `scp`, and `idtyp: "app"` (an optional claim) or
///   `sub == oid` (the client's service principal); its `roles` are absent when the API does
///   not require role assignment (§1.4.4(b));
/// - an ID token carries no `scp`, `roles` when the user was assigned app roles, a `nonce`
///   only when the client sent one, and a pairwise `sub` that is never the `oid`.
///
/// So `roles` alone never makes an access token. (Public for `authgate doctor`, which
/// explains the same rule.)
pub fn is_entra_access_token(claims: &Claims) -> bool {
    if claims.has(Claim::Scp) {
        return true;
    }
    let sub = claims.str_of(Claim::Sub);
    claims.str_of(Claim::Idtyp) == Some("app")
        || (sub.is_some() && sub == claims.str_of(Claim::Oid))
}
