//! `BearerAuthLayer` and the `Auth` extractor over real loopback HTTP, with tokens minted by
//! the dev IdP: every RFC 6750 transport case (JWT-B01…B08, JWT-F01, JWT-F12) and the exact
//! response headers.

use authgate::{Auth, BearerAuthLayer};
use authgate_devidp::{Fault, Flavor, MintRequest};
use axum::Router;
use axum::routing::{get, post};
use harness::{Harness, body_json, header};
use reqwest::StatusCode;
use std::time::Duration;

/// Shared by the bearer and authorize tests: a dev IdP, a verifier trusting its Entra (dev
/// tenant) and generic OIDC issuers, and apps served on loopback.
pub(crate) mod harness {
    use authgate::{FixedClock, ProviderConfig, ProviderKind, Verifier};
    use authgate_devidp::{
        DEV_TENANT, DevIdp, ENTRA_API_CLIENT_ID, Flavor, MintRequest, OIDC_AUDIENCE, RunningIdp,
    };
    use axum::Router;
    use std::sync::Arc;

    pub(crate) struct Harness {
        pub(crate) idp: RunningIdp,
        pub(crate) verifier: Verifier,
        pub(crate) clock: FixedClock,
        pub(crate) client: reqwest::Client,
    }

    impl Harness {
        pub(crate) async fn start() -> Self {
            Self::start_with(|_| {}).await
        }

        /// Like [`Harness::start`], with `prepare` applied to the IdP before the verifier
        /// fetches anything (to inject faults).
        pub(crate) async fn start_with(prepare: impl FnOnce(&DevIdp)) -> Self {
            let idp = DevIdp::start_loopback().await.unwrap();
            prepare(&idp.idp);
            let clock = FixedClock::at_system_now();
            let verifier = Verifier::builder()
                .provider(entra(&idp.idp))
                .provider(oidc(&idp.idp))
                .clock(Arc::new(clock.clone()))
                .build()
                .await
                .unwrap();
            let client = reqwest::Client::builder().no_proxy().build().unwrap();
            Harness {
                idp,
                verifier,
                clock,
                client,
            }
        }

        pub(crate) fn mint(&self, req: MintRequest) -> String {
            self.idp.idp.mint(&req)
        }

        /// An Entra v2 user token with `scopes`.
        pub(crate) fn entra(&self, scopes: &[&str]) -> String {
            self.mint(MintRequest::new(Flavor::EntraV2).scopes(scopes.iter().copied()))
        }

        /// A generic OIDC user token with `scopes`.
        pub(crate) fn oidc(&self, scopes: &[&str]) -> String {
            self.mint(MintRequest::new(Flavor::Oidc).scopes(scopes.iter().copied()))
        }

        /// Serves `app` on a loopback port; returns its base URL.
        pub(crate) async fn serve(&self, app: Router) -> String {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            format!("http://{addr}")
        }

        pub(crate) async fn get(&self, url: &str, authorization: &[&str]) -> reqwest::Response {
            let mut req = self.client.get(url);
            for value in authorization {
                req = req.header(reqwest::header::AUTHORIZATION, *value);
            }
            req.send().await.unwrap()
        }

        pub(crate) async fn get_bearer(&self, url: &str, token: &str) -> reqwest::Response {
            self.get(url, &[&format!("Bearer {token}")]).await
        }
    }

    fn entra(idp: &DevIdp) -> ProviderConfig {
        let mut p = ProviderConfig::new("entra", ProviderKind::Entra);
        p.tenant = Some(DEV_TENANT.into());
        p.instance = Some(idp.entra_instance());
        p.client_id = Some(ENTRA_API_CLIENT_ID.into());
        p
    }

    fn oidc(idp: &DevIdp) -> ProviderConfig {
        let mut p = ProviderConfig::new("dev-oidc", ProviderKind::Oidc);
        p.issuer = Some(idp.issuer(Flavor::Oidc));
        p.audiences = vec![OIDC_AUDIENCE.into()];
        p
    }

