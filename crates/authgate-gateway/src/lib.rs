//! `authgate-gateway`: the `authgate` binary as a library of glue over `authgate`: validated
//! configuration, the route table, the streaming proxy, forward-auth, sign-in and sessions,
//! the store, telemetry, rate limits, the server (TLS, shutdown, reload) and the `doctor`
//! diagnostics.

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

pub mod app;
pub mod config;
pub mod doctor;
mod fast_hash;
pub mod forward_auth;
pub mod health;
pub mod pipeline;
pub mod proxy;
pub mod ratelimit;
pub mod routes;
pub mod server;
pub mod service;
mod signin;
pub mod store;
pub mod telemetry;
