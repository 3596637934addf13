//! The multi-issuer verifier: routes a token by its unverified `iss` to the configured provider
//! (never to a URL taken from the token), consults the verified-token cache, verifies.

mod login;
mod memo;
mod recall;
mod route;

pub use self::memo::ConnectionMemo;
use self::route::{Route, RouteTable};
use crate::config::validate::check_providers;
use crate::config::{AuthConfig, ConfigError, ProviderConfig};
use crate::http_client::HttpClient;
use crate::jwks::KeySetStatus;
use crate::provider;
use crate::token_cache::{self, Origin, Rival, TokenCache};
use authgate_core::{
    Clock, Jws, MAX_TOKEN_BYTES, Principal, SystemClock, VerifyError, VerifyErrorKind,
};
use std::sync::Arc;
use std::time::Duration;

/// Why a verifier could not be built (bad configuration, or keys unreachable in strict start).
#[derive(Debug)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

impl From<ConfigError> for BuildError {
    fn from(e: ConfigError) -> Self {
        BuildError(e.to_string())
    }
}

/// Verifies bearer tokens from every configured provider. Cheap to clone.
///
/// ```no_run
/// # async fn run(config: authgate::AuthConfig, token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = authgate::Verifier::from_config(&config).await?;
/// let principal = verifier.verify(token).await?;
/// println!("{} from {}", principal.subject, principal.provider);
/// # Ok(()) }
/// ```
///
/// `build()` fetches every issuer's keys once. An issuer that cannot be reached does not fail
/// the build: its provider is not ready ([`Verifier::is_ready`] is false, its tokens fail with
/// `KeysUnavailable`) while a background task retries with backoff.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    /// Which verifier a [`ConnectionMemo`] entry came from: its route indexes and key-set
    /// generations mean nothing to another one (a reload builds a new verifier while
    /// connections stay open).
    id: memo::VerifierId,
    routes: Vec<Route>,
    table: RouteTable,
    clock: Arc<dyn Clock>,
    cache: TokenCache,
    refreshers: Vec<tokio::task::AbortHandle>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.refreshers
            .iter()
            .for_each(tokio::task::AbortHandle::abort);
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("providers", &self.provider_ids())
            .finish()
    }
}

/// Builds a [`Verifier`].
pub struct VerifierBuilder {
    providers: Vec<ProviderConfig>,
    clock: Option<Arc<dyn Clock>>,
    http: Option<HttpClient>,
    cache_capacity: u64,
    cache_ttl: Duration,
    previous: Option<Verifier>,
}

