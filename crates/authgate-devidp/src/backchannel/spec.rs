//! [`LogoutTokenSpec`]: what [`crate::DevIdp::mint_logout_token`] mints, member by member, so
//! negative tests can drop or corrupt any of them.

use crate::flavor::Flavor;
use crate::mint::MintRequest;
use authgate_core::Algorithm;
use serde_json::{Map, Value};
use std::time::Duration;

/// How long logout tokens live unless a spec says otherwise (`exp = iat + 2 min`).
const LOGOUT_TOKEN_LIFETIME: Duration = Duration::from_secs(120);

/// A back-channel logout token to mint (Back-Channel Logout 1.0 §2.4): header
/// `typ: logout+jwt`; `iss`, `aud` (the flavor's client id), `iat`, `exp`, a fresh `jti`,
/// `events` with the back-channel logout member, `sub` (the demo user's) and `sid` when set;
/// never `nonce`. Every member can be replaced or (with `null`) removed.
///
/// ```
/// use authgate_devidp::{LogoutTokenSpec, Flavor};
/// let spec = LogoutTokenSpec::new()
///     .sid("session-1")
///     .claim("nonce", "must-not-be-here")
///     .without("jti")
///     .header("typ", "JWT");
/// # let _ = (spec, Flavor::Oidc);
/// ```
#[derive(Debug, Clone)]
pub struct LogoutTokenSpec {
    /// `aud` (defaults to the flavor's client id).
    pub audience: Option<String>,
    /// `sub` (defaults to the demo user's subject; remove it with `without("sub")`).
    pub subject: Option<String>,
    /// `sid`, when set.
    pub sid: Option<String>,
    /// The Entra tenant of the issuer (defaults to the dev tenant).
    pub tenant: Option<String>,
    /// Claims merged last; `null` removes one.
    pub claims: Map<String, Value>,
    /// Header members merged last; `null` removes one.
    pub header: Map<String, Value>,
    /// Signing algorithm (default RS256).
    pub alg: Option<Algorithm>,
    /// `exp - iat` (default 2 minutes).
    pub lifetime: Duration,
}

impl Default for LogoutTokenSpec {
    fn default() -> Self {
        LogoutTokenSpec {
            audience: None,
            subject: None,
            sid: None,
            tenant: None,
            claims: Map::new(),
            header: Map::new(),
            alg: None,
            lifetime: LOGOUT_TOKEN_LIFETIME,
        }
    }
}

impl LogoutTokenSpec {
    /// A well-formed logout token for the demo user, without `sid`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `sid`.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Sets `sub`.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets `aud`.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sets the Entra tenant.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Sets (or with `null` removes) one claim: `"events"` to `[]`, `"nonce"` to a string...
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// Removes one claim (`iss`, `aud`, `iat`, `exp`, `jti`, `events`, `sub`, `sid`).
    pub fn without(self, name: impl Into<String>) -> Self {
        self.claim(name, Value::Null)
    }

    /// Sets (or with `null` removes) one header member (`typ`, `kid`, `alg`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.header.insert(name.into(), value.into());
        self
    }

    /// Sets the signing algorithm.
    pub fn alg(mut self, alg: Algorithm) -> Self {
        self.alg = Some(alg);
        self
    }

    /// Sets `exp - iat`.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The mint request of this spec at `flavor`.
    pub(crate) fn request(&self, flavor: Flavor) -> MintRequest {
        let mut req = MintRequest::new(flavor).logout_token(self.sid.as_deref());
        req.audience.clone_from(&self.audience);
        req.subject.clone_from(&self.subject);
        req.tenant.clone_from(&self.tenant);
        req.lifetime = self.lifetime;
        req.alg = self.alg;
        req.extra_claims.clone_from(&self.claims);
        req.extra_header.clone_from(&self.header);
        req
    }
}
