//! [`Authorize`]: the service the route layers wrap around a route.

use crate::authorize::future::AuthorizeFuture;
use crate::bearer::BearerContext;
use crate::rejection::Rejection;
use authgate_core::{Policy, Principal};
use axum::response::Response;
use http::{Extensions, Request};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::Service;

/// Checks the request's principal against a policy, then calls the inner service. Built by
/// [`RequirePolicy`](crate::RequirePolicy), [`RequireScope`](crate::RequireScope) and
/// [`RequireRole`](crate::RequireRole).
#[derive(Debug, Clone)]
pub struct Authorize<S> {
    inner: S,
    policy: Arc<Policy>,
}

impl<S> Authorize<S> {
    pub(crate) fn new(inner: S, policy: Arc<Policy>) -> Self {
        Authorize { inner, policy }
    }
}

impl<S, B, ResBody> Service<Request<B>> for Authorize<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = AuthorizeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match check(&self.policy, request.extensions(), request.uri().path()) {
            Ok(()) => AuthorizeFuture::calling(self.inner.call(request)),
            Err(rejection) => AuthorizeFuture::rejected(rejection),
        }
    }
}

/// The policy decision for the principal in `extensions`.
fn check(policy: &Policy, extensions: &Extensions, path: &str) -> Result<(), Rejection> {
    let realm = extensions.get::<BearerContext>().map(|c| c.realm.clone());
    let Some(principal) = extensions.get::<Principal>() else {
        return Err(match realm {
            Some(realm) => Rejection::missing_credentials(realm),
            None => {
                tracing::error!(path = %path, "authorization layer without BearerAuthLayer in front of it: fix the layer order");
                Rejection::misconfigured()
            }
        });
    };
    policy.evaluate(principal).map_err(|denial| {
        tracing::debug!(
            provider = %principal.provider,
            subject = %principal.subject.escape_debug(),
            reasons = ?denial.reasons,
            "policy denied the request"
        );
        Rejection::insufficient_scope(realm.flatten(), denial.missing_scopes)
    })
}
