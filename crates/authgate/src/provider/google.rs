//! Google.
//!
//! Google access tokens are opaque (`ya29.…`) and cannot be verified locally, so a Google
//! provider accepts **ID tokens** only, and only when `accept_id_tokens = true` says so:
//! `aud` must be the OAuth client id, `azp` (when present) must equal it.
//!
//! Google's issuer is `https://accounts.google.com`, but "`accounts.google.com` is also
//! returned for legacy implementations": for that real issuer both spellings are accepted
//! (security.md JWT-I11). Any other configured issuer (the dev IdP) is matched exactly.
//! `hosted_domain` checks the `hd` claim (JWT-S08), never the email suffix.

use super::{ClaimCheck, ProviderRules, RouteSpec, base_validation, discovery, key_source};
use crate::config::ProviderConfig;
use crate::config::validate::Problems;
use authgate_core::{
    Algorithm, ClaimMapping, Claims, IssuerRule, TokenKind, VerifyError, VerifyErrorKind,
};
use std::sync::Arc;

/// Google's issuer.
const GOOGLE_ISSUER: &str = "https://accounts.google.com";
/// The legacy scheme-less spelling Google still puts in some ID tokens.
const GOOGLE_LEGACY_ISSUER: &str = "accounts.google.com";

/// Google.
pub(crate) struct Google;

impl ProviderRules for Google {
    fn check(&self, p: &ProviderConfig, out: &mut Problems) {
        out.require(
            "client_id",
            p.client_id.as_deref(),
            "for kind = google (the ID token audience)",
        );
        if !p.accept_id_tokens {
            out.push(
                "accept_id_tokens",
                "must be true: Google access tokens are opaque, only Google ID tokens can be verified",
            );
        }
        if p.hosted_domain
            .as_deref()
            .is_some_and(|d| d.is_empty() || d.contains('@'))
        {
            out.push("hosted_domain", "must be a domain such as example.com");
        }
        super::check_audience_values(&p.audiences, out);
        if p.authorized_parties.iter().any(String::is_empty) {
            out.push("authorized_parties", "must not contain an empty client id");
        }
    }

    fn routes(&self, p: &ProviderConfig) -> Vec<RouteSpec> {
        let issuer = p.issuer.clone().unwrap_or_else(|| GOOGLE_ISSUER.to_owned());
        let mut validation = base_validation(
            p,
            IssuerRule::Exact(issuers(&issuer)),
            audiences(p),
            &[Algorithm::RS256],
        );
        validation.kind = TokenKind::IdToken;
        validation.authorized_parties = p.authorized_parties.clone();
        let extra = p
            .hosted_domain
            .clone()
            .map(|d| Arc::new(HostedDomain(d)) as Arc<dyn ClaimCheck>);
        vec![RouteSpec {
            source: key_source(p, &issuer, vec![discovery::oidc_url(&issuer)]),
            validation,
            mapping: ClaimMapping::default(),
            extra,
        }]
    }
}

/// The accepted `iss` spellings: both for the real Google issuer, exactly one otherwise.
fn issuers(configured: &str) -> Vec<String> {
    if configured == GOOGLE_ISSUER {
        vec![GOOGLE_ISSUER.to_owned(), GOOGLE_LEGACY_ISSUER.to_owned()]
    } else {
        vec![configured.to_owned()]
    }
}

/// Configured audiences, or the client id.
fn audiences(p: &ProviderConfig) -> Vec<String> {
    if p.audiences.is_empty() {
        p.client_id.iter().cloned().collect()
    } else {
        p.audiences.clone()
    }
}

/// The `hd` claim must name the configured Google Workspace domain.
struct HostedDomain(String);

impl ClaimCheck for HostedDomain {
    fn check(&self, claims: &Claims) -> Result<(), VerifyError> {
        match claims.get_str("hd") {
            Some(hd) if hd.eq_ignore_ascii_case(&self.0) => Ok(()),
            Some(_) => Err(VerifyError::new(
                VerifyErrorKind::InvalidClaim,
                "hd is not the configured hosted domain",
            )),
            None => Err(VerifyError::new(
                VerifyErrorKind::MissingClaim,
                "hd is required by hosted_domain",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderKind;

    #[test]
    fn jwt_i11_real_google_accepts_both_spellings_and_nothing_else() {
        assert_eq!(
            issuers(GOOGLE_ISSUER),
            vec!["https://accounts.google.com", "accounts.google.com"]
        );
        assert!(!issuers(GOOGLE_ISSUER).contains(&"http://accounts.google.com".to_owned()));
    }

    #[test]
    fn jwt_i11_another_issuer_gets_no_legacy_spelling() {
        assert_eq!(
            issuers("http://127.0.0.1:9/google"),
            vec!["http://127.0.0.1:9/google"]
        );
    }

    #[test]
    fn routes_verify_id_tokens_for_the_client_id() {
        let mut p = ProviderConfig::new("google", ProviderKind::Google);
        p.client_id = Some("123.apps.googleusercontent.com".into());
        p.accept_id_tokens = true;
        let route = Google.routes(&p).remove(0);
        assert_eq!(route.validation.kind, TokenKind::IdToken);
        assert_eq!(
            route.validation.audiences,
            vec!["123.apps.googleusercontent.com"]
        );
        assert_eq!(route.validation.algorithms, vec![Algorithm::RS256]);
    }

    #[test]
    fn jwt_s08_hosted_domain_checks_hd() {
        let check = HostedDomain("example.com".into());
        let claims = |v: serde_json::Value| Claims::new(v.as_object().unwrap().clone());
        assert!(
            check
                .check(&claims(serde_json::json!({"hd": "Example.com"})))
                .is_ok()
        );
        let other = check
            .check(&claims(serde_json::json!({"hd": "evil-example.com"})))
            .unwrap_err();
        assert_eq!(other.kind(), VerifyErrorKind::InvalidClaim);
        let none = check
            .check(&claims(serde_json::json!({"email": "a@example.com"})))
            .unwrap_err();
        assert_eq!(none.kind(), VerifyErrorKind::MissingClaim);
    }
}