impl Verifier {
    /// A builder with no providers.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            providers: Vec::new(),
            clock: None,
            http: None,
            cache_capacity: token_cache::DEFAULT_CAPACITY,
            cache_ttl: token_cache::DEFAULT_TTL,
            previous: None,
        }
    }

    /// Builds a verifier for every provider of `config`, fetching discovery and keys.
    pub async fn from_config(config: &AuthConfig) -> Result<Self, BuildError> {
        Self::builder_for(config).build().await
    }

    /// [`Verifier::from_config`] for a configuration that replaces `previous`'s (a reload):
    /// every issuer whose first fetch fails falls back on `previous`'s key set from the same
    /// place, so an identity provider unreachable during the reload does not leave it without
    /// keys ([`VerifierBuilder::keys_from`]).
    pub async fn from_config_after(
        config: &AuthConfig,
        previous: &Verifier,
    ) -> Result<Self, BuildError> {
        Self::builder_for(config).keys_from(previous).build().await
    }

    fn builder_for(config: &AuthConfig) -> VerifierBuilder {
        config
            .providers
            .iter()
            .fold(Self::builder(), |b, p| b.provider(p.clone()))
    }

    /// Verifies `token` against whichever configured provider its `iss` names.
    pub async fn verify(&self, token: &str) -> Result<Principal, VerifyError> {
        self.verify_shared(token).await.map(Arc::unwrap_or_clone)
    }

    /// Like [`Verifier::verify`], but only providers whose id is in `provider_ids` are trusted.
    pub async fn verify_for(
        &self,
        token: &str,
        provider_ids: &[String],
    ) -> Result<Principal, VerifyError> {
        self.verify_for_shared(token, provider_ids)
            .await
            .map(Arc::unwrap_or_clone)
    }

    /// [`Verifier::verify`], sharing the principal with the verified-token cache: a repeated
    /// token then costs no copy of the principal's strings.
    pub async fn verify_shared(&self, token: &str) -> Result<Arc<Principal>, VerifyError> {
        self.inner
            .verify(token, None, None)
            .await
            .inspect_err(log_rejection)
    }

    /// [`Verifier::verify_for`], sharing the principal like [`Verifier::verify_shared`].
    pub async fn verify_for_shared(
        &self,
        token: &str,
        provider_ids: &[String],
    ) -> Result<Arc<Principal>, VerifyError> {
        self.inner
            .verify(token, Some(provider_ids), None)
            .await
            .inspect_err(log_rejection)
    }

    /// [`Verifier::verify_shared`] for a request that came on the connection `memo` belongs
    /// to (only the providers in `provider_ids` when given): the token that connection
    /// presented last is recognised by its bytes, without the cache's digest and lookup, and
    /// re-checked like a cache hit.
    pub async fn verify_on_connection(
        &self,
        token: &str,
        provider_ids: Option<&[String]>,
        memo: &ConnectionMemo,
    ) -> Result<Arc<Principal>, VerifyError> {
        self.inner
            .verify(token, provider_ids, Some(memo))
            .await
            .inspect_err(log_rejection)
    }

    /// Whether every provider has a usable key set (for readiness).
    pub fn is_ready(&self) -> bool {
        self.inner.routes.iter().all(|r| r.keys.usable().is_ok())
    }

    /// Ids of the configured providers.
    pub fn provider_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for r in &self.inner.routes {
            if !ids.contains(&r.provider) {
                ids.push(r.provider.clone());
            }
        }
        ids
    }

    /// Where `provider` reads roles and groups (the first of its routes), so principals built
    /// from sign-in claims map like its bearer tokens do.
    pub(crate) fn claim_mapping(&self, provider: &str) -> Option<authgate_core::ClaimMapping> {
        let route = self.inner.routes.iter().find(|r| r.provider == provider)?;
        Some(route.spec.mapping.clone())
    }

    /// The key-set state of every issuer, for metrics, health and `doctor`.
    pub fn key_status(&self) -> Vec<KeySetStatus> {
        self.inner
            .routes
            .iter()
            .map(|r| r.keys.status(&r.provider))
            .collect()
    }
}

impl Inner {
    async fn verify(
        &self,
        token: &str,
        only: Option<&[String]>,
        memo: Option<&ConnectionMemo>,
    ) -> Result<Arc<Principal>, VerifyError> {
        if token.len() > MAX_TOKEN_BYTES {
            // JWT-F17: refuse before hashing, decoding or parsing anything.
            return Err(VerifyError::new(
                VerifyErrorKind::Malformed,
                "token larger than the size cap",
            ));
        }
        let now = self.clock.now();
        if let Some(memo) = memo
            && let Some(recalled) = self.recalled(memo, token, only, now)
        {
            return recalled;
        }
        let key = TokenCache::key(token);
        if let Some(hit) = self.cached(&key, only, now) {
            return hit.map(|entry| self.remembered(memo, token, entry));
        }
        let jws = Jws::parse(token)?;
        let iss = jws.unverified_issuer().ok_or_else(|| {
            VerifyError::new(
                VerifyErrorKind::WrongIssuer,
                "iss is missing or not a string",
            )
        })?;
        let mut first_error = None;
        let mut rivals = Vec::new();
        let candidates = self.table.candidates(iss);
        // Only with one issuer under several providers can a refusal matter to a later hit.
        let rivalry = candidates.len() > 1;
        for i in candidates {
            let Some(route) = self.routes.get(i) else {
                continue;
            };
            if !trusted(route, only) {
                if rivalry {
                    rivals.push(Rival::untried(i));
                }
                continue;
            }
            let keys_before = rivalry.then(|| route.keys.usable_now()).flatten();
            match route.verify(&jws, now).await {
                Ok(generation) => {
                    let principal = route.principal(jws.into_claims());
                    let origin = Origin {
                        route: i,
                        generation,
                        rivals: rivals.into(),
                    };
                    return Ok(self.keep_fresh(route, key, origin, principal, memo, token, now));
                }
                Err(e) => {
                    if rivalry {
                        let keys_after = route.keys.usable_now();
                        let (before, after) = (keys_before.as_ref(), keys_after.as_ref());
                        rivals.push(Rival::refused(i, &e, before, after));
                    }
                    first_error = first_error.or(Some(e));
                }
            }
        }
        Err(first_error.unwrap_or_else(|| {
            VerifyError::new(
                VerifyErrorKind::UnknownIssuer,
                "no trusted provider has this issuer",
            )
        }))
    }
}

