//! Route authorization: scopes, roles and named policies over the verified
//! [`Principal`](authgate_core::Principal).
//!
//! The layers here run after [`BearerAuthLayer`](crate::BearerAuthLayer) (in axum: add them
//! with `route_layer` on the routes, and the bearer layer with `layer` after them, so it runs
//! first).
//!
//! ```no_run
//! use authgate::{AuthConfig, BearerAuthLayer, Policies, RequirePolicy, RequireRole, Verifier};
//! use axum::{Router, routing::get};
//!
//! # async fn build(config: AuthConfig) -> Result<Router, Box<dyn std::error::Error>> {
//! // [policies.RequireReadAccess] scopes = ["read_data"]  (ASP.NET Core's AddPolicy)
//! let policies = Policies::from_config(&config)?;
//! let verifier = Verifier::from_config(&config).await?;
//! let app = Router::new()
//!     .route("/data", get(|| async { "data" }))
//!     .route_layer(RequirePolicy::named(&policies, "RequireReadAccess")?)
//!     .route("/admin", get(|| async { "admin" }).route_layer(RequireRole::new(["Admin"])))
//!     .layer(BearerAuthLayer::new(verifier));
//! # Ok(app) }
//! ```
//!
//! # What the layers answer
//!
//! - the policy denies the principal: **403**
//!   `WWW-Authenticate: Bearer error="insufficient_scope", scope="<missing scopes>"` and
//!   `{"error":"insufficient_scope","scope":"…"}`. `scope` lists the scopes that would satisfy
//!   the policy (RFC 6750 §3); it is left out when no scope would (a missing role, an app-only
//!   token at a user route). Why exactly the policy failed is logged at debug level only.
//! - an optional bearer layer saw no credential: **401** with a bare `Bearer` challenge.
//! - no bearer layer ran at all (layer order mistake): **500** and an error log. Answering 401
//!   would blame the client for a server wiring bug; 500 makes the bug visible at once.
//!
//! A named policy that does not exist fails when the router is built
//! ([`RequirePolicy::named`] returns an error), never at request time.

mod future;
mod layer;
mod policies;
mod service;

pub use self::future::AuthorizeFuture;
pub use self::layer::{RequirePolicy, RequireRole, RequireScope};
pub use self::policies::{Policies, PolicyError};
pub use self::service::Authorize;
