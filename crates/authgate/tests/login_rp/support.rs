//! A dev IdP on loopback, a `Login` configured for every flavor of it, and a browser
//! stand-in that follows the authorization redirect.

use authgate::login::{BeginLogin, CompletedLogin, Login, LoginConfig, LoginError};
use authgate::{
    AuthConfig, ClientSecret, FixedClock, HttpClient, ProviderConfig, ProviderKind, Verifier,
};
use authgate_core::store::Stores;
use authgate_devidp::{DEV_CLIENT_SECRET, DevIdp, Flavor, RunningIdp};
use std::sync::Arc;
use std::time::Duration;

/// Where the relying party pretends to live (nothing listens: the test reads `Location`).
pub(crate) const PUBLIC_URL: &str = "http://127.0.0.1:18080";

/// A relying party signed in against one dev IdP.
pub(crate) struct Rp {
    pub(crate) running: RunningIdp,
    pub(crate) clock: FixedClock,
    pub(crate) login: Login,
    pub(crate) stores: Stores,
    browser: reqwest::Client,
}

/// One authorization round trip: what `begin` returned and the callback's raw query.
pub(crate) struct Round {
    pub(crate) begin: BeginLogin,
    pub(crate) query: String,
}

impl Round {
    /// The binding cookie value.
    pub(crate) fn binding(&self) -> String {
        self.begin.browser_binding.expose_secret().to_owned()
    }

    /// A query parameter of the callback.
    pub(crate) fn param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The callback query with `name` replaced by `value` (or removed for `None`).
    pub(crate) fn with(&self, name: &str, value: Option<&str>) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (n, v) in url::form_urlencoded::parse(self.query.as_bytes()) {
            if n != name {
                out.append_pair(&n, &v);
            }
        }
        if let Some(value) = value {
            out.append_pair(name, value);
        }
        out.finish()
    }
}

impl Rp {
    /// A dev IdP and a `Login` for entra, google, okta, auth0, oidc and github.
    pub(crate) async fn start() -> Rp {
        Self::start_with(LoginConfig::default(), |_| {}).await
    }

    /// Like [`Rp::start`], with a login configuration and a chance to adjust the providers.
    pub(crate) async fn start_with(
        config: LoginConfig,
        adjust: impl FnOnce(&mut Vec<ProviderConfig>),
    ) -> Rp {
        let running = DevIdp::start_loopback().await.unwrap();
        let clock = FixedClock::at_system_now();
        running.idp.set_clock(Arc::new(clock.clone()));
        let mut providers = providers(&running.idp);
        adjust(&mut providers);
        let auth = AuthConfig {
            providers,
            ..AuthConfig::default()
        };
        let http = HttpClient::builder()
            .total_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let mut builder = Verifier::builder()
            .clock(Arc::new(clock.clone()))
            .http_client(http.clone());
        for p in &auth.providers {
            builder = builder.provider(p.clone());
        }
        let verifier = builder.build().await.unwrap();
        let stores = Stores::memory();
        let login = Login::new(
            &auth,
            config,
            url::Url::parse(PUBLIC_URL).unwrap(),
            verifier,
            stores.clone(),
            http,
            Arc::new(clock.clone()),
        )
        .unwrap();
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Rp {
            running,
            clock,
            login,
            stores,
            browser,
        }
    }

    pub(crate) fn idp(&self) -> &DevIdp {
        &self.running.idp
    }

    /// `begin` with `return_to`, then the browser at the provider (auto-approved as `user`,
    /// or the demo user), returning the callback query.
    pub(crate) async fn authorize(
        &self,
        provider: &str,
        user: Option<&str>,
        return_to: Option<&str>,
    ) -> Round {
        let begin = self.login.begin(provider, return_to).await.unwrap();
        let query = self.follow(&begin, provider, user).await;
        Round { begin, query }
    }

