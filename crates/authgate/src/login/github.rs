//! GitHub sign-in: plain OAuth 2.0, so the identity comes from the user API (`GET /user`,
//! subject = the numeric `id`, never the renameable `login`) and the email from
//! `GET /user/emails` (the primary, verified one).

use super::flow::Inner;
use super::id_token::Resolved;
use super::provider::Provider;
use super::transport::Auth;
use super::{LoginError, ProviderTokens};
use authgate_core::store::NewIdentity;
use serde_json::{Map, Value, json};

/// Reads the signed-in GitHub user.
pub(super) async fn identity(
    inner: &Inner,
    p: &Provider,
    tokens: &ProviderTokens,
) -> Result<Resolved, LoginError> {
    let md = p.metadata(&inner.http).await?;
    let api = md.userinfo_endpoint.clone().unwrap_or_default();
    let token = tokens.access_token.expose_secret();
    let user = inner
        .transport
        .get(&api, p.allow_http(), Auth::Bearer(token))
        .await
        .map_err(|e| LoginError::Unavailable(format!("GitHub user API {e}")))?;
    if user.status != 200 {
        return Err(LoginError::Unavailable(format!(
            "GitHub user API status {}",
            user.status
        )));
    }
    let id = user
        .body
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| LoginError::InvalidToken("GitHub user has no numeric id".into()))?;
    let (email, verified) = primary_email(inner, p, &api, token).await;
    let text = |name: &str| {
        user.body
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut claims = Map::new();
    claims.insert("iss".into(), md.issuer.clone().into());
    claims.insert("sub".into(), id.to_string().into());
    for name in ["login", "name"] {
        if let Some(value) = text(name) {
            claims.insert(name.into(), value.into());
        }
    }
    if let Some(email) = &email {
        claims.insert("email".into(), json!(email));
        claims.insert("email_verified".into(), json!(verified));
    }
    Ok(Resolved {
        new_identity: NewIdentity {
            provider: p.id().to_owned(),
            issuer: md.issuer.clone(),
            subject: id.to_string(),
            tenant: None,
            email,
            email_verified: verified,
        },
        display_name: text("name").or_else(|| text("login")),
        sid: None,
        claims,
    })
}

/// The primary verified address from `/user/emails`; without one (scope not granted, API
/// error) no email at all, so an unverified address never links accounts.
async fn primary_email(
    inner: &Inner,
    p: &Provider,
    api: &str,
    token: &str,
) -> (Option<String>, bool) {
    let url = format!("{}/emails", api.trim_end_matches('/'));
    let Ok((200, list)) = inner
        .transport
        .get_array(&url, p.allow_http(), Auth::Bearer(token))
        .await
    else {
        return (None, false);
    };
    let primary = list.iter().find(|e| {
        e.get("primary").and_then(Value::as_bool) == Some(true)
            && e.get("verified").and_then(Value::as_bool) == Some(true)
    });
    match primary
        .and_then(|e| e.get("email"))
        .and_then(Value::as_str)
        .and_then(super::users::normalise_email)
    {
        Some(email) => (Some(email), true),
        None => (None, false),
    }
}
