#![doc = include_str!("../README.md")]
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

mod backchannel;
mod demo;
mod devmint;
mod discovery;
mod entra;
mod faults;
mod flavor;
mod flow;
mod github;
mod hits;
mod idp;
mod ids;
mod jwks;
mod jws;
mod keys;
mod mint;
mod routes;
mod shape;
mod urls;
mod users;

pub use crate::backchannel::{BackchannelDelivery, LogoutTokenSpec};
pub use crate::demo::{
    AUTH0_AUDIENCE, AUTH0_CLIENT_ID, DEV_CLIENT_SECRET, DEV_TENANT, DEV_TENANT_DOMAIN,
    ENTRA_API_CLIENT_ID, ENTRA_CLIENT_APP_ID, ENTRA_V1_AUDIENCE, GOOGLE_CLIENT_ID, MSA_TENANT,
    OIDC_AUDIENCE, OIDC_CLIENT_ID, OKTA_AUDIENCE, OKTA_CLIENT_ID, SECOND_TENANT,
};
pub use crate::faults::{Endpoint, Fault};
pub use crate::flavor::{Flavor, UnknownFlavor};
pub use crate::idp::{DevIdp, RunningIdp};
pub use crate::mint::{Auth0Dialect, MintRequest, TokenUse};
