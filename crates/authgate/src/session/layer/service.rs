//! [`SessionAuth`]: the service a [`SessionAuthLayer`](super::SessionAuthLayer) wraps
//! around a route.

use crate::BearerAuthLayer;
use crate::rejection;
use crate::session::Sessions;
use axum::body::Body;
use axum::response::Response;
use futures_util::future::BoxFuture;
use http::header::AUTHORIZATION;
use http::{Request, StatusCode};
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// Authenticates each request by session cookie (or bearer token in `any` mode), then calls
/// the inner service with the principal in the request extensions.
#[derive(Debug, Clone)]
pub struct SessionAuth<S> {
    inner: S,
    sessions: Sessions,
    bearer: Option<BearerAuthLayer>,
}

impl<S> SessionAuth<S> {
    pub(crate) fn new(inner: S, sessions: Sessions, bearer: Option<BearerAuthLayer>) -> Self {
        SessionAuth {
            inner,
            sessions,
            bearer,
        }
    }
}

impl<S, B, ResBody> Service<Request<B>> for SessionAuth<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
    ResBody: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone is not ready; the ready one moves into the future (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if let Some(bearer) = &self.bearer
            && request.headers().contains_key(AUTHORIZATION)
        {
            return Box::pin(bearer.layer(inner).call(request));
        }
        let sessions = self.sessions.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            match sessions.authenticate(&parts.headers).await {
                Ok(Some(principal)) => {
                    parts.extensions.insert(principal);
                    let response = inner.call(Request::from_parts(parts, body)).await?;
                    Ok(response.map(Body::new))
                }
                Ok(None) => Ok(sessions.login_required(&parts.headers, &parts.uri)),
                Err(e) => {
                    tracing::error!(error = %e, "session store failed");
                    Ok(rejection::session_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "temporarily_unavailable",
                    ))
                }
            }
        })
    }
}
