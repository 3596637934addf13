//! A minimal authorization server for login tests: the authorization code flow with PKCE
//! (auto-approved as the demo user, or the `login_hint`), refresh tokens with rotation, and
//! client credentials, at each flavor's `authorization_endpoint` and `token_endpoint`.

mod authorize;
mod grants;
mod token;

pub(crate) use grants::Grants;

use crate::entra::Tenant;
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use crate::{demo, routes};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Form, Router};
use std::collections::HashMap;

/// Query or form parameters.
type Params = HashMap<String, String>;

/// The authorize and token routes of every flavor.
pub(crate) fn routes() -> Router<DevIdp> {
    use Flavor::{Auth0, EntraV1, EntraV2, Google, Oidc, Okta};
    Router::new()
        .route("/entra/{tenant}/oauth2/v2.0/authorize", entra_authorize(EntraV2))
        .route("/entra/{tenant}/oauth2/authorize", entra_authorize(EntraV1))
        .route("/entra/{tenant}/oauth2/v2.0/token", entra_token(EntraV2))
        .route("/entra/{tenant}/oauth2/token", entra_token(EntraV1))
        .route("/google/o/oauth2/v2/auth", authorize(Google))
        .route("/google/token", token(Google))
        .route("/okta/oauth2/default/v1/authorize", authorize(Okta))
        .route("/okta/oauth2/default/v1/token", token(Okta))
        .route("/auth0/authorize", authorize(Auth0))
        .route("/auth0/oauth/token", token(Auth0))
        .route("/oidc/authorize", authorize(Oidc))
        .route("/oidc/token", token(Oidc))
}

fn authorize(flavor: Flavor) -> MethodRouter<DevIdp> {
    get(move |State(idp): State<DevIdp>, Query(params): Query<Params>| async move {
        authorize::authorize(&idp, flavor, demo::DEV_TENANT, &params)
    })
}

fn token(flavor: Flavor) -> MethodRouter<DevIdp> {
    post(
        move |State(idp): State<DevIdp>, headers: HeaderMap, Form(form): Form<Params>| async move {
            token::token(&idp, flavor, demo::DEV_TENANT, &headers, &form).await
        },
    )
}

fn entra_authorize(flavor: Flavor) -> MethodRouter<DevIdp> {
    get(
        move |State(idp): State<DevIdp>, Path(segment): Path<String>, Query(params): Query<Params>| async move {
            match home_tenant(&segment, flavor) {
                Ok(tid) => authorize::authorize(&idp, flavor, &tid, &params),
                Err(refusal) => refusal,
            }
        },
    )
}

fn entra_token(flavor: Flavor) -> MethodRouter<DevIdp> {
    post(
        move |State(idp): State<DevIdp>,
              Path(segment): Path<String>,
              headers: HeaderMap,
              Form(form): Form<Params>| async move {
            match home_tenant(&segment, flavor) {
                Ok(tid) => token::token(&idp, flavor, &tid, &headers, &form).await,
                Err(refusal) => refusal,
            }
        },
    )
}

/// The tenant whose tokens a flow at `segment` issues: the named tenant, or for
/// `common`/`organizations` the demo user's home tenant.
fn home_tenant(segment: &str, flavor: Flavor) -> Result<String, Response> {
    match Tenant::resolve(segment, flavor) {
        Some(Tenant::Guid(guid)) => Ok(guid),
        Some(Tenant::Template(_)) => Ok(demo::DEV_TENANT.to_owned()),
        None => Err(routes::unknown_tenant(segment).into_response()),
    }
}
