//! Shared fixtures for the provider and reliability tests: a dev IdP on loopback, provider
//! entries pointing at it, and a way to move monotonic time around real HTTP.

use authgate::{
    FixedClock, HttpClient, ProviderConfig, ProviderKind, Verifier, VerifierBuilder,
    VerifyErrorKind,
};
use authgate_devidp::{DevIdp, Flavor, RunningIdp};
use std::sync::Arc;
use std::time::Duration;

/// A running dev IdP and the clock it and the verifier share.
pub(crate) struct Fixture {
    pub(crate) running: RunningIdp,
    pub(crate) clock: FixedClock,
}

impl Fixture {
    /// Starts a dev IdP whose tokens are dated by a fixed clock at the current time.
    pub(crate) async fn start() -> Self {
        let running = DevIdp::start_loopback().await.unwrap();
        let clock = FixedClock::at_system_now();
        running.idp.set_clock(Arc::new(clock.clone()));
        Fixture { running, clock }
    }

    pub(crate) fn idp(&self) -> &DevIdp {
        &self.running.idp
    }

    /// A verifier for `providers` on this fixture's clock, with 500 ms HTTP timeouts.
    pub(crate) async fn verifier(
        &self,
        providers: impl IntoIterator<Item = ProviderConfig>,
    ) -> Verifier {
        self.builder(providers).build().await.unwrap()
    }

    /// A verifier builder on the fixture's clock and a short-timeout HTTP client.
    pub(crate) fn builder(
        &self,
        providers: impl IntoIterator<Item = ProviderConfig>,
    ) -> VerifierBuilder {
        let builder = Verifier::builder()
            .clock(Arc::new(self.clock.clone()))
            .http_client(fast_http());
        providers
            .into_iter()
            .fold(builder, VerifierBuilder::provider)
    }

    /// The generic OIDC provider of the dev IdP.
    pub(crate) fn oidc(&self) -> ProviderConfig {
        let mut p = ProviderConfig::new("oidc", ProviderKind::Oidc);
        p.issuer = Some(self.idp().issuer(Flavor::Oidc));
        p.audiences = vec![authgate_devidp::OIDC_AUDIENCE.into()];
        p
    }

    /// An Entra provider for `tenant` (GUID or alias) of the dev IdP, v2 only.
    pub(crate) fn entra(&self, tenant: &str) -> ProviderConfig {
        let mut p = ProviderConfig::new("entra", ProviderKind::Entra);
        p.tenant = Some(tenant.into());
        p.client_id = Some(authgate_devidp::ENTRA_API_CLIENT_ID.into());
        p.instance = Some(self.idp().entra_instance());
        p.v1_issuer_base = Some(format!("{}/sts/", self.idp().base_url()));
        p
    }

    /// The Google provider of the dev IdP (ID tokens).
    pub(crate) fn google(&self) -> ProviderConfig {
        let mut p = ProviderConfig::new("google", ProviderKind::Google);
        p.issuer = Some(self.idp().issuer(Flavor::Google));
        p.client_id = Some(authgate_devidp::GOOGLE_CLIENT_ID.into());
        p.accept_id_tokens = true;
        p
    }

    /// The Okta `default` authorization server of the dev IdP.
    pub(crate) fn okta(&self) -> ProviderConfig {
        let mut p = ProviderConfig::new("okta", ProviderKind::Okta);
        p.issuer = Some(self.idp().issuer(Flavor::Okta));
        p.audiences = vec![authgate_devidp::OKTA_AUDIENCE.into()];
        p
    }

    /// The Auth0 tenant of the dev IdP.
    pub(crate) fn auth0(&self) -> ProviderConfig {
        let mut p = ProviderConfig::new("auth0", ProviderKind::Auth0);
        p.issuer = Some(self.idp().issuer(Flavor::Auth0));
        p.audiences = vec![authgate_devidp::AUTH0_AUDIENCE.into()];
        p
    }
}

/// An HTTP client whose total timeout is short enough for hang tests.
pub(crate) fn fast_http() -> HttpClient {
    HttpClient::builder()
        .connect_timeout(Duration::from_millis(500))
        .total_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

/// The error kind of a failed verification (panics on success).
pub(crate) fn kind<T: std::fmt::Debug>(
    result: Result<T, authgate::VerifyError>,
) -> VerifyErrorKind {
    result.unwrap_err().kind()
}

/// Moves the monotonic clock (key-cache TTLs, cooldowns, backoff) forward by `d`, lets the
/// timers that fell due run, and resumes real time so their HTTP requests run normally.
/// Claim checks use the fixed clock and are not affected.
pub(crate) async fn advance(d: Duration) {
    tokio::time::pause();
    tokio::time::advance(d).await;
    tokio::time::resume();
    tokio::task::yield_now().await;
}

/// Polls `done` every 10 ms for up to 3 s of real time.
pub(crate) async fn eventually(mut done: impl FnMut() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached within 3 s");
}
