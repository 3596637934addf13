//! The relying-party login (`authgate::login`) against the real dev identity provider over
//! loopback HTTP: every flavor's sign-in, the callback attacks of security.md §3 named after
//! their BCP ids, users and identities, refresh, revocation and logout.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "login_rp/callback.rs"]
mod callback;
#[path = "login_rp/config.rs"]
mod config;
#[path = "login_rp/flow.rs"]
mod flow;
#[path = "login_rp/link.rs"]
mod link;
#[path = "login_rp/logout.rs"]
mod logout;
#[path = "login_rp/pkce.rs"]
mod pkce;
#[path = "login_rp/refresh.rs"]
mod refresh;
#[path = "login_rp/return_to.rs"]
mod return_to;
#[path = "login_rp/support.rs"]
mod support;
#[path = "login_rp/users.rs"]
mod users;
