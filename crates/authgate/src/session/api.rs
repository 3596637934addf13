//! Telling API calls from browser navigations, and what each gets without a session.

use crate::rejection;
use axum::response::Response;
use http::HeaderMap;
use http::header::ACCEPT;

/// Whether a request is an API call rather than a browser navigation: `Accept` names
/// `application/json` but not `text/html`, or `Sec-Fetch-Mode: cors`, or an
/// `X-Requested-With` header is present. API calls get a 401 instead of a redirect.
pub fn is_api_request(headers: &HeaderMap) -> bool {
    let accept = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
        .to_ascii_lowercase();
    let json_only = accept.contains("application/json") && !accept.contains("text/html");
    let cors = headers
        .get("sec-fetch-mode")
        .is_some_and(|m| m.as_bytes().eq_ignore_ascii_case(b"cors"));
    json_only || cors || headers.contains_key("x-requested-with")
}

/// 303 to the chooser with `return_to`, or 401 `login_required` JSON for API calls.
pub(crate) fn login_required(
    public_url: &url::Url,
    headers: &HeaderMap,
    uri: &http::Uri,
) -> Response {
    let return_to = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let login_url = login_url(public_url, Some(return_to));
    if is_api_request(headers) {
        rejection::login_required(&login_url)
    } else {
        rejection::see_other(&login_url)
    }
}

/// `{origin}/auth/login`, with `?return_to=` when given.
pub(crate) fn login_url(public_url: &url::Url, return_to: Option<&str>) -> String {
    let origin = public_url.origin().ascii_serialization();
    match return_to {
        Some(path) => {
            let encoded: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
            format!("{origin}/auth/login?return_to={encoded}")
        }
        None => format!("{origin}/auth/login"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(*n, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn browsers_navigate_and_scripts_call_apis() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(!is_api_request(&with(&[("accept", browser)])));
        assert!(!is_api_request(&with(&[])));
        assert!(is_api_request(&with(&[("accept", "application/json")])));
        assert!(is_api_request(&with(&[("sec-fetch-mode", "cors")])));
        assert!(is_api_request(&with(&[(
            "x-requested-with",
            "XMLHttpRequest"
        )])));
        assert!(!is_api_request(&with(&[("sec-fetch-mode", "navigate")])));
    }

    #[test]
    fn login_url_encodes_the_return_path() {
        let base = url::Url::parse("https://app.example.com/ignored").unwrap();
        assert_eq!(
            login_url(&base, Some("/a b?x=1&y=2")),
            "https://app.example.com/auth/login?return_to=%2Fa+b%3Fx%3D1%26y%3D2"
        );
        assert_eq!(login_url(&base, None), "https://app.example.com/auth/login");
    }

    #[test]
    fn login_required_redirects_browsers_and_answers_apis_with_json() {
        let base = url::Url::parse("https://app.example.com").unwrap();
        let uri: http::Uri = "/orders?page=2".parse().unwrap();
        let page = login_required(&base, &with(&[("accept", "text/html")]), &uri);
        assert_eq!(page.status(), http::StatusCode::SEE_OTHER);
        assert_eq!(
            page.headers()["location"],
            "https://app.example.com/auth/login?return_to=%2Forders%3Fpage%3D2"
        );
        let api = login_required(&base, &with(&[("accept", "application/json")]), &uri);
        assert_eq!(api.status(), http::StatusCode::UNAUTHORIZED);
        assert_eq!(api.headers()["cache-control"], "no-store");
    }
}
