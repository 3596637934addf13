//! The `github` flavor: plain OAuth 2.0 as GitHub serves it (no ID token, no discovery), under
//! `/github`:
//!
//! - `GET /github/login/oauth/authorize` (`client_id`, `redirect_uri`, `scope`, `state`,
//!   `login` picks a demo user, optional PKCE S256): approves at once, redirects with `code`
//!   and `state` (no `iss`).
//! - `POST /github/login/oauth/access_token` (`client_id` + `client_secret` in the form or
//!   HTTP Basic, `code`, `redirect_uri`, `code_verifier`): JSON with `Accept:
//!   application/json`, else form-encoded; `token_type` is lowercase `bearer` and `scope` is
//!   comma-separated; errors come with status 200 and an `error` member, as on GitHub.
//! - `GET /github/api/user` and `GET /github/api/user/emails` with `Authorization: Bearer`
//!   (or `token`) and a `User-Agent` (GitHub refuses requests without one); the e-mail list
//!   needs the `user:email` (or `user`) scope, else 404.

mod api;
mod authorize;
mod token;

use crate::idp::DevIdp;
use axum::Router;
use axum::routing::{get, post};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a code may be redeemed.
const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// The `/github` routes.
pub(crate) fn routes() -> Router<DevIdp> {
    Router::new()
        .route("/github/login/oauth/authorize", get(authorize::authorize))
        .route(
            "/github/login/oauth/access_token",
            post(token::access_token),
        )
        .route("/github/api/user", get(api::user))
        .route("/github/api/user/emails", get(api::emails))
}

/// A code's facts.
#[derive(Debug, Clone)]
struct Code {
    client_id: String,
    redirect_uri: Option<String>,
    challenge: Option<String>,
    user: &'static str,
    scopes: Vec<String>,
    expires: Instant,
}

/// An access token's facts (GitHub OAuth app tokens do not expire).
#[derive(Debug, Clone)]
struct Token {
    user: &'static str,
    scopes: Vec<String>,
}

/// Codes, tokens and hit counters of the github flavor.
#[derive(Debug, Default)]
pub(crate) struct Github {
    codes: Mutex<HashMap<String, Code>>,
    tokens: Mutex<HashMap<String, Token>>,
    token_hits: AtomicU64,
    api_hits: AtomicU64,
}

impl Github {
    fn issue_code(&self, code: String, entry: Code) {
        let now = Instant::now();
        let mut codes = self.codes.lock().unwrap_or_else(PoisonError::into_inner);
        codes.retain(|_, c| c.expires > now);
        codes.insert(code, entry);
    }

    fn redeem_code(&self, code: &str) -> Option<Code> {
        let mut codes = self.codes.lock().unwrap_or_else(PoisonError::into_inner);
        codes.remove(code).filter(|c| c.expires > Instant::now())
    }

    fn issue_token(&self, token: String, entry: Token) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.insert(token, entry);
    }

    fn token(&self, token: &str) -> Option<Token> {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.get(token).cloned()
    }
}

impl DevIdp {
    /// Requests to the github flavor's `access_token` endpoint.
    pub fn github_token_hits(&self) -> u64 {
        self.inner().github.token_hits.load(Ordering::SeqCst)
    }

    /// Requests to the github flavor's user API (`/user` and `/user/emails`).
    pub fn github_api_hits(&self) -> u64 {
        self.inner().github.api_hits.load(Ordering::SeqCst)
    }

    /// The github flavor's authorization endpoint (`{base}/github/login/oauth/authorize`).
    pub fn github_authorize_url(&self) -> String {
        self.inner().urls.at("/github/login/oauth/authorize")
    }

    /// The github flavor's token endpoint (`{base}/github/login/oauth/access_token`).
    pub fn github_token_url(&self) -> String {
        self.inner().urls.at("/github/login/oauth/access_token")
    }

    /// The github flavor's user API (`{base}/github/api/user`; e-mails at `{..}/emails`).
    pub fn github_user_api_url(&self) -> String {
        self.inner().urls.at("/github/api/user")
    }
}
