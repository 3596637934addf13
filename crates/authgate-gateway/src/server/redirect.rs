//! The plain-HTTP listener that only redirects to the TLS listener.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::uri::Authority;
use http::{HeaderMap, Method, StatusCode, Uri, header};
use std::sync::Arc;

/// Where redirects point.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `https://host[:port]` of an https `public_url`; `None`: the request's `Host`.
    origin: Option<String>,
    /// The TLS listener's port, used with the request's `Host`.
    tls_port: u16,
}

impl Target {
    /// Redirects to `public_url` when it is https, else to the request's host on `tls_port`.
    pub(crate) fn new(public_url: Option<&url::Url>, tls_port: u16) -> Self {
        let origin = public_url
            .filter(|u| u.scheme() == "https")
            .map(|u| u.origin().ascii_serialization());
        Target { origin, tls_port }
    }

    fn origin_for(&self, headers: &HeaderMap) -> Option<String> {
        if let Some(origin) = &self.origin {
            return Some(origin.clone());
        }
        let host: Authority = headers.get(header::HOST)?.to_str().ok()?.parse().ok()?;
        Some(match self.tls_port {
            443 => format!("https://{}", host.host()),
            port => format!("https://{}:{port}", host.host()),
        })
    }
}

/// A router that answers every request with a redirect to the same path and query over
/// https: 301 for GET and HEAD, 308 (method and body kept) for the others.
pub(crate) fn router(target: Target) -> Router {
    Router::new()
        .fallback(redirect)
        .with_state(Arc::new(target))
}

async fn redirect(
    State(target): State<Arc<Target>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(origin) = target.origin_for(&headers) else {
        return (StatusCode::BAD_REQUEST, "missing or invalid Host header").into_response();
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let path = if path.starts_with('/') { path } else { "/" };
    let status = if method == Method::GET || method == Method::HEAD {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::PERMANENT_REDIRECT
    };
    (status, [(header::LOCATION, format!("{origin}{path}"))]).into_response()
}
