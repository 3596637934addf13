//! Issued authorization codes and refresh tokens, each usable once.

use crate::flavor::Flavor;
use crate::ids::random_b64url;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long an authorization code may be redeemed.
const CODE_LIFETIME: Duration = Duration::from_secs(300);

/// How long an access token opens the userinfo endpoint.
const USERINFO_LIFETIME: Duration = Duration::from_secs(3600);

/// Who got what: the facts a code or refresh token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    /// The flavor whose tokens are issued.
    pub(crate) flavor: Flavor,
    /// The Entra tenant GUID (ignored by other flavors).
    pub(crate) tenant: String,
    /// The client the grant was issued to.
    pub(crate) client_id: String,
    /// The granted scopes.
    pub(crate) scopes: Vec<String>,
    /// The user's subject (`None`: the demo user).
    pub(crate) subject: Option<String>,
    /// The login session id (`sid` of the ID tokens), shared by its refreshes.
    pub(crate) sid: Option<String>,
    /// Roles of the signed-in user (access token `roles`/`groups`/`permissions`, ID token
    /// `roles`).
    pub(crate) roles: Vec<String>,
    /// Claims merged last into the ID and access tokens (`null` removes one): the demo user's
    /// profile and the login page's custom claims.
    pub(crate) claims: Map<String, Value>,
}

/// An authorization code's grant plus what redeeming it must present.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    /// The grant.
    pub(crate) grant: Grant,
    /// The `redirect_uri` the code was sent to (must be repeated exactly).
    pub(crate) redirect_uri: String,
    /// The PKCE S256 `code_challenge`, if the client sent one.
    pub(crate) challenge: Option<String>,
    /// The `nonce` to put in the ID token.
    pub(crate) nonce: Option<String>,
    expires: Instant,
}

/// Outstanding codes and refresh tokens.
#[derive(Debug, Default)]
pub(crate) struct Grants {
    codes: Mutex<HashMap<String, CodeGrant>>,
    refresh: Mutex<HashMap<String, Grant>>,
    userinfo: Mutex<HashMap<String, UserInfo>>,
}

/// What revoking a refresh token did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Revoked {
    /// It was live and is now spent.
    Yes,
    /// Not a live refresh token (RFC 7009 §2.2: still a success).
    Unknown,
    /// Issued to another client: refused.
    OtherClient,
}

/// What the userinfo endpoint answers for one access token.
#[derive(Debug)]
struct UserInfo {
    flavor: Flavor,
    claims: Value,
    expires: Instant,
}

impl Grants {
    /// Issues a code for `grant`.
    pub(crate) fn issue_code(
        &self,
        grant: Grant,
        redirect_uri: String,
        challenge: Option<String>,
        nonce: Option<String>,
    ) -> String {
        let now = Instant::now();
        let code = random_b64url(32);
        let entry = CodeGrant {
            grant,
            redirect_uri,
            challenge,
            nonce,
            expires: now + CODE_LIFETIME,
        };
        let mut codes = self.codes.lock().unwrap_or_else(PoisonError::into_inner);
        codes.retain(|_, c| c.expires > now);
        codes.insert(code.clone(), entry);
        code
    }

    /// Takes the code's grant out (a second redemption finds nothing); `None` when unknown,
    /// used or expired.
    pub(crate) fn redeem_code(&self, code: &str) -> Option<CodeGrant> {
        let mut codes = self.codes.lock().unwrap_or_else(PoisonError::into_inner);
        codes.remove(code).filter(|c| c.expires > Instant::now())
    }

    /// Issues a refresh token for `grant`.
    pub(crate) fn issue_refresh(&self, grant: Grant) -> String {
        let token = random_b64url(32);
        let mut refresh = self.refresh.lock().unwrap_or_else(PoisonError::into_inner);
        refresh.insert(token.clone(), grant);
        token
    }

    /// Takes the refresh token's grant out (rotation: it cannot be used again).
    pub(crate) fn redeem_refresh(&self, token: &str) -> Option<Grant> {
        self.refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(token)
    }

    /// Forgets a refresh token (RFC 7009); `Some(client_id)` it was issued to, if it was live.
    pub(crate) fn revoke_refresh(&self, token: &str, client_id: &str) -> Revoked {
        let mut refresh = self.refresh.lock().unwrap_or_else(PoisonError::into_inner);
        match refresh.get(token) {
            None => Revoked::Unknown,
            Some(grant) if grant.client_id != client_id => Revoked::OtherClient,
            Some(_) => {
                refresh.remove(token);
                Revoked::Yes
            }
        }
    }

    /// Forgets an access token (its userinfo access); whether it was known.
    pub(crate) fn revoke_access(&self, token: &str) -> bool {
        self.userinfo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(token)
            .is_some()
    }

    /// Lets `access_token` read `claims` at `flavor`'s userinfo endpoint for an hour.
    pub(crate) fn remember_userinfo(&self, access_token: String, flavor: Flavor, claims: Value) {
        let now = Instant::now();
        let mut userinfo = self.userinfo.lock().unwrap_or_else(PoisonError::into_inner);
        userinfo.retain(|_, u| u.expires > now);
        let expires = now + USERINFO_LIFETIME;
        userinfo.insert(
            access_token,
            UserInfo {
                flavor,
                claims,
                expires,
            },
        );
    }

    /// The userinfo claims for `access_token` at `flavor`, if it was issued there and is live.
    pub(crate) fn userinfo(&self, access_token: &str, flavor: Flavor) -> Option<Value> {
        let userinfo = self.userinfo.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = userinfo.get(access_token)?;
        (entry.flavor == flavor && entry.expires > Instant::now()).then(|| entry.claims.clone())
    }
}
