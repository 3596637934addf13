//! [`Auth`]: the axum extractor for the verified caller.
//!
//! `Principal` lives in `authgate-core` and `FromRequestParts` in axum, so the orphan rule
//! forbids implementing one for the other here: the extractor is the newtype [`Auth`], which
//! derefs to the [`Principal`]. `Option<Auth>` works through axum's
//! `OptionalFromRequestParts`, for routes behind [`BearerAuthLayer::optional`](crate::BearerAuthLayer::optional).

use crate::bearer::BearerContext;
use crate::rejection::Rejection;
use authgate_core::Principal;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use std::ops::Deref;

/// The verified caller, extracted from the request extensions where
/// [`BearerAuthLayer`](crate::BearerAuthLayer) put it.
///
/// ```
/// use authgate::Auth;
///
/// async fn whoami(Auth(principal): Auth) -> String {
///     format!("{} from {}", principal.subject, principal.provider)
/// }
///
/// async fn greet(caller: Option<Auth>) -> String {
///     caller.and_then(|c| c.name.clone()).unwrap_or_else(|| "stranger".into())
/// }
/// ```
///
/// # Rejections
///
/// - no bearer layer ran for this route: **500** and an error log. This is a wiring mistake
///   (the layer was forgotten or added to another router), never a client error, so it must
///   not look like a 401 the client could fix;
/// - the layer is [optional](crate::BearerAuthLayer::optional) and no token was sent: `Auth`
///   answers 401 with a bare `Bearer` challenge, `Option<Auth>` gives `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Auth(pub Principal);

impl Deref for Auth {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl Auth {
    /// The principal.
    pub fn into_inner(self) -> Principal {
        self.0
    }
}

/// The principal, `None` when an optional layer saw no credential, or the 500 when no layer ran.
fn lookup(parts: &Parts) -> Result<Option<Auth>, Rejection> {
    if let Some(principal) = parts.extensions.get::<Principal>() {
        return Ok(Some(Auth(principal.clone())));
    }
    if parts.extensions.get::<BearerContext>().is_some() {
        return Ok(None);
    }
    tracing::error!(
        path = %parts.uri.path(),
        "authgate::Auth extracted on a route without BearerAuthLayer: add the layer to this route"
    );
    Err(Rejection::misconfigured())
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        lookup(parts)?.ok_or_else(|| {
            let realm = parts
                .extensions
                .get::<BearerContext>()
                .and_then(|c| c.realm.clone());
            Rejection::missing_credentials(realm)
        })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Auth {
    type Rejection = Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        lookup(parts)
    }
}
