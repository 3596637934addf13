//! Microsoft Entra ID (Azure AD).
//!
//! The token version is chosen by the API's manifest, not by the endpoint, and decides the
//! issuer: v2 `{instance}{tid}/v2.0`, v1 `https://sts.windows.net/{tid}/` (trailing slash).
//! Each accepted version is its own route with its own metadata document and key cache; the
//! token's `iss` picks one. v1 is off unless `token_versions` lists `1` (security.md JWT-I09).
//!
//! - A tenant GUID gives exact issuers.
//! - `common` / `organizations` give the `{tenantid}` template: `tid` must be a GUID equal to
//!   the tenant segment of `iss` (JWT-I07) and be on `allowed_tenants` (JWT-I08); accepting
//!   every tenant takes an explicit `allowed_tenants = ["*"]`.
//! - `consumers` is the Microsoft-account tenant `9188040d-6c67-4c5b-b112-36a304b66dad` (v2 only).
//!
//! Access tokens must carry `scp` (delegated) or have the app-only shape, `idtyp: "app"` or
//! `sub == oid`, with or without `roles`; an ID token, which may carry `roles` and no `nonce`
//! but whose `sub` is pairwise, is never a bearer (JWT-K01). App-only tokens are accepted and
//! left to policies. Audiences default to `api://{client_id}` and `{client_id}`; only
//! configured forms match (JWT-D08), so a Microsoft Graph token is refused by audience
//! (JWT-D09).

use super::{ProviderRules, RouteSpec, base_validation, key_source};
use crate::config::validate::Problems;
use crate::config::{ENTRA_PUBLIC_INSTANCE, ProviderConfig};
use authgate_core::{Algorithm, ClaimMapping, IssuerRule, TokenKind, is_guid};
use checks::EntraClaims;
use std::sync::Arc;
use std::time::Duration;

/// The Microsoft-account (consumers) tenant.
const CONSUMERS_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
/// Continuous-access-evaluation tokens live up to 28 hours; allow a margin.
const CAE_MAX_LIFETIME: Duration = Duration::from_secs(30 * 3600);
/// The placeholder of Entra's multi-tenant issuer templates.
const TEMPLATE: &str = "{tenantid}";

/// Entra ID.
pub(crate) struct Entra;

/// What the `tenant` setting means.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tenant {
    /// One tenant, by GUID (lowercase).
    Single(String),
    /// `common` or `organizations` (the alias as configured).
    Multi(String),
    /// `consumers`.
    Consumers,
}

impl ProviderRules for Entra {
    fn check(&self, p: &ProviderConfig, out: &mut Problems) {
        out.require("client_id", p.client_id.as_deref(), "for kind = entra");
        for (field, set) in [
            ("issuer", p.issuer.is_some()),
            ("discovery", p.discovery.is_some()),
        ] {
            if set {
                out.push(
                    field,
                    "not used by kind = entra: derived from instance and tenant",
                );
            }
        }
        let tenant = p.tenant.as_deref().map(parse_tenant);
        match tenant {
            None => out.push(
                "tenant",
                "required for kind = entra (a tenant GUID, common, organizations or consumers)",
            ),
            Some(None) => out.push(
                "tenant",
                "must be a tenant GUID, common, organizations or consumers",
            ),
            Some(Some(t)) => check_tenant(p, &t, out),
        }
        check_versions(p, out);
        check_instance(p, out);
        super::check_audience_values(&p.audiences, out);
    }

    fn routes(&self, p: &ProviderConfig) -> Vec<RouteSpec> {
        let Some(tenant) = p.tenant.as_deref().and_then(parse_tenant) else {
            return Vec::new();
        };
        let mut routes = Vec::new();
        if versions(p).contains(&2) {
            routes.push(route(
                p,
                "v2",
                v2_issuer(p, &tenant),
                v2_discovery(p, &tenant),
                &tenant,
            ));
        }
        if versions(p).contains(&1) {
            routes.push(route(
                p,
                "v1",
                v1_issuer(p, &tenant),
                v1_discovery(p, &tenant),
                &tenant,
            ));
        }
        routes
    }
}

fn check_tenant(p: &ProviderConfig, tenant: &Tenant, out: &mut Problems) {
    let wildcard = p.allowed_tenants.iter().any(|t| t == "*");
    match tenant {
        Tenant::Multi(_) if p.allowed_tenants.is_empty() => out.push(
            "allowed_tenants",
            "required for a multi-tenant authority: list tenant GUIDs, or [\"*\"] to accept any tenant",
        ),
        Tenant::Multi(_) if wildcard && p.allowed_tenants.len() > 1 => {
            out.push("allowed_tenants", "\"*\" must be the only entry");
        }
        Tenant::Multi(_) => {
            for (i, t) in p.allowed_tenants.iter().enumerate() {
                if t != "*" && !is_guid(t) {
                    out.push(&format!("allowed_tenants[{i}]"), "must be a tenant GUID");
                }
            }
        }
        _ if !p.allowed_tenants.is_empty() => {
            out.push("allowed_tenants", "only applies to tenant = common or organizations");
        }
        _ => {}
    }
    if *tenant == Tenant::Consumers && versions(p).contains(&1) {
        out.push(
            "token_versions",
            "consumers (Microsoft accounts) issue v2 tokens only",
        );
    }
}

fn check_versions(p: &ProviderConfig, out: &mut Problems) {
    if p.token_versions.iter().any(|v| !matches!(v, 1 | 2)) {
        out.push("token_versions", "only 1 and 2 exist");
    }
    if versions(p).contains(&1)
        && p.v1_issuer_base.is_none()
        && default_v1_base(&instance(p)).is_none()
    {
        out.push(
            "v1_issuer_base",
            "required to accept v1 tokens from a non-public cloud instance",
        );
    }
}

