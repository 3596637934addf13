//! The token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §6; RFC 7636 §4.6): authorization code
//! with PKCE, refresh token (rotated), client credentials.

use super::Params;
use super::grants::CodeGrant;
use super::issue::{TOKEN_LIFETIME_SECS, client_claim, issue};
use crate::demo::DEV_CLIENT_SECRET;
use crate::faults::{self, Endpoint, Fault, Outcome};
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use crate::mint::MintRequest;
use aws_lc_rs::digest;
use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// A token endpoint error (RFC 6749 §5.2).
pub(super) enum TokenError {
    InvalidRequest(&'static str),
    InvalidClient,
    InvalidGrant(&'static str),
    UnsupportedGrantType,
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let (status, error, description) = match self {
            TokenError::InvalidRequest(why) => (StatusCode::BAD_REQUEST, "invalid_request", why),
            TokenError::InvalidClient => (
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            ),
            TokenError::InvalidGrant(why) => (StatusCode::BAD_REQUEST, "invalid_grant", why),
            TokenError::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type is not supported here",
            ),
        };
        let body = Json(json!({ "error": error, "error_description": description }));
        let mut response = (status, no_store(), body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            let challenge = header::HeaderValue::from_static("Basic realm=\"authgate-devidp\"");
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// An authenticated (or public) client.
pub(super) struct Client {
    /// The client id.
    pub(super) id: String,
    /// Whether it proved the client secret.
    pub(super) confidential: bool,
}

/// Handles one token request (counted, and subject to [`Endpoint::Token`] faults).
pub(super) async fn token(
    idp: &DevIdp,
    flavor: Flavor,
    tenant: &str,
    headers: &HeaderMap,
    form: &Params,
) -> Response {
    let inner = idp.inner();
    inner.hits.record(flavor, Endpoint::Token);
    let grant_type = form.get("grant_type").map_or("", String::as_str);
    inner.hits.record_grant(flavor, grant_type);
    let fault = inner.faults.effective(flavor, Endpoint::Token);
    if let Outcome::Replace(response) = faults::act(fault.clone(), inner.shutdown_signal()).await {
        return response;
    }
    match grant(idp, flavor, tenant, headers, form, &fault) {
        Ok(body) => (no_store(), Json(body)).into_response(),
        Err(error) => error.into_response(),
    }
}

fn grant(
    idp: &DevIdp,
    flavor: Flavor,
    tenant: &str,
    headers: &HeaderMap,
    form: &Params,
    fault: &Fault,
) -> Result<Value, TokenError> {
    let client = authenticate(headers, form)?;
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => authorization_code(idp, &client, form, fault),
        Some("refresh_token") => refresh_token(idp, &client, form, fault),
        Some("client_credentials") if flavor != Flavor::Google => {
            client_credentials(idp, flavor, tenant, &client, form)
        }
        _ => Err(TokenError::UnsupportedGrantType),
    }
}

/// RFC 6749 §2.3.1: HTTP Basic or `client_id`/`client_secret` in the body, never both. Every
/// client shares the secret [`DEV_CLIENT_SECRET`]; a client sending none is public.
pub(super) fn authenticate(headers: &HeaderMap, form: &Params) -> Result<Client, TokenError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .map(basic_credentials)
        .transpose()?;
    let (id, secret) = match (basic, form.get("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(TokenError::InvalidRequest(
                "more than one client authentication method",
            ));
        }
        (Some((id, secret)), None) => (id, Some(secret)),
        (None, secret) => (
            form.get("client_id").cloned().unwrap_or_default(),
            secret.cloned(),
        ),
    };
    if id.is_empty() || secret.as_deref().is_some_and(|s| s != DEV_CLIENT_SECRET) {
        return Err(TokenError::InvalidClient);
    }
    Ok(Client {
        id,
        confidential: secret.is_some(),
    })
}

fn basic_credentials(value: &header::HeaderValue) -> Result<(String, String), TokenError> {
    let encoded = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or(TokenError::InvalidClient)?;
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| TokenError::InvalidClient)?;
    let text = String::from_utf8(decoded).map_err(|_| TokenError::InvalidClient)?;
    let (id, secret) = text.split_once(':').ok_or(TokenError::InvalidClient)?;
    Ok((id.to_owned(), secret.to_owned()))
}

/// RFC 6749 §4.1.3 and RFC 7636 §4.6.
fn authorization_code(
    idp: &DevIdp,
    client: &Client,
    form: &Params,
    fault: &Fault,
) -> Result<Value, TokenError> {
    let code = form
        .get("code")
        .ok_or(TokenError::InvalidRequest("code is required"))?;
    let issued = idp
        .inner()
        .grants
        .redeem_code(code)
        .ok_or(TokenError::InvalidGrant("unknown, used or expired code"))?;
    if issued.grant.client_id != client.id {
        return Err(TokenError::InvalidGrant(
            "code was issued to another client",
        ));
    }
    if form.get("redirect_uri") != Some(&issued.redirect_uri) {
        return Err(TokenError::InvalidGrant("redirect_uri does not match"));
    }
    check_pkce(&issued, form.get("code_verifier"))?;
    if issued.challenge.is_none() && !client.confidential {
        // A public client must use PKCE (RFC 9700 §2.1.1).
        return Err(TokenError::InvalidClient);
    }
    Ok(issue(idp, &issued.grant, issued.nonce.as_deref(), fault))
}

/// The verifier must hash to the challenge; a verifier without a challenge is a downgrade.
fn check_pkce(issued: &CodeGrant, verifier: Option<&String>) -> Result<(), TokenError> {
    match (&issued.challenge, verifier) {
        (None, None) => Ok(()),
        (Some(challenge), Some(verifier)) if s256(verifier) == *challenge => Ok(()),
        _ => Err(TokenError::InvalidGrant("PKCE verification failed")),
    }
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// RFC 6749 §6 with rotation: the presented refresh token is spent.
fn refresh_token(
    idp: &DevIdp,
    client: &Client,
    form: &Params,
    fault: &Fault,
) -> Result<Value, TokenError> {
    let token = form
        .get("refresh_token")
        .ok_or(TokenError::InvalidRequest("refresh_token is required"))?;
    let grant = idp
        .inner()
        .grants
        .redeem_refresh(token)
        .ok_or(TokenError::InvalidGrant("unknown or used refresh token"))?;
    if grant.client_id != client.id {
        return Err(TokenError::InvalidGrant(
            "refresh token was issued to another client",
        ));
    }
    Ok(issue(idp, &grant, None, fault))
}

/// RFC 6749 §4.4: confidential clients only; an app-only access token.
fn client_credentials(
    idp: &DevIdp,
    flavor: Flavor,
    tenant: &str,
    client: &Client,
    form: &Params,
) -> Result<Value, TokenError> {
    if !client.confidential {
        return Err(TokenError::InvalidClient);
    }
    let scopes: Vec<String> = form
        .get("scope")
        .map_or("", String::as_str)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let req = MintRequest {
        tenant: Some(tenant.to_owned()),
        ..MintRequest::new(flavor)
    }
    .app_only()
    .scopes(scopes.clone());
    let req = req.claim(client_claim(flavor), client.id.as_str());
    Ok(json!({
        "access_token": idp.mint(&req),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
        "scope": scopes.join(" "),
    }))
}

pub(super) fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ]
}
