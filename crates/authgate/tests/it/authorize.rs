//! Route layers (`RequireScope`, `RequireRole`, `RequirePolicy`) and the named-policy registry
//! over real loopback HTTP with dev-IdP tokens: 403 `insufficient_scope` with the scope hint,
//! any/all/not policies, app-only tokens at user routes (JWT-K07), layer-order mistakes.

use crate::bearer::harness::{Harness, body_json, header};
use authgate::{
    Auth, AuthConfig, BearerAuthLayer, Policies, Policy, RequirePolicy, RequireRole, RequireScope,
};
use authgate_devidp::{Flavor, MintRequest};
use axum::Router;
use axum::routing::get;
use reqwest::StatusCode;

async fn ok(Auth(p): Auth) -> String {
    p.subject.clone()
}

/// Serves `GET /r` with `protect` applied to it, behind a bearer layer for every provider.
async fn serve_with(h: &Harness, protect: impl FnOnce(Router) -> Router) -> String {
    let router =
        protect(Router::new().route("/r", get(ok))).layer(BearerAuthLayer::new(h.verifier.clone()));
    h.serve(router).await
}

fn config(toml_text: &str) -> AuthConfig {
    toml::from_str(toml_text).unwrap()
}

const POLICIES: &str = r#"
[policies.RequireReadAccess]
scopes = ["read_data"]

[policies.ReadOrAdmin]
any = [{ scopes = ["read_data"] }, { roles = ["Admin"] }]

[policies.ReadAndWrite]
all = [{ scopes = ["read_data"] }, { scopes = ["write_data"] }]

[policies.NotGuest]
not = { roles = ["Guest"] }

[policies.UsersOnly]
principal_type = "user"
"#;

async fn status(h: &Harness, base: &str, token: &str) -> StatusCode {
    h.get_bearer(&format!("{base}/r"), token).await.status()
}

#[tokio::test]
async fn require_scope_403_names_the_missing_scopes() {
    let h = Harness::start().await;
    let base = serve_with(&h, |r| {
        r.route_layer(RequireScope::new(["read_data", "write_data"]))
    })
    .await;
    assert_eq!(
        status(&h, &base, &h.entra(&["read_data", "write_data"])).await,
        StatusCode::OK
    );

    let response = h
        .get_bearer(&format!("{base}/r"), &h.entra(&["access_as_user"]))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer error="insufficient_scope", scope="read_data write_data""#
    );
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body = body_json(response).await;
    assert_eq!(
        body,
        serde_json::json!({ "error": "insufficient_scope", "scope": "read_data write_data" })
    );

    let response = h
        .get_bearer(&format!("{base}/r"), &h.entra(&["read_data"]))
        .await;
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer error="insufficient_scope", scope="write_data""#
    );
}

#[tokio::test]
async fn require_role_403_has_no_scope_hint() {
    let h = Harness::start().await;
    let base = serve_with(&h, |r| r.route_layer(RequireRole::new(["Admin"]))).await;
    let admin = h.mint(
        MintRequest::new(Flavor::EntraV2)
            .scopes(["access_as_user"])
            .roles(["Admin"]),
    );
    assert_eq!(status(&h, &base, &admin).await, StatusCode::OK);
    let response = h
        .get_bearer(&format!("{base}/r"), &h.entra(&["access_as_user"]))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer error="insufficient_scope""#
    );
    assert_eq!(
        body_json(response).await,
        serde_json::json!({ "error": "insufficient_scope" })
    );
}

#[tokio::test]
async fn named_policy_from_config() {
    let h = Harness::start().await;
    let policies = Policies::from_config(&config(POLICIES)).unwrap();
    let base = serve_with(&h, |r| {
        r.route_layer(RequirePolicy::named(&policies, "RequireReadAccess").unwrap())
    })
    .await;
    assert_eq!(
        status(&h, &base, &h.oidc(&["read_data"])).await,
        StatusCode::OK
    );
    let response = h
        .get_bearer(&format!("{base}/r"), &h.oidc(&["profile"]))
        .await;
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer error="insufficient_scope", scope="read_data""#
    );
}

#[tokio::test]
async fn unknown_policy_name_fails_when_the_router_is_built() {
    let policies = Policies::from_config(&config(POLICIES)).unwrap();
    let error = RequirePolicy::named(&policies, "RequireWriteAccess").unwrap_err();
    assert_eq!(
        error.to_string(),
        "policies.RequireWriteAccess: no policy with this name is defined"
    );
}

#[tokio::test]
async fn every_bad_policy_is_reported_at_once() {
    let bad = config(
        r#"
[policies.A]
principal_type = "robot"
[policies.B]
scopes = ["ok"]
[policies.C]
principal_type = "martian"
"#,
    );
    let error = Policies::from_config(&bad).unwrap_err();
    let problems = error.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("policies.A: "), "{problems:?}");
    assert!(problems[1].starts_with("policies.C: "), "{problems:?}");
}