fn check_instance(p: &ProviderConfig, out: &mut Problems) {
    for (field, value) in [
        ("instance", &p.instance),
        ("v1_issuer_base", &p.v1_issuer_base),
    ] {
        out.url(field, value.as_deref(), p.insecure_allow_http);
        if value.as_deref().is_some_and(|v| !v.ends_with('/')) {
            out.push(field, "must end with '/'");
        }
    }
}

fn route(
    p: &ProviderConfig,
    label: &'static str,
    issuer: IssuerRule,
    discovery: String,
    tenant: &Tenant,
) -> RouteSpec {
    let expected = match &issuer {
        IssuerRule::Exact(list) => list.first().cloned().unwrap_or_default(),
        IssuerRule::EntraTemplate { templates, .. } => {
            templates.first().cloned().unwrap_or_default()
        }
    };
    let mut validation = base_validation(p, issuer, audiences(p), &[Algorithm::RS256]);
    validation.max_lifetime = p.max_token_lifetime.unwrap_or(CAE_MAX_LIFETIME);
    validation.kind = TokenKind::AccessToken {
        require_at_jwt: false,
        require_entra_shape: true,
    };
    if matches!(tenant, Tenant::Single(_) | Tenant::Consumers) {
        validation.required_claims.push("tid".into());
    }
    let version = if label == "v1" { "1.0" } else { "2.0" };
    RouteSpec {
        source: key_source(p, &expected, vec![discovery]),
        validation,
        mapping: ClaimMapping::default(),
        extra: Some(Arc::new(EntraClaims {
            version,
            allow_guests: p.allow_guests,
        })),
    }
}

fn v2_issuer(p: &ProviderConfig, tenant: &Tenant) -> IssuerRule {
    let instance = instance(p);
    match tenant {
        Tenant::Single(tid) => IssuerRule::Exact(vec![format!("{instance}{tid}/v2.0")]),
        Tenant::Consumers => IssuerRule::Exact(vec![format!("{instance}{CONSUMERS_TENANT}/v2.0")]),
        Tenant::Multi(_) => template(p, format!("{instance}{TEMPLATE}/v2.0")),
    }
}

fn v1_issuer(p: &ProviderConfig, tenant: &Tenant) -> IssuerRule {
    let base = p
        .v1_issuer_base
        .clone()
        .or_else(|| default_v1_base(&instance(p)))
        .unwrap_or_default();
    match tenant {
        Tenant::Single(tid) => IssuerRule::Exact(vec![format!("{base}{tid}/")]),
        Tenant::Consumers => IssuerRule::Exact(vec![format!("{base}{CONSUMERS_TENANT}/")]),
        Tenant::Multi(_) => template(p, format!("{base}{TEMPLATE}/")),
    }
}

fn template(p: &ProviderConfig, template: String) -> IssuerRule {
    let any = p.allowed_tenants.iter().any(|t| t == "*");
    let allowed = (!any).then(|| {
        p.allowed_tenants
            .iter()
            .map(|t| t.to_ascii_lowercase())
            .collect()
    });
    IssuerRule::EntraTemplate {
        templates: vec![template],
        allowed_tenants: allowed,
    }
}

fn v2_discovery(p: &ProviderConfig, tenant: &Tenant) -> String {
    format!(
        "{}{}/v2.0/.well-known/openid-configuration",
        instance(p),
        segment(tenant)
    )
}

/// v1 has no `organizations` document; its `common` document serves both.
fn v1_discovery(p: &ProviderConfig, tenant: &Tenant) -> String {
    let segment = match tenant {
        Tenant::Multi(_) => "common",
        other => segment(other),
    };
    format!("{}{segment}/.well-known/openid-configuration", instance(p))
}

fn segment(tenant: &Tenant) -> &str {
    match tenant {
        Tenant::Single(tid) => tid,
        Tenant::Multi(alias) => alias,
        Tenant::Consumers => "consumers",
    }
}

fn parse_tenant(raw: &str) -> Option<Tenant> {
    match raw.to_ascii_lowercase().as_str() {
        "common" => Some(Tenant::Multi("common".into())),
        "organizations" => Some(Tenant::Multi("organizations".into())),
        "consumers" => Some(Tenant::Consumers),
        guid if is_guid(guid) => Some(Tenant::Single(guid.to_owned())),
        _ => None,
    }
}

fn instance(p: &ProviderConfig) -> String {
    p.instance
        .clone()
        .unwrap_or_else(|| ENTRA_PUBLIC_INSTANCE.to_owned())
}

/// The v1 issuer base of the clouds whose mapping is documented.
fn default_v1_base(instance: &str) -> Option<String> {
    match instance {
        ENTRA_PUBLIC_INSTANCE => Some("https://sts.windows.net/".into()),
        "https://login.chinacloudapi.cn/" | "https://login.partner.microsoftonline.cn/" => {
            Some("https://sts.chinacloudapi.cn/".into())
        }
        _ => None,
    }
}

fn versions(p: &ProviderConfig) -> Vec<u8> {
    if p.token_versions.is_empty() {
        vec![2]
    } else {
        p.token_versions.clone()
    }
}

fn audiences(p: &ProviderConfig) -> Vec<String> {
    if !p.audiences.is_empty() {
        return p.audiences.clone();
    }
    let id = p.client_id.clone().unwrap_or_default();
    vec![format!("api://{id}"), id]
}

mod checks;
#[cfg(test)]
mod tests;
