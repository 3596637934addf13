//! The dev identity provider: shared state and its public handle.

use crate::backchannel::Backchannel;
use crate::faults::{Endpoint, Fault, Faults};
use crate::flavor::Flavor;
use crate::flow::Grants;
use crate::github::Github;
use crate::hits::Hits;
use crate::keys::{self, KeyRing, KeyScope};
use crate::mint::{self, MintRequest};
use crate::urls::Urls;
use crate::{demo, jws, routes};
use authgate_core::{Algorithm, Clock, SigningKey, SystemClock, UnixTime};
use serde_json::{Map, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// The `Cache-Control` of discovery and JWKS responses until a test changes it.
const DEFAULT_CACHE_CONTROL: &str = "public, max-age=3600";

/// The dev identity provider. Cheap to clone; clones share keys, faults, counters and clock.
#[derive(Clone)]
pub struct DevIdp {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DevIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIdp")
            .field("base_url", &self.inner.urls.base())
            .finish_non_exhaustive()
    }
}

/// State shared by every clone and every request handler.
pub(crate) struct Inner {
    pub(crate) urls: Urls,
    pub(crate) keys: KeyRing,
    pub(crate) faults: Faults,
    pub(crate) hits: Hits,
    pub(crate) grants: Grants,
    pub(crate) backchannel: Backchannel,
    pub(crate) github: Github,
    interactive: AtomicBool,
    clock: RwLock<Arc<dyn Clock>>,
    cache_control: RwLock<Option<String>>,
    shutdown: watch::Sender<bool>,
}

impl Inner {
    /// The `Cache-Control` value for metadata responses (`None`: no header).
    pub(crate) fn cache_control(&self) -> Option<String> {
        self.cache_control
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Resolves when the IdP shuts down.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    fn now(&self) -> UnixTime {
        self.clock
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .now()
    }
}

/// A dev IdP serving on a loopback port, stopped when dropped.
pub struct RunningIdp {
    /// The IdP (mint tokens, rotate keys, inject faults).
    pub idp: DevIdp,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl RunningIdp {
    /// The base URL (`http://127.0.0.1:{port}`).
    pub fn base_url(&self) -> &str {
        self.idp.base_url()
    }
}

impl Drop for RunningIdp {
    /// Stops accepting connections, closes idle ones and releases hung requests.
    fn drop(&mut self) {
        self.idp.inner.shutdown.send_replace(true);
    }
}

impl DevIdp {
    /// A dev IdP whose public base URL is `base_url` (e.g. `http://127.0.0.1:9999`).
    /// Generates one RSA key, shared by every flavor until [`DevIdp::rotate_keys`].
    pub fn new(base_url: &str) -> Self {
        let inner = Inner {
            urls: Urls::new(base_url),
            keys: KeyRing::new(),
            faults: Faults::default(),
            hits: Hits::default(),
            grants: Grants::default(),
            backchannel: Backchannel::default(),
            github: Github::default(),
            interactive: AtomicBool::new(false),
            clock: RwLock::new(Arc::new(SystemClock)),
            cache_control: RwLock::new(Some(DEFAULT_CACHE_CONTROL.to_owned())),
            shutdown: watch::Sender::new(false),
        };
        DevIdp {
            inner: Arc::new(inner),
        }
    }

