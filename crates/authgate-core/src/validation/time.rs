//! Step 10: `exp`, `nbf` and `iat` with bounded leeway (RFC 7519 §4.1.4–4.1.6; §1.G).
//!
//! NumericDates are compared as `f64`: every JSON number (fractional, `1e308`,
//! `18446744073709551616`) is a finite `f64`, and float arithmetic cannot overflow or panic.

use super::{MAX_LEEWAY, TokenKind, Validation, reject};
use crate::claims::{Claim, ClaimValue, Claims};
use crate::clock::UnixTime;
use crate::error::VerifyError;
use crate::error::VerifyErrorKind::{
    Expired, InvalidClaim, InvalidTimes, MissingClaim, NotYetValid,
};

/// The time claims of a token, read strictly.
struct Times {
    exp: f64,
    nbf: Option<f64>,
    iat: Option<f64>,
}

/// Checks the time claims at `now`.
pub(crate) fn times(claims: &Claims, v: &Validation, now: UnixTime) -> Result<(), VerifyError> {
    let Times { exp, nbf, iat } = read(claims, &v.kind)?;
    // JWT-T14: the leeway is capped whatever the configuration says.
    let leeway = v.leeway.min(MAX_LEEWAY).as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // exact for every time before the year 285 million
    let now = now.0 as f64;
    // JWT-T06: a NumericDate at or before the epoch is no expiry at all.
    if exp <= 0.0 {
        return Err(reject(InvalidTimes, "exp is not after the epoch"));
    }
    // JWT-T16: a token cannot expire before it becomes valid or before it was issued.
    if nbf.is_some_and(|nbf| exp < nbf) || iat.is_some_and(|iat| exp < iat) {
        return Err(reject(InvalidTimes, "exp is before nbf or iat"));
    }
    // RFC 7519 §4.1.4: accepted only *before* exp, so `now >= exp + leeway` fails
    // (JWT-T01, JWT-T02).
    if now >= exp + leeway {
        return Err(reject(Expired, "exp has passed"));
    }
    // RFC 7519 §4.1.5: not accepted before nbf (JWT-T09).
    if nbf.is_some_and(|nbf| nbf > now + leeway) {
        return Err(reject(NotYetValid, "nbf is in the future"));
    }
    // OIDC Core §3.1.3.7 #10, JWT-T12: not issued in the future.
    if iat.is_some_and(|iat| iat > now + leeway) {
        return Err(reject(InvalidTimes, "iat is in the future"));
    }
    lifetime(exp, iat, now, v.max_lifetime.as_secs_f64() + leeway)
}

/// Reads `exp` (required: RFC 9068 §2.2, JWT-T03), `nbf` and `iat` (required for ID tokens:
/// OIDC Core §2, JWT-T11).
fn read(claims: &Claims, kind: &TokenKind) -> Result<Times, VerifyError> {
    let (exp, nbf, iat) = (
        date(claims, Claim::Exp)?,
        date(claims, Claim::Nbf)?,
        date(claims, Claim::Iat)?,
    );
    let Some(exp) = exp else {
        return Err(reject(MissingClaim, "exp is missing"));
    };
    if iat.is_none() && matches!(kind, TokenKind::IdToken) {
        return Err(reject(MissingClaim, "iat is missing from an ID token"));
    }
    Ok(Times { exp, nbf, iat })
}

/// JWT-T07, JWT-T13: neither the remaining nor the total lifetime may exceed the maximum
/// (so `exp: 1e308` and a week-old `iat` both fail).
fn lifetime(exp: f64, iat: Option<f64>, now: f64, max: f64) -> Result<(), VerifyError> {
    if exp - now > max {
        return Err(reject(
            InvalidTimes,
            "exp is beyond the maximum token lifetime",
        ));
    }
    if iat.is_some_and(|iat| exp - iat > max) {
        return Err(reject(
            InvalidTimes,
            "exp - iat exceeds the maximum token lifetime",
        ));
    }
    Ok(())
}

/// A NumericDate claim, or `None` when absent. Any other JSON type is `InvalidClaim`, never
/// "absent" (CVE-2026-25537; JWT-T04, JWT-T08, JWT-T10).
fn date(claims: &Claims, name: Claim) -> Result<Option<f64>, VerifyError> {
    match claims.numeric_date(name) {
        ClaimValue::Present(t) => Ok(Some(t)),
        ClaimValue::Absent => Ok(None),
        ClaimValue::Invalid => Err(VerifyError::new(
            InvalidClaim,
            format!("{} is not a number", name.name()),
        )),
    }
}
