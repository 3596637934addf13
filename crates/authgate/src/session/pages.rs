//! The few HTML pages: inline markup and style only (no external resources), every value
//! escaped, framing forbidden, nothing cached (security.md BCP-13, BCP-48, BCP-73).

use crate::login::LoginProvider;
use axum::response::{Html, IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_FRAME_OPTIONS};
use http::{HeaderValue, StatusCode};

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;\
padding:0 1rem;color:#222}a.button,button{display:block;width:100%;margin:.5rem 0;padding:.7rem;\
border:1px solid #888;border-radius:.4rem;background:#f6f6f6;color:#222;text-align:center;\
text-decoration:none;font-size:1rem;cursor:pointer}";

/// HTML-escapes `text` for element content and double-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes `text` for a query value or a path segment.
pub(crate) fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A page with the security headers. `body` must already be escaped markup.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` on
    // the page's own form POSTs, which the logout CSRF check must refuse (found by the
    // Chromium test). No referrer ever leaves the site either way.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// `GET /auth/login`: one link per sign-in provider, carrying `return_to`.
pub(crate) fn chooser(providers: &[LoginProvider], return_to: Option<&str>) -> Response {
    let query = return_to.map_or(String::new(), |r| format!("?return_to={}", encode(r)));
    let links: String = providers
        .iter()
        .map(|p| {
            let href = format!("/auth/{}/login{query}", encode(&p.id));
            format!(
                "<a class=\"button\" href=\"{}\">Sign in with {}</a>",
                escape(&href),
                escape(&p.display_name)
            )
        })
        .collect();
    let body = if providers.is_empty() {
        "<h1>Sign in</h1><p>No sign-in provider is configured.</p>".to_owned()
    } else {
        format!("<h1>Sign in</h1>{links}")
    };
    page(StatusCode::OK, "Sign in", &body)
}

/// `GET /auth/logout`: the confirmation form (logout is a POST with a CSRF token, BCP-61).
pub(crate) fn logout_confirm(csrf: &str, who: Option<&str>) -> Response {
    let who = who.map_or(String::new(), |w| format!(" as <b>{}</b>", escape(w)));
    let field = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(csrf)
    );
    let body = format!(
        "<h1>Sign out</h1><p>You are signed in{who}.</p>\
         <form method=\"post\" action=\"/auth/logout\">{field}\
         <button type=\"submit\">Sign out</button></form>\
         <form method=\"post\" action=\"/auth/logout\">{field}\
         <input type=\"hidden\" name=\"everywhere\" value=\"1\">\
         <button type=\"submit\">Sign out on every device</button></form>"
    );
    page(StatusCode::OK, "Sign out", &body)
}

/// What the account-linking confirmation shows and posts.
pub(crate) struct LinkForm<'a> {
    /// The session's CSRF token.
    pub(crate) csrf: &'a str,
    /// The provider id (the form's action).
    pub(crate) provider: &'a str,
    /// The provider's display name.
    pub(crate) display_name: &'a str,
    /// Where to go afterwards, passed through to the POST.
    pub(crate) return_to: Option<&'a str>,
    /// Who is signed in.
    pub(crate) who: Option<&'a str>,
}

/// `GET /auth/{provider}/link`: the confirmation form (linking is a POST with a CSRF token).
pub(crate) fn link_confirm(form: &LinkForm<'_>) -> Response {
    let who = form
        .who
        .map_or(String::new(), |w| format!(" as <b>{}</b>", escape(w)));
    let action = format!("/auth/{}/link", encode(form.provider));
    let return_to = form.return_to.map_or(String::new(), |r| {
        format!(
            "<input type=\"hidden\" name=\"return_to\" value=\"{}\">",
            escape(r)
        )
    });
    let body = format!(
        "<h1>Link an account</h1><p>You are signed in{who}.</p>\
         <p>Sign in with {name} to link that account to this user: afterwards either \
         sign-in opens the same account.</p>\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">{return_to}\
         <button type=\"submit\">Link {name}</button></form>",
        name = escape(form.display_name),
        action = escape(&action),
        csrf = escape(form.csrf),
    );
    page(StatusCode::OK, "Link an account", &body)
}

/// `GET /auth/logged-out`.
pub(crate) fn logged_out() -> Response {
    let body = "<h1>Signed out</h1><p>You are signed out.</p>\
                <a class=\"button\" href=\"/auth/login\">Sign in again</a>";
    page(StatusCode::OK, "Signed out", body)
}

/// A failure page: a fixed text and a way back, never the failure's detail (BCP-13).
pub(crate) fn error(status: StatusCode, message: &'static str) -> Response {
    let body = format!(
        "<h1>Sign-in problem</h1><p>{}</p>\
         <a class=\"button\" href=\"/auth/login\">Try again</a>",
        escape(message)
    );
    page(status, "Sign-in problem", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_attribute_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn bcp73_pages_forbid_framing_and_caching() {
        let r = logged_out();
        assert_eq!(r.headers()[CONTENT_SECURITY_POLICY], CSP);
        assert_eq!(r.headers()[X_FRAME_OPTIONS], "DENY");
        assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(r.headers()[REFERRER_POLICY], "same-origin");
    }

    #[tokio::test]
    async fn link_confirm_posts_the_csrf_token_and_escapes_values() {
        let r = link_confirm(&LinkForm {
            csrf: "tok",
            provider: "a b",
            display_name: "<Corp>",
            return_to: Some("/x?\"y\""),
            who: Some("<me>"),
        });
        assert_eq!(r.headers()[X_FRAME_OPTIONS], "DENY");
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            body.contains("method=\"post\" action=\"/auth/a%20b/link\""),
            "{body}"
        );
        assert!(body.contains("name=\"csrf\" value=\"tok\""), "{body}");
        assert!(body.contains("value=\"/x?&quot;y&quot;\""), "{body}");
        assert!(
            body.contains("Link &lt;Corp&gt;") && body.contains("&lt;me&gt;"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn chooser_escapes_names_and_encodes_return_to() {
        let providers = [LoginProvider {
            id: "corp".into(),
            display_name: "<Corp>".into(),
        }];
        let r = chooser(&providers, Some("/a?b=1&c=\"x\""));
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("Sign in with &lt;Corp&gt;"), "{body}");
        assert!(
            body.contains("href=\"/auth/corp/login?return_to=%2Fa%3Fb%3D1%26c%3D%22x%22\""),
            "{body}"
        );
    }
}
