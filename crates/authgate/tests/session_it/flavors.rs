//! Every flavor of the dev IdP end to end over HTTP: a browser (cookies kept, redirects
//! followed hop by hop) asks for the protected page, is sent to the chooser, then to the
//! provider's authorization endpoint (auto-approved as a demo user), then to the callback and
//! back to the page with the right principal; `/auth/me` describes the session and logout ends
//! it (through the provider's end-session endpoint when it advertises one).

use crate::browser::{Browser, assert_login_redirect, location};
use crate::support::App;
use authgate::session::SessionConfig;
use authgate::{ClientSecret, ProviderConfig, ProviderKind};
use authgate_devidp::{DEV_CLIENT_SECRET, DEV_TENANT, DevIdp, Flavor};
use reqwest::StatusCode;
use serde_json::Value;

/// What one flavor's sign-in must produce.
struct Expect {
    /// The provider id (also its `/auth/{id}/...` path segment).
    provider: &'static str,
    /// The demo user to approve as.
    user: &'static str,
    /// The authorization request's parameter naming the user.
    hint: &'static str,
    /// A piece of the authorization endpoint's path.
    authorize_path: String,
    /// The identity subject (Entra: the `oid`; GitHub: the numeric id).
    subject: &'static str,
    /// The principal's `sub` (Entra: the token's `sub`, not the `oid`).
    sub: &'static str,
    /// The identity's issuer (Entra: the tenant's issuer, also behind `organizations`).
    issuer: String,
    /// The e-mail address the principal carries.
    email: Option<&'static str>,
    /// Whether logout passes through the provider's end-session endpoint.
    end_session: bool,
}

impl Expect {
    fn new(
        provider: &'static str,
        authorize_path: &str,
        subject: &'static str,
        issuer: String,
    ) -> Self {
        Expect {
            sub: subject,
            issuer,
            provider,
            user: "alice",
            hint: "login_hint",
            authorize_path: authorize_path.to_owned(),
            subject,
            email: Some("alice@example.com"),
            end_session: true,
        }
    }
}

/// A sign-in provider with the dev client credentials.
fn login(mut p: ProviderConfig, client_id: &str) -> ProviderConfig {
    p.login = true;
    p.client_id = Some(client_id.to_owned());
    p.client_secret = Some(ClientSecret::new(DEV_CLIENT_SECRET));
    p
}

/// Entra v2 at `tenant` (a tenant id, or `organizations` limited to the dev tenant).
fn entra(idp: &DevIdp, tenant: &str) -> ProviderConfig {
    let mut p = ProviderConfig::new("entra", ProviderKind::Entra);
    p.tenant = Some(tenant.to_owned());
    if tenant == "organizations" {
        p.allowed_tenants = vec![DEV_TENANT.to_owned()];
    }
    p.instance = Some(idp.entra_instance());
    login(p, Flavor::EntraV2.client_id())
}

fn google(idp: &DevIdp) -> ProviderConfig {
    let mut p = ProviderConfig::new("google", ProviderKind::Google);
    p.issuer = Some(idp.issuer(Flavor::Google));
    p.accept_id_tokens = true;
    login(p, Flavor::Google.client_id())
}

/// Okta, Auth0 or generic OIDC: issuer, audience and client of the flavor.
fn generic(idp: &DevIdp, id: &str, kind: ProviderKind, flavor: Flavor) -> ProviderConfig {
    let mut p = ProviderConfig::new(id, kind);
    p.issuer = Some(idp.issuer(flavor));
    p.audiences = vec![flavor.default_audience().to_owned()];
    login(p, flavor.client_id())
}

/// The dev IdP's GitHub imitation (OAuth endpoints and user API, no discovery).
fn github(idp: &DevIdp) -> ProviderConfig {
    let base = idp.base_url();
    let mut p = ProviderConfig::new("github", ProviderKind::Github);
    p.authorization_endpoint = Some(format!("{base}/github/login/oauth/authorize"));
    p.token_endpoint = Some(format!("{base}/github/login/oauth/access_token"));
    p.user_api = Some(format!("{base}/github/api/user"));
    login(p, "github-dev-client")
}

