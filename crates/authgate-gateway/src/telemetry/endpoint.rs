//! The `/metrics` endpoint.

use crate::app::{Gateway, SharedGateway};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

/// The Prometheus text exposition content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics` for `gw`: the Prometheus text with the JWKS series of its verifier, or 404
/// when `[telemetry] metrics = false`.
pub fn metrics_response(gw: &Gateway) -> Response {
    if !gw.config.telemetry.metrics {
        return StatusCode::NOT_FOUND.into_response();
    }
    let text = super::render_metrics_with(&gw.verifier);
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}

/// The axum handler for `GET /metrics` on a router whose state is the [`SharedGateway`].
pub async fn metrics_endpoint(State(state): State<SharedGateway>) -> Response {
    metrics_response(&state.load())
}