    /// A response header as a string ("" when absent).
    pub(crate) fn header(response: &reqwest::Response, name: &str) -> String {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    pub(crate) async fn body_json(response: reqwest::Response) -> serde_json::Value {
        response.json().await.unwrap()
    }
}

async fn whoami(Auth(p): Auth) -> String {
    format!("{} {}", p.provider, p.subject)
}

async fn maybe(caller: Option<Auth>) -> String {
    caller.map_or_else(|| "anonymous".to_owned(), |c| c.provider.clone())
}

/// `/me` behind the layer (any provider), `/entra` behind an Entra-only layer, `/maybe`
/// behind an optional layer, `/form` accepting POSTs.
async fn app(h: &Harness) -> String {
    let any = BearerAuthLayer::new(h.verifier.clone());
    let entra = BearerAuthLayer::new(h.verifier.clone()).providers(["entra"]);
    let optional = BearerAuthLayer::new(h.verifier.clone()).optional();
    let router = Router::new()
        .route("/me", get(whoami).route_layer(any.clone()))
        .route("/form", post(whoami).route_layer(any))
        .route("/entra", get(whoami).route_layer(entra))
        .route("/maybe", get(maybe).route_layer(optional));
    h.serve(router).await
}

const BARE: &str = "Bearer";
const INVALID_TOKEN: &str = r#"Bearer error="invalid_token""#;
const BAD_SEPARATOR: &str = r#"Bearer error="invalid_request", error_description="separate the Bearer scheme from the token with exactly one space""#;
const SEVERAL: &str = r#"Bearer error="invalid_request", error_description="send exactly one bearer credential in one Authorization header""#;
const TWO_METHODS: &str = r#"Bearer error="invalid_request", error_description="send the access token in the Authorization header only""#;

async fn assert_rejected(
    response: reqwest::Response,
    status: StatusCode,
    challenge: &str,
) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert_eq!(header(&response, "www-authenticate"), challenge);
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(header(&response, "content-type"), "application/json");
    body_json(response).await
}

#[tokio::test]
async fn valid_token_reaches_the_handler_with_its_principal() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let response = h
        .get_bearer(&format!("{base}/me"), &h.entra(&["access_as_user"]))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().starts_with("entra "));
    let response = h
        .get_bearer(&format!("{base}/me"), &h.oidc(&["read_data"]))
        .await;
    assert!(response.text().await.unwrap().starts_with("dev-oidc "));
}

#[tokio::test]
async fn jwt_b01_scheme_is_case_insensitive() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let token = h.entra(&["access_as_user"]);
    for scheme in ["Bearer", "bearer", "BEARER", "bEARER"] {
        let response = h
            .get(&format!("{base}/me"), &[&format!("{scheme} {token}")])
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
    }
}

#[tokio::test]
async fn jwt_b02_two_spaces_or_a_tab_is_an_invalid_request() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let token = h.entra(&["access_as_user"]);
    for value in [format!("Bearer  {token}"), format!("Bearer\t{token}")] {
        let response = h.get(&format!("{base}/me"), &[&value]).await;
        let body = assert_rejected(response, StatusCode::BAD_REQUEST, BAD_SEPARATOR).await;
        assert_eq!(body["error"], "invalid_request");
    }
}

#[tokio::test]
async fn jwt_b03_basic_gets_a_bare_bearer_challenge() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let response = h
        .get(&format!("{base}/me"), &["Basic dXNlcjpwYXNzd29yZA=="])
        .await;
    assert_rejected(response, StatusCode::UNAUTHORIZED, BARE).await;
}

#[tokio::test]
async fn jwt_b04_two_headers_or_a_list_is_an_invalid_request() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let token = h.entra(&["access_as_user"]);
    let bearer = format!("Bearer {token}");
    let response = h.get(&format!("{base}/me"), &[&bearer, &bearer]).await;
    assert_rejected(response, StatusCode::BAD_REQUEST, SEVERAL).await;
    let response = h
        .get(
            &format!("{base}/me"),
            &[&format!("Bearer {token}, Bearer {token}")],
        )
        .await;
    assert_rejected(response, StatusCode::BAD_REQUEST, SEVERAL).await;
    let twenty: Vec<&str> = std::iter::repeat_n(bearer.as_str(), 20).collect();
    let response = h.get(&format!("{base}/me"), &twenty).await;
    assert_rejected(response, StatusCode::BAD_REQUEST, SEVERAL).await;
    // JWT-R03: a hundred headers never reach verification; hyper answers 431 first.
    let hundred: Vec<&str> = std::iter::repeat_n(bearer.as_str(), 100).collect();
    let response = h.get(&format!("{base}/me"), &hundred).await;
    assert_eq!(
        response.status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
}

