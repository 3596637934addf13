//! The seed API: the API of the original specification, written with the authgate library.
//!
//! | route | protection |
//! |---|---|
//! | `GET /` | none: what the API serves |
//! | `GET /healthz` | none: 200 once every provider's keys are loaded, 503 before |
//! | `GET /data` | a bearer token from any configured provider, policy `RequireReadAccess` |
//! | `GET /azure-protected-data` | a bearer token from provider `entra` with scope `access_as_user`; 503 when no `entra` provider is configured |
//! | `GET /me` | with `[login]`: a browser session (sign in at `/auth/login`) |
//! | `/auth/*` | with `[login]`: sign-in, callback, logout, `/auth/me` (authgate's session endpoints) |
//!
//! `seed-api --config FILE` serves a configuration file (see `seed-api.example.toml`);
//! `seed-api demo` runs everything offline against the in-process dev identity provider.

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

mod app;
mod config;
mod demo;
mod routes;
mod signin;

pub use crate::app::{AppError, ENTRA_PROVIDER, ENTRA_SCOPE, READ_POLICY, build_app, router};
pub use crate::config::{ConfigError, SecretsConfig, SeedConfig, ServerConfig};
pub use crate::demo::{
    DemoIdp, DemoToken, demo_config, demo_config_toml, demo_tokens, instructions, start_idp,
};

use axum::Router;
use tokio::net::TcpListener;

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
