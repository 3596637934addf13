//! `GET /` (what this IdP serves) and `POST /_dev/mint` (a token in one curl command).
//!
//! ```text
//! curl -s -X POST http://127.0.0.1:9999/_dev/mint -H 'content-type: application/json' \
//!      -d '{"flavor":"entra-v2","scopes":"access_as_user"}'
//! ```

use crate::demo;
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use crate::mint::{Auth0Dialect, MintRequest, TokenUse};
use authgate_core::Algorithm;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The longest lifetime the mint endpoint grants (7 days).
const MAX_LIFETIME_SECS: u64 = 7 * 24 * 3600;

/// The JSON body of `POST /_dev/mint`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MintBody {
    flavor: String,
    audience: Option<String>,
    subject: Option<String>,
    scopes: Option<ScopeList>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    app_only: bool,
    tenant: Option<String>,
    lifetime_secs: Option<u64>,
    #[serde(default)]
    claims: Map<String, Value>,
    alg: Option<String>,
    /// `"auth0"` for the Auth0 token profile; RFC 9068 otherwise.
    dialect: Option<String>,
    /// Mint an ID token (answered as `id_token`) instead of an access token.
    #[serde(default)]
    id_token: bool,
    /// The ID token's `nonce`.
    nonce: Option<String>,
}

/// Scopes as a JSON array or a space-separated string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ScopeList {
    Many(Vec<String>),
    Joined(String),
}

impl ScopeList {
    fn into_vec(self) -> Vec<String> {
        match self {
            ScopeList::Many(v) => v,
            ScopeList::Joined(s) => s.split_whitespace().map(str::to_owned).collect(),
        }
    }
}

/// `POST /_dev/mint`: `{"access_token", "token_type", "expires_in"}`, `Cache-Control: no-store`.
pub(crate) async fn mint(
    State(idp): State<DevIdp>,
    body: Result<Json<MintBody>, JsonRejection>,
) -> Response {
    let req = match body
        .map_err(|e| e.body_text())
        .and_then(|Json(b)| request(b))
    {
        Ok(req) => req,
        Err(why) => return invalid_request(&why),
    };
    let token = idp.mint(&req);
    let name = match req.token_use {
        TokenUse::Access => "access_token",
        TokenUse::Id { .. } => "id_token",
        TokenUse::Logout { .. } => "logout_token",
    };
    let body = json!({
        name: token,
        "token_type": "Bearer",
        "expires_in": req.lifetime.as_secs(),
    });
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// Turns the body into a [`MintRequest`], or says what is wrong with it.
fn request(body: MintBody) -> Result<MintRequest, String> {
    let flavor: Flavor = body.flavor.parse().map_err(|e| format!("{e}"))?;
    let mut req = MintRequest::new(flavor);
    req.audience = body.audience;
    req.subject = body.subject;
    req.scopes = body.scopes.map(ScopeList::into_vec).unwrap_or_default();
    req.roles = body.roles;
    req.app_only = body.app_only;
    req.tenant = body.tenant;
    req.extra_claims = body.claims;
    if let Some(secs) = body.lifetime_secs {
        if secs == 0 || secs > MAX_LIFETIME_SECS {
            return Err(format!(
                "lifetime_secs must be between 1 and {MAX_LIFETIME_SECS}"
            ));
        }
        req.lifetime = Duration::from_secs(secs);
    }
    if let Some(alg) = body.alg {
        let alg: Algorithm = alg.parse().map_err(|_| "unsupported alg".to_owned())?;
        if alg.is_hmac() {
            return Err("alg must be asymmetric".to_owned());
        }
        req.alg = Some(alg);
    }
    if body.id_token {
        req.token_use = TokenUse::Id { nonce: body.nonce };
    } else if body.nonce.is_some() {
        return Err("nonce is only for id_token".to_owned());
    }
    req.auth0_dialect = match body.dialect.as_deref() {
        None | Some("rfc9068") => Auth0Dialect::Rfc9068,
        Some("auth0") => Auth0Dialect::Auth0,
        Some(_) => return Err("dialect must be rfc9068 or auth0".to_owned()),
    };
    Ok(req)
}

fn invalid_request(why: &str) -> Response {
    let body = json!({ "error": "invalid_request", "error_description": why });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// `GET /`: every flavor with its issuer, discovery and JWKS URLs and demo identifiers.
pub(crate) async fn index(State(idp): State<DevIdp>) -> Json<Value> {
    let flavors: Vec<Value> = Flavor::ALL.into_iter().map(|f| describe(&idp, f)).collect();
    Json(json!({
        "base_url": idp.base_url(),
        "mint_endpoint": format!("{}/_dev/mint", idp.base_url()),
        "entra_instance": idp.entra_instance(),
        "dev_tenant": demo::DEV_TENANT,
        "second_tenant": demo::SECOND_TENANT,
        "flavors": flavors,
        "github": {
            "authorization_endpoint": idp.github_authorize_url(),
            "token_endpoint": idp.github_token_url(),
            "user_api": idp.github_user_api_url(),
        },
        "register_backchannel_logout": format!("{}/_dev/clients", idp.base_url()),
        "logout_endpoint": format!("{}/_dev/logout", idp.base_url()),
        "interactive": idp.is_interactive(),
    }))
}

fn describe(idp: &DevIdp, flavor: Flavor) -> Value {
    json!({
        "flavor": flavor.name(),
        "issuer": idp.issuer(flavor),
        "discovery": idp.discovery_url(flavor),
        "oauth_authorization_server": idp.oauth_metadata_url(flavor),
        "jwks_uri": idp.jwks_url(flavor),
        "audience": flavor.default_audience(),
        "client_id": flavor.client_id(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: Value) -> MintBody {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn scopes_may_be_a_string_or_a_list() {
        let a = request(body(json!({"flavor": "okta", "scopes": "a b"}))).unwrap();
        let b = request(body(json!({"flavor": "okta", "scopes": ["a", "b"]}))).unwrap();
        assert_eq!(a.scopes, b.scopes);
        assert_eq!(a.scopes, vec!["a", "b"]);
    }

    #[test]
    fn bad_bodies_are_refused() {
        assert!(request(body(json!({"flavor": "nope"}))).is_err());
        assert!(request(body(json!({"flavor": "oidc", "alg": "HS256"}))).is_err());
        assert!(request(body(json!({"flavor": "oidc", "alg": "none"}))).is_err());
        assert!(request(body(json!({"flavor": "oidc", "lifetime_secs": 0}))).is_err());
        assert!(serde_json::from_value::<MintBody>(json!({"flavor": "oidc", "extra": 1})).is_err());
    }
}
