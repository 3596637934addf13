//! [`SessionAuthLayer`]: route protection by session cookie (or, in `any` mode, a bearer
//! token when the request carries an `Authorization` header).
//!
//! The layer puts the [`Principal`](authgate_core::Principal) in the request extensions, where
//! [`Auth`](crate::Auth) and the route layers ([`RequireRole`](crate::RequireRole), …) read it,
//! exactly as after [`BearerAuthLayer`](crate::BearerAuthLayer).
//!
//! | request | response |
//! |---|---|
//! | live session cookie | the inner service, with the principal |
//! | no (or an unknown, expired, tampered) cookie, browser navigation | 303 to `/auth/login?return_to=…` |
//! | the same, API call ([`is_api_request`](crate::session::is_api_request)) | 401 `{"error":"login_required","login_url":…}` |
//! | `any` mode with an `Authorization` header | exactly what [`BearerAuthLayer`](crate::BearerAuthLayer) answers |
//! | the session store fails | 503 `temporarily_unavailable` |

mod service;

pub use self::service::SessionAuth;

use crate::BearerAuthLayer;
use crate::session::Sessions;
use crate::verifier::Verifier;
use tower::Layer;

/// A tower [`Layer`] authenticating requests by their session cookie. See the module docs.
#[derive(Debug, Clone)]
pub struct SessionAuthLayer {
    sessions: Sessions,
    bearer: Option<BearerAuthLayer>,
}

impl SessionAuthLayer {
    /// Session cookie only: an `Authorization` header is ignored.
    pub fn session(sessions: Sessions) -> Self {
        SessionAuthLayer {
            sessions,
            bearer: None,
        }
    }

    /// A bearer token when the request has an `Authorization` header (verified by `bearer`,
    /// with [`BearerAuthLayer`]'s answers), else the session cookie.
    pub fn any(sessions: Sessions, bearer: Verifier) -> Self {
        SessionAuthLayer {
            sessions,
            bearer: Some(BearerAuthLayer::new(bearer)),
        }
    }
}

impl<S> Layer<S> for SessionAuthLayer {
    type Service = SessionAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionAuth::new(inner, self.sessions.clone(), self.bearer.clone())
    }
}
