//! `authgate-devidp`: a local OpenID provider for development and tests.
//!
//! It serves discovery and JWKS and mints tokens shaped exactly like Entra ID (v1, v2,
//! app-only), Google, Okta, Auth0 and generic OIDC tokens, with key rotation and fault
//! injection (JWKS down, slow, malformed, 429) so reliability rules can be tested over HTTP.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod flavor;
mod idp;

pub use crate::flavor::Flavor;
pub use crate::idp::{DevIdp, Fault, MintRequest, RunningIdp};
