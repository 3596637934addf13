//! What to mint ([`MintRequest`]) and how a request becomes a signed token.

use crate::flavor::Flavor;
use crate::jws;
use crate::shape::{self, Ctx};
use crate::urls::Urls;
use authgate_core::{Algorithm, SigningKey, UnixTime};
use serde_json::{Map, Value};
use std::time::Duration;

/// Which Auth0 access-token profile ("token dialect") to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth0Dialect {
    /// The RFC 9068 profile: header `typ: at+jwt`, `client_id`, `jti`, no `gty`.
    #[default]
    Rfc9068,
    /// The Auth0 profile: header `typ: JWT`, `azp`, `gty: client-credentials` for app-only.
    Auth0,
}

/// Whether to mint an access token or an OpenID Connect ID token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenUse {
    /// An access token for an API (the default). Google tokens are always ID tokens.
    #[default]
    Access,
    /// An ID token: `aud` defaults to the client id; no scopes or roles.
    Id {
        /// The `nonce` of the authentication request, if any.
        nonce: Option<String>,
    },
    /// A back-channel logout token (`typ: logout+jwt`, `events`, no `nonce`) for the user's
    /// `sub` and, when given, the session `sid`; `aud` defaults to the client id.
    Logout {
        /// The session id (`sid`).
        sid: Option<String>,
    },
}

/// What token to mint. Unset fields get realistic defaults for the flavor.
#[derive(Debug, Clone)]
pub struct MintRequest {
    /// The provider shape.
    pub flavor: Flavor,
    /// Audience (defaults to [`Flavor::default_audience`]).
    pub audience: Option<String>,
    /// Subject (defaults to a demo user's, or for app-only tokens the client's).
    pub subject: Option<String>,
    /// Delegated scopes (`scp`/`scope`). Empty means no scope claim. App-only Entra tokens
    /// never carry `scp`.
    pub scopes: Vec<String>,
    /// Roles (`roles`; Auth0 `permissions`; Okta `groups`). Empty means no claim.
    pub roles: Vec<String>,
    /// App-only (client credentials) token.
    pub app_only: bool,
    /// Entra tenant id (defaults to [`crate::DEV_TENANT`]).
    pub tenant: Option<String>,
    /// Lifetime (default 1 hour): `exp = iat + lifetime`, `iat` from the IdP's clock.
    pub lifetime: Duration,
    /// Extra or overriding claims, merged last; a JSON `null` removes the claim.
    pub extra_claims: Map<String, Value>,
    /// Signing algorithm (default RS256). Keys for other algorithms are generated on first use
    /// and published in every flavor's JWKS from then on.
    pub alg: Option<Algorithm>,
    /// Extra or overriding header members, merged last; a JSON `null` removes the member.
    pub extra_header: Map<String, Value>,
    /// The Auth0 token profile (ignored by other flavors).
    pub auth0_dialect: Auth0Dialect,
    /// Access token (default) or ID token.
    pub token_use: TokenUse,
}

impl MintRequest {
    /// Defaults for `flavor`.
    pub fn new(flavor: Flavor) -> Self {
        MintRequest {
            flavor,
            audience: None,
            subject: None,
            scopes: Vec::new(),
            roles: Vec::new(),
            app_only: false,
            tenant: None,
            lifetime: Duration::from_secs(3600),
            extra_claims: Map::new(),
            alg: None,
            extra_header: Map::new(),
            auth0_dialect: Auth0Dialect::default(),
            token_use: TokenUse::Access,
        }
    }

    /// Sets the delegated scopes.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the roles.
    pub fn roles<S: Into<String>>(mut self, roles: impl IntoIterator<Item = S>) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the audience.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Makes it an app-only (client credentials) token.
    pub fn app_only(mut self) -> Self {
        self.app_only = true;
        self
    }

    /// Sets the Entra tenant.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Sets the lifetime.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Sets (or with `null` removes) one claim.
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra_claims.insert(name.into(), value.into());
        self
    }

    /// Sets (or with `null` removes) one header member.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra_header.insert(name.into(), value.into());
        self
    }

    /// Makes it an ID token with this `nonce`.
    pub fn id_token(mut self, nonce: Option<&str>) -> Self {
        self.token_use = TokenUse::Id {
            nonce: nonce.map(str::to_owned),
        };
        self
    }

    /// Makes it a back-channel logout token for session `sid`.
    pub fn logout_token(mut self, sid: Option<&str>) -> Self {
        self.token_use = TokenUse::Logout {
            sid: sid.map(str::to_owned),
        };
        self
    }

    /// Sets the signing algorithm.
    pub fn alg(mut self, alg: Algorithm) -> Self {
        self.alg = Some(alg);
        self
    }
}

/// Builds the header and claims of `req` at `now` and signs them with `key`.
pub(crate) fn sign(urls: &Urls, now: UnixTime, req: &MintRequest, key: &SigningKey) -> String {
    let lifetime = i64::try_from(req.lifetime.as_secs()).unwrap_or(i64::MAX);
    let ctx = Ctx {
        req,
        urls,
        iat: now.0,
        exp: now.0.saturating_add(lifetime),
    };
    let mut shaped = shape::shape(&ctx);
    if req.flavor == Flavor::EntraV1
        && let Some(kid) = key.kid()
    {
        // v1 access tokens also name the key by its thumbprint.
        shaped.header.insert("x5t".into(), kid.into());
    }
    jws::merge(&mut shaped.claims, &req.extra_claims);
    jws::encode(key, &[&shaped.header, &req.extra_header], &shaped.claims)
}
