//! The dev identity provider: state, HTTP routes, minting.

use crate::flavor::Flavor;
use std::net::SocketAddr;
use std::time::Duration;

/// An injected fault on the JWKS (and discovery) endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Normal operation.
    None,
    /// Respond with this status (e.g. 503).
    Status(u16),
    /// Respond 429 with `Retry-After: secs`.
    TooManyRequests {
        /// Seconds for `Retry-After`.
        retry_after: u64,
    },
    /// Wait this long before answering.
    Slow(Duration),
    /// Never answer.
    Hang,
    /// Answer 200 with this body instead of the JWKS (HTML, `{"keys":[]}`, truncated JSON).
    Body(String),
}

/// What token to mint. Unset fields get realistic defaults for the flavor.
#[derive(Debug, Clone)]
pub struct MintRequest {
    /// The provider shape.
    pub flavor: Flavor,
    /// Audience (defaults to the flavor's demo API audience).
    pub audience: Option<String>,
    /// Subject (defaults to a demo user's).
    pub subject: Option<String>,
    /// Delegated scopes (`scp`/`scope`).
    pub scopes: Vec<String>,
    /// Roles (`roles`, or Auth0 `permissions`).
    pub roles: Vec<String>,
    /// App-only (client credentials) token.
    pub app_only: bool,
    /// Entra tenant id (defaults to the dev tenant).
    pub tenant: Option<String>,
    /// Lifetime (default 1 hour).
    pub lifetime: Duration,
    /// Extra or overriding claims, merged last.
    pub extra_claims: serde_json::Map<String, serde_json::Value>,
}

impl MintRequest {
    /// Defaults for `flavor`.
    pub fn new(flavor: Flavor) -> Self {
        MintRequest {
            flavor,
            audience: None,
            subject: None,
            scopes: Vec::new(),
            roles: Vec::new(),
            app_only: false,
            tenant: None,
            lifetime: Duration::from_secs(3600),
            extra_claims: serde_json::Map::new(),
        }
    }
}

/// The dev identity provider. Cheap to clone; clones share keys and faults.
#[derive(Clone)]
pub struct DevIdp {
    #[allow(dead_code)]
    inner: std::sync::Arc<()>,
}

/// A dev IdP serving on a loopback port, stopped when dropped.
pub struct RunningIdp {
    /// The IdP (mint tokens, rotate keys, inject faults).
    pub idp: DevIdp,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl DevIdp {
    /// A dev IdP whose public base URL is `base_url` (e.g. `http://127.0.0.1:9999`).
    pub fn new(base_url: &str) -> Self {
        todo!("{base_url}")
    }

    /// Binds `127.0.0.1:0`, serves the router in the background, returns the handle.
    pub async fn start_loopback() -> std::io::Result<RunningIdp> {
        todo!()
    }

    /// The axum router serving every flavor's discovery and JWKS.
    pub fn router(&self) -> axum::Router {
        todo!()
    }

    /// The issuer of `flavor` (for Entra, of the dev tenant).
    pub fn issuer(&self, flavor: Flavor) -> String {
        todo!("{flavor:?}")
    }

    /// Mints a token.
    pub fn mint(&self, req: &MintRequest) -> String {
        todo!("{req:?}")
    }

    /// Adds a new signing key and signs with it from now on (the old key stays published).
    pub fn rotate_keys(&self) {
        todo!()
    }

    /// Sets the fault on JWKS/discovery endpoints.
    pub fn set_fault(&self, fault: Fault) {
        todo!("{fault:?}")
    }

    /// How many JWKS requests have been served (to assert single-flight and no fetch storms).
    pub fn jwks_hits(&self) -> u64 {
        todo!()
    }
}
