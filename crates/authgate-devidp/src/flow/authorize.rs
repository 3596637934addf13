//! The authorization endpoint (RFC 6749 §4.1.1, RFC 7636 §4.3). Programmatic callers are
//! approved at once as the demo user (or the `login_hint`); with `prompt=login`, or when the
//! IdP is interactive ([`crate::DevIdp::set_interactive`]), a login page asks which demo user
//! signs in and for custom claims, and its form POSTs back here.

use super::Params;
use super::grants::Grant;
use super::login_page::{self, PageError};
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use crate::ids::random_b64url;
use crate::users::{self, DemoUser};
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use url::Url;

/// Form fields of the login page (never part of the authorization request).
pub(super) const USER_FIELD: &str = "devidp_user";
/// The custom-claims textarea.
pub(super) const CLAIMS_FIELD: &str = "devidp_claims";
/// Which button was pressed (`approve` or `deny`).
pub(super) const ACTION_FIELD: &str = "devidp_action";

/// Where the answer goes, once client and redirect URI are known to be usable.
struct Target {
    redirect: Url,
    client_id: String,
}

/// Who signs in and what their tokens add.
struct Login {
    subject: Option<String>,
    roles: Vec<String>,
    claims: Map<String, Value>,
}

/// GET: validates the request, then shows the login page or approves at once.
pub(super) fn authorize(
    idp: &DevIdp,
    flavor: Flavor,
    tenant: &str,
    path: &str,
    params: &Params,
) -> Response {
    let target = match target(params) {
        Ok(target) => target,
        Err(why) => return bad_request(why),
    };
    if let Err(error) = check(params) {
        return redirect_back(idp, flavor, target.redirect, error.pairs(), params);
    }
    if let Some(hint) = params.get("login_hint").filter(|h| !h.is_empty()) {
        return approve(idp, flavor, tenant, target, params, by_hint(hint, flavor));
    }
    if wants_login_page(idp, params) {
        return login_page::render(flavor, path, params, None);
    }
    approve(idp, flavor, tenant, target, params, no_user())
}

/// POST from the login page: the original request plus the chosen user and custom claims.
pub(super) fn submit(
    idp: &DevIdp,
    flavor: Flavor,
    tenant: &str,
    path: &str,
    form: &Params,
) -> Response {
    let target = match target(form) {
        Ok(target) => target,
        Err(why) => return bad_request(why),
    };
    if let Err(error) = check(form) {
        return redirect_back(idp, flavor, target.redirect, error.pairs(), form);
    }
    if form.get(ACTION_FIELD).map(String::as_str) == Some("deny") {
        let denied = AuthzError("access_denied", "the user denied the request");
        return redirect_back(idp, flavor, target.redirect, denied.pairs(), form);
    }
    let key = form
        .get(USER_FIELD)
        .map_or(users::DEFAULT_USER, String::as_str);
    let Some(user) = users::find(key) else {
        return login_page::render(flavor, path, form, Some(PageError::UnknownUser));
    };
    let extra = match login_page::parse_claims(form.get(CLAIMS_FIELD).map_or("", String::as_str)) {
        Ok(extra) => extra,
        Err(error) => return login_page::render(flavor, path, form, Some(error)),
    };
    let mut login = of_user(user, flavor);
    login.claims.extend(extra);
    approve(idp, flavor, tenant, target, form, login)
}

/// `prompt=login` (OIDC Core §3.1.2.1, space-separated list) or an interactive IdP.
fn wants_login_page(idp: &DevIdp, params: &Params) -> bool {
    let prompt = params.get("prompt").map_or("", String::as_str);
    idp.is_interactive() || prompt.split_whitespace().any(|p| p == "login")
}

/// A demo user's key picks that user; any other hint becomes the subject as is.
fn by_hint(hint: &str, flavor: Flavor) -> Login {
    match users::find(hint) {
        Some(user) => of_user(user, flavor),
        None => Login {
            subject: Some(hint.to_owned()),
            ..no_user()
        },
    }
}

fn of_user(user: &DemoUser, flavor: Flavor) -> Login {
    Login {
        subject: user.subject(),
        roles: user.roles(),
        claims: user.claims(flavor.is_entra()),
    }
}

