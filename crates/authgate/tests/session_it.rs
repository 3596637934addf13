//! Sessions and the `/auth/*` endpoints end to end: an axum app on loopback with
//! `Sessions::router()` and routes behind `SessionAuthLayer`, the real dev identity provider,
//! and a browser stand-in that keeps cookies and follows redirects by hand. Tests guarding a
//! security.md rule are named after its id.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "session_it/browser.rs"]
mod browser;
#[path = "session_it/expiry.rs"]
mod expiry;
#[path = "session_it/fixation.rs"]
mod fixation;
#[path = "session_it/flavors.rs"]
mod flavors;
#[path = "session_it/flow.rs"]
mod flow;
#[path = "session_it/link.rs"]
mod link;
#[path = "session_it/logout.rs"]
mod logout;
#[path = "session_it/named_bcp.rs"]
mod named_bcp;
#[path = "session_it/refresh.rs"]
mod refresh;
#[path = "session_it/robustness.rs"]
mod robustness;
#[path = "session_it/support.rs"]
mod support;
