//! The demo directory: fixed tenants, applications and users that minted tokens name.
//!
//! The values are stable so configuration files and tests can name them.

/// The dev Entra tenant (`tid`) tokens carry unless a request names another.
pub const DEV_TENANT: &str = "8c2d1a4e-5b6f-4c7d-9e8f-0a1b2c3d4e5f";

/// A second Entra tenant, for multi-tenant tests.
pub const SECOND_TENANT: &str = "3f9e7d5c-1b2a-4968-8776-5a4b3c2d1e0f";

/// The verified domain of [`DEV_TENANT`]; discovery accepts it in place of the GUID.
pub const DEV_TENANT_DOMAIN: &str = "authgatedev.onmicrosoft.com";

/// The Microsoft-account (consumers) tenant.
pub const MSA_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The Entra application id of the protected API (the v2 `aud`).
pub const ENTRA_API_CLIENT_ID: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

/// The v1 audience: the API's App ID URI.
pub const ENTRA_V1_AUDIENCE: &str = "api://6e74172b-be56-4843-9ff4-e66a39bb12e3";

/// The Entra application id of the calling client (`azp`/`appid`).
pub const ENTRA_CLIENT_APP_ID: &str = "2a0b4c6d-8e1f-4a3b-9c5d-7e9f1a3b5c7d";

/// The Google OAuth client id (ID token `aud` and `azp`).
pub const GOOGLE_CLIENT_ID: &str = "1234987819200-authgatedev.apps.googleusercontent.com";

/// The Okta `default` authorization server's audience.
pub const OKTA_AUDIENCE: &str = "api://default";

/// The Okta client id (`cid`).
pub const OKTA_CLIENT_ID: &str = "0oa1b2c3d4E5f6G7h8i9";

/// The Auth0 API identifier (`aud`).
pub const AUTH0_AUDIENCE: &str = "https://orders.example.com/api";

/// The Auth0 client id.
pub const AUTH0_CLIENT_ID: &str = "awZfdIir8YFdGZWkvCejDoUb7SjTDicx";

/// The generic OIDC provider's default audience.
pub const OIDC_AUDIENCE: &str = "orders-api";

/// The generic OIDC provider's client id.
pub const OIDC_CLIENT_ID: &str = "dev-client";

/// The client secret every client shares at the token endpoints (a client sending none is
/// public and must use PKCE).
pub const DEV_CLIENT_SECRET: &str = "dev-client-secret";

/// The demo user's Entra object id (`oid`), the same in every tenant.
pub(crate) const ENTRA_USER_OID: &str = "690222be-ff1a-4d56-abd1-7e4f7d38e474";

/// The demo user's pairwise Entra subject.
pub(crate) const ENTRA_USER_SUB: &str = "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ";

/// The calling client's service principal object id (app-only `oid` and `sub`).
pub(crate) const ENTRA_CLIENT_SP_OID: &str = "99999999-8888-4777-8666-555555555555";

/// The demo user's Entra sign-in name.
pub(crate) const ENTRA_USER_UPN: &str = "dev.user@authgatedev.onmicrosoft.com";

/// The demo user's display name.
pub(crate) const USER_NAME: &str = "Dev User";

/// The demo user's e-mail outside Entra.
pub(crate) const USER_EMAIL: &str = "dev.user@example.com";

/// The demo user's Google subject.
pub(crate) const GOOGLE_USER_SUB: &str = "110169484474386276334";

/// The demo user's Okta user id (`uid`).
pub(crate) const OKTA_USER_ID: &str = "00ujmkLgagxeRrAg20g3";

/// The demo user's Auth0 subject.
pub(crate) const AUTH0_USER_SUB: &str = "auth0|64f1c2d3e4b5a69788990011";

/// The demo user's generic OIDC subject.
pub(crate) const OIDC_USER_SUB: &str = "dev-user-1";