#[tokio::test]
async fn jwt_b05_header_and_query_token_is_an_invalid_request() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let token = h.entra(&["access_as_user"]);
    let response = h
        .get_bearer(&format!("{base}/me?access_token={token}"), &token)
        .await;
    assert_rejected(response, StatusCode::BAD_REQUEST, TWO_METHODS).await;
}

#[tokio::test]
async fn jwt_b06_query_token_alone_is_never_accepted() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let token = h.entra(&["access_as_user"]);
    let response = h.get(&format!("{base}/me?access_token={token}"), &[]).await;
    assert_rejected(response, StatusCode::UNAUTHORIZED, BARE).await;
    // Not even on an optional route: a query token never makes a request anonymous either.
    let response = h
        .get(&format!("{base}/maybe?access_token={token}"), &[])
        .await;
    assert_rejected(response, StatusCode::UNAUTHORIZED, BARE).await;
}

#[tokio::test]
async fn jwt_b07_form_body_token_is_never_accepted() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let token = h.entra(&["access_as_user"]);
    let response = h
        .client
        .post(format!("{base}/form"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("access_token={token}"))
        .send()
        .await
        .unwrap();
    assert_rejected(response, StatusCode::UNAUTHORIZED, BARE).await;
}

#[tokio::test]
async fn jwt_b08_every_bad_token_gets_the_same_answer() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let good = h.entra(&["access_as_user"]);
    // One character in the middle of the signature changed: a bad signature (JWT-C01).
    let at = good.rfind('.').unwrap() + 100;
    let flipped = if &good[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{flipped}{}", &good[..at], &good[at + 1..]);
    let wrong_audience = h.mint(MintRequest::new(Flavor::EntraV2).audience("api://someone-else"));
    let unknown_issuer = h.mint(MintRequest::new(Flavor::Okta));
    let malformed = "abc.def".to_owned();
    for token in [tampered, wrong_audience, unknown_issuer, malformed] {
        let response = h.get_bearer(&format!("{base}/me"), &token).await;
        let body = assert_rejected(response, StatusCode::UNAUTHORIZED, INVALID_TOKEN).await;
        assert_eq!(body, serde_json::json!({ "error": "invalid_token" }));
    }
}

#[tokio::test]
async fn expired_token_is_invalid_token_without_saying_why() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let token = h.mint(
        MintRequest::new(Flavor::EntraV2)
            .scopes(["access_as_user"])
            .lifetime(Duration::from_secs(600)),
    );
    assert_eq!(
        h.get_bearer(&format!("{base}/me"), &token).await.status(),
        StatusCode::OK
    );
    h.clock.advance(Duration::from_secs(600 + 120));
    let response = h.get_bearer(&format!("{base}/me"), &token).await;
    let body = assert_rejected(response, StatusCode::UNAUTHORIZED, INVALID_TOKEN).await;
    assert_eq!(body, serde_json::json!({ "error": "invalid_token" }));
}

#[tokio::test]
async fn jwt_f01_missing_or_empty_token_gets_a_bare_challenge() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let response = h.get(&format!("{base}/me"), &[]).await;
    let body = assert_rejected(response, StatusCode::UNAUTHORIZED, BARE).await;
    assert_eq!(body, serde_json::json!({ "error": "unauthorized" }));
    for value in ["Bearer ", "Bearer", ""] {
        let response = h.get(&format!("{base}/me"), &[value]).await;
        assert_rejected(response, StatusCode::UNAUTHORIZED, BARE).await;
    }
}

