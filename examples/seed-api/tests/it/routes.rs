//! Every route's 200/401/403/503 behaviour with tokens minted by the dev IdP.

use authgate_devidp::{DevIdp, Flavor, MintRequest, RunningIdp};
use reqwest::StatusCode;
use seed_api::{SeedConfig, build_app, demo_config, demo_config_toml};
use std::net::SocketAddr;

struct Api {
    idp: RunningIdp,
    base: String,
    client: reqwest::Client,
}

impl Api {
    /// The dev IdP and the seed API with the demo configuration (`entra` + `dev-oidc`).
    async fn start() -> Self {
        let idp = DevIdp::start_loopback().await.unwrap();
        let config = demo_config(&idp.idp, loopback()).unwrap();
        Self::serve(idp, &config).await
    }

    async fn serve(idp: RunningIdp, config: &SeedConfig) -> Self {
        let app = build_app(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind(loopback()).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        Api { idp, base, client }
    }

    fn mint(&self, req: MintRequest) -> String {
        self.idp.idp.mint(&req)
    }

    async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.unwrap()
    }
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn challenge(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("www-authenticate")
        .map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn home_and_healthz_are_public() {
    let api = Api::start().await;
    let response = api.get("/", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let home: serde_json::Value = response.json().await.unwrap();
    assert_eq!(home["providers"], serde_json::json!(["entra", "dev-oidc"]));
    let response = api.get("/healthz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn data_needs_a_token_with_read_data_from_any_provider() {
    let api = Api::start().await;
    let response = api.get("/data", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&response), "Bearer");

    for flavor in [Flavor::EntraV2, Flavor::Oidc] {
        let token = api.mint(MintRequest::new(flavor).scopes(["read_data"]));
        let response = api.get("/data", Some(&token)).await;
        assert_eq!(response.status(), StatusCode::OK, "{flavor:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["data"].is_array());
    }

    let token = api.mint(MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]));
    let response = api.get("/data", Some(&token)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        challenge(&response),
        r#"Bearer error="insufficient_scope", scope="read_data""#
    );

    let response = api.get("/data", Some("not.a.token")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&response), r#"Bearer error="invalid_token""#);
}

#[tokio::test]
async fn azure_protected_data_returns_the_entra_callers_identity() {
    let api = Api::start().await;
    let token = api.mint(MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]));
    let response = api.get("/azure-protected-data", Some(&token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["tenant"], authgate_devidp::DEV_TENANT);
    assert!(body["name"].is_string(), "{body}");
    assert!(
        body["email"].as_str().unwrap_or_default().contains('@'),
        "{body}"
    );
}

#[tokio::test]
async fn azure_protected_data_refuses_other_providers_and_missing_scope() {
    let api = Api::start().await;
    let response = api.get("/azure-protected-data", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&response), "Bearer");

    let oidc = api.mint(MintRequest::new(Flavor::Oidc).scopes(["access_as_user"]));
    let response = api.get("/azure-protected-data", Some(&oidc)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&response), r#"Bearer error="invalid_token""#);

    let read_only = api.mint(MintRequest::new(Flavor::EntraV2).scopes(["read_data"]));
    let response = api.get("/azure-protected-data", Some(&read_only)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        challenge(&response),
        r#"Bearer error="insufficient_scope", scope="access_as_user""#
    );
}

#[tokio::test]
async fn azure_protected_data_is_503_without_an_entra_provider() {
    let idp = DevIdp::start_loopback().await.unwrap();
    let text = demo_config_toml(&idp.idp, loopback());
    let mut config = SeedConfig::from_toml(&text).unwrap();
    config.providers.retain(|p| p.id != "entra");
    let api = Api::serve(idp, &config).await;
    let response = api.get("/azure-protected-data", None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not_configured");
    assert!(body["message"].as_str().unwrap().contains("entra"));
    let token = api.mint(MintRequest::new(Flavor::Oidc).scopes(["read_data"]));
    assert_eq!(
        api.get("/data", Some(&token)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn missing_read_policy_fails_at_start() {
    let idp = DevIdp::start_loopback().await.unwrap();
    let mut config = demo_config(&idp.idp, loopback()).unwrap();
    config.policies.clear();
    let error = build_app(&config).await.unwrap_err();
    assert!(error.to_string().contains("RequireReadAccess"), "{error}");
}
