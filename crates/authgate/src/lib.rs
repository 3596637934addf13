//! `authgate`: OAuth 2.0 and OpenID Connect for tower/axum APIs.
//!
//! Bearer-token validation for Entra ID, Google, Okta, Auth0 and any OIDC provider, with a
//! JWKS cache that survives identity-provider hiccups, a verified-token cache, and route
//! layers that enforce scopes, roles and named policies with exact RFC 6750 responses.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod authorize;
mod bearer;
mod config;
mod http_client;
mod jwks;
pub mod login;
mod provider;
mod rejection;
pub mod session;
mod token_cache;
mod verifier;

pub use crate::authorize::{
    Authorize, AuthorizeFuture, Policies, PolicyError, RequirePolicy, RequireRole, RequireScope,
};
pub use crate::bearer::{
    Auth, BearerAuth, BearerAuthFuture, BearerAuthLayer, bearer_token, bearer_token_on_connection,
};
pub use crate::config::{
    AuthConfig, ClientSecret, ConfigError, ConfigProblem, JwksConfig, ProviderConfig, ProviderKind,
};
pub use crate::http_client::{HttpClient, HttpClientBuilder, HttpClientError};
pub use crate::jwks::KeySetStatus;
pub use crate::rejection::{Rejection, RejectionKind};
pub use crate::session::{SessionAuthLayer, SessionConfig, Sessions};
pub use crate::verifier::{BuildError, ConnectionMemo, Verifier, VerifierBuilder};

pub use authgate_core::{
    Clock, Denial, FixedClock, Policy, PolicySpec, Principal, SystemClock, UnixTime, VerifyError,
    VerifyErrorKind,
};
