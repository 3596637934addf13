//! `authgate-core`: the pure vocabulary and verification logic of authgate.
//!
//! Nothing here performs I/O: no async runtime, no HTTP, no database. Everything that checks
//! time takes a [`Clock`]; everything that needs keys takes a [`KeySet`].
//!
//! The verification pipeline follows `shared/reference/security.md` §1:
//! [`Jws::parse`] (size gate, strict base64url, strict JSON) → [`verify_jws`] (algorithm
//! allow-list, key resolution, signature, token kind, `iss`, `aud`, time claims) →
//! [`Principal::from_claims`] → [`Policy::evaluate`].

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

mod claims;
mod clock;
mod error;
mod jose;
mod jwk;
mod policy;
mod principal;
mod seal;
mod secret;
pub mod store;
mod validation;
mod verify;

pub use crate::claims::Claims;
pub use crate::clock::{Clock, FixedClock, SystemClock, UnixTime};
pub use crate::error::{VerifyError, VerifyErrorKind};
pub use crate::jose::{Algorithm, Header, Jws, MAX_TOKEN_BYTES, SigningKey, VerifyingKey};
pub use crate::jwk::{KeyEntry, KeySet, KeySetError};
pub use crate::policy::{Denial, Policy, PolicySpec};
pub use crate::principal::{ClaimMapping, Principal};
pub use crate::seal::{MasterKeys, SealError};
pub use crate::secret::{SecretBytes, SecretString};
pub use crate::validation::{IssuerRule, TokenKind, Validation, is_entra_access_token, is_guid};
pub use crate::verify::verify_jws;

/// Operations that bypass verification. Never use their output for an authorization decision.
pub mod dangerous {
    pub use crate::jose::decode_unverified;
}
