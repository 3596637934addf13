//! A minimal authorization server for login tests: the authorization code flow with PKCE
//! (auto-approved as the demo user, or the `login_hint`; a login page with `prompt=login` or
//! in interactive mode), refresh tokens with rotation, client credentials, revocation and
//! end-session, at each flavor's endpoints.

mod authorize;
mod grants;
mod issue;
mod login_page;
mod logout;
mod revoke;
mod token;
mod userinfo;

pub(crate) use grants::{Grant, Grants};

use crate::entra::Tenant;
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use crate::{demo, routes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::routing::{MethodRouter, get, post};
use axum::{Form, Router};
use std::collections::HashMap;

/// Query or form parameters.
type Params = HashMap<String, String>;

/// The authorize and token routes of every flavor.
pub(crate) fn routes() -> Router<DevIdp> {
    use Flavor::{Auth0, EntraV1, EntraV2, Google, Oidc, Okta};
    Router::new()
        .route(
            "/entra/{tenant}/oauth2/v2.0/authorize",
            entra_authorize(EntraV2),
        )
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
        .route("/entra/graph/oidc/userinfo", user_info(EntraV2))
        .route("/entra/{tenant}/openid/userinfo", user_info(EntraV1))
        .route("/google/v1/userinfo", user_info(Google))
        .route("/okta/oauth2/default/v1/userinfo", user_info(Okta))
        .route("/auth0/userinfo", user_info(Auth0))
        .route("/oidc/userinfo", user_info(Oidc))
        .route("/entra/{tenant}/oauth2/v2.0/logout", end_session(EntraV2))
        .route("/entra/{tenant}/oauth2/logout", end_session(EntraV1))
        .route("/okta/oauth2/default/v1/logout", end_session(Okta))
        .route("/auth0/oidc/logout", end_session(Auth0))
        .route("/oidc/logout", end_session(Oidc))
        .route("/google/revoke", revocation(Google))
        .route("/okta/oauth2/default/v1/revoke", revocation(Okta))
        .route("/auth0/oauth/revoke", revocation(Auth0))
        .route("/oidc/revoke", revocation(Oidc))
}

/// RFC 7009 §2.1: POST, form-encoded.
fn revocation(flavor: Flavor) -> MethodRouter<DevIdp> {
    post(
        move |State(idp): State<DevIdp>, headers: HeaderMap, Form(form): Form<Params>| async move {
            revoke::revoke(&idp, flavor, &headers, &form).await
        },
    )
}

/// Userinfo accepts GET and POST (OIDC Core §5.3.1).
fn user_info(flavor: Flavor) -> MethodRouter<DevIdp> {
    let handler = move |State(idp): State<DevIdp>, headers: HeaderMap| async move {
        userinfo::userinfo(&idp, flavor, &headers).await
    };
    get(handler).post(handler)
}

/// End-session accepts GET (query) and POST (form), RP-Initiated Logout 1.0 §2.
fn end_session(flavor: Flavor) -> MethodRouter<DevIdp> {
    get(
        move |State(idp): State<DevIdp>, Query(params): Query<Params>| async move {
            logout::end_session(&idp, flavor, &params).await
        },
    )
    .post(
        move |State(idp): State<DevIdp>, Form(params): Form<Params>| async move {
            logout::end_session(&idp, flavor, &params).await
        },
    )
}

/// GET: the authorization request; POST: the login page's form.
fn authorize(flavor: Flavor) -> MethodRouter<DevIdp> {
    get(
        move |State(idp): State<DevIdp>, uri: Uri, Query(params): Query<Params>| async move {
            authorize::authorize(&idp, flavor, demo::DEV_TENANT, uri.path(), &params)
        },
    )
    .post(
        move |State(idp): State<DevIdp>, uri: Uri, Form(form): Form<Params>| async move {
            authorize::submit(&idp, flavor, demo::DEV_TENANT, uri.path(), &form)
        },
    )
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
        move |State(idp): State<DevIdp>,
              uri: Uri,
              Path(segment): Path<String>,
              Query(params): Query<Params>| async move {
            match home_tenant(&segment, flavor) {
                Some(tid) => authorize::authorize(&idp, flavor, &tid, uri.path(), &params),
                None => routes::unknown_tenant(&segment),
            }
        },
    )
    .post(
        move |State(idp): State<DevIdp>,
              uri: Uri,
              Path(segment): Path<String>,
              Form(form): Form<Params>| async move {
            match home_tenant(&segment, flavor) {
                Some(tid) => authorize::submit(&idp, flavor, &tid, uri.path(), &form),
                None => routes::unknown_tenant(&segment),
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
                Some(tid) => token::token(&idp, flavor, &tid, &headers, &form).await,
                None => routes::unknown_tenant(&segment),
            }
        },
    )
}

/// The tenant whose tokens a flow at `segment` issues: the named tenant, or for
/// `common`/`organizations` the demo user's home tenant.
fn home_tenant(segment: &str, flavor: Flavor) -> Option<String> {
    match Tenant::resolve(segment, flavor)? {
        Tenant::Guid(guid) => Some(guid),
        Tenant::Template(_) => Some(demo::DEV_TENANT.to_owned()),
    }
}
