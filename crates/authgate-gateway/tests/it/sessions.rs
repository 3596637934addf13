//! Sign-in and sessions through the gateway, end to end over loopback: the real dev IdP as an
//! `oidc` provider with `login = true`, a real upstream, the store on a SQLite file (and on
//! PostgreSQL when `AUTHGATE_TEST_POSTGRES_URL` is set), and a browser simulated by a client
//! that follows redirects and keeps cookies by hand (fixtures in `signin_support`).

use crate::signin_support::{
    Browser, ServeProcess, header, sign_in, signin_toml, sqlite_url, start, start_with,
};
use crate::support::{Upstream, client, start_idp, start_upstream, token};
use authgate_devidp::RunningIdp;
use std::sync::atomic::{AtomicU32, Ordering};

#[tokio::test]
async fn a_browser_signs_in_and_the_upstream_sees_the_identity() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, _) = sqlite_url();
    let gw = start(&idp, &upstream, &store).await;
    let mut browser = Browser::default();
    let echo = sign_in(&mut browser, &gw, "/app/page?x=1").await;
    assert_eq!(echo["path"], "/app/page");
    assert_eq!(echo["query"], "x=1");
    let subject = header(&echo, "x-auth-subject").expect("X-Auth-Subject");
    assert!(!subject.is_empty());
    assert_eq!(header(&echo, "x-auth-provider"), Some("oidc"));
    // The gateway's own cookies never reach the upstream.
    let cookies = header(&echo, "cookie").unwrap_or_default();
    assert!(!cookies.contains("authgate"), "{cookies}");
    // /auth/me answers for the same session.
    let me = browser.get(&gw, &gw.url("/auth/me")).await;
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["subject"], subject);
}

#[tokio::test]
async fn an_api_call_without_a_session_gets_401_json_with_the_login_url() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, _) = sqlite_url();
    let gw = start(&idp, &upstream, &store).await;
    let response = client()
        .get(gw.url("/app/data"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "login_required");
    assert!(
        body["login_url"].as_str().unwrap().contains("/auth/login"),
        "{body}"
    );
}

#[tokio::test]
async fn a_browser_without_a_session_is_redirected_to_sign_in() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, _) = sqlite_url();
    let gw = start(&idp, &upstream, &store).await;
    let mut browser = Browser::default();
    let response = browser.get(&gw, &gw.url("/app/page")).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.contains("/auth/login?return_to="), "{location}");
    assert!(location.contains("%2Fapp%2Fpage"), "{location}");
}

#[tokio::test]
async fn an_any_route_takes_a_bearer_token_or_a_session() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, _) = sqlite_url();
    let gw = start(&idp, &upstream, &store).await;
    // A bearer token.
    let response = client()
        .get(gw.url("/mixed/x"))
        .bearer_auth(token(&idp, &["read"]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let echo: serde_json::Value = response.json().await.unwrap();
    assert!(header(&echo, "x-auth-subject").is_some());
    // A bad token is refused, not replaced by a session.
    let mut browser = Browser::default();
    sign_in(&mut browser, &gw, "/app/").await;
    let response = client()
        .get(gw.url("/mixed/x"))
        .header("authorization", "Bearer not-a-token")
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // The session.
    let response = browser.get(&gw, &gw.url("/mixed/x")).await;
    assert_eq!(response.status(), 200);
    let echo: serde_json::Value = response.json().await.unwrap();
    assert!(header(&echo, "x-auth-subject").is_some());
    // Neither: 401 naming the bearer scheme and the sign-in URL.
    let response = client()
        .get(gw.url("/mixed/x"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "login_required");
}

#[tokio::test]
async fn the_route_policy_applies_to_sessions_with_local_roles() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, _) = sqlite_url();
    let gw = start(&idp, &upstream, &store).await;
    let mut browser = Browser::default();
    sign_in(&mut browser, &gw, "/app/").await;
    let denied = browser.get(&gw, &gw.url("/admin/x")).await;
    assert_eq!(denied.status(), 403);
    let stores = gw.state.load().stores.clone().unwrap();
    let me: serde_json::Value = browser
        .get(&gw, &gw.url("/auth/me"))
        .await
        .json()
        .await
        .unwrap();
    let user = authgate_core::store::UserId(me["user_id"].as_str().unwrap().to_owned());
    stores
        .users
        .grant_role(&user, "gw-admin", authgate_core::UnixTime(0))
        .await
        .unwrap();
    let allowed = browser.get(&gw, &gw.url("/admin/x")).await;
    assert_eq!(allowed.status(), 200);
    let echo: serde_json::Value = allowed.json().await.unwrap();
    assert!(header(&echo, "x-auth-roles").unwrap().contains("gw-admin"));
}

