//! One sign-in provider: its configuration, lazily loaded metadata and client authentication.

use super::LoginError;
use super::metadata::{self, Metadata};
use super::transport::Auth;
use crate::config::{ProviderConfig, ProviderKind};
use crate::http_client::HttpClient;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// A provider with `login = true`.
pub(crate) struct Provider {
    /// Its validated configuration.
    pub(crate) cfg: ProviderConfig,
    metadata: OnceCell<Arc<Metadata>>,
}

impl Provider {
    /// Wraps a validated entry.
    pub(crate) fn new(cfg: ProviderConfig) -> Self {
        Provider {
            cfg,
            metadata: OnceCell::new(),
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

    /// The metadata, fetched on first use (a failure is retried by the next call).
    pub(crate) async fn metadata(&self, http: &HttpClient) -> Result<Arc<Metadata>, LoginError> {
        self.metadata
            .get_or_try_init(|| async {
                metadata::load(&self.cfg, http).await.map(Arc::new).map_err(|e| {
                    tracing::error!(provider = %self.cfg.id, error = %e, "sign-in metadata unavailable");
                    LoginError::Unavailable(format!("provider metadata: {e}"))
                })
            })
            .await
            .cloned()
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