#[tokio::test]
async fn policy_any_accepts_either_branch() {
    let h = Harness::start().await;
    let policies = Policies::from_config(&config(POLICIES)).unwrap();
    let base = serve_with(&h, |r| {
        r.route_layer(RequirePolicy::named(&policies, "ReadOrAdmin").unwrap())
    })
    .await;
    assert_eq!(
        status(&h, &base, &h.entra(&["read_data"])).await,
        StatusCode::OK
    );
    let admin = h.mint(
        MintRequest::new(Flavor::EntraV2)
            .scopes(["access_as_user"])
            .roles(["Admin"]),
    );
    assert_eq!(status(&h, &base, &admin).await, StatusCode::OK);
    let response = h
        .get_bearer(&format!("{base}/r"), &h.entra(&["access_as_user"]))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer error="insufficient_scope", scope="read_data""#
    );
}

#[tokio::test]
async fn policy_all_needs_every_branch() {
    let h = Harness::start().await;
    let policies = Policies::from_config(&config(POLICIES)).unwrap();
    let base = serve_with(&h, |r| {
        r.route_layer(RequirePolicy::named(&policies, "ReadAndWrite").unwrap())
    })
    .await;
    assert_eq!(
        status(&h, &base, &h.entra(&["read_data", "write_data"])).await,
        StatusCode::OK
    );
    let response = h
        .get_bearer(&format!("{base}/r"), &h.entra(&["read_data"]))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer error="insufficient_scope", scope="write_data""#
    );
}

#[tokio::test]
async fn policy_not_denies_the_excluded_role() {
    let h = Harness::start().await;
    let policies = Policies::from_config(&config(POLICIES)).unwrap();
    let base = serve_with(&h, |r| {
        r.route_layer(RequirePolicy::named(&policies, "NotGuest").unwrap())
    })
    .await;
    assert_eq!(
        status(&h, &base, &h.entra(&["access_as_user"])).await,
        StatusCode::OK
    );
    let guest = h.mint(
        MintRequest::new(Flavor::EntraV2)
            .scopes(["access_as_user"])
            .roles(["Guest"]),
    );
    assert_eq!(status(&h, &base, &guest).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn jwt_k07_app_only_token_at_a_user_route_is_403() {
    let h = Harness::start().await;
    let policies = Policies::from_config(&config(POLICIES)).unwrap();
    let base = serve_with(&h, |r| {
        r.route_layer(RequirePolicy::named(&policies, "UsersOnly").unwrap())
    })
    .await;
    assert_eq!(
        status(&h, &base, &h.entra(&["access_as_user"])).await,
        StatusCode::OK
    );
    let app = h.mint(
        MintRequest::new(Flavor::EntraV2)
            .app_only()
            .roles(["Data.Read.All"]),
    );
    let response = h.get_bearer(&format!("{base}/r"), &app).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer error="insufficient_scope""#
    );
}

#[tokio::test]
async fn policy_written_in_code_is_enforced() {
    let h = Harness::start().await;
    let mut policies = Policies::new();
    policies.add(
        "UserReader",
        Policy::All(vec![
            Policy::UserOnly,
            Policy::Scopes(vec!["read_data".into()]),
        ]),
    );
    let base = serve_with(&h, |r| {
        r.route_layer(RequirePolicy::named(&policies, "UserReader").unwrap())
    })
    .await;
    assert_eq!(
        status(&h, &base, &h.entra(&["read_data"])).await,
        StatusCode::OK
    );
    let app = h.mint(
        MintRequest::new(Flavor::EntraV2)
            .app_only()
            .roles(["read_data"]),
    );
    assert_eq!(status(&h, &base, &app).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn missing_token_is_still_a_401_at_a_policy_route() {
    let h = Harness::start().await;
    let base = serve_with(&h, |r| r.route_layer(RequireScope::new(["read_data"]))).await;
    let response = h.get(&format!("{base}/r"), &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&response, "www-authenticate"), "Bearer");
}

#[tokio::test]
async fn optional_layer_then_route_layer_without_token_is_a_401() {
    let h = Harness::start().await;
    let router = Router::new()
        .route("/r", get(ok))
        .route_layer(RequireScope::new(["read_data"]))
        .layer(
            BearerAuthLayer::new(h.verifier.clone())
                .optional()
                .realm("api"),
        );
    let base = h.serve(router).await;
    let response = h.get(&format!("{base}/r"), &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer realm="api""#
    );
}

#[tokio::test]
async fn route_layer_outside_the_bearer_layer_is_a_500() {
    let h = Harness::start().await;
    // Wrong order: the scope check runs first and finds no bearer layer in front of it.
    let router = Router::new()
        .route("/r", get(ok))
        .layer(BearerAuthLayer::new(h.verifier.clone()))
        .layer(RequireScope::new(["read_data"]));
    let base = h.serve(router).await;
    let response = h
        .get_bearer(&format!("{base}/r"), &h.entra(&["read_data"]))
        .await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body_json(response).await,
        serde_json::json!({ "error": "server_error" })
    );
}
