//! HTTP client tests over real loopback sockets.

use super::*;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::routing::get;

/// Serves `router` on 127.0.0.1 and returns its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn routes() -> Router {
    Router::new()
        .route(
            "/doc",
            get(|| async {
                (
                    [(header::CACHE_CONTROL, "public, max-age=120")],
                    "{\"ok\":true}",
                )
            }),
        )
        .route(
            "/redirect",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/doc")]) }),
        )
        .route("/big", get(|| async { "x".repeat(300 * 1024) }))
        .route(
            "/busy",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "120")],
                )
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
}

#[tokio::test]
async fn fetches_a_document_with_its_max_age() {
    let base = serve(routes()).await;
    let fetched = HttpClient::new()
        .unwrap()
        .get(&format!("{base}/doc"), false)
        .await
        .unwrap();
    assert_eq!(fetched.body, b"{\"ok\":true}");
    assert_eq!(fetched.max_age, Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn r13_redirects_are_not_followed() {
    let base = serve(routes()).await;
    let err = HttpClient::new()
        .unwrap()
        .get(&format!("{base}/redirect"), false)
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::Status(302));
}

#[tokio::test]
async fn r05_bodies_over_the_cap_are_refused() {
    let base = serve(routes()).await;
    let err = HttpClient::new()
        .unwrap()
        .get(&format!("{base}/big"), false)
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TooLarge);
}

#[tokio::test]
async fn r14_too_many_requests_carries_retry_after() {
    let base = serve(routes()).await;
    let err = HttpClient::new()
        .unwrap()
        .get(&format!("{base}/busy"), false)
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::RateLimited(Duration::from_secs(120)));
}

#[tokio::test]
async fn r04_a_hanging_server_is_cut_off_at_the_total_timeout() {
    let base = serve(routes()).await;
    let http = HttpClient::builder()
        .total_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        http.get(&format!("{base}/slow"), false).await.unwrap_err(),
        FetchError::Timeout
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn r13_http_to_a_public_host_is_refused_without_a_request() {
    let err = HttpClient::new()
        .unwrap()
        .get("http://192.0.2.1/keys", false)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Insecure(_)), "{err}");
}

#[test]
fn url_rules() {
    assert!(check_url("https://login.microsoftonline.com/x", false).is_ok());
    assert!(check_url("http://127.0.0.5:1/x", false).is_ok());
    assert!(check_url("http://[::1]/x", false).is_ok());
    assert!(check_url("http://LOCALHOST/x", false).is_ok());
    assert!(check_url("http://127.0.0.1.nip.io/x", false).is_err());
    assert!(check_url("http://example.com/x", false).is_err());
    assert!(check_url("http://example.com/x", true).is_ok());
    assert!(check_url("https://user:pw@example.com/x", false).is_err());
    assert!(check_url("https://example.com/x#frag", false).is_err());
    assert!(check_url("file:///etc/passwd", true).is_err());
    assert!(check_url("/relative", false).is_err());
}

#[test]
fn cache_control_and_retry_after_parsing() {
    let mut h = HeaderMap::new();
    assert_eq!(cache_max_age(&h), None);
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, MAX-AGE=86400, must-revalidate"),
    );
    assert_eq!(cache_max_age(&h), Some(Duration::from_secs(86_400)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    assert_eq!(cache_max_age(&h), Some(Duration::ZERO));
    h.insert(
        header::RETRY_AFTER,
        HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    assert_eq!(retry_after(&h), None, "HTTP-date is not honoured");
    h.insert(header::RETRY_AFTER, HeaderValue::from_static("999999"));
    assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
}
