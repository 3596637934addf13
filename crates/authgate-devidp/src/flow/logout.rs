//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the dev IdP keeps no login
//! session, so it only sends the browser back.

use super::Params;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use url::Url;

/// 302 to a valid `post_logout_redirect_uri` (with `state`), else a JSON confirmation.
pub(super) fn end_session(params: &Params) -> Response {
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
