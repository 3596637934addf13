//! HTTP routes: per-flavor discovery and JWKS (with fault injection and hit counting), the
//! index and the dev mint endpoint.

use crate::backchannel;
use crate::devmint;
use crate::discovery;
use crate::entra::{self, Tenant};
use crate::faults::{self, Endpoint, Outcome};
use crate::flavor::Flavor;
use crate::flow;
use crate::github;
use crate::idp::DevIdp;
use crate::jwks;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::Value;

/// The router of `idp`.
pub(crate) fn router(idp: DevIdp) -> Router {
    Router::new()
        .route("/", get(devmint::index))
        .route("/_dev/mint", post(devmint::mint))
        .route(
            "/entra/{tenant}/v2.0/.well-known/openid-configuration",
            entra_discovery(Flavor::EntraV2),
        )
        .route(
            "/entra/{tenant}/.well-known/openid-configuration",
            entra_discovery(Flavor::EntraV1),
        )
        .route(
            "/entra/{tenant}/discovery/v2.0/keys",
            entra_jwks(Flavor::EntraV2),
        )
        .route(
            "/entra/{tenant}/discovery/keys",
            entra_jwks(Flavor::EntraV1),
        )
        .route(
            "/google/.well-known/openid-configuration",
            openid(Flavor::Google),
        )
        .route("/google/oauth2/v3/certs", keys(Flavor::Google))
        .route(
            "/okta/oauth2/default/.well-known/openid-configuration",
            openid(Flavor::Okta),
        )
        .route(
            "/okta/oauth2/default/.well-known/oauth-authorization-server",
            oauth(Flavor::Okta),
        )
        .route("/okta/oauth2/default/v1/keys", keys(Flavor::Okta))
        .route(
            "/auth0/.well-known/openid-configuration",
            openid(Flavor::Auth0),
        )
        .route("/auth0/.well-known/jwks.json", keys(Flavor::Auth0))
        .route(
            "/oidc/.well-known/openid-configuration",
            openid(Flavor::Oidc),
        )
        .route(
            "/.well-known/oauth-authorization-server/oidc",
            oauth(Flavor::Oidc),
        )
        .route("/oidc/jwks", keys(Flavor::Oidc))
        .merge(flow::routes())
        .merge(backchannel::routes())
        .merge(github::routes())
        .with_state(idp)
}

fn openid(flavor: Flavor) -> MethodRouter<DevIdp> {
    get(move |State(idp): State<DevIdp>| async move {
        let doc = discovery::openid_configuration(&idp.inner().urls, flavor);
        serve(&idp, flavor, Endpoint::Discovery, || {
            doc.ok_or(Refusal::NotFound)
        })
        .await
    })
}

fn oauth(flavor: Flavor) -> MethodRouter<DevIdp> {
    get(move |State(idp): State<DevIdp>| async move {
        let doc = discovery::oauth_authorization_server(&idp.inner().urls, flavor);
        serve(&idp, flavor, Endpoint::Discovery, || {
            doc.ok_or(Refusal::NotFound)
        })
        .await
    })
}

fn keys(flavor: Flavor) -> MethodRouter<DevIdp> {
    get(move |State(idp): State<DevIdp>| async move {
        serve(&idp, flavor, Endpoint::Jwks, || {
            let inner = idp.inner();
            Ok(jwks::document(
                &inner.keys.published(),
                flavor,
                None,
                &inner.urls,
            ))
        })
        .await
    })
}

fn entra_discovery(flavor: Flavor) -> MethodRouter<DevIdp> {
    get(
        move |State(idp): State<DevIdp>, Path(segment): Path<String>| async move {
            serve(&idp, flavor, Endpoint::Discovery, || {
                let tenant = resolve_tenant(&segment, flavor)?;
                let urls = &idp.inner().urls;
                Ok(match flavor {
                    Flavor::EntraV1 => entra::discovery_v1(urls, &tenant),
                    _ => entra::discovery_v2(urls, &tenant),
                })
            })
            .await
        },
    )
}

fn entra_jwks(flavor: Flavor) -> MethodRouter<DevIdp> {
    get(
        move |State(idp): State<DevIdp>, Path(segment): Path<String>| async move {
            serve(&idp, flavor, Endpoint::Jwks, || {
                let tenant = resolve_tenant(&segment, flavor)?;
                let inner = idp.inner();
                Ok(jwks::document(
                    &inner.keys.published(),
                    flavor,
                    Some(&tenant),
                    &inner.urls,
                ))
            })
            .await
        },
    )
}

/// Counts the hit, acts out any injected fault, then answers with the document `build`
/// returns, with the configured `Cache-Control`.
async fn serve(
    idp: &DevIdp,
    flavor: Flavor,
    endpoint: Endpoint,
    build: impl FnOnce() -> Result<Value, Refusal>,
) -> Response {
    let inner = idp.inner();
    inner.hits.record(flavor, endpoint);
    let fault = inner.faults.effective(flavor, endpoint);
    let outcome = faults::act(fault, inner.shutdown_signal()).await;
    let doc = match (outcome, build()) {
        (Outcome::Replace(response), _) => return response,
        (_, Err(refusal)) => return refusal.into_response(),
        (Outcome::Answer, Ok(doc)) => Json(doc).into_response(),
        (Outcome::Trickle(interval), Ok(doc)) => {
            let body = faults::trickle(
                doc.to_string().into_bytes(),
                interval,
                inner.shutdown_signal(),
            );
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    };
    with_cache_control(doc, inner.cache_control())
}

fn with_cache_control(mut response: Response, value: Option<String>) -> Response {
    if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

/// Why a document is not served.
enum Refusal {
    /// This flavor has no such document.
    NotFound,
    /// Entra: the tenant segment names no tenant (the segment as requested).
    UnknownTenant(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::NotFound => StatusCode::NOT_FOUND.into_response(),
            Refusal::UnknownTenant(segment) => (
                StatusCode::BAD_REQUEST,
                Json(entra::unknown_tenant(&segment)),
            )
                .into_response(),
        }
    }
}

/// Entra's answer for an unknown tenant segment.
pub(crate) fn unknown_tenant(segment: &str) -> Response {
    Refusal::UnknownTenant(segment.to_owned()).into_response()
}

fn resolve_tenant(segment: &str, flavor: Flavor) -> Result<Tenant, Refusal> {
    Tenant::resolve(segment, flavor).ok_or_else(|| Refusal::UnknownTenant(segment.to_owned()))
}
