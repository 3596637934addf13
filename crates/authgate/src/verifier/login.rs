//! Entry points for the sign-in flow: ID tokens and back-channel logout tokens of a provider,
//! verified with that provider's rules and the same key caches as bearer tokens.

use super::Verifier;
use super::route::Route;
use authgate_core::{
    Claims, IssuerRule, Jws, KeySet, MAX_TOKEN_BYTES, TokenKind, VerifyError, VerifyErrorKind,
    verify_jws,
};

impl Verifier {
    /// Verifies an OpenID Connect ID token of `provider` for `client_id` (OIDC Core §3.1.3.7
    /// steps 1–10 except `nonce`): the provider's issuer rule (Entra tenant template and
    /// allowed tenants included), algorithms and keys; `aud` must contain `client_id` and hold
    /// no other audience, `azp` (required with several audiences) must equal it; `exp`, `iat`
    /// with the provider's leeway; provider checks such as Google `hd`.
    pub(crate) async fn verify_id_token(
        &self,
        provider: &str,
        token: &str,
        client_id: &str,
    ) -> Result<Claims, VerifyError> {
        let jws = parse(token)?;
        let iss = jws.unverified_issuer().ok_or_else(no_issuer)?;
        let mut first_error = None;
        for route in self.login_routes(provider, iss) {
            let mut validation = route.spec.validation.clone();
            validation.kind = TokenKind::IdToken;
            validation.audiences = vec![client_id.to_owned()];
            // Our own sign-in: the ID token was presented to us, not to another client.
            validation.authorized_parties.clear();
            let checked = route
                .check_with_keys(|keys| verify_jws(&jws, keys, &validation, self.inner.clock.now()))
                .await
                .and_then(|()| match &route.spec.extra {
                    Some(extra) => extra.check(jws.claims()),
                    None => Ok(()),
                });
            match checked {
                Ok(()) => return Ok(jws.claims().clone()),
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        Err(first_error.unwrap_or_else(unknown_issuer))
    }

    /// Verifies the signature of a logout token from one of `providers` (routed by its
    /// unverified `iss`, which must be one the provider accepts) with an algorithm on the
    /// provider's allow-list. Returns the provider id and the claims; the logout-token rules
    /// (Back-Channel Logout 1.0 §2.6) are the caller's.
    pub(crate) async fn verify_logout_signature(
        &self,
        token: &str,
        providers: &[String],
    ) -> Result<(String, Claims), VerifyError> {
        let jws = parse(token)?;
        let iss = jws.unverified_issuer().ok_or_else(no_issuer)?.to_owned();
        let mut first_error = None;
        for provider in providers {
            for route in self.login_routes(provider, &iss) {
                let alg = jws.header().alg;
                if !route.spec.validation.algorithms.contains(&alg) {
                    first_error = first_error.or(Some(VerifyError::new(
                        VerifyErrorKind::DisallowedAlg,
                        "alg is not allowed for this issuer",
                    )));
                    continue;
                }
                match route.check_with_keys(|keys| signature(&jws, keys)).await {
                    Ok(()) => return Ok((provider.clone(), jws.claims().clone())),
                    Err(e) => first_error = first_error.or(Some(e)),
                }
            }
        }
        Err(first_error.unwrap_or_else(unknown_issuer))
    }

    /// The routes of `provider` that accept `iss` (exact issuers, or an Entra template whose
    /// tenant is allowed).
    fn login_routes(&self, provider: &str, iss: &str) -> Vec<&Route> {
        self.inner
            .table
            .candidates(iss)
            .into_iter()
            .filter_map(|i| self.inner.routes.get(i))
            .filter(|r| r.provider == provider && tenant_allowed(r, iss))
            .collect()
    }
}

/// Entra templates: the tenant in `iss` must be allowed (the template match already made
/// sure it is a GUID).
fn tenant_allowed(route: &Route, iss: &str) -> bool {
    let IssuerRule::EntraTemplate {
        templates,
        allowed_tenants: Some(allowed),
    } = &route.spec.validation.issuer
    else {
        return true;
    };
    templates.iter().any(|t| {
        t.split_once("{tenantid}").is_some_and(|(prefix, suffix)| {
            iss.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(suffix))
                .is_some_and(|tid| allowed.iter().any(|a| a.eq_ignore_ascii_case(tid)))
        })
    })
}

/// RFC 7515 §5.2: one of this issuer's keys that fits `alg` verifies the signature.
fn signature(jws: &Jws<'_>, keys: &KeySet) -> Result<(), VerifyError> {
    let alg = jws.header().alg;
    let message = jws.signing_input().as_bytes();
    keys.candidates(jws.header())?
        .into_iter()
        .filter(|entry| entry.fits(alg))
        .take(4)
        .find(|entry| entry.key.verify(alg, message, jws.signature()).is_ok())
        .map(|_| ())
        .ok_or_else(|| VerifyError::new(VerifyErrorKind::BadSignature, "signature does not verify"))
}

fn parse(token: &str) -> Result<Jws<'_>, VerifyError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(VerifyError::new(
            VerifyErrorKind::Malformed,
            "token larger than the size cap",
        ));
    }
    Jws::parse(token)
}

fn no_issuer() -> VerifyError {
    VerifyError::new(
        VerifyErrorKind::WrongIssuer,
        "iss is missing or not a string",
    )
}

fn unknown_issuer() -> VerifyError {
    VerifyError::new(
        VerifyErrorKind::UnknownIssuer,
        "no route of this provider has this issuer",
    )
}
