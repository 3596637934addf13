//! Step 9: the audience (security.md §1.F).

use super::{TokenKind, reject};
use crate::claims::{Claim, ClaimValue, Claims, StrOrArray};
use crate::error::VerifyError;
use crate::error::VerifyErrorKind::{InvalidClaim, WrongAudience};

/// More `aud` values than this is not a real token (JWT-J04).
pub(crate) const MAX_AUDIENCES: usize = 64;

/// Checks `aud` (RFC 7519 §4.1.3): a string or a non-empty array of strings, one of which
/// equals a configured audience exactly (JWT-D01..D09, D11). For ID tokens also OIDC Core
/// §3.1.3.7 #3–5: no untrusted extra audience, and `azp` (required with several audiences)
/// names a configured audience or one of the `presenters` (JWT-D04, JWT-D10).
pub(crate) fn audience(
    claims: &Claims,
    audiences: &[String],
    presenters: &[String],
    kind: &TokenKind,
) -> Result<(), VerifyError> {
    let aud = match claims.str_or_array(Claim::Aud) {
        ClaimValue::Present(aud) => aud,
        ClaimValue::Absent => return Err(reject(WrongAudience, "aud is missing")),
        ClaimValue::Invalid => {
            return Err(reject(
                InvalidClaim,
                "aud is not a string or an array of strings",
            ));
        }
    };
    if aud.is_empty() {
        return Err(reject(WrongAudience, "aud is an empty array"));
    }
    if aud.len() > MAX_AUDIENCES {
        return Err(reject(InvalidClaim, "aud has too many values"));
    }
    if !aud.iter().any(|a| is_configured(audiences, a)) {
        return Err(reject(WrongAudience, "aud does not name this API"));
    }
    match kind {
        TokenKind::IdToken => id_token_audience(claims, aud, audiences, presenters),
        TokenKind::AccessToken { .. } => Ok(()),
    }
}

/// OIDC Core §3.1.3.7 #3–5.
fn id_token_audience(
    claims: &Claims,
    aud: StrOrArray<'_>,
    audiences: &[String],
    presenters: &[String],
) -> Result<(), VerifyError> {
    if !aud.iter().all(|a| is_configured(audiences, a)) {
        return Err(reject(
            WrongAudience,
            "ID token lists an untrusted extra audience",
        ));
    }
    match claims.string(Claim::Azp) {
        ClaimValue::Present(azp)
            if is_configured(audiences, azp) || is_configured(presenters, azp) =>
        {
            Ok(())
        }
        ClaimValue::Present(_) => Err(reject(WrongAudience, "azp is not a configured client")),
        ClaimValue::Absent if aud.len() > 1 => Err(reject(
            WrongAudience,
            "azp is required with several audiences",
        )),
        ClaimValue::Absent => Ok(()),
        ClaimValue::Invalid => Err(reject(InvalidClaim, "azp is not a string")),
    }
}

/// Exact, case-sensitive equality: no prefix, no regex, no trimming (JWT-D07).
fn is_configured(audiences: &[String], value: &str) -> bool {
    audiences.iter().any(|a| a == value)
}
