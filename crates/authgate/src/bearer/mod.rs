//! Bearer-token authentication (RFC 6750) as a tower middleware.
//!
//! [`BearerAuthLayer`] takes the token from the `Authorization` header, verifies it with a
//! [`Verifier`](crate::Verifier), and puts the [`Principal`](authgate_core::Principal) in the
//! request extensions; the [`Auth`] extractor reads it back, and the route layers of
//! `authorize` ([`RequireScope`](crate::RequireScope), …) check it.
//!
//! ```no_run
//! use authgate::{Auth, AuthConfig, BearerAuthLayer, RequireScope, Verifier};
//! use axum::{Router, routing::get};
//!
//! async fn data(Auth(principal): Auth) -> String {
//!     format!("hello {}", principal.subject)
//! }
//!
//! # async fn build(config: AuthConfig) -> Result<Router, Box<dyn std::error::Error>> {
//! let verifier = Verifier::from_config(&config).await?;
//! let app = Router::new()
//!     .route("/data", get(data))
//!     .route_layer(RequireScope::new(["read_data"]))
//!     .layer(BearerAuthLayer::new(verifier).realm("orders-api"));
//! # Ok(app) }
//! ```
//!
//! # What the layer answers
//!
//! | request | response |
//! |---|---|
//! | no `Authorization`, `Bearer` with no token, or another scheme (`Basic`) | 401 `WWW-Authenticate: Bearer` (no error attribute, RFC 6750 §3.1) |
//! | two `Authorization` headers, `Bearer a, Bearer b`, a tab or two spaces after `Bearer` | 400 `error="invalid_request"` |
//! | `?access_token=` together with the header | 400 `error="invalid_request"` |
//! | `?access_token=` alone | 401 bare `Bearer` challenge: the query method is never accepted |
//! | a token that fails any verification step | 401 `error="invalid_token"`, body `{"error":"invalid_token"}` |
//! | the issuer's keys are unavailable (IdP down past the stale bound) | 503 `Retry-After: 5` |
//!
//! Every rejection is built in `rejection.rs` and carries `Cache-Control: no-store`.
//!
//! # Policies
//!
//! - **Grammar (JWT-B02, JWT-F12).** Exactly `Bearer`, one space, a `b64token`. The scheme is
//!   case-insensitive. Extra whitespace is refused, not trimmed, so the token the verifier sees
//!   is byte for byte what the client sent.
//! - **Transport (JWT-B05…B07).** Only the header. The query method leaks tokens into logs and
//!   `Referer` (RFC 9700 §4.3); the form-body method is not supported and the body is never
//!   read (the layer streams it untouched), so a token in a body is never accepted.
//! - **Keys unavailable → 503, not 401.** The token may be perfectly good: a 401 would tell
//!   every client to throw it away and send users back through login, a refresh storm aimed at
//!   an identity provider that is already down. A 503 with `Retry-After` says what happened
//!   (the server cannot check right now), lets clients and load balancers retry, and shows up
//!   in 5xx alerts where it belongs. The verifier logs it at error level. It never lets a
//!   request through: the layer fails closed.
//! - **Nothing leaks.** No response says which check failed; the verifier logs the kind and
//!   detail of each failure at debug level, never the token.
//! - **Optional mode.** [`BearerAuthLayer::optional`] lets requests with no bearer credential
//!   (no header, or another scheme such as `Basic`) through anonymously; a bearer token that is
//!   present must still be valid, and a query `access_token` is still refused.
//! - **CORS.** Browsers send preflight `OPTIONS` requests without credentials: put a CORS
//!   layer outside this one (add it with `.layer(...)` after this layer) so preflights are
//!   answered before authentication.

mod credential;
mod extract;
mod future;
mod layer;
mod service;

pub use self::credential::{bearer_token, bearer_token_on_connection};
pub use self::extract::Auth;
pub use self::future::BearerAuthFuture;
pub use self::layer::BearerAuthLayer;
pub use self::service::BearerAuth;

use std::sync::Arc;

/// Marks a request as handled by a [`BearerAuthLayer`], so extractors and route layers can
/// tell "no token in optional mode" (401) from "no layer at all" (a 500 misconfiguration).
#[derive(Debug, Clone)]
pub(crate) struct BearerContext {
    pub(crate) realm: Option<Arc<str>>,
}
