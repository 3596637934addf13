//! The multi-issuer verifier: routes a token by its unverified `iss` to the configured provider
//! (never to a URL taken from the token), consults the verified-token cache, verifies.

use crate::config::{AuthConfig, ProviderConfig};
use authgate_core::{Clock, Principal, VerifyError};
use std::sync::Arc;

/// Why a verifier could not be built (bad configuration, or keys unreachable in strict start).
#[derive(Debug)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

/// Verifies bearer tokens from every configured provider. Cheap to clone.
#[derive(Clone)]
pub struct Verifier {
    #[allow(dead_code)]
    inner: Arc<()>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier")
    }
}

/// Builds a [`Verifier`].
pub struct VerifierBuilder {
    #[allow(dead_code)]
    providers: Vec<ProviderConfig>,
    #[allow(dead_code)]
    clock: Option<Arc<dyn Clock>>,
}

impl Verifier {
    /// A builder with no providers.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder { providers: Vec::new(), clock: None }
    }

    /// Builds a verifier for every provider of `config`, fetching discovery and keys.
    pub async fn from_config(config: &AuthConfig) -> Result<Self, BuildError> {
        let mut b = Self::builder();
        for p in &config.providers {
            b = b.provider(p.clone());
        }
        b.build().await
    }

    /// Verifies `token` against whichever configured provider its `iss` names.
    pub async fn verify(&self, token: &str) -> Result<Principal, VerifyError> {
        todo!("{}", token.len())
    }

    /// Like [`Verifier::verify`], but only providers whose id is in `provider_ids` are trusted.
    pub async fn verify_for(&self, token: &str, provider_ids: &[String]) -> Result<Principal, VerifyError> {
        todo!("{} {provider_ids:?}", token.len())
    }

    /// Whether every provider has a usable key set (for readiness).
    pub fn is_ready(&self) -> bool {
        todo!()
    }

    /// Ids of the configured providers.
    pub fn provider_ids(&self) -> Vec<String> {
        todo!()
    }
}

impl VerifierBuilder {
    /// Adds a provider.
    pub fn provider(mut self, p: ProviderConfig) -> Self {
        self.providers.push(p);
        self
    }

    /// Uses `clock` for every time check (tests pass a [`authgate_core::FixedClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the verifier, fetching discovery documents and keys with retry.
    pub async fn build(self) -> Result<Verifier, BuildError> {
        todo!()
    }
}