    /// The browser follows `begin.redirect_to`; returns the callback's raw query.
    pub(crate) async fn follow(
        &self,
        begin: &BeginLogin,
        provider: &str,
        user: Option<&str>,
    ) -> String {
        let mut url = begin.redirect_to.clone();
        if let Some(user) = user {
            let name = if provider == "github" {
                "login"
            } else {
                "login_hint"
            };
            url.query_pairs_mut().append_pair(name, user);
        }
        let response = self.browser.get(url).send().await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            302,
            "authorization endpoint answered {}",
            response.status()
        );
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let callback = format!("{PUBLIC_URL}{}", Login::callback_path(provider));
        let (path, query) = location.split_once('?').unwrap();
        assert_eq!(path, callback, "redirect_uri must come back byte-identical");
        query.to_owned()
    }

    /// A full sign-in as `user` (or the demo user).
    pub(crate) async fn sign_in(
        &self,
        provider: &str,
        user: Option<&str>,
    ) -> Result<CompletedLogin, LoginError> {
        let round = self.authorize(provider, user, Some("/home")).await;
        self.login
            .complete(provider, &round.query, Some(&round.binding()))
            .await
    }

    /// Authorization-code redemptions the IdP saw (every flavor).
    pub(crate) fn code_redemptions(&self) -> u64 {
        self.idp().token_grant_hits(None, "authorization_code")
    }
}

/// The sign-in providers of the dev IdP, one per flavor.
fn providers(idp: &DevIdp) -> Vec<ProviderConfig> {
    let login = |mut p: ProviderConfig, flavor: Option<Flavor>| {
        p.login = true;
        p.client_secret = Some(ClientSecret::new(DEV_CLIENT_SECRET));
        if let Some(flavor) = flavor {
            p.client_id = Some(flavor.client_id().to_owned());
        }
        p
    };
    let mut entra = ProviderConfig::new("entra", ProviderKind::Entra);
    entra.tenant = Some("organizations".into());
    entra.allowed_tenants = vec![authgate_devidp::DEV_TENANT.into()];
    entra.instance = Some(idp.entra_instance());
    let mut google = ProviderConfig::new("google", ProviderKind::Google);
    google.issuer = Some(idp.issuer(Flavor::Google));
    google.accept_id_tokens = true;
    let generic = |id: &str, kind, flavor: Flavor| {
        let mut p = ProviderConfig::new(id, kind);
        p.issuer = Some(idp.issuer(flavor));
        p.audiences = vec![flavor.default_audience().to_owned()];
        login(p, Some(flavor))
    };
    let mut github = ProviderConfig::new("github", ProviderKind::Github);
    github.client_id = Some("github-dev-client".into());
    github.authorization_endpoint =
        Some(format!("{}/github/login/oauth/authorize", idp.base_url()));
    github.token_endpoint = Some(format!(
        "{}/github/login/oauth/access_token",
        idp.base_url()
    ));
    github.user_api = Some(format!("{}/github/api/user", idp.base_url()));
    vec![
        login(entra, Some(Flavor::EntraV2)),
        login(google, Some(Flavor::Google)),
        generic("okta", ProviderKind::Okta, Flavor::Okta),
        generic("auth0", ProviderKind::Auth0, Flavor::Auth0),
        generic("oidc", ProviderKind::Oidc, Flavor::Oidc),
        login(github, None),
    ]
}

/// The `InvalidCallback` text of a failed completion (panics otherwise).
pub(crate) fn invalid_callback(result: Result<CompletedLogin, LoginError>) -> String {
    match result {
        Err(LoginError::InvalidCallback(why)) => why,
        other => panic!("expected InvalidCallback, got {other:?}"),
    }
}

/// The `InvalidToken` text of a failed completion (panics otherwise).
pub(crate) fn invalid_token(result: Result<CompletedLogin, LoginError>) -> String {
    match result {
        Err(LoginError::InvalidToken(why)) => why,
        other => panic!("expected InvalidToken, got {other:?}"),
    }
}