#[tokio::test]
async fn forward_auth_answers_session_routes() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, _) = sqlite_url();
    let gw = start(&idp, &upstream, &store).await;
    let verify = |cookie: Option<String>| {
        let mut request = client()
            .get(gw.url("/auth/verify"))
            .header("x-original-method", "GET")
            .header("x-original-uri", "/app/report?id=7")
            .header("accept", "text/html");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let anonymous = verify(None).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let header_url = anonymous.headers()["x-authgate-login"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"], "login_required");
    let login_url = body["login_url"].as_str().unwrap();
    assert!(login_url.contains("/auth/login?return_to="), "{login_url}");
    assert!(login_url.contains("%2Fapp%2Freport"), "{login_url}");
    assert_eq!(header_url, login_url);
    let mut browser = Browser::default();
    sign_in(&mut browser, &gw, "/app/").await;
    let allowed = verify(Some(browser.cookie_header())).await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert!(allowed.headers().contains_key("x-auth-subject"));
}

#[tokio::test]
async fn restarting_the_gateway_loses_no_session() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, _) = sqlite_url();
    restart_keeps_sessions(&idp, &upstream, &store).await;
}

#[tokio::test]
async fn restarting_the_gateway_loses_no_session_on_postgres() {
    let Ok(url) = std::env::var("AUTHGATE_TEST_POSTGRES_URL") else {
        println!("skipped: set AUTHGATE_TEST_POSTGRES_URL to run against PostgreSQL");
        return;
    };
    // A fresh schema of its own, dropped at the end.
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let schema = format!("authgate_gw_{}_{n}", std::process::id());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let create = format!("CREATE SCHEMA {schema}");
    sqlx::query(sqlx::AssertSqlSafe(create))
        .execute(&admin)
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let isolated = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    restart_keeps_sessions(&idp, &upstream, &isolated).await;
    let drop = format!("DROP SCHEMA {schema} CASCADE");
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(&admin)
        .await
        .unwrap();
}

/// Signs in on one gateway, stops it, starts a new one on the same store: the cookie still
/// works.
async fn restart_keeps_sessions(idp: &RunningIdp, upstream: &Upstream, store: &str) {
    let first = start(idp, upstream, store).await;
    let mut browser = Browser::default();
    let echo = sign_in(&mut browser, &first, "/app/before").await;
    let subject = header(&echo, "x-auth-subject").unwrap().to_owned();
    drop(first);
    let second = start(idp, upstream, store).await;
    let response = browser.get(&second, &second.url("/app/after")).await;
    assert_eq!(response.status(), 200, "{:?}", response.headers());
    let echo: serde_json::Value = response.json().await.unwrap();
    assert_eq!(header(&echo, "x-auth-subject"), Some(subject.as_str()));
}

#[tokio::test]
async fn a_reload_keeps_the_store_and_the_sessions() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, db) = sqlite_url();
    let gw = start(&idp, &upstream, &store).await;
    let mut browser = Browser::default();
    sign_in(&mut browser, &gw, "/app/").await;
    let before = gw.state.load().stores.clone().unwrap();
    // The same file with another store URL: the running store is kept (restart needed).
    let (other_store, _) = sqlite_url();
    let path = db.with_file_name("reload.toml");
    let text = signin_toml(&idp, &upstream, &gw.url(""), &other_store);
    std::fs::write(&path, text).unwrap();
    authgate_gateway::server::reload(&gw.state, &path)
        .await
        .unwrap();
    let after = gw.state.load().stores.clone().unwrap();
    assert!(std::sync::Arc::ptr_eq(&before.sessions, &after.sessions));
    let response = browser.get(&gw, &gw.url("/app/after-reload")).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn sign_in_start_and_callback_spend_the_auth_endpoint_budget() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, _) = sqlite_url();
    let limits = "\n[rate_limit]\nauth_endpoints_per_minute = 1\nburst = 2\n";
    let gw = start_with(&idp, &upstream, &store, limits).await;
    let get = |path: &str| client().get(gw.url(path)).send();
    assert!(
        get("/auth/oidc/login")
            .await
            .unwrap()
            .status()
            .is_redirection()
    );
    assert_eq!(
        get("/auth/oidc/callback?state=x&code=y")
            .await
            .unwrap()
            .status(),
        400
    );
    let limited = get("/auth/oidc/login").await.unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(get("/auth/oidc/callback").await.unwrap().status(), 429);
    // The chooser and /auth/me are not sign-in attempts.
    assert_eq!(get("/auth/login").await.unwrap().status(), 200);
    assert_eq!(get("/auth/me").await.unwrap().status(), 401);
}

