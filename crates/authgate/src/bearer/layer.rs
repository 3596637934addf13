//! [`BearerAuthLayer`]: configuration of the bearer authentication middleware.

use crate::bearer::service::BearerAuth;
use crate::verifier::Verifier;
use std::sync::Arc;
use tower::Layer;

/// A tower [`Layer`] that authenticates every request with an RFC 6750 bearer token and puts
/// the verified [`Principal`](authgate_core::Principal) in the request extensions.
///
/// Missing credential: 401 `WWW-Authenticate: Bearer`; bad token: 401
/// `Bearer error="invalid_token"`; ambiguous transport: 400 `invalid_request`; keys
/// unavailable: 503 with `Retry-After`. A request that is let through carries the principal.
#[derive(Debug, Clone)]
pub struct BearerAuthLayer {
    pub(crate) settings: Arc<Settings>,
}

/// What a [`BearerAuthLayer`] was configured with; shared by every service it builds.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) verifier: Verifier,
    pub(crate) providers: Option<Vec<String>>,
    pub(crate) optional: bool,
    pub(crate) realm: Option<Arc<str>>,
}

impl BearerAuthLayer {
    /// Requires a valid bearer token from any provider of `verifier`.
    pub fn new(verifier: Verifier) -> Self {
        let settings = Settings {
            verifier,
            providers: None,
            optional: false,
            realm: None,
        };
        BearerAuthLayer {
            settings: Arc::new(settings),
        }
    }

    /// Trusts only the providers with these ids (for example `["entra"]`); a token from any
    /// other configured provider is an `invalid_token`. An id the verifier does not know is
    /// logged as a warning here, once, and simply never matches.
    pub fn providers<I, P>(self, ids: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<String>,
    {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        let known = self.settings.verifier.provider_ids();
        for unknown in ids.iter().filter(|id| !known.contains(id)) {
            tracing::warn!(provider = %unknown.escape_debug(), "BearerAuthLayer: no provider with this id is configured");
        }
        self.with(|s| s.providers = Some(ids))
    }

    /// Lets requests without any credential through with no principal (handlers take
    /// `Option<Auth>`). A credential that is present is still verified: a bad token is a 401,
    /// never an anonymous request.
    pub fn optional(self) -> Self {
        self.with(|s| s.optional = true)
    }

    /// Adds `realm="…"` to every challenge (RFC 6750 §3). Characters outside visible ASCII
    /// and space are dropped; quotes are escaped.
    pub fn realm(self, realm: impl Into<String>) -> Self {
        let realm: Arc<str> = Arc::from(realm.into());
        self.with(|s| s.realm = Some(realm))
    }

    fn with(self, change: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Arc::unwrap_or_clone(self.settings);
        change(&mut settings);
        BearerAuthLayer {
            settings: Arc::new(settings),
        }
    }
}

impl<S> Layer<S> for BearerAuthLayer {
    type Service = BearerAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BearerAuth::new(inner, Arc::clone(&self.settings))
    }
}
