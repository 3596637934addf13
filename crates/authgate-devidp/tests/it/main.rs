//! Integration tests of the dev IdP over real loopback HTTP; tokens are checked with
//! `authgate_core`'s parser, key set and signature verification.

mod backchannel;
mod common;
mod devmint;
mod discovery;
mod faults;
mod flow;
mod github;
mod id_tokens;
mod jwks;
mod login_page;
mod revocation;
mod rotation;
mod scoped_keys;
mod tokens;
