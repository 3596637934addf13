//! The verification pipeline (security.md §1, steps 3–11), one step per check in spec order.
//!
//! Steps 1, 2 and 6 (size gate, strict header and claims parsing) happened in
//! [`crate::Jws::parse`]; step 12 (authorization) is [`crate::Policy::evaluate`].

use crate::clock::UnixTime;
use crate::error::VerifyError;
use crate::error::VerifyErrorKind::{BadSignature, DisallowedAlg};
use crate::jose::Jws;
use crate::jwk::{KeyEntry, KeySet};
use crate::validation::{self, Validation};

/// At most this many keys are tried for one token (kid-less tokens, duplicate kids; JWT-A27,
/// JWT-A28), so a token cannot make the verifier do unbounded signature checks.
pub(crate) const MAX_KEY_CANDIDATES: usize = 4;

/// Verifies a parsed JWS against one issuer's keys and rules: algorithm allow-list, key
/// resolution (kid/x5t, key type bound to alg, key-issuer for Entra), signature, token kind,
/// `iss`, `aud`, `exp`/`nbf`/`iat` with leeway and max lifetime, required claims.
///
/// On success the claims of `jws` may be trusted. Every failure names the step in its
/// [`VerifyError::kind`] and detail; neither contains the token or a claim value.
///
/// ```
/// use authgate_core::{
///     Algorithm, ClaimMapping, Clock, IssuerRule, Jws, KeySet, Principal, SigningKey,
///     SystemClock, Validation, verify_jws,
/// };
/// use serde_json::json;
///
/// // The issuer's side: a key, its published JWKS and a token.
/// let key = SigningKey::generate(Algorithm::ES256, "k1");
/// let jwks = json!({ "keys": [key.public_jwk()] }).to_string();
/// let now = SystemClock.now();
/// let claims = json!({ "iss": "https://idp.example", "aud": "api://orders", "sub": "alice",
///     "scp": "orders.read", "exp": now.0 + 300 });
/// let token = key.sign_token(&Default::default(), &claims);
///
/// // The API's side.
/// let keys = KeySet::from_jwks_json(jwks.as_bytes())?;
/// let issuer = IssuerRule::Exact(vec!["https://idp.example".into()]);
/// let validation = Validation::access_token(issuer, vec!["api://orders".into()]);
/// let jws = Jws::parse(&token)?;
/// verify_jws(&jws, &keys, &validation, now)?;
/// let principal = Principal::from_claims("idp", jws.claims().clone(), &ClaimMapping::default());
/// assert!(principal.has_scopes(&["orders.read"]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Security
///
/// `keys` and `validation` must belong to the issuer the token was routed to by its unverified
/// `iss` ([`Jws::unverified_issuer`]); there is no global key pool (JWT-I06). The signature is
/// checked before any claim is judged, and at most a few keys are tried per token.
pub fn verify_jws(
    jws: &Jws<'_>,
    keys: &KeySet,
    validation: &Validation,
    now: UnixTime,
) -> Result<(), VerifyError> {
    let (header, claims) = (jws.header(), jws.claims());
    // 3. RFC 8725 §3.1: only algorithms on the issuer's allow-list (JWT-A09, JWT-A12).
    if !validation.algorithms.contains(&header.alg) {
        return Err(VerifyError::new(
            DisallowedAlg,
            "alg is not allowed for this issuer",
        ));
    }
    // 4–5. RFC 7515 §5.2 steps 7–8, RFC 8725 §3.1: keys only from this issuer's set, the key
    // type and any pinned alg bound to `alg`, then the signature (JWT-A10, JWT-C01..C04).
    let key = verify_signature(jws, keys)?;
    // Entra: the signing key's own `issuer` must match the token (JWT-I10).
    validation::key_issuer(key.issuer.as_deref(), claims, &validation.issuer)?;
    // 7. RFC 8725 §3.11, RFC 9068 §4 step 1: the token kind (JWT-K01..K04, JWT-K12).
    validation::token_kind(header, claims, &validation.kind)?;
    // 8. RFC 7519 §4.1.1, OIDC Core §3.1.3.7 #2: `iss` (JWT-I01..I09).
    validation::issuer(claims, &validation.issuer)?;
    // 9. RFC 7519 §4.1.3, OIDC Core §3.1.3.7 #3–5: `aud` and `azp` (JWT-D01..D11).
    validation::audience(
        claims,
        &validation.audiences,
        &validation.authorized_parties,
        &validation.kind,
    )?;
    // 10. RFC 7519 §4.1.4–4.1.6: `exp`, `nbf`, `iat` with bounded leeway (JWT-T01..T16).
    validation::times(claims, validation, now)?;
    // 11. Profile checks: required claims, identifiers, scope and role shapes, `cnf`.
    validation::required_claims(claims, &validation.required_claims)?;
    validation::identifiers(claims)?;
    validation::authorization_claims(claims)?;
    validation::no_confirmation(claims)
}

/// Resolves the candidate keys and returns the one whose signature check succeeds.
fn verify_signature<'k>(jws: &Jws<'_>, keys: &'k KeySet) -> Result<&'k KeyEntry, VerifyError> {
    let alg = jws.header().alg;
    // UnknownKey when no kid/x5t matches, DisallowedAlg when no matching key may verify `alg`
    // (RFC 8725 §3.1: key type and pinned alg bound to the algorithm; JWT-A06, A07, A10, A11),
    // Malformed when kid and x5t name different keys (JWT-A21).
    let candidates = keys.usable_keys(jws.header())?;
    let message = jws.signing_input().as_bytes();
    candidates
        .filter(|entry| entry.fits(alg))
        .take(MAX_KEY_CANDIDATES)
        .find(|entry| entry.key.verify(alg, message, jws.signature()).is_ok())
        .ok_or_else(|| VerifyError::new(BadSignature, "signature does not verify"))
}
