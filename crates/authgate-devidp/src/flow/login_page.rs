//! The login page: pick a demo user, optionally add custom claims. Everything from the request
//! is HTML-escaped; the page loads nothing from elsewhere (inline style only, strict CSP).

use super::Params;
use super::authorize::{ACTION_FIELD, CLAIMS_FIELD, USER_FIELD};
use crate::flavor::Flavor;
use crate::users::{self, USERS};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Largest custom-claims document accepted.
const MAX_CLAIMS_BYTES: usize = 16 * 1024;

/// Why the submitted form is shown again.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum PageError {
    /// The chosen user is not a demo user.
    UnknownUser,
    /// The custom claims are not a JSON object (the reason).
    BadClaims(String),
}

impl PageError {
    fn message(&self) -> String {
        match self {
            PageError::UnknownUser => "Unknown user: pick one of the demo users.".to_owned(),
            PageError::BadClaims(why) => format!("Custom claims: {why}"),
        }
    }
}

/// The custom claims: empty, or a JSON object of at most 16 KiB.
pub(super) fn parse_claims(text: &str) -> Result<Map<String, Value>, PageError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Map::new());
    }
    if text.len() > MAX_CLAIMS_BYTES {
        return Err(PageError::BadClaims(format!(
            "at most {MAX_CLAIMS_BYTES} bytes"
        )));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(claims)) => Ok(claims),
        Ok(_) => Err(PageError::BadClaims(
            "must be a JSON object, e.g. {\"department\": \"sales\"}".to_owned(),
        )),
        Err(e) => Err(PageError::BadClaims(format!("not valid JSON ({e})"))),
    }
}

/// The page for this request (`error`: the form is shown again with the reason, status 400).
pub(super) fn render(
    flavor: Flavor,
    action: &str,
    params: &Params,
    error: Option<PageError>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let html = page(flavor, action, params, error.as_ref());
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    (status, headers, html).into_response()
}

fn page(flavor: Flavor, action: &str, params: &Params, error: Option<&PageError>) -> String {
    let client = params.get("client_id").map_or("", String::as_str);
    let chosen = params
        .get(USER_FIELD)
        .map_or(users::DEFAULT_USER, String::as_str);
    let claims = params.get(CLAIMS_FIELD).map_or("", String::as_str);
    let mut html = String::from(HEAD);
    let _ = write!(
        html,
        "<h1>Sign in ({})</h1>\n<p>Client <code>{}</code> asks you to sign in.</p>\n",
        escape(flavor.name()),
        escape(client)
    );
    if let Some(error) = error {
        let _ = writeln!(
            html,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(&error.message())
        );
    }
    let _ = writeln!(html, "<form method=\"post\" action=\"{}\">", escape(action));
    hidden_fields(&mut html, params);
    user_choices(&mut html, chosen);
    let _ = write!(
        html,
        "<label for=\"claims\">Custom claims (a JSON object merged into the ID and access \
         tokens; <code>null</code> removes a claim)</label>\n\
         <textarea id=\"claims\" name=\"{CLAIMS_FIELD}\" rows=\"6\" cols=\"60\">{}</textarea>\n\
         <p><button type=\"submit\" name=\"{ACTION_FIELD}\" value=\"approve\">Sign in</button> \
         <button type=\"submit\" name=\"{ACTION_FIELD}\" value=\"deny\">Deny</button></p>\n\
         </form>\n</body>\n</html>\n",
        escape(claims)
    );
    html
}

/// The authorization request, carried through the form (login page fields excluded).
fn hidden_fields(html: &mut String, params: &Params) {
    let mut names: Vec<&String> = params
        .keys()
        .filter(|k| ![USER_FIELD, CLAIMS_FIELD, ACTION_FIELD].contains(&k.as_str()))
        .collect();
    names.sort();
    for name in names {
        let value = params.get(name).map_or("", String::as_str);
        let _ = writeln!(
            html,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
    }
}

fn user_choices(html: &mut String, chosen: &str) {
    html.push_str("<fieldset><legend>User</legend>\n");
    for user in &USERS {
        let checked = if user.key == chosen { " checked" } else { "" };
        let roles = if user.roles.is_empty() {
            String::new()
        } else {
            format!(" (roles: {})", user.roles.join(", "))
        };
        let _ = writeln!(
            html,
            "<label><input type=\"radio\" name=\"{USER_FIELD}\" value=\"{}\"{checked}> {} \
             &lt;{}&gt;{}</label><br>",
            escape(user.key),
            escape(user.name),
            escape(user.email),
            escape(&roles)
        );
    }
    html.push_str("</fieldset>\n");
}

/// HTML-escapes text for element content and double- or single-quoted attributes.
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

const HEAD: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>authgate dev IdP: sign in</title>\n<style>\
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}\
fieldset{margin:1rem 0}textarea{width:100%;font-family:monospace}\
.error{color:#a00;font-weight:bold}</style>\n</head>\n<body>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>"a"&'b'</script>"#),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn claims_must_be_a_small_json_object() {
        assert_eq!(parse_claims("  "), Ok(Map::new()));
        let ok = parse_claims(r#"{"department":"sales","email":null}"#).unwrap();
        assert_eq!(ok.len(), 2);
        assert!(matches!(parse_claims("[1]"), Err(PageError::BadClaims(_))));
        assert!(matches!(
            parse_claims("{oops"),
            Err(PageError::BadClaims(_))
        ));
        let big = format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_CLAIMS_BYTES));
        assert!(matches!(parse_claims(&big), Err(PageError::BadClaims(_))));
    }

    #[test]
    fn the_page_escapes_every_request_value() {
        let mut params = Params::new();
        params.insert("client_id".into(), "<b>evil</b>".into());
        params.insert("state".into(), "\"><script>alert(1)</script>".into());
        params.insert(CLAIMS_FIELD.into(), "</textarea><script>".into());
        let html = page(Flavor::Oidc, "/oidc/authorize", &params, None);
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>evil"));
        assert!(html.contains("&lt;b&gt;evil&lt;/b&gt;"));
        assert!(!html.contains("src=") && !html.contains("href="));
    }
}