/// Each route whose first fetch `failed` takes the current key set of the first previous
/// route with the same key source (read after the fetch, so a key the previous verifier's
/// own refresh removed meanwhile stays removed).
fn take_keys(routes: &[Route], fetched: &[bool], previous: &[Route]) {
    for (route, _) in routes.iter().zip(fetched).filter(|(_, ok)| !**ok) {
        for old in previous {
            if route.keys.take_keys_of(&old.keys) {
                break;
            }
        }
    }
}

fn trusted(route: &Route, only: Option<&[String]>) -> bool {
    only.is_none_or(|ids| ids.contains(&route.provider))
}

/// Client-caused failures at debug, key outages (server side) at error. Never the token.
fn log_rejection(e: &VerifyError) {
    if e.kind() == VerifyErrorKind::KeysUnavailable {
        tracing::error!(kind = ?e.kind(), detail = %e, "token not verified: signing keys unavailable");
    } else {
        tracing::debug!(kind = ?e.kind(), detail = %e, "token rejected");
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

    /// Uses `http` for discovery and JWKS fetches (default: [`HttpClient::new`]).
    pub fn http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// Bounds the verified-token cache: at most `capacity` entries, each living at most `ttl`
    /// (and never past the token's `exp`). Defaults to 10 000 entries and 5 minutes; a zero
    /// `ttl` disables the cache.
    pub fn token_cache(mut self, capacity: u64, ttl: Duration) -> Self {
        (self.cache_capacity, self.cache_ttl) = (capacity, ttl);
        self
    }

    /// Every issuer whose first fetch fails takes `previous`'s current key set when its keys
    /// come from the same source (JWKS URL or discovery documents, and the same
    /// `insecure_allow_http`); the taken-over keys stay usable for their stale window counted
    /// from their own fetch, as they would have in `previous`.
    pub fn keys_from(mut self, previous: &Verifier) -> Self {
        self.previous = Some(previous.clone());
        self
    }

    /// Builds the verifier, fetching discovery documents and keys with retry.
    pub async fn build(self) -> Result<Verifier, BuildError> {
        let problems = check_providers(&self.providers);
        if !problems.is_empty() {
            return Err(ConfigError { problems }.into());
        }
        for p in self.providers.iter().filter(|p| p.insecure_allow_http) {
            tracing::warn!(provider = %p.id, "insecure_allow_http is enabled: keys may be fetched over plain http");
        }
        let http = match self.http {
            Some(http) => http,
            None => HttpClient::new().map_err(|e| BuildError(e.to_string()))?,
        };
        let routes: Vec<Route> = self
            .providers
            .iter()
            .flat_map(|p| {
                provider::rules(p.kind)
                    .routes(p)
                    .into_iter()
                    .map(|spec| Route::new(p, spec, &http))
            })
            .collect();
        let fetched = futures_util::future::join_all(routes.iter().map(|r| r.keys.fetch())).await;
        if let Some(previous) = &self.previous {
            take_keys(&routes, &fetched, &previous.inner.routes);
        }
        let refreshers = routes.iter().map(|r| r.keys.spawn_refresher()).collect();
        let inner = Inner {
            table: RouteTable::new(&routes),
            routes,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            cache: TokenCache::new(self.cache_capacity, self.cache_ttl),
            refreshers,
            id: memo::VerifierId::next(),
        };
        Ok(Verifier {
            inner: Arc::new(inner),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderKind;

    #[tokio::test]
    async fn claim_mapping_is_the_providers_own() {
        let mut auth0 = ProviderConfig::new("a0", ProviderKind::Auth0);
        auth0.issuer = Some("https://127.0.0.1:9/".into());
        auth0.audiences = vec!["api".into()];
        auth0.jwks_uri = Some("http://127.0.0.1:9/jwks".into());
        let verifier = Verifier::builder().provider(auth0).build().await.unwrap();
        let mapping = verifier.claim_mapping("a0").unwrap();
        assert!(mapping.roles.contains(&"permissions".to_owned()));
        assert!(verifier.claim_mapping("other").is_none());
    }
}
