//! Entra ID tenants and discovery documents, shaped like `login.microsoftonline.com`'s
//! (providers.md §1.1).

use crate::demo;
use crate::flavor::Flavor;
use crate::urls::{TENANT_TEMPLATE, Urls};
use authgate_core::is_guid;
use serde_json::{Value, json};

/// What the `{tenant}` path segment of an Entra URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tenant {
    /// One tenant (lowercase GUID). Its documents carry its concrete issuer.
    Guid(String),
    /// `common` or `organizations`: documents carry the `{tenantid}` issuer template.
    Template(String),
}

impl Tenant {
    /// Resolves a path segment the way Entra does: a GUID, a known verified domain, `common`,
    /// `organizations`, or `consumers` (v2.0 only, AADSTS90027 on v1). `None` means unknown.
    pub(crate) fn resolve(segment: &str, flavor: Flavor) -> Option<Tenant> {
        match segment {
            "common" | "organizations" => Some(Tenant::Template(segment.to_owned())),
            "consumers" if flavor == Flavor::EntraV2 => {
                Some(Tenant::Guid(demo::MSA_TENANT.to_owned()))
            }
            demo::DEV_TENANT_DOMAIN => Some(Tenant::Guid(demo::DEV_TENANT.to_owned())),
            _ if is_guid(segment) => Some(Tenant::Guid(segment.to_ascii_lowercase())),
            _ => None,
        }
    }

    /// What goes in the tenant slot of an issuer: the GUID, or the `{tenantid}` placeholder.
    pub(crate) fn issuer_slot(&self) -> &str {
        match self {
            Tenant::Guid(guid) => guid,
            Tenant::Template(_) => TENANT_TEMPLATE,
        }
    }

    /// What goes in the tenant slot of endpoint URLs: the GUID, or `common`/`organizations`.
    fn endpoint_slot(&self) -> &str {
        match self {
            Tenant::Guid(guid) | Tenant::Template(guid) => guid,
        }
    }
}

/// The v2.0 discovery document (providers.md §1.1.1).
pub(crate) fn discovery_v2(urls: &Urls, tenant: &Tenant) -> Value {
    let b = urls.entra_instance();
    let t = tenant.endpoint_slot();
    json!({
        "token_endpoint": format!("{b}{t}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": urls.jwks(Flavor::EntraV2, t),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": urls.issuer(Flavor::EntraV2, tenant.issuer_slot()),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": urls.at("/entra/graph/oidc/userinfo"),
        "authorization_endpoint": format!("{b}{t}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{b}{t}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{b}{t}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
            "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce",
            "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{b}{t}/kerberos"),
        "tenant_region_scope": region_scope(tenant),
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    })
}

/// The v1.0 discovery document (providers.md §1.1.2).
pub(crate) fn discovery_v1(urls: &Urls, tenant: &Tenant) -> Value {
    let b = urls.entra_instance();
    let t = tenant.endpoint_slot();
    json!({
        "token_endpoint": format!("{b}{t}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": urls.jwks(Flavor::EntraV1, t),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": urls.issuer(Flavor::EntraV1, tenant.issuer_slot()),
        "microsoft_multi_refresh_token": true,
        "authorization_endpoint": format!("{b}{t}/oauth2/authorize"),
        "device_authorization_endpoint": format!("{b}{t}/oauth2/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{b}{t}/oauth2/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
            "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr",
            "nonce", "email", "given_name", "family_name", "nickname"],
        "check_session_iframe": format!("{b}{t}/oauth2/checksession"),
        "userinfo_endpoint": format!("{b}{t}/openid/userinfo"),
        "kerberos_endpoint": format!("{b}{t}/kerberos"),
        "tenant_region_scope": region_scope(tenant),
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    })
}

/// The body Entra answers for an unknown tenant (HTTP 400).
pub(crate) fn unknown_tenant(segment: &str) -> Value {
    // The segment is echoed only if it is short and plain, so the body stays harmless.
    let shown = if segment.len() <= 64
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
    {
        segment
    } else {
        "(invalid)"
    };
    json!({
        "error": "invalid_tenant",
        "error_description": format!("AADSTS90002: Tenant '{shown}' not found."),
        "error_codes": [90002]
    })
}

fn region_scope(tenant: &Tenant) -> Value {
    match tenant {
        Tenant::Guid(_) => Value::from("WW"),
        Tenant::Template(_) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_resolve_like_entra() {
        let v2 = Flavor::EntraV2;
        assert_eq!(
            Tenant::resolve("common", v2),
            Some(Tenant::Template("common".into()))
        );
        assert_eq!(
            Tenant::resolve(demo::DEV_TENANT_DOMAIN, v2),
            Some(Tenant::Guid(demo::DEV_TENANT.into()))
        );
        assert_eq!(
            Tenant::resolve("consumers", v2),
            Some(Tenant::Guid(demo::MSA_TENANT.into()))
        );
        assert_eq!(Tenant::resolve("consumers", Flavor::EntraV1), None);
        assert_eq!(
            Tenant::resolve("8C2D1A4E-5B6F-4C7D-9E8F-0A1B2C3D4E5F", v2),
            Some(Tenant::Guid(demo::DEV_TENANT.into()))
        );
        assert_eq!(Tenant::resolve("contoso.com", v2), None);
        assert!(!is_guid("8c2d1a4e5b6f4c7d9e8f0a1b2c3d4e5f"));
    }

    #[test]
    fn unknown_tenant_never_echoes_markup() {
        let body = unknown_tenant("<script>").to_string();
        assert!(!body.contains("<script>"));
    }
}
