//! The verification pipeline (security.md §1, steps 3–11), one step per check in spec order.

use crate::clock::UnixTime;
use crate::error::VerifyError;
use crate::jose::Jws;
use crate::jwk::KeySet;
use crate::validation::Validation;

/// Verifies a parsed JWS against one issuer's keys and rules: algorithm allow-list, key
/// resolution (kid/x5t, key type bound to alg, key-issuer for Entra), signature, token kind,
/// `iss`, `aud`, `exp`/`nbf`/`iat` with leeway and max lifetime, required claims.
///
/// On success the claims of `jws` may be trusted.
pub fn verify_jws(
    jws: &Jws<'_>,
    keys: &KeySet,
    validation: &Validation,
    now: UnixTime,
) -> Result<(), VerifyError> {
    todo!("{jws:?} {keys:?} {validation:?} {now:?}")
}
