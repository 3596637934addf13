//! Discovery documents of Google, Okta, Auth0 and the generic provider (providers.md §2.1,
//! §3.1, §4.1, §5.1). Entra's live in `entra.rs`.

use crate::flavor::Flavor;
use crate::urls::Urls;
use serde_json::{Value, json};

/// The OIDC discovery document of a non-Entra `flavor` (`None` for Entra).
pub(crate) fn openid_configuration(urls: &Urls, flavor: Flavor) -> Option<Value> {
    match flavor {
        Flavor::Google => Some(google(urls)),
        Flavor::Okta => Some(okta(urls, true)),
        Flavor::Auth0 => Some(auth0(urls)),
        Flavor::Oidc => Some(oidc(urls)),
        Flavor::EntraV1 | Flavor::EntraV2 => None,
    }
}

/// The RFC 8414 authorization server metadata, for the flavors that serve it.
pub(crate) fn oauth_authorization_server(urls: &Urls, flavor: Flavor) -> Option<Value> {
    match flavor {
        Flavor::Okta => Some(okta(urls, false)),
        Flavor::Oidc => Some(oidc(urls)),
        _ => None,
    }
}

fn google(urls: &Urls) -> Value {
    json!({
        "issuer": urls.issuer(Flavor::Google, ""),
        "authorization_endpoint": urls.at("/google/o/oauth2/v2/auth"),
        "device_authorization_endpoint": urls.at("/google/device/code"),
        "token_endpoint": urls.at("/google/token"),
        "userinfo_endpoint": urls.at("/google/v1/userinfo"),
        "revocation_endpoint": urls.at("/google/revoke"),
        "jwks_uri": urls.jwks(Flavor::Google, ""),
        "response_types_supported": ["code", "token", "id_token", "code token", "code id_token",
            "token id_token", "code token id_token", "none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name",
            "iat", "iss", "name", "picture", "sub"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer"]
    })
}

/// Okta's `default` custom authorization server. The OIDC variant lists ID-token claims and
/// signing algorithms; the RFC 8414 variant lists access-token claims.
fn okta(urls: &Urls, openid: bool) -> Value {
    let issuer = urls.issuer(Flavor::Okta, "");
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/v1/authorize"),
        "token_endpoint": format!("{issuer}/v1/token"),
        "registration_endpoint": urls.at("/okta/oauth2/v1/clients"),
        "jwks_uri": urls.jwks(Flavor::Okta, ""),
        "response_types_supported": ["code", "token", "id_token", "code id_token", "code token",
            "id_token token", "code id_token token"],
        "response_modes_supported": ["query", "fragment", "form_post", "okta_post_message"],
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "password",
            "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"],
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
            "client_secret_jwt", "private_key_jwt", "none"],
        "claims_supported": ["ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub"],
        "code_challenge_methods_supported": ["S256"],
        "introspection_endpoint": format!("{issuer}/v1/introspect"),
        "revocation_endpoint": format!("{issuer}/v1/revoke"),
        "end_session_endpoint": format!("{issuer}/v1/logout"),
        "request_parameter_supported": true
    });
    if openid && let Some(obj) = doc.as_object_mut() {
        obj.insert(
            "userinfo_endpoint".into(),
            format!("{issuer}/v1/userinfo").into(),
        );
        obj.insert(
            "id_token_signing_alg_values_supported".into(),
            json!(["RS256"]),
        );
        obj.insert(
            "claims_supported".into(),
            json!([
                "iss",
                "ver",
                "sub",
                "aud",
                "iat",
                "exp",
                "jti",
                "auth_time",
                "amr",
                "idp",
                "nonce",
                "name",
                "email",
                "email_verified",
                "preferred_username",
                "at_hash",
                "c_hash"
            ]),
        );
    }
    doc
}

fn auth0(urls: &Urls) -> Value {
    let issuer = urls.issuer(Flavor::Auth0, "");
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}authorize"),
        "token_endpoint": format!("{issuer}oauth/token"),
        "device_authorization_endpoint": format!("{issuer}oauth/device/code"),
        "userinfo_endpoint": format!("{issuer}userinfo"),
        "mfa_challenge_endpoint": format!("{issuer}mfa/challenge"),
        "jwks_uri": urls.jwks(Flavor::Auth0, ""),
        "registration_endpoint": format!("{issuer}oidc/register"),
        "revocation_endpoint": format!("{issuer}oauth/revoke"),
        "scopes_supported": ["openid", "profile", "offline_access", "name", "given_name",
            "family_name", "nickname", "email", "email_verified", "picture", "created_at",
            "identities", "phone", "address"],
        "response_types_supported": ["code", "token", "id_token", "code token", "code id_token",
            "token id_token", "code token id_token"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "claims_supported": ["aud", "auth_time", "created_at", "email", "email_verified", "exp",
            "family_name", "given_name", "iat", "identities", "iss", "name", "nickname",
            "phone_number", "picture", "sub"],
        "request_uri_parameter_supported": false,
        "request_parameter_supported": false,
        "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
        "end_session_endpoint": format!("{issuer}oidc/logout"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true
    })
}

fn oidc(urls: &Urls) -> Value {
    let issuer = urls.issuer(Flavor::Oidc, "");
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "jwks_uri": urls.jwks(Flavor::Oidc, ""),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "PS256", "ES256", "EdDSA"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope", "roles"],
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true
    })
}
