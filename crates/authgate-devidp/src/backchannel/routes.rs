//! `POST /_dev/clients` (register a back-channel logout URI) and `POST /_dev/logout` (end
//! sessions by `sid` or `sub` and deliver logout tokens), for curl users and other languages'
//! tests.

use super::{BackchannelDelivery, LogoutTarget, logout};
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// The `/_dev` back-channel routes.
pub(crate) fn routes() -> Router<DevIdp> {
    Router::new()
        .route("/_dev/clients", post(register))
        .route("/_dev/logout", post(end_sessions))
}

/// `{"client_id": .., "backchannel_logout_uri": .., "flavor": "oidc"}` (`flavor` optional:
/// found from the client id, else `oidc`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Registration {
    client_id: String,
    backchannel_logout_uri: String,
    flavor: Option<String>,
}

/// `{"sid": ..}` or `{"sub": ..}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoutRequest {
    sid: Option<String>,
    sub: Option<String>,
}

async fn register(State(idp): State<DevIdp>, body: axum::body::Bytes) -> Response {
    let reg: Registration = match serde_json::from_slice(&body) {
        Ok(reg) => reg,
        Err(e) => return bad_request(&format!("invalid registration: {e}")),
    };
    let flavor = match reg.flavor.as_deref().map(str::parse::<Flavor>).transpose() {
        Ok(flavor) => flavor,
        Err(e) => return bad_request(&e.to_string()),
    };
    match idp.register_backchannel_logout_for(&reg.client_id, &reg.backchannel_logout_uri, flavor) {
        Ok(()) => (StatusCode::CREATED, Json(json!({ "registered": true }))).into_response(),
        Err(why) => bad_request(why),
    }
}

async fn end_sessions(State(idp): State<DevIdp>, body: axum::body::Bytes) -> Response {
    let target = match serde_json::from_slice::<LogoutRequest>(&body) {
        Ok(LogoutRequest {
            sid: Some(sid),
            sub: None,
        }) => LogoutTarget::Sid(sid),
        Ok(LogoutRequest {
            sid: None,
            sub: Some(sub),
        }) => LogoutTarget::Subject(sub),
        Ok(_) => return bad_request("send exactly one of sid and sub"),
        Err(e) => return bad_request(&format!("invalid logout request: {e}")),
    };
    let deliveries = logout(&idp, &target).await;
    let list: Vec<_> = deliveries.iter().map(summary).collect();
    Json(json!({ "deliveries": list })).into_response()
}

fn summary(d: &BackchannelDelivery) -> serde_json::Value {
    json!({ "client_id": d.client_id, "uri": d.uri, "status": d.status })
}

fn bad_request(why: &str) -> Response {
    let body = json!({ "error": "invalid_request", "error_description": why });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
