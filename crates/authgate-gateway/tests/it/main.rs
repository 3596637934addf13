//! Integration tests of the authgate gateway: one binary, one module per area.

mod cli;
mod config;
mod doctor;
mod forward_auth;
mod nginx;
mod headers;
mod proxy;
mod routes;
mod support;
mod ratelimit;
mod server;
mod telemetry;
