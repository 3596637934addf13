//! Token flavors: which real provider's token shape to imitate.

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
