//! The app under test: the dev IdP, a `Login` for its `oidc` flavor, `Sessions` over the
//! memory store, and an axum server on loopback with protected routes.

use crate::browser::{Browser, location};
use authgate::login::{Login, LoginConfig};
use authgate::session::{SessionAuthLayer, SessionConfig, Sessions};
use authgate::{
    Auth, AuthConfig, ClientSecret, FixedClock, HttpClient, ProviderConfig, ProviderKind, Verifier,
};
use authgate_core::MasterKeys;
use authgate_core::store::{Session, Stores, TokenHash};
use authgate_devidp::{DEV_CLIENT_SECRET, DevIdp, Flavor, RunningIdp};
use axum::routing::get;
use axum::{Json, Router};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The sign-in provider id.
pub(crate) const PROVIDER: &str = "oidc";
/// The master key sealing provider tokens.
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The running app and everything a test inspects or moves.
pub(crate) struct App {
    pub(crate) running: RunningIdp,
    pub(crate) clock: FixedClock,
    pub(crate) stores: Stores,
    pub(crate) keys: Arc<MasterKeys>,
    pub(crate) sessions: Sessions,
    pub(crate) verifier: Verifier,
    pub(crate) base: String,
    auth: AuthConfig,
    http: HttpClient,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for App {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl App {
    pub(crate) async fn start() -> App {
        Self::start_with(SessionConfig::default()).await
    }

    pub(crate) async fn start_with(config: SessionConfig) -> App {
        Self::start_custom(config, |_| {}).await
    }

    /// Like [`App::start_with`], with the sign-in provider's configuration adjusted.
    pub(crate) async fn start_custom(
        config: SessionConfig,
        adjust: impl FnOnce(&mut ProviderConfig),
    ) -> App {
        Self::start_providers(config, |_, providers| adjust(&mut providers[0])).await
    }

    /// Like [`App::start_with`], with a chance to adjust or add sign-in providers (the first
    /// is [`PROVIDER`]).
    pub(crate) async fn start_providers(
        config: SessionConfig,
        adjust: impl FnOnce(&DevIdp, &mut Vec<ProviderConfig>),
    ) -> App {
        let running = DevIdp::start_loopback().await.unwrap();
        let clock = FixedClock::at_system_now();
        running.idp.set_clock(Arc::new(clock.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut providers = vec![provider(&running.idp)];
        adjust(&running.idp, &mut providers);
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
        let keys = Arc::new(MasterKeys::new("k1", KEY).unwrap());
        let sessions = instance(
            &Shared {
                auth: &auth,
                http: &http,
                verifier: &verifier,
                stores: &stores,
                keys: &keys,
                clock: &clock,
                base: &base,
            },
            config,
        );
        let router = router(&sessions, &verifier);
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        App {
            running,
            clock,
            stores,
            keys,
            sessions,
            verifier,
            base,
            auth,
            http,
            server,
        }
    }

    /// Another `Sessions` over the same store, keys and clock: a second gateway instance.
    pub(crate) fn instance(&self, config: SessionConfig) -> Sessions {
        self.instance_at(&self.base, config)
    }

    /// Like [`App::instance`], for an application published at `public_url`.
    pub(crate) fn instance_at(&self, public_url: &str, config: SessionConfig) -> Sessions {
        instance(
            &Shared {
                auth: &self.auth,
                http: &self.http,
                verifier: &self.verifier,
                stores: &self.stores,
                keys: &self.keys,
                clock: &self.clock,
                base: public_url,
            },
            config,
        )
    }

    /// A second app server over the same store, keys and clock, with its own `Login` (cold
    /// metadata cache). Returns its base URL; it stops when the handle is aborted.
    pub(crate) async fn serve_instance(&self) -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let sessions = self.instance_at(&base, SessionConfig::default());
        let router = router(&sessions, &self.verifier);
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        (base, server)
    }

    pub(crate) fn idp(&self) -> &DevIdp {
        &self.running.idp
    }

    pub(crate) fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// The session cookie's name (plain http on loopback: no `__Host-` prefix).
    pub(crate) fn cookie_name(&self) -> &'static str {
        "authgate"
    }

    /// The full browser sign-in as `user`: protected page → chooser → provider → callback
    /// → back at `/app`. Returns the page's JSON.
    pub(crate) async fn sign_in(&self, browser: &Browser, user: &str) -> Value {
        let page = browser.get("/app").await;
        crate::browser::assert_login_redirect(&page);
        let chooser = browser.get(&location(&page)).await;
        assert_eq!(chooser.status(), StatusCode::OK);
        let html = chooser.text().await.unwrap();
        let href = format!("/auth/{PROVIDER}/login?return_to=%2Fapp");
        assert!(html.contains(&href), "{html}");
        let callback = self.authorize(browser, &href, user).await;
        let back = browser.get(&callback).await;
        assert_eq!(back.status(), StatusCode::SEE_OTHER, "callback failed");
        assert_eq!(location(&back), "/app");
        let page = browser.get("/app").await;
        assert_eq!(page.status(), StatusCode::OK);
        page.json().await.unwrap()
    }

    /// `GET start` (a `/auth/{p}/login` URL), then the provider approving as `user`; returns
    /// the callback URL the provider sent the browser to.
    pub(crate) async fn authorize(&self, browser: &Browser, start: &str, user: &str) -> String {
        let begin = browser.get(start).await;
        assert_eq!(begin.status(), StatusCode::SEE_OTHER);
        let mut at_provider = url::Url::parse(&location(&begin)).unwrap();
        at_provider
            .query_pairs_mut()
            .append_pair("login_hint", user);
        let approved = browser.get(at_provider.as_str()).await;
        let callback = location(&approved);
        assert!(callback.starts_with(&self.base), "{callback}");
        callback
    }

    /// The live session the browser's cookie names.
    pub(crate) async fn session_of(&self, browser: &Browser) -> Option<Session> {
        let cookie = browser.cookie(self.cookie_name())?;
        let key = TokenHash::of(&cookie);
        self.stores
            .sessions
            .session(&key, self.clock_now())
            .await
            .unwrap()
    }

    /// The provider refresh token sealed in the browser's session.
    pub(crate) async fn refresh_token_of(&self, browser: &Browser) -> String {
        let session = self.session_of(browser).await.unwrap();
        let plain = self
            .keys
            .open(session.tokens.as_deref().unwrap(), &session.key.0)
            .unwrap();
        let json: Value = serde_json::from_slice(plain.expose_secret()).unwrap();
        json["refresh_token"].as_str().unwrap().to_owned()
    }

    pub(crate) fn clock_now(&self) -> authgate::UnixTime {
        use authgate::Clock;
        self.clock.now()
    }

    /// Refresh-token grants the IdP has seen.
    pub(crate) fn refreshes(&self) -> u64 {
        self.idp().token_grant_hits(None, "refresh_token")
    }

    /// Spends a refresh token at the IdP (as a thief would), so the session's next refresh
    /// gets `invalid_grant`.
    pub(crate) async fn spend_refresh_token(&self, token: &str) {
        let endpoint = format!("{}/oidc/token", self.idp().base_url());
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", Flavor::Oidc.client_id()),
            ("client_secret", DEV_CLIENT_SECRET),
        ];
        let response = reqwest::Client::new()
            .post(endpoint)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

/// The dev IdP's `oidc` flavor as a sign-in provider.
fn provider(idp: &DevIdp) -> ProviderConfig {
    let mut p = ProviderConfig::new(PROVIDER, ProviderKind::Oidc);
    p.issuer = Some(idp.issuer(Flavor::Oidc));
    p.audiences = vec![Flavor::Oidc.default_audience().to_owned()];
    p.client_id = Some(Flavor::Oidc.client_id().to_owned());
    p.client_secret = Some(ClientSecret::new(DEV_CLIENT_SECRET));
    p.login = true;
    p.display_name = Some("Dev OIDC".into());
    p
}

/// `/app` behind the session layer, `/api/any` behind the `any` layer, and `/auth/*`.
fn router(sessions: &Sessions, verifier: &Verifier) -> Router {
    let page = Router::new()
        .route("/app", get(whoami))
        .layer(SessionAuthLayer::session(sessions.clone()));
    let any = Router::new()
        .route("/api/any", get(whoami))
        .layer(SessionAuthLayer::any(sessions.clone(), verifier.clone()));
    Router::new()
        .merge(page)
        .merge(any)
        .merge(sessions.router())
}

async fn whoami(Auth(p): Auth) -> Json<Value> {
    Json(json!({
        "provider": p.provider,
        "subject": p.subject,
        "name": p.name,
        "email": p.email,
        "roles": p.roles,
    }))
}

/// What every instance of the app shares.
struct Shared<'a> {
    auth: &'a AuthConfig,
    http: &'a HttpClient,
    verifier: &'a Verifier,
    stores: &'a Stores,
    keys: &'a Arc<MasterKeys>,
    clock: &'a FixedClock,
    base: &'a str,
}

/// A `Login` and `Sessions` over the shared parts.
fn instance(shared: &Shared<'_>, config: SessionConfig) -> Sessions {
    let public_url = url::Url::parse(shared.base).unwrap();
    let login = Login::new(
        shared.auth,
        LoginConfig::default(),
        public_url.clone(),
        shared.verifier.clone(),
        shared.stores.clone(),
        shared.http.clone(),
        Arc::new(shared.clock.clone()),
    )
    .unwrap();
    Sessions::new(
        config,
        public_url,
        shared.stores.clone(),
        Arc::clone(shared.keys),
        login,
        Arc::new(shared.clock.clone()),
    )
    .unwrap()
}
