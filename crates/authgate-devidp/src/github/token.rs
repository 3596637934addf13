//! `POST /github/login/oauth/access_token`: redeems a code for a `gho_` token. As on GitHub,
//! failures answer 200 with an `error` member; the format follows `Accept`.

use super::{Code, Token};
use crate::demo::DEV_CLIENT_SECRET;
use crate::idp::DevIdp;
use crate::ids::random_b64url;
use aws_lc_rs::digest;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// Where GitHub documents its token errors.
const ERROR_DOCS: &str = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";

/// Redeems the code.
pub(super) async fn access_token(
    State(idp): State<DevIdp>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let github = &idp.inner().github;
    github.token_hits.fetch_add(1, Ordering::SeqCst);
    let json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let fields = match redeem(&idp, &headers, &form) {
        Ok(token) => vec![
            ("access_token", token.0),
            ("scope", token.1.join(",")),
            ("token_type", "bearer".to_owned()),
        ],
        Err((error, description)) => vec![
            ("error", error.to_owned()),
            ("error_description", description.to_owned()),
            (
                "error_uri",
                format!("{ERROR_DOCS}#{}", error.replace('_', "-")),
            ),
        ],
    };
    answer(json, &fields)
}

fn answer(json: bool, fields: &[(&str, String)]) -> Response {
    let no_store = (header::CACHE_CONTROL, "no-store");
    if json {
        let map: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.as_str().into()))
            .collect();
        return ([no_store], axum::Json(map)).into_response();
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let form = (
        header::CONTENT_TYPE,
        "application/x-www-form-urlencoded; charset=utf-8",
    );
    ([no_store, form], body).into_response()
}

type Failure = (&'static str, &'static str);

/// The new access token and its scopes.
fn redeem(
    idp: &DevIdp,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(String, Vec<String>), Failure> {
    let client_id = authenticate(headers, form)?;
    let github = &idp.inner().github;
    let code = form.get("code").map_or("", String::as_str);
    let issued = github.redeem_code(code).ok_or((
        "bad_verification_code",
        "The code passed is incorrect or expired.",
    ))?;
    check(&issued, &client_id, form)?;
    let token = format!("gho_{}", random_b64url(27));
    let entry = Token {
        user: issued.user,
        scopes: issued.scopes.clone(),
    };
    github.issue_token(token.clone(), entry);
    Ok((token, issued.scopes))
}

fn check(issued: &Code, client_id: &str, form: &HashMap<String, String>) -> Result<(), Failure> {
    if issued.client_id != client_id {
        return Err((
            "bad_verification_code",
            "The code passed is incorrect or expired.",
        ));
    }
    if issued.redirect_uri.is_some() && form.get("redirect_uri") != issued.redirect_uri.as_ref() {
        return Err((
            "redirect_uri_mismatch",
            "The redirect_uri MUST match the registered callback URL for this application.",
        ));
    }
    let verifier = form.get("code_verifier");
    match (&issued.challenge, verifier) {
        (None, None) => Ok(()),
        (Some(challenge), Some(v)) if s256(v) == *challenge => Ok(()),
        _ => Err(("bad_verification_code", "PKCE verification failed.")),
    }
}

/// `client_id` and `client_secret` in the form, or HTTP Basic; the secret is
/// [`DEV_CLIENT_SECRET`] (GitHub OAuth apps are confidential clients).
fn authenticate(headers: &HeaderMap, form: &HashMap<String, String>) -> Result<String, Failure> {
    const BAD: Failure = (
        "incorrect_client_credentials",
        "The client_id and/or client_secret passed are incorrect.",
    );
    let (id, secret) = match headers.get(header::AUTHORIZATION) {
        Some(value) => basic(value).ok_or(BAD)?,
        None => (
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    if id.is_empty() || secret != DEV_CLIENT_SECRET {
        return Err(BAD);
    }
    Ok(id)
}

fn basic(value: &header::HeaderValue) -> Option<(String, String)> {
    let encoded = value.to_str().ok()?.strip_prefix("Basic ")?;
    let text = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}
