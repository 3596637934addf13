//! Browser sign-in for the seed API (`[login]`, `[session]`, `[secrets]`): the authgate
//! `Login` and `Sessions` over an in-memory store (sessions end when the process does).

use crate::app::AppError;
use crate::config::SeedConfig;
use authgate::login::{Login, LoginProvider};
use authgate::{AuthConfig, HttpClient, Sessions, SystemClock, Verifier};
use authgate_core::MasterKeys;
use authgate_core::store::Stores;
use std::sync::Arc;

/// The sessions and the sign-in providers, when `[login]` is configured.
pub(crate) struct SignIn {
    pub(crate) sessions: Sessions,
    pub(crate) providers: Vec<LoginProvider>,
}

/// Builds sign-in from the configuration; `None` without `[login]`.
pub(crate) fn build(
    config: &SeedConfig,
    auth: &AuthConfig,
    verifier: &Verifier,
) -> Result<Option<SignIn>, AppError> {
    let Some(login_config) = config.login.clone() else {
        return Ok(None);
    };
    let public_url = config
        .server
        .public_url
        .as_deref()
        .ok_or_else(|| problem("server.public_url: required with [login]"))?;
    let public_url =
        url::Url::parse(public_url).map_err(|e| problem(&format!("server.public_url: {e}")))?;
    let secrets = config
        .secrets
        .as_ref()
        .ok_or_else(|| problem("secrets.master_key: required with [login]"))?;
    let keys = MasterKeys::new(&secrets.master_key_id, secrets.master_key.expose_secret())
        .map_err(|e| problem(&format!("secrets.master_key: {e}")))?;
    let http = HttpClient::new().map_err(|e| problem(&e.to_string()))?;
    let stores = Stores::memory();
    let clock = Arc::new(SystemClock);
    let login = Login::new(
        auth,
        login_config,
        public_url.clone(),
        verifier.clone(),
        stores.clone(),
        http,
        clock.clone(),
    )
    .map_err(|e| problem(&e.to_string()))?;
    let providers = login.providers();
    let session_config = config.session.clone().unwrap_or_default();
    let sessions = Sessions::new(
        session_config,
        public_url,
        stores,
        Arc::new(keys),
        login,
        clock,
    )
    .map_err(|e| problem(&e.to_string()))?;
    sessions.spawn_sweeper();
    Ok(Some(SignIn {
        sessions,
        providers,
    }))
}

fn problem(message: &str) -> AppError {
    AppError::SignIn(message.to_owned())
}
