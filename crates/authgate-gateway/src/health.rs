//! Health probes: `/healthz` (the process serves requests) and `/readyz` (every provider's
//! keys are loaded, so tokens can be verified).

use crate::app::{Gateway, SharedGateway};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

/// `GET /healthz`: always 200 `{"status":"ok"}` while the process serves requests.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz` for `gw`: 200 `{"status":"ready"}` once every provider's key set is usable,
/// else 503 `{"status":"not_ready","waiting_for":[provider ids]}`. Fetch errors are not
/// shown (they may name internal hosts); they are in the logs and in `/metrics`.
pub fn readiness(gw: &Gateway) -> Response {
    let mut waiting: Vec<String> = gw
        .verifier
        .key_status()
        .into_iter()
        .filter(|s| !s.ready)
        .map(|s| s.provider)
        .collect();
    waiting.dedup();
    if waiting.is_empty() {
        return Json(json!({ "status": "ready" })).into_response();
    }
    let body = json!({ "status": "not_ready", "waiting_for": waiting });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// The axum handler for `GET /readyz` on a router whose state is the [`SharedGateway`].
pub async fn readyz(State(state): State<SharedGateway>) -> Response {
    readiness(&state.load())
}
