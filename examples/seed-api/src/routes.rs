//! The seed API's handlers.

use crate::app::{AppState, ENTRA_PROVIDER, ENTRA_SCOPE, READ_POLICY};
use authgate::Auth;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// `GET /`: what this API serves and how each route is protected.
pub(crate) async fn home(State(state): State<AppState>) -> Json<Value> {
    let mut links = vec![
        json!({ "href": "/healthz", "auth": "none" }),
        json!({ "href": "/data", "auth": format!("bearer, any provider, policy {READ_POLICY}") }),
        json!({ "href": "/azure-protected-data", "auth": format!("bearer, provider {ENTRA_PROVIDER}, scope {ENTRA_SCOPE}") }),
    ];
    let Some(providers) = &state.sign_in else {
        return Json(json!({
            "name": "seed-api",
            "providers": state.verifier.provider_ids(),
            "links": links,
        }));
    };
    links.push(json!({ "href": "/me", "auth": "session (sign in at /auth/login)" }));
    let login: Vec<Value> = providers
        .iter()
        .map(|p| {
            json!({
                "provider": p.id,
                "name": p.display_name,
                "href": format!("/auth/{}/login?return_to=%2Fme", p.id),
            })
        })
        .collect();
    Json(json!({
        "name": "seed-api",
        "providers": state.verifier.provider_ids(),
        "links": links,
        "login": login,
    }))
}

/// `GET /me`: the signed-in user, behind the session layer.
pub(crate) async fn me(Auth(user): Auth) -> Json<Value> {
    Json(json!({
        "provider": user.provider,
        "subject": user.subject,
        "name": user.name,
        "email": user.email,
        "roles": user.roles,
        "sign_out": "/auth/logout",
    }))
}

/// `GET /healthz`: 200 once every provider's keys are loaded, 503 before.
pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.verifier.is_ready() {
        (StatusCode::OK, Json(json!({ "status": "ok" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": "signing keys not loaded" })),
        )
    }
}

/// `GET /data`: behind the `RequireReadAccess` policy.
pub(crate) async fn data(Auth(caller): Auth) -> Json<Value> {
    Json(json!({
        "data": [
            { "id": 1, "name": "alpha" },
            { "id": 2, "name": "beta" },
        ],
        "caller": { "provider": caller.provider, "subject": caller.subject },
    }))
}

/// `GET /azure-protected-data`: Entra tokens with `access_as_user` only.
pub(crate) async fn azure_protected_data(Auth(caller): Auth) -> Json<Value> {
    Json(json!({
        "name": caller.name,
        "email": caller.email,
        "tenant": caller.tenant,
    }))
}

/// `GET /azure-protected-data` when no `entra` provider is configured.
pub(crate) async fn entra_not_configured() -> (StatusCode, Json<Value>) {
    let message = format!(
        "no provider with id \"{ENTRA_PROVIDER}\" is configured; add an entra [[providers]] entry"
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "error": "not_configured", "message": message })),
    )
}
