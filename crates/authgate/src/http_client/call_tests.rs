//! The sign-in request path over real loopback sockets.

use super::*;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// Serves `router` on 127.0.0.1 and returns its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn text(headers: &HeaderMap, name: header::HeaderName) -> Value {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map_or(Value::Null, |v| json!(v))
}

/// Echoes what the request carried, with the status the path names.
async fn echo(
    headers: HeaderMap,
    body: String,
) -> (StatusCode, [(header::HeaderName, &'static str); 1], String) {
    let echoed = json!({
        "authorization": text(&headers, header::AUTHORIZATION),
        "accept": text(&headers, header::ACCEPT),
        "content_type": text(&headers, header::CONTENT_TYPE),
        "body": body,
    });
    (
        StatusCode::OK,
        [(header::RETRY_AFTER, "7")],
        echoed.to_string(),
    )
}

fn routes() -> Router {
    Router::new()
        .route("/echo", post(echo).get(echo))
        .route(
            "/error",
            post(|| async { (StatusCode::BAD_REQUEST, "{\"error\":\"invalid_grant\"}") }),
        )
        .route(
            "/redirect",
            post(|| async { (StatusCode::FOUND, [(header::LOCATION, "/echo")]) }),
        )
        .route("/big", get(|| async { "x".repeat(300 * 1024) }))
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
}

fn json_of(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

#[tokio::test]
async fn bcp77_post_form_sends_form_basic_credentials_and_accept() {
    let base = serve(routes()).await;
    let form = [("grant_type", "authorization_code"), ("code", "a b&c")];
    let basic = Credentials::Basic("my:client", "s%cret");
    let response = HttpClient::new()
        .unwrap()
        .post_form(
            &format!("{base}/echo"),
            false,
            &form,
            basic,
            "application/json",
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.retry_after, Some(Duration::from_secs(7)));
    let echoed = json_of(&response);
    assert_eq!(echoed["body"], "grant_type=authorization_code&code=a+b%26c");
    assert_eq!(echoed["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(echoed["accept"], "application/json");
    // base64("my%3Aclient:s%25cret")
    assert_eq!(
        echoed["authorization"],
        "Basic bXklM0FjbGllbnQ6cyUyNWNyZXQ="
    );
}

#[tokio::test]
async fn get_with_sends_the_bearer_token() {
    let base = serve(routes()).await;
    let response = HttpClient::new()
        .unwrap()
        .get_with(
            &format!("{base}/echo"),
            false,
            Credentials::Bearer("tok"),
            "application/json",
        )
        .await
        .unwrap();
    let echoed = json_of(&response);
    assert_eq!(echoed["authorization"], "Bearer tok");
    assert_eq!(echoed["body"], "");
}

#[tokio::test]
async fn error_statuses_are_answers_with_their_body() {
    let base = serve(routes()).await;
    let http = HttpClient::new().unwrap();
    let url = format!("{base}/error");
    let response = http
        .post_form(&url, false, &[], Credentials::None, "application/json")
        .await
        .unwrap();
    assert_eq!(response.status, 400);
    assert_eq!(json_of(&response)["error"], "invalid_grant");
}

#[tokio::test]
async fn r13_posts_do_not_follow_redirects() {
    let base = serve(routes()).await;
    let url = format!("{base}/redirect");
    let response = HttpClient::new()
        .unwrap()
        .post_form(&url, false, &[("a", "b")], Credentials::None, "*/*")
        .await
        .unwrap();
    assert_eq!(response.status, 302);
}

#[tokio::test]
async fn r05_answers_over_the_cap_are_refused() {
    let base = serve(routes()).await;
    let err = HttpClient::new()
        .unwrap()
        .get_with(&format!("{base}/big"), false, Credentials::None, "*/*")
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TooLarge);
}

#[tokio::test]
async fn r04_a_hanging_token_endpoint_is_cut_off_at_the_total_timeout() {
    let base = serve(routes()).await;
    let http = HttpClient::builder()
        .total_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let url = format!("{base}/slow");
    let err = http
        .post_form(&url, false, &[], Credentials::None, "*/*")
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn r13_plain_http_to_a_public_host_is_refused_without_a_request() {
    let http = HttpClient::new().unwrap();
    let url = "http://192.0.2.1/token";
    let err = http
        .post_form(url, false, &[], Credentials::None, "*/*")
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Insecure(_)), "{err}");
    let err = http
        .get_with(url, false, Credentials::Bearer("t"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Insecure(_)), "{err}");
}

#[test]
fn bcp77_basic_credentials_are_form_encoded_first() {
    assert_eq!(form_encode("a:b%c+d é"), "a%3Ab%25c%2Bd+%C3%A9");
    assert_eq!(form_encode("plain-id"), "plain-id");
}

#[test]
fn response_debug_omits_the_body() {
    let response = Response {
        status: 200,
        body: b"{\"access_token\":\"secret-value\"}".to_vec(),
        retry_after: None,
    };
    let debug = format!("{response:?}");
    assert!(!debug.contains("secret-value"), "{debug}");
    assert!(debug.contains("body_len"), "{debug}");
}