fn no_user() -> Login {
    Login {
        subject: None,
        roles: Vec::new(),
        claims: Map::new(),
    }
}

/// Opens a login session (a fresh `sid`), issues a code and redirects back with it.
fn approve(
    idp: &DevIdp,
    flavor: Flavor,
    tenant: &str,
    target: Target,
    params: &Params,
    login: Login,
) -> Response {
    let sid = random_b64url(16);
    let grant = Grant {
        flavor,
        tenant: tenant.to_owned(),
        client_id: target.client_id,
        scopes: scopes(params),
        subject: login.subject,
        sid: Some(sid.clone()),
        roles: login.roles,
        claims: login.claims,
    };
    idp.inner().backchannel.open_session(sid, &grant);
    let challenge = params.get("code_challenge").cloned();
    let nonce = params.get("nonce").cloned();
    let code = idp
        .inner()
        .grants
        .issue_code(grant, target.redirect.to_string(), challenge, nonce);
    redirect_back(idp, flavor, target.redirect, vec![("code", code)], params)
}

/// RFC 6749 §4.1.2.1: without a valid client and redirect URI, never redirect.
fn target(params: &Params) -> Result<Target, &'static str> {
    let Some(redirect) = params.get("redirect_uri").and_then(|u| redirect_target(u)) else {
        return Err("redirect_uri must be an absolute http(s) URL without a fragment");
    };
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return Err("client_id is required");
    };
    Ok(Target {
        redirect,
        client_id: client_id.clone(),
    })
}

/// An authorization error sent back to the client (RFC 6749 §4.1.2.1).
struct AuthzError(&'static str, &'static str);

impl AuthzError {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("error", self.0.to_owned()),
            ("error_description", self.1.to_owned()),
        ]
    }
}

/// The request checks after client and redirect URI, each with its RFC error code.
fn check(params: &Params) -> Result<(), AuthzError> {
    if params.get("response_type").map(String::as_str) != Some("code") {
        return Err(AuthzError(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let method = params.get("code_challenge_method").map(String::as_str);
    match (params.get("code_challenge"), method) {
        // RFC 7636 §4.2: S256 only here; `plain` gives no protection against a leaked request.
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => Ok(()),
        (Some(_), _) => Err(AuthzError("invalid_request", "code_challenge must be S256")),
        (None, Some(_)) => Err(AuthzError(
            "invalid_request",
            "code_challenge_method without code_challenge",
        )),
        (None, None) => Ok(()),
    }
}

/// BASE64URL(SHA-256(verifier)) is 43 characters of the base64url alphabet.
pub(super) fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn scopes(params: &Params) -> Vec<String> {
    let scope = params.get("scope").map_or("", String::as_str);
    scope.split_whitespace().map(str::to_owned).collect()
}

/// An absolute http(s) URL with a host and no fragment.
pub(super) fn redirect_target(uri: &str) -> Option<Url> {
    let url = Url::parse(uri).ok()?;
    let web = matches!(url.scheme(), "http" | "https");
    (web && url.fragment().is_none() && url.has_host()).then_some(url)
}

/// 302 to `redirect` with `answer`, the request's `state`, and (where the provider
/// advertises RFC 9207) `iss`.
fn redirect_back(
    idp: &DevIdp,
    flavor: Flavor,
    mut redirect: Url,
    answer: Vec<(&str, String)>,
    params: &Params,
) -> Response {
    {
        let mut query = redirect.query_pairs_mut();
        for (name, value) in &answer {
            query.append_pair(name, value);
        }
        if let Some(state) = params.get("state") {
            query.append_pair("state", state);
        }
        if flavor == Flavor::Oidc {
            query.append_pair("iss", &idp.issuer(flavor));
        }
    }
    found(redirect.as_str())
}

/// 302 to `location`, not cached.
pub(super) fn found(location: &str) -> Response {
    let headers = [
        (header::LOCATION, location.to_owned()),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    (StatusCode::FOUND, headers).into_response()
}

pub(super) fn bad_request(why: &str) -> Response {
    let body = json!({ "error": "invalid_request", "error_description": why });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
