//! One sign-in provider: its configuration, lazily loaded and refreshed metadata and client
//! authentication.

use super::LoginError;
use super::metadata::{self, Metadata, MetadataCache};
use super::transport::Auth;
use crate::config::{ProviderConfig, ProviderKind};
use crate::http_client::HttpClient;
use authgate_core::Clock;
use std::sync::Arc;

/// A provider with `login = true`.
pub(crate) struct Provider {
    /// Its validated configuration.
    pub(crate) cfg: ProviderConfig,
    metadata: MetadataCache,
    clock: Arc<dyn Clock>,
}

impl Provider {
    /// Wraps a validated entry; `clock` times the metadata's lifetime.
    pub(crate) fn new(cfg: ProviderConfig, clock: Arc<dyn Clock>) -> Self {
        Provider {
            cfg,
            metadata: MetadataCache::default(),
            clock,
        }
    }

    /// The provider id.
    pub(crate) fn id(&self) -> &str {
        &self.cfg.id
    }

    /// The OAuth client id.
    pub(crate) fn client_id(&self) -> &str {
        self.cfg.client_id.as_deref().unwrap_or_default()
    }

    /// Whether this is a public client (no secret).
    pub(crate) fn is_public(&self) -> bool {
        self.secret().is_none()
    }

    /// Whether this is GitHub (no ID token).
    pub(crate) fn is_github(&self) -> bool {
        self.cfg.kind == ProviderKind::Github
    }

    /// Whether plain `http` is allowed for its endpoints beyond loopback.
    pub(crate) fn allow_http(&self) -> bool {
        self.cfg.insecure_allow_http
    }

    /// The metadata: fetched on first use, refreshed on use after it expires (a failed
    /// refresh keeps the last good document; a failed first fetch is retried by the next call).
    pub(crate) async fn metadata(&self, http: &HttpClient) -> Result<Arc<Metadata>, LoginError> {
        let load = || metadata::load(&self.cfg, http);
        self.metadata
            .get(&self.cfg.id, self.clock.as_ref(), load)
            .await
            .map_err(|e| {
                tracing::error!(provider = %self.cfg.id, error = %e, "sign-in metadata unavailable");
                LoginError::Unavailable(format!("provider metadata: {e}"))
            })
    }

    /// The scopes requested at sign-in.
    pub(crate) fn scopes(&self) -> String {
        if !self.cfg.login_scopes.is_empty() {
            return self.cfg.login_scopes.join(" ");
        }
        match self.cfg.kind {
            ProviderKind::Google => "openid email profile".into(),
            ProviderKind::Github => "read:user user:email".into(),
            _ => "openid email profile offline_access".into(),
        }
    }

    /// What the sign-in button says.
    pub(crate) fn display_name(&self) -> String {
        self.cfg
            .display_name
            .clone()
            .unwrap_or_else(|| self.cfg.id.clone())
    }

    /// Client authentication for a token-endpoint request: HTTP Basic by default (RFC 6749
    /// §2.3.1), `client_secret_post` when that is all the provider lists, `client_id` alone for
    /// a public client. Adds the form members it needs to `form`.
    pub(crate) fn client_auth<'a>(
        &'a self,
        md: &Metadata,
        form: &mut Vec<(&'static str, &'a str)>,
    ) -> Auth<'a> {
        match self.secret() {
            None => {
                form.push(("client_id", self.client_id()));
                Auth::None
            }
            Some(secret) if md.prefers_post() => {
                form.push(("client_id", self.client_id()));
                form.push(("client_secret", secret));
                Auth::None
            }
            Some(secret) => Auth::Basic(self.client_id(), secret),
        }
    }

    fn secret(&self) -> Option<&str> {
        self.cfg
            .client_secret
            .as_ref()
            .map(crate::ClientSecret::expose_secret)
            .filter(|s| !s.is_empty())
    }
}
