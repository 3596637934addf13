//! A browser stand-in: a cookie jar for the app's origin, redirects followed by hand.

use reqwest::header::{ACCEPT, COOKIE, SET_COOKIE};
use reqwest::{Response, StatusCode};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What a browser would send for a top-level navigation.
pub(crate) const NAVIGATE: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

/// One browser profile: its own cookie jar for the app.
pub(crate) struct Browser {
    client: reqwest::Client,
    app: String,
    jar: Mutex<BTreeMap<String, String>>,
}

impl Browser {
    pub(crate) fn new(app: &str) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            client,
            app: app.to_owned(),
            jar: Mutex::new(BTreeMap::new()),
        }
    }

    /// The value of cookie `name`, if the jar holds it.
    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    /// Puts (or replaces) a cookie, as an attacker planting one would.
    pub(crate) fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    /// A navigation (`GET`, `Accept: text/html`) to a URL or an app path.
    pub(crate) async fn get(&self, url: &str) -> Response {
        self.send(self.client.get(self.url(url)).header(ACCEPT, NAVIGATE))
            .await
    }

    /// A `GET` as a script would send it.
    pub(crate) async fn get_json(&self, url: &str) -> Response {
        self.send(
            self.client
                .get(self.url(url))
                .header(ACCEPT, "application/json"),
        )
        .await
    }

    /// A form `POST` with extra headers.
    pub(crate) async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.client.post(self.url(url)).form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// Sends with the app's cookies when the request goes to the app, and stores what the app
    /// sets.
    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Response {
        let built = request.build().unwrap();
        let to_app = built.url().as_str().starts_with(&self.app);
        let mut request = reqwest::RequestBuilder::from_parts(self.client.clone(), built);
        if to_app && let Some(cookies) = self.cookie_header() {
            request = request.header(COOKIE, cookies);
        }
        let response = request.send().await.unwrap();
        if to_app {
            self.store(&response);
        }
        response
    }

    fn cookie_header(&self) -> Option<String> {
        let jar = self.jar.lock().unwrap();
        let pairs: Vec<String> = jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    fn store(&self, response: &Response) {
        let mut jar = self.jar.lock().unwrap();
        for set in response.headers().get_all(SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") || value.is_empty() {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn url(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.app)
        }
    }
}

/// The `Location` of a redirect.
pub(crate) fn location(response: &Response) -> String {
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {}",
        response.status()
    );
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The `Set-Cookie` values of a response.
pub(crate) fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// Asserts a 303 whose `Location` is the sign-in chooser.
pub(crate) fn assert_login_redirect(response: &Response) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        location(response).contains("/auth/login?return_to="),
        "{}",
        location(response)
    );
}
