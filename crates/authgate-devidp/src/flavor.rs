//! Token flavors: which real provider's token shape to imitate.

use crate::demo;
use std::fmt;
use std::str::FromStr;

/// The provider whose token shapes are imitated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Entra ID v1.0 access tokens (`sts.windows.net`-style issuer, `appid`, `ver: "1.0"`).
    EntraV1,
    /// Entra ID v2.0 access tokens (`login.microsoftonline.com/{tid}/v2.0`, `azp`, `ver: "2.0"`).
    EntraV2,
    /// Google ID tokens.
    Google,
    /// Okta custom authorization server access tokens (`scp` array, `cid`, `uid`).
    Okta,
    /// Auth0 access tokens (trailing-slash issuer, `permissions`).
    Auth0,
    /// A generic RFC 9068 (`typ: at+jwt`) OIDC provider.
    Oidc,
}

impl Flavor {
    /// Every flavor, in a stable order.
    pub const ALL: [Flavor; 6] = [
        Flavor::EntraV1,
        Flavor::EntraV2,
        Flavor::Google,
        Flavor::Okta,
        Flavor::Auth0,
        Flavor::Oidc,
    ];

    /// The name used by the HTTP mint endpoint and the index (`entra-v2`, `google`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Flavor::EntraV1 => "entra-v1",
            Flavor::EntraV2 => "entra-v2",
            Flavor::Google => "google",
            Flavor::Okta => "okta",
            Flavor::Auth0 => "auth0",
            Flavor::Oidc => "oidc",
        }
    }

    /// Whether this is one of the Entra ID flavors (which have tenants).
    pub fn is_entra(self) -> bool {
        matches!(self, Flavor::EntraV1 | Flavor::EntraV2)
    }

    /// The audience minted tokens carry unless the request names another.
    pub fn default_audience(self) -> &'static str {
        match self {
            Flavor::EntraV1 => demo::ENTRA_V1_AUDIENCE,
            Flavor::EntraV2 => demo::ENTRA_API_CLIENT_ID,
            Flavor::Google => demo::GOOGLE_CLIENT_ID,
            Flavor::Okta => demo::OKTA_AUDIENCE,
            Flavor::Auth0 => demo::AUTH0_AUDIENCE,
            Flavor::Oidc => demo::OIDC_AUDIENCE,
        }
    }

    /// The client (application) id minted tokens name as their presenter
    /// (`appid`/`azp`/`cid`/`client_id`).
    pub fn client_id(self) -> &'static str {
        match self {
            Flavor::EntraV1 | Flavor::EntraV2 => demo::ENTRA_CLIENT_APP_ID,
            Flavor::Google => demo::GOOGLE_CLIENT_ID,
            Flavor::Okta => demo::OKTA_CLIENT_ID,
            Flavor::Auth0 => demo::AUTH0_CLIENT_ID,
            Flavor::Oidc => demo::OIDC_CLIENT_ID,
        }
    }

    /// A dense index (position in [`Flavor::ALL`]) for per-flavor counters.
    pub(crate) fn index(self) -> usize {
        match self {
            Flavor::EntraV1 => 0,
            Flavor::EntraV2 => 1,
            Flavor::Google => 2,
            Flavor::Okta => 3,
            Flavor::Auth0 => 4,
            Flavor::Oidc => 5,
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for an unknown flavor name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown flavor (expected one of entra-v1, entra-v2, google, okta, auth0, oidc)")]
pub struct UnknownFlavor;

impl FromStr for Flavor {
    type Err = UnknownFlavor;

    /// Parses [`Flavor::name`] spellings.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flavor::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or(UnknownFlavor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_index_matches_all() {
        for (i, f) in Flavor::ALL.into_iter().enumerate() {
            assert_eq!(f.name().parse::<Flavor>(), Ok(f));
            assert_eq!(f.index(), i);
        }
        assert_eq!("Entra".parse::<Flavor>(), Err(UnknownFlavor));
    }
}
