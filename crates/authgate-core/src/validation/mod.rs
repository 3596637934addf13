//! Claim validation rules per issuer (RFC 7519 §7.2, RFC 8725, RFC 9068, OIDC Core §3.1.3.7).
//!
//! [`Validation`] says what one issuer's tokens must look like; the step functions below check
//! one rule each and are called in spec order by [`crate::verify_jws`]. Each step is pure: it
//! reads the header and claims, allocates nothing on success and names the failed rule in the
//! error detail (never echoing a claim value, which is attacker-controlled).

mod audience;
mod issuer;

pub use issuer::is_guid;
pub use kind::is_entra_access_token;
mod kind;
mod profile;
#[cfg(test)]
mod tests;
mod time;

pub(crate) use audience::audience;
pub(crate) use issuer::{issuer, key_issuer};
pub(crate) use kind::token_kind;
pub(crate) use profile::{
    authorization_claims, has_control, identifiers, no_confirmation, required_claims,
};
pub(crate) use time::times;

use crate::error::{VerifyError, VerifyErrorKind};
use crate::jose::Algorithm;
use std::time::Duration;

/// The largest leeway [`Validation::leeway`] may grant (security.md §5.2 item 6, JWT-T14).
pub(crate) const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// A rejection with a fixed, value-free detail.
fn reject(kind: VerifyErrorKind, detail: &'static str) -> VerifyError {
    VerifyError::new(kind, detail)
}

/// How `iss` is checked. Always exact string comparison; no URL normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerRule {
    /// `iss` must equal one of these strings exactly.
    Exact(Vec<String>),
    /// Entra multi-tenant: `iss` must equal one of `templates` with `{tenantid}` replaced by the
    /// token's `tid`, which must be a GUID; when `allowed_tenants` is `Some`, `tid` must be on it.
    /// Also applies key-issuer validation (security.md JWT-I10) using [`crate::KeyEntry::issuer`].
    EntraTemplate {
        /// Issuer templates, e.g. `https://login.microsoftonline.com/{tenantid}/v2.0`.
        templates: Vec<String>,
        /// Allowed tenant GUIDs (lowercase); `None` means any tenant (an explicit opt-in).
        allowed_tenants: Option<Vec<String>>,
    },
}

/// What kind of token the verifier expects (security.md §1.H).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// An OAuth access token. `require_at_jwt` demands RFC 9068 `typ: at+jwt`; otherwise `typ`
    /// may be absent, `JWT` or `at+jwt`. Tokens with `nonce` (ID tokens), `typ` other than
    /// those (e.g. `logout+jwt`, `secevent+jwt`) are rejected. `require_entra_shape` is the
    /// Entra rule that tells access tokens from ID tokens (security.md JWT-K01).
    AccessToken {
        /// Demand `typ: at+jwt` (RFC 9068 issuers).
        require_at_jwt: bool,
        /// Demand the shape of an Entra access token: `scp` (delegated), or the app-only shape,
        /// `idtyp: "app"` or `sub == oid`, with or without `roles`. An Entra ID token has no
        /// `scp`, may carry `roles` and has a pairwise `sub` that is never its `oid`.
        require_entra_shape: bool,
    },
    /// An OIDC ID token used as a bearer (Google, when configured): `aud` must be a configured
    /// client id, `azp` (if present) must equal it, `iat` is required.
    IdToken,
}

/// Everything [`crate::verify_jws`] needs to know about one configured issuer.
#[derive(Debug, Clone)]
pub struct Validation {
    /// Algorithms this issuer may use (RFC 8725 §3.1).
    pub algorithms: Vec<Algorithm>,
    /// How `iss` is matched.
    pub issuer: IssuerRule,
    /// Accepted `aud` values (exact). Must not be empty.
    pub audiences: Vec<String>,
    /// Leeway for `exp`, `nbf` and `iat`. Defaults to 60 seconds; larger values are treated as
    /// the cap, 5 minutes (security.md JWT-T14).
    pub leeway: Duration,
    /// Tokens whose `exp` is further than this from now are rejected. Defaults to 24 hours.
    pub max_lifetime: Duration,
    /// The kind of token expected.
    pub kind: TokenKind,
    /// Claims that must be present besides `iss`, `aud`, `exp` (always required).
    pub required_claims: Vec<String>,
    /// ID tokens: client ids accepted as `azp` besides `audiences` (OIDC Core §3.1.3.7 #4–5:
    /// the authorized presenter may differ from the audience, as Google's Android or iOS
    /// client of a web backend does). `aud` must still name a configured audience. Empty by
    /// default.
    pub authorized_parties: Vec<String>,
}

impl Validation {
    /// Defaults for an access-token issuer: asymmetric algorithms, leeway 60 s, max lifetime
    /// 24 h, `sub` required.
    pub fn access_token(issuer: IssuerRule, audiences: Vec<String>) -> Self {
        Validation {
            algorithms: Algorithm::ASYMMETRIC.to_vec(),
            issuer,
            audiences,
            leeway: Duration::from_secs(60),
            max_lifetime: Duration::from_secs(24 * 3600),
            kind: TokenKind::AccessToken {
                require_at_jwt: false,
                require_entra_shape: false,
            },
            required_claims: vec!["sub".to_owned()],
            authorized_parties: Vec::new(),
        }
    }

    /// Defaults for an issuer whose OIDC ID tokens are accepted as bearer tokens (Google):
    /// like [`Validation::access_token`], with `audiences` being the accepted client ids and
    /// [`TokenKind::IdToken`] rules (`iat` required, `azp` checked, no untrusted audience).
    pub fn id_token(issuer: IssuerRule, client_ids: Vec<String>) -> Self {
        Validation {
            kind: TokenKind::IdToken,
            ..Self::access_token(issuer, client_ids)
        }
    }
}
