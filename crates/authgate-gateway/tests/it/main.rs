//! Integration tests of the authgate gateway: one binary, one module per area.

mod cli;
mod config;
mod doctor;
mod forward_auth;
mod headers;
mod nginx;
mod proxy;
mod ratelimit;
mod routes;
mod server;
mod sessions;
mod signin_config;
mod signin_support;
mod support;
mod telemetry;
mod upstream_pool;
mod users_cli;
