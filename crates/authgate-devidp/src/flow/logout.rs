//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the login session the
//! `id_token_hint` names (its `sid`, else every session of its `sub`), delivers back-channel
//! logout tokens to the registered clients, then sends the browser back.

use super::Params;
use crate::backchannel::{self, LogoutTarget};
use crate::faults::Endpoint;
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use crate::jwks;
use authgate_core::{Jws, KeySet};
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use url::Url;

/// Ends the hinted session, then 302 to a valid `post_logout_redirect_uri` (with `state`), else
/// a JSON confirmation.
pub(super) async fn end_session(idp: &DevIdp, flavor: Flavor, params: &Params) -> Response {
    idp.inner().hits.record(flavor, Endpoint::EndSession);
    let hint = params.get("id_token_hint").map(String::as_str);
    if let Some(target) = hint.and_then(|h| hinted_session(idp, flavor, h)) {
        backchannel::logout(idp, &target).await;
    }
    let target = params
        .get("post_logout_redirect_uri")
        .and_then(|u| Url::parse(u).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none());
    let Some(mut target) = target else {
        return (StatusCode::OK, Json(json!({ "signed_out": true }))).into_response();
    };
    if let Some(state) = params.get("state") {
        target.query_pairs_mut().append_pair("state", state);
    }
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

/// The session an ID token this IdP signed names: its `sid`, else its `sub`. Hints whose
/// signature no published key verifies are ignored.
fn hinted_session(idp: &DevIdp, flavor: Flavor, hint: &str) -> Option<LogoutTarget> {
    let jws = Jws::parse(hint).ok()?;
    let inner = idp.inner();
    let doc = jwks::document(&inner.keys.published(), flavor, None, &inner.urls);
    let keys = KeySet::from_jwks_json(doc.to_string().as_bytes()).ok()?;
    let header = jws.header();
    let verified = keys.candidates(header).ok()?.iter().any(|k| {
        k.key
            .verify(header.alg, jws.signing_input().as_bytes(), jws.signature())
            .is_ok()
    });
    if !verified {
        return None;
    }
    let claims = jws.claims();
    let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    text("sid")
        .map(LogoutTarget::Sid)
        .or_else(|| text("sub").map(LogoutTarget::Subject))
}