/// The app with `make`'s provider as its only sign-in provider.
async fn start(make: impl FnOnce(&DevIdp) -> ProviderConfig) -> App {
    App::start_providers(SessionConfig::default(), |idp, providers| {
        *providers = vec![make(idp)];
    })
    .await
}

/// Protected page → chooser → `/auth/{id}/login` → provider → callback → page. Returns the
/// page's JSON (the principal).
async fn sign_in(app: &App, browser: &Browser, expect: &Expect) -> Value {
    let page = browser.get("/app").await;
    assert_login_redirect(&page);
    let chooser = browser.get(&location(&page)).await;
    assert_eq!(chooser.status(), StatusCode::OK);
    let html = chooser.text().await.unwrap();
    let start = format!("/auth/{}/login?return_to=%2Fapp", expect.provider);
    assert!(html.contains(&start), "{html}");
    let begin = browser.get(&start).await;
    assert_eq!(begin.status(), StatusCode::SEE_OTHER);
    assert!(browser.cookie("authgate-login").is_some(), "binding cookie");
    let mut at_provider = url::Url::parse(&location(&begin)).unwrap();
    assert!(
        at_provider.as_str().starts_with(app.idp().base_url()),
        "{at_provider}"
    );
    assert!(
        at_provider.path().contains(&expect.authorize_path),
        "{at_provider}"
    );
    at_provider
        .query_pairs_mut()
        .append_pair(expect.hint, expect.user);
    let approved = browser.get(at_provider.as_str()).await;
    let callback = location(&approved);
    let callback_prefix = format!("{}/auth/{}/callback?", app.base, expect.provider);
    assert!(callback.starts_with(&callback_prefix), "{callback}");
    let back = browser.get(&callback).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER, "callback failed");
    assert_eq!(location(&back), "/app");
    assert!(
        browser.cookie(app.cookie_name()).is_some(),
        "session cookie"
    );
    let page = browser.get("/app").await;
    assert_eq!(page.status(), StatusCode::OK);
    page.json().await.unwrap()
}

/// The CSRF token from the logout confirmation page.
async fn csrf(browser: &Browser) -> String {
    let page = browser.get("/auth/logout").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    html[start..start + 43].to_owned()
}

/// Logs out with the confirmation form, follows every redirect (through the provider's
/// end-session endpoint when there is one) to the logged-out page; returns whether the
/// provider was visited.
async fn log_out(app: &App, browser: &Browser) -> bool {
    let csrf = csrf(browser).await;
    let origin = app.base.clone();
    let mut response = browser
        .post_form(
            "/auth/logout",
            &[("csrf", &csrf)],
            &[("origin", &origin), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        browser.cookie(app.cookie_name()).is_none(),
        "cookie cleared"
    );
    let mut via_provider = false;
    for _ in 0..5 {
        if !response.status().is_redirection() {
            break;
        }
        let next = location(&response);
        via_provider |= next.starts_with(app.idp().base_url());
        response = browser.get(&next).await;
    }
    assert_eq!(response.status(), StatusCode::OK);
    let landing = response.url().clone();
    assert!(
        landing.as_str().starts_with(&app.base) && landing.path() == "/auth/logged-out",
        "{landing}"
    );
    via_provider
}

/// The whole flow for one flavor: sign-in, the principal, `/auth/me`, logout.
async fn round_trip(app: &App, expect: &Expect) {
    let browser = app.browser();
    let page = sign_in(app, &browser, expect).await;
    assert_eq!(page["provider"], expect.provider);
    assert_eq!(page["subject"], expect.sub);
    assert_eq!(page["email"].as_str(), expect.email);
    let session = app.session_of(&browser).await.unwrap();
    assert_eq!(session.subject, expect.subject);
    let me = browser.get_json("/auth/me").await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["user_id"], session.user_id.0);
    assert_eq!(me["provider"], expect.provider);
    assert_eq!(me["subject"], expect.subject);
    assert_eq!(me["email"].as_str(), expect.email);
    let identities = me["identities"].as_array().unwrap();
    assert_eq!(identities.len(), 1, "{identities:?}");
    assert_eq!(identities[0]["provider"], expect.provider);
    assert_eq!(identities[0]["issuer"], expect.issuer.as_str());
    assert_eq!(identities[0]["subject"], expect.subject);
    let cookie = browser.cookie(app.cookie_name()).unwrap();
    let via_provider = log_out(app, &browser).await;
    assert_eq!(via_provider, expect.end_session, "RP-initiated logout");
    assert_login_redirect(&browser.get("/app").await);
    let me = browser.get_json("/auth/me").await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    // The old cookie names no session any more.
    let replay = app.browser();
    replay.set_cookie(app.cookie_name(), &cookie);
    assert_login_redirect(&replay.get("/app").await);
}