#[tokio::test]
async fn session_decisions_are_explained_and_counted_like_bearer_ones() {
    use authgate_gateway::pipeline::{Decision, decide_explained};
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, _) = sqlite_url();
    let audited = format!(
        "\n[[routes]]\nname = \"audited\"\npath = \"/audited/{{*rest}}\"\n\
         upstream = \"{}\"\nauth = \"session\"\n",
        upstream.url()
    );
    let gw = start_with(&idp, &upstream, &store, &audited).await;
    let mut browser = Browser::default();
    let echo = sign_in(&mut browser, &gw, "/app/").await;
    let subject = header(&echo, "x-auth-subject").unwrap().to_owned();

    // The decision and its reason, as the audit event records them.
    let state = gw.state.load_full();
    let route = state.routes.find(&http::Method::GET, "/audited/x").unwrap();
    let uri: http::Uri = "/audited/x".parse().unwrap();
    let anonymous = decide_explained(&state, route, &http::HeaderMap::new(), &uri).await;
    assert!(matches!(anonymous.decision, Decision::LoginRequired(_)));
    assert_eq!(anonymous.reason, "no_session");
    let mut headers = http::HeaderMap::new();
    headers.insert("cookie", browser.cookie_header().parse().unwrap());
    let signed_in = decide_explained(&state, route, &headers, &uri).await;
    let Decision::Allow(Some(principal)) = signed_in.decision else {
        panic!("not allowed: {}", signed_in.reason);
    };
    assert_eq!(signed_in.reason, "session");
    assert_eq!(principal.subject, subject);

    // Through the proxy: one audit event each, counted per route and outcome.
    let metrics = authgate_gateway::telemetry::render_metrics;
    let series = |outcome: &str| {
        format!("authgate_requests_total{{route=\"audited\",outcome=\"{outcome}\"}}")
    };
    let _ = client().get(gw.url("/audited/x")).send().await.unwrap();
    let _ = browser.get(&gw, &gw.url("/audited/x")).await;
    let text = metrics();
    let sample = crate::telemetry::sample;
    assert_eq!(
        sample(&text, &series("unauthenticated")),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, &series("allowed")), Some(1.0), "{text}");
}

#[tokio::test]
async fn restarting_the_authgate_process_loses_no_session() {
    let (idp, upstream) = (start_idp().await, start_upstream().await);
    let (store, db) = sqlite_url();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let origin = format!("http://127.0.0.1:{port}");
    let text = signin_toml(&idp, &upstream, &origin, &store).replace(
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"127.0.0.1:{port}\"\nshutdown_grace = \"1s\""),
    );
    let config = db.with_file_name("serve.toml");
    std::fs::write(&config, text).unwrap();

    let first = ServeProcess::start(&config, port).await;
    let mut browser = Browser::default();
    let start = format!("{origin}/auth/oidc/login?return_to=%2Fapp%2Fbefore");
    let landed = browser.navigate_at(&origin, &start).await;
    assert_eq!(landed.status(), 200);
    let echo: serde_json::Value = landed.json().await.unwrap();
    let subject = header(&echo, "x-auth-subject").unwrap().to_owned();
    assert_eq!(first.stop(), Some(0));

    let _second = ServeProcess::start(&config, port).await;
    let response = browser.send(&origin, &format!("{origin}/app/after")).await;
    assert_eq!(response.status(), 200);
    let echo: serde_json::Value = response.json().await.unwrap();
    assert_eq!(header(&echo, "x-auth-subject"), Some(subject.as_str()));
}
