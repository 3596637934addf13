//! [`BearerAuth`]: the service a [`BearerAuthLayer`](crate::BearerAuthLayer) wraps around a route.

use crate::bearer::BearerContext;
use crate::bearer::credential::{self, Credential};
use crate::bearer::future::BearerAuthFuture;
use crate::bearer::layer::Settings;
use crate::rejection::Rejection;
use authgate_core::{Principal, VerifyError, VerifyErrorKind};
use axum::body::Body;
use axum::response::Response;
use futures_util::future::BoxFuture;
use http::Request;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::Service;

/// Authenticates each request, then calls the inner service with the
/// [`Principal`] in the request extensions. Built by [`BearerAuthLayer`](crate::BearerAuthLayer).
#[derive(Debug, Clone)]
pub struct BearerAuth<S> {
    inner: S,
    settings: Arc<Settings>,
}

impl<S> BearerAuth<S> {
    pub(crate) fn new(inner: S, settings: Arc<Settings>) -> Self {
        BearerAuth { inner, settings }
    }

    fn context(&self) -> BearerContext {
        BearerContext {
            realm: self.settings.realm.clone(),
        }
    }

    /// Verifies `token` against the configured providers, as a `'static` future.
    fn verify(&self, token: String) -> BoxFuture<'static, Result<Principal, VerifyError>> {
        let settings = Arc::clone(&self.settings);
        Box::pin(async move {
            match &settings.providers {
                Some(ids) => settings.verifier.verify_for(&token, ids).await,
                None => settings.verifier.verify(&token).await,
            }
        })
    }
}

impl<S, B, ResBody> Service<Request<B>> for BearerAuth<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone,
    ResBody: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BearerAuthFuture<S, B>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // The clone is not ready; the ready one moves into the future (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let context = self.context();
        let realm = context.realm.clone();
        let token = match credential::extract(request.headers(), request.uri()) {
            Err(error) => return BearerAuthFuture::rejected(error.into_rejection(realm)),
            Ok(Credential::Absent) if self.settings.optional => None,
            Ok(Credential::Absent) => {
                return BearerAuthFuture::rejected(Rejection::missing_credentials(realm));
            }
            Ok(Credential::Token(token)) => Some(token.to_owned()),
        };
        match token {
            Some(token) => BearerAuthFuture::verifying(self.verify(token), request, inner, context),
            None => {
                request.extensions_mut().insert(context);
                BearerAuthFuture::calling(inner.call(request))
            }
        }
    }
}

/// The response for a failed verification. The [`Verifier`](crate::Verifier) has already
/// logged the failure (its kind and detail, never the token: client mistakes at debug, key
/// outages at error), so nothing is logged twice here.
pub(crate) fn rejection_for(error: &VerifyError, realm: Option<Arc<str>>) -> Rejection {
    if error.kind() == VerifyErrorKind::KeysUnavailable {
        return Rejection::temporarily_unavailable();
    }
    Rejection::invalid_token(realm)
}