    /// Binds `127.0.0.1:0`, serves the router in the background, returns the handle.
    pub async fn start_loopback() -> std::io::Result<RunningIdp> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let idp = DevIdp::new(&format!("http://{addr}"));
        let mut stop = idp.inner.shutdown_signal();
        let server = idp.clone();
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            };
            if let Err(e) = server.serve(listener, stopped).await {
                tracing::warn!(error = %e, "dev IdP server stopped");
            }
        });
        Ok(RunningIdp { idp, addr })
    }

    /// Serves the router on `listener` until `shutdown` resolves (the `authgate dev-idp`
    /// command passes Ctrl-C). Shutting down also releases requests held by [`Fault::Hang`].
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let inner = Arc::clone(&self.inner);
        let signal = async move {
            shutdown.await;
            inner.shutdown.send_replace(true);
        };
        axum::serve(listener, self.router())
            .with_graceful_shutdown(signal)
            .await
    }

    /// The axum router serving every flavor's discovery and JWKS, `GET /` (an index) and
    /// `POST /_dev/mint`.
    pub fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }

    /// The public base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        self.inner.urls.base()
    }

    /// The issuer of `flavor` (for Entra, of the dev tenant).
    pub fn issuer(&self, flavor: Flavor) -> String {
        self.issuer_for_tenant(flavor, demo::DEV_TENANT)
    }

    /// The issuer of `flavor` for an Entra `tenant` GUID (or `{tenantid}` for the template);
    /// other flavors ignore `tenant`.
    pub fn issuer_for_tenant(&self, flavor: Flavor, tenant: &str) -> String {
        self.inner.urls.issuer(flavor, tenant)
    }

    /// The OIDC discovery URL of `flavor` (for Entra, of the dev tenant).
    pub fn discovery_url(&self, flavor: Flavor) -> String {
        self.discovery_url_for_tenant(flavor, demo::DEV_TENANT)
    }

    /// The OIDC discovery URL of `flavor` for an Entra `tenant` (GUID, domain, `common`,
    /// `organizations`); other flavors ignore `tenant`.
    pub fn discovery_url_for_tenant(&self, flavor: Flavor, tenant: &str) -> String {
        self.inner.urls.discovery(flavor, tenant)
    }

    /// The RFC 8414 metadata URL, for the flavors that serve one (Okta: appended to the issuer
    /// path as Okta does; generic OIDC: inserted after the host per RFC 8414 §3.1, served only
    /// when the base URL has no path).
    pub fn oauth_metadata_url(&self, flavor: Flavor) -> Option<String> {
        self.inner.urls.oauth_metadata(flavor)
    }

    /// The JWKS URL of `flavor` (for Entra, of the dev tenant).
    pub fn jwks_url(&self, flavor: Flavor) -> String {
        self.jwks_url_for_tenant(flavor, demo::DEV_TENANT)
    }

    /// The JWKS URL of `flavor` for an Entra `tenant`; other flavors ignore `tenant`.
    pub fn jwks_url_for_tenant(&self, flavor: Flavor, tenant: &str) -> String {
        self.inner.urls.jwks(flavor, tenant)
    }

    /// The base an `entra` provider's `instance` setting points to (`{base}/entra/`), playing
    /// `https://login.microsoftonline.com/`.
    pub fn entra_instance(&self) -> String {
        self.inner.urls.entra_instance()
    }

    /// Mints a token signed with the active key for `req.alg` (RS256 by default).
    pub fn mint(&self, req: &MintRequest) -> String {
        let key = self.inner.keys.signer(req.alg.unwrap_or(Algorithm::RS256));
        self.mint_with_key(req, &key)
    }

    /// Mints a token signed with `key`, which need not be published (unknown-`kid` tests).
    pub fn mint_with_key(&self, req: &MintRequest, key: &SigningKey) -> String {
        mint::sign(&self.inner.urls, self.inner.now(), req, key)
    }

    /// Mints a token signed with the published key `kid` (an older key after rotation, or a
    /// key from [`DevIdp::add_key_for`] / [`DevIdp::add_tenant_key`]); `None` if no published
    /// key has that id.
    pub fn mint_with_kid(&self, req: &MintRequest, kid: &str) -> Option<String> {
        let key = self.inner.keys.by_kid(kid)?;
        Some(self.mint_with_key(req, &key))
    }

    /// Publishes a new RS256 key in `flavor`'s JWKS only and returns its kid. Tokens are signed
    /// with it only through [`DevIdp::mint_with_kid`] (keys bound to their issuer, JWT-I06).
    pub fn add_key_for(&self, flavor: Flavor) -> String {
        self.inner.keys.add(KeyScope::Flavor(flavor))
    }

    /// Publishes a new RS256 key in the Entra v2 JWKS of `common`/`organizations` and of
    /// `tenant`, with the `issuer` member naming that tenant's concrete issuer (as the
    /// Microsoft-account keys in the real `common` JWKS do), and returns its kid. Signs only
    /// through [`DevIdp::mint_with_kid`] (signing-key issuer validation, JWT-I10).
    pub fn add_tenant_key(&self, tenant: &str) -> String {
        self.inner
            .keys
            .add(KeyScope::EntraTenant(tenant.to_ascii_lowercase()))
    }

    /// Signs arbitrary `claims` with the active RS256 key. The header starts as
    /// `{"alg", "kid"}`; `header` members are merged over it (`null` removes one), so it can
    /// claim any `alg`, drop the `kid`, or add `jku`/`x5u`/`crit` (hostile tests).
    pub fn sign_raw(&self, header: &Map<String, Value>, claims: &Value) -> String {
        let key = self.inner.keys.signer(Algorithm::RS256);
        let claims = match claims {
            Value::Object(members) => members.clone(),
            _ => Map::new(),
        };
        jws::encode(&key, &[header], &claims)
    }

    /// Signs raw header and payload bytes with the active RS256 key (duplicate JSON keys,
    /// non-JSON payloads).
    pub fn sign_segments(&self, header_json: &[u8], payload: &[u8]) -> String {
        let key = self.inner.keys.signer(Algorithm::RS256);
        jws::encode_segments(&key, header_json, payload)
    }

    /// Adds a new signing key and signs with it from now on (the old key stays published).
    pub fn rotate_keys(&self) {
        self.inner.keys.rotate();
    }

    /// Unpublishes key `kid` (emergency rotation, security.md R-09). If it was the active
    /// key, the newest remaining RS256 key (or a fresh one) signs from now on. Returns whether
    /// a key was removed.
    pub fn remove_key(&self, kid: &str) -> bool {
        self.inner.keys.remove(kid)
    }

    /// The key id new RS256 tokens are signed with.
    pub fn active_kid(&self) -> String {
        self.inner.keys.active_kid()
    }

    /// The key ids currently published, oldest first.
    pub fn published_kids(&self) -> Vec<String> {
        let published = self.inner.keys.published();
        published.iter().map(|p| keys::kid_of(&p.key)).collect()
    }

    /// Sets the fault on every flavor's JWKS and discovery endpoints ([`Fault::None`] clears
    /// it). Per-flavor and per-endpoint faults take precedence.
    pub fn set_fault(&self, fault: Fault) {
        self.inner.faults.set(None, None, fault);
    }

    /// Sets the fault on `flavor`'s JWKS and discovery endpoints.
    pub fn set_fault_for(&self, flavor: Flavor, fault: Fault) {
        self.inner.faults.set(Some(flavor), None, fault);
    }

    /// Sets the fault on one kind of endpoint, of one flavor or (with `None`) of every flavor.
    /// The most specific fault wins: flavor+endpoint, flavor, endpoint, global.
    pub fn set_endpoint_fault(&self, flavor: Option<Flavor>, endpoint: Endpoint, fault: Fault) {
        self.inner.faults.set(flavor, Some(endpoint), fault);
    }

    /// Clears every fault.
    pub fn clear_faults(&self) {
        self.inner.faults.clear();
    }

    /// Sets the `Cache-Control` header of discovery and JWKS responses (`None`: no header).
    /// Defaults to `public, max-age=3600`.
    pub fn set_cache_control(&self, value: Option<&str>) {
        *self
            .inner
            .cache_control
            .write()
            .unwrap_or_else(PoisonError::into_inner) = value.map(str::to_owned);
    }

    /// Sets `Cache-Control: public, max-age={max_age}`.
    pub fn set_cache_max_age(&self, max_age: Duration) {
        self.set_cache_control(Some(&format!("public, max-age={}", max_age.as_secs())));
    }

    /// Uses `clock` for `iat`/`nbf`/`exp` of minted tokens (tests pass the verifier's
    /// [`authgate_core::FixedClock`]).
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        *self
            .inner
            .clock
            .write()
            .unwrap_or_else(PoisonError::into_inner) = clock;
    }

    /// Interactive mode: every authorization request without `login_hint` shows the login
    /// page (pick a demo user, add custom claims) instead of approving at once. Off by
    /// default, so programmatic callers are approved at once; `prompt=login` shows the page
    /// either way.
    pub fn set_interactive(&self, interactive: bool) {
        self.inner.interactive.store(interactive, Ordering::SeqCst);
    }

    /// Whether the IdP is in interactive mode ([`DevIdp::set_interactive`]).
    pub fn is_interactive(&self) -> bool {
        self.inner.interactive.load(Ordering::SeqCst)
    }

    /// The shared state, for the route handlers.
    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }
}
