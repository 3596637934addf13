//! What a successful token request returns: access token, ID token, refresh token.

use super::grants::Grant;
use crate::faults::Fault;
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use crate::ids::random_b64url;
use crate::mint::MintRequest;
use authgate_core::Jws;
use serde_json::{Map, Value};

/// Lifetime of issued access and ID tokens.
pub(super) const TOKEN_LIFETIME_SECS: u64 = 3600;

/// OpenID Connect scopes: they ask for an ID token or a refresh token, not API access.
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// The ID token claims the userinfo endpoint repeats (OIDC Core §5.3.2: the same `sub`).
const USERINFO_CLAIMS: [&str; 7] = [
    "sub",
    "name",
    "given_name",
    "family_name",
    "email",
    "email_verified",
    "preferred_username",
];

/// The tokens of a grant: an access token (opaque for Google), an ID token when `openid` was
/// granted, a refresh token when `offline_access` was. `fault` may alter the ID token
/// ([`Fault::id_token_override`]).
pub(super) fn issue(idp: &DevIdp, grant: &Grant, nonce: Option<&str>, fault: &Fault) -> Value {
    let has = |scope: &str| grant.scopes.iter().any(|s| s == scope);
    let access = access_token(idp, grant);
    let mut body = Map::new();
    body.insert("access_token".into(), access.clone().into());
    body.insert("token_type".into(), "Bearer".into());
    body.insert("expires_in".into(), TOKEN_LIFETIME_SECS.into());
    body.insert("scope".into(), grant.scopes.join(" ").into());
    let grants = &idp.inner().grants;
    if has("openid") {
        let id_token = idp.mint(&id_token_request(grant, nonce, fault));
        grants.remember_userinfo(access, grant.flavor, userinfo_claims(&id_token));
        body.insert("id_token".into(), id_token.into());
    }
    if has("offline_access") {
        body.insert(
            "refresh_token".into(),
            grants.issue_refresh(grant.clone()).into(),
        );
    }
    Value::Object(body)
}

/// The userinfo answer: [`USERINFO_CLAIMS`] of the ID token.
fn userinfo_claims(id_token: &str) -> Value {
    let Ok(jws) = Jws::parse(id_token) else {
        return Value::Object(Map::new());
    };
    let claims = jws.claims();
    let picked = USERINFO_CLAIMS
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), claims.get(name)?.clone())))
        .collect();
    Value::Object(picked)
}

/// The ID token: the user's, for the client, in this login session, maybe faulted.
fn id_token_request(grant: &Grant, nonce: Option<&str>, fault: &Fault) -> MintRequest {
    let mut req = user_request(grant)
        .id_token(nonce)
        .audience(grant.client_id.as_str());
    if grant.flavor != Flavor::Google {
        if let Some(sid) = &grant.sid {
            req = req.claim("sid", sid.as_str());
        }
        if !grant.roles.is_empty() {
            req = req.claim("roles", grant.roles.clone());
        }
    }
    // Inserted as is: a `null` then removes the claim from the token.
    req.extra_claims.extend(grant.claims.clone());
    if let Some((name, value)) = fault.id_token_override() {
        req.extra_claims.insert(name, value);
    }
    req
}

fn access_token(idp: &DevIdp, grant: &Grant) -> String {
    if grant.flavor == Flavor::Google {
        // Google access tokens are opaque.
        return format!("ya29.{}", random_b64url(48));
    }
    // Entra leaves the OpenID Connect scopes out of `scp`; the others keep them.
    let entra = grant.flavor.is_entra();
    let api_scopes = grant
        .scopes
        .iter()
        .filter(|s| !entra || !OIDC_SCOPES.contains(&s.as_str()));
    let mut req = user_request(grant)
        .scopes(api_scopes.cloned().collect::<Vec<_>>())
        .roles(grant.roles.clone())
        .claim(client_claim(grant.flavor), grant.client_id.as_str());
    // Inserted as is: a `null` then removes the claim from the token.
    req.extra_claims.extend(grant.claims.clone());
    idp.mint(&req)
}

fn user_request(grant: &Grant) -> MintRequest {
    let mut req = MintRequest::new(grant.flavor);
    req.tenant = Some(grant.tenant.clone());
    req.subject = grant.subject.clone();
    req
}

/// The claim that names the client in `flavor`'s access tokens.
pub(super) fn client_claim(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::EntraV1 => "appid",
        Flavor::EntraV2 | Flavor::Google => "azp",
        Flavor::Okta => "cid",
        Flavor::Auth0 | Flavor::Oidc => "client_id",
    }
}