/// The Entra object id of the demo user alice.
const ALICE_OID: &str = "a11ce000-0000-4000-8000-00000000a11c";

/// Entra: the identity is the `oid` under the tenant's issuer; the principal keeps `sub`.
fn entra_expect(app: &App, authorize_path: &str) -> Expect {
    let issuer = app.idp().issuer_for_tenant(Flavor::EntraV2, DEV_TENANT);
    let mut expect = Expect::new("entra", authorize_path, ALICE_OID, issuer);
    expect.sub = "alice";
    expect
}

#[tokio::test]
async fn entra_v2_single_tenant_end_to_end() {
    let app = start(|idp| entra(idp, DEV_TENANT)).await;
    let path = format!("/{DEV_TENANT}/oauth2/v2.0/authorize");
    round_trip(&app, &entra_expect(&app, &path)).await;
}

#[tokio::test]
async fn entra_v2_organizations_with_allowed_tenants_end_to_end() {
    let app = start(|idp| entra(idp, "organizations")).await;
    let path = "/organizations/oauth2/v2.0/authorize";
    round_trip(&app, &entra_expect(&app, path)).await;
}

#[tokio::test]
async fn google_end_to_end() {
    let app = start(google).await;
    let issuer = app.idp().issuer(Flavor::Google);
    let mut expect = Expect::new("google", "/google/o/oauth2/v2/auth", "alice", issuer);
    expect.end_session = false;
    round_trip(&app, &expect).await;
}

#[tokio::test]
async fn okta_end_to_end() {
    let app = start(|idp| generic(idp, "okta", ProviderKind::Okta, Flavor::Okta)).await;
    let issuer = app.idp().issuer(Flavor::Okta);
    let path = "/okta/oauth2/default/v1/authorize";
    round_trip(&app, &Expect::new("okta", path, "alice", issuer)).await;
}

#[tokio::test]
async fn auth0_end_to_end() {
    let app = start(|idp| generic(idp, "auth0", ProviderKind::Auth0, Flavor::Auth0)).await;
    let issuer = app.idp().issuer(Flavor::Auth0);
    round_trip(
        &app,
        &Expect::new("auth0", "/auth0/authorize", "alice", issuer),
    )
    .await;
}

#[tokio::test]
async fn oidc_end_to_end() {
    let app = start(|idp| generic(idp, "oidc", ProviderKind::Oidc, Flavor::Oidc)).await;
    let issuer = app.idp().issuer(Flavor::Oidc);
    let mut expect = Expect::new("oidc", "/oidc/authorize", "bob", issuer);
    expect.user = "bob";
    expect.email = Some("bob@example.com");
    round_trip(&app, &expect).await;
}

#[tokio::test]
async fn github_end_to_end() {
    let app = start(github).await;
    let issuer = format!("{}/github/api", app.idp().base_url());
    let path = "/github/login/oauth/authorize";
    let mut expect = Expect::new("github", path, "5820002", issuer);
    expect.hint = "login";
    expect.end_session = false;
    round_trip(&app, &expect).await;
}
