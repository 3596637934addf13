//! Browser sign-in with the demo configuration: `/me` behind the session, the chooser, the
//! dev IdP, the callback, and logout.

use authgate_devidp::DevIdp;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use seed_api::{build_app, demo_config};
use serde_json::Value;

const HTML: &str = "text/html";

/// The session cookie a response sets.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("authgate=") && !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn demo_config_offers_browser_sign_in_to_me_and_logout() {
    let idp = DevIdp::start_loopback().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let app = build_app(&demo_config(&idp.idp, addr).unwrap())
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();

    let home: Value = client
        .get(&base)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let href = home["login"][0]["href"].as_str().unwrap().to_owned();
    assert_eq!(href, "/auth/dev-oidc/login?return_to=%2Fme");

    let me = client
        .get(format!("{base}/me"))
        .header(ACCEPT, HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::SEE_OTHER);
    assert!(location(&me).contains("/auth/login?return_to=%2Fme"));
    let api = client
        .get(format!("{base}/me"))
        .header(ACCEPT, "application/json");
    assert_eq!(api.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    let chooser = client
        .get(format!("{base}/auth/login"))
        .send()
        .await
        .unwrap();
    assert!(
        chooser
            .text()
            .await
            .unwrap()
            .contains("/auth/dev-oidc/login")
    );

    let begin = client.get(format!("{base}{href}")).send().await.unwrap();
    assert_eq!(begin.status(), StatusCode::SEE_OTHER);
    let binding = begin.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let at_idp = format!("{}&login_hint=alice", location(&begin));
    let approved = client.get(at_idp).send().await.unwrap();
    let callback = client
        .get(location(&approved))
        .header(COOKIE, &binding)
        .send()
        .await
        .unwrap();
    assert_eq!(callback.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&callback), "/me");
    let cookie = session_cookie(&callback).unwrap();

    let me = client
        .get(format!("{base}/me"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["name"], "Alice Admin");
    assert_eq!(me["provider"], "dev-oidc");

    let session: Value = client
        .get(format!("{base}/auth/me"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = session["csrf_token"].as_str().unwrap();
    let logout = client
        .post(format!("{base}/auth/logout"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    let after = client
        .get(format!("{base}/me"))
        .header(COOKIE, &cookie)
        .header(ACCEPT, HTML);
    assert_eq!(after.send().await.unwrap().status(), StatusCode::SEE_OTHER);
}