#[tokio::test]
async fn jwt_f12_whitespace_around_the_token_is_refused() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let token = h.entra(&["access_as_user"]);
    let response = h
        .get(&format!("{base}/me"), &[&format!("Bearer   {token}")])
        .await;
    assert_rejected(response, StatusCode::BAD_REQUEST, BAD_SEPARATOR).await;
    let response = h
        .get(&format!("{base}/me"), &[&format!("Bearer {token} x")])
        .await;
    assert_rejected(response, StatusCode::BAD_REQUEST, SEVERAL).await;
}

#[tokio::test]
async fn jwt_f12_token_folded_across_header_lines_is_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = Harness::start().await;
    let base = app(&h).await;
    let token = h.entra(&["access_as_user"]);
    let (head, tail) = token.split_at(token.len() / 2);
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {head}\r\n {tail}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status_line = answer.lines().next().unwrap_or_default();
    assert!(
        status_line.starts_with("HTTP/1.1 400") || status_line.starts_with("HTTP/1.1 401"),
        "{status_line}"
    );
}

#[tokio::test]
async fn providers_restriction_rejects_other_issuers_as_invalid_token() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let response = h
        .get_bearer(&format!("{base}/entra"), &h.entra(&["access_as_user"]))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = h
        .get_bearer(&format!("{base}/entra"), &h.oidc(&["access_as_user"]))
        .await;
    assert_rejected(response, StatusCode::UNAUTHORIZED, INVALID_TOKEN).await;
}

#[tokio::test]
async fn optional_layer_lets_anonymous_requests_through_but_not_bad_tokens() {
    let h = Harness::start().await;
    let base = app(&h).await;
    let response = h.get(&format!("{base}/maybe"), &[]).await;
    assert_eq!(response.text().await.unwrap(), "anonymous");
    let response = h.get_bearer(&format!("{base}/maybe"), &h.oidc(&[])).await;
    assert_eq!(response.text().await.unwrap(), "dev-oidc");
    let response = h.get_bearer(&format!("{base}/maybe"), "abc.def.ghi").await;
    assert_rejected(response, StatusCode::UNAUTHORIZED, INVALID_TOKEN).await;
}

#[tokio::test]
async fn realm_comes_first_and_is_quoted() {
    let h = Harness::start().await;
    let layer = BearerAuthLayer::new(h.verifier.clone()).realm(r#"orders "api""#);
    let base = h
        .serve(Router::new().route("/me", get(whoami).route_layer(layer)))
        .await;
    let response = h.get(&format!("{base}/me"), &[]).await;
    assert_rejected(
        response,
        StatusCode::UNAUTHORIZED,
        r#"Bearer realm="orders \"api\"""#,
    )
    .await;
    let response = h.get_bearer(&format!("{base}/me"), "abc.def.ghi").await;
    let expected = r#"Bearer realm="orders \"api\"", error="invalid_token""#;
    assert_rejected(response, StatusCode::UNAUTHORIZED, expected).await;
}

#[tokio::test]
async fn keys_unavailable_is_a_503_with_retry_after_never_a_pass() {
    let h = Harness::start_with(|idp| idp.set_fault(Fault::Status(503))).await;
    let base = app(&h).await;
    let token = h.entra(&["access_as_user"]);
    let response = h.get_bearer(&format!("{base}/me"), &token).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&response, "retry-after"), "5");
    assert_eq!(header(&response, "www-authenticate"), "");
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(
        body_json(response).await,
        serde_json::json!({ "error": "temporarily_unavailable" })
    );
    // Optional mode fails closed too: a token that cannot be checked is not anonymous.
    let response = h.get_bearer(&format!("{base}/maybe"), &token).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn extractor_without_the_layer_is_a_500_not_a_401() {
    let h = Harness::start().await;
    let router = Router::new()
        .route("/me", get(whoami))
        .route("/maybe", get(maybe));
    let base = h.serve(router).await;
    for path in ["/me", "/maybe"] {
        let response = h
            .get_bearer(&format!("{base}{path}"), &h.entra(&["access_as_user"]))
            .await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(header(&response, "www-authenticate"), "");
        assert_eq!(
            body_json(response).await,
            serde_json::json!({ "error": "server_error" })
        );
    }
}
