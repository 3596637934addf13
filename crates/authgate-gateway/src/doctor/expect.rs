//! What each configured provider expects of a token, derived from its `[[providers]]` entry
//! the way `authgate`'s providers derive it. Used only to *explain*; the verdict always comes
//! from `authgate::Verifier` itself.

use authgate::{ProviderConfig, ProviderKind};
use authgate_core::Algorithm;
use std::time::Duration;

/// The Entra public-cloud instance.
pub(super) const ENTRA_PUBLIC_INSTANCE: &str = "https://login.microsoftonline.com/";
/// The Microsoft-account tenant.
const CONSUMERS_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
/// The placeholder of Entra's multi-tenant issuers.
pub(super) const TEMPLATE: &str = "{tenantid}";

/// One issuer a provider accepts (Entra: one per token version, enabled or not).
#[derive(Debug, Clone)]
pub(super) struct Expect<'a> {
    /// The provider entry.
    pub(super) provider: &'a ProviderConfig,
    /// The issuer, or an Entra template containing `{tenantid}`.
    pub(super) issuer: String,
    /// Entra: the token version this issuer stands for (`1` or `2`).
    pub(super) version: Option<u8>,
    /// Whether the provider accepts this issuer (Entra versions not listed are not).
    pub(super) enabled: bool,
    /// Accepted audiences.
    pub(super) audiences: Vec<String>,
    /// Allowed algorithms.
    pub(super) algorithms: Vec<Algorithm>,
    /// Leeway for time claims.
    pub(super) leeway: Duration,
    /// Longest accepted remaining lifetime.
    pub(super) max_lifetime: Duration,
    /// Whether ID tokens (not access tokens) are expected (Google).
    pub(super) id_tokens: bool,
    /// Claims that must be present besides `iss`, `aud`, `exp`.
    pub(super) required: Vec<&'static str>,
    /// Metadata URLs (tried in order) or, with `jwks_uri`, the fixed JWKS URL.
    pub(super) keys: KeysFrom,
}

/// Where an issuer's keys are found.
#[derive(Debug, Clone)]
pub(super) enum KeysFrom {
    /// Discovery documents, tried in order.
    Discovery(Vec<String>),
    /// A configured JWKS URL.
    Jwks(String),
}

impl Expect<'_> {
    /// Whether the issuer is an Entra `{tenantid}` template.
    pub(super) fn is_template(&self) -> bool {
        self.issuer.contains(TEMPLATE)
    }

    /// The kind of the provider.
    pub(super) fn kind(&self) -> ProviderKind {
        self.provider.kind
    }

    /// A name for messages: `provider "entra" (v2 tokens)`.
    pub(super) fn name(&self) -> String {
        match self.version {
            Some(v) => format!("provider \"{}\" (Entra v{v} tokens)", self.provider.id),
            None => format!("provider \"{}\"", self.provider.id),
        }
    }
}

/// Every issuer of every provider, in configuration order.
pub(super) fn expectations(providers: &[ProviderConfig]) -> Vec<Expect<'_>> {
    providers.iter().flat_map(of_provider).collect()
}

fn of_provider(p: &ProviderConfig) -> Vec<Expect<'_>> {
    match p.kind {
        ProviderKind::Entra => entra(p),
        ProviderKind::Google => vec![google(p)],
        _ => vec![generic(p)],
    }
}

fn base<'a>(p: &'a ProviderConfig, issuer: String, default_algs: &[Algorithm]) -> Expect<'a> {
    let parsed: Vec<Algorithm> = p.algorithms.iter().filter_map(|a| a.parse().ok()).collect();
    let keys = match (&p.jwks_uri, &p.discovery) {
        (Some(uri), _) => KeysFrom::Jwks(uri.clone()),
        (None, Some(d)) => KeysFrom::Discovery(vec![d.clone()]),
        (None, None) => KeysFrom::Discovery(vec![oidc_url(&issuer)]),
    };
    Expect {
        provider: p,
        issuer,
        version: None,
        enabled: true,
        audiences: p.audiences.clone(),
        algorithms: if parsed.is_empty() {
            default_algs.to_vec()
        } else {
            parsed
        },
        leeway: p.leeway.unwrap_or(Duration::from_secs(60)),
        max_lifetime: p
            .max_token_lifetime
            .unwrap_or(Duration::from_secs(24 * 3600)),
        id_tokens: false,
        required: vec!["sub"],
        keys,
    }
}

fn generic(p: &ProviderConfig) -> Expect<'_> {
    let issuer = p.issuer.clone().unwrap_or_default();
    let algs: &[Algorithm] = match p.kind {
        ProviderKind::Oidc => &Algorithm::ASYMMETRIC,
        _ => &[Algorithm::RS256],
    };
    base(p, issuer, algs)
}

fn google(p: &ProviderConfig) -> Expect<'_> {
    let issuer = p
        .issuer
        .clone()
        .unwrap_or_else(|| "https://accounts.google.com".to_owned());
    let mut e = base(p, issuer, &[Algorithm::RS256]);
    if e.audiences.is_empty() {
        e.audiences = p.client_id.iter().cloned().collect();
    }
    e.id_tokens = true;
    e.required.push("iat");
    e
}

/// Entra: a v2 and a v1 issuer, each enabled when `token_versions` lists it.
fn entra(p: &ProviderConfig) -> Vec<Expect<'_>> {
    let versions: &[u8] = if p.token_versions.is_empty() {
        &[2]
    } else {
        &p.token_versions
    };
    let instance = p
        .instance
        .clone()
        .unwrap_or_else(|| ENTRA_PUBLIC_INSTANCE.to_owned());
    let tenant = p.tenant.clone().unwrap_or_default().to_ascii_lowercase();
    let (segment, tid) = match tenant.as_str() {
        "common" | "organizations" => (tenant.clone(), TEMPLATE.to_owned()),
        "consumers" => (tenant.clone(), CONSUMERS_TENANT.to_owned()),
        guid => (guid.to_owned(), guid.to_owned()),
    };
    let mut out = Vec::new();
    let v2 = format!("{instance}{tid}/v2.0");
    out.push(entra_version(
        p,
        v2,
        2,
        format!("{instance}{segment}/v2.0/.well-known/openid-configuration"),
        versions,
    ));
    if let Some(v1_base) = v1_base(p, &instance) {
        let v1_segment = if tid == TEMPLATE {
            "common"
        } else {
            segment.as_str()
        };
        let discovery = format!("{instance}{v1_segment}/.well-known/openid-configuration");
        out.push(entra_version(
            p,
            format!("{v1_base}{tid}/"),
            1,
            discovery,
            versions,
        ));
    }
    out
}

fn entra_version<'a>(
    p: &'a ProviderConfig,
    issuer: String,
    version: u8,
    discovery: String,
    versions: &[u8],
) -> Expect<'a> {
    let mut e = base(p, issuer, &[Algorithm::RS256]);
    if p.jwks_uri.is_none() {
        e.keys = KeysFrom::Discovery(vec![discovery]);
    }
    if e.audiences.is_empty() {
        let id = p.client_id.clone().unwrap_or_default();
        e.audiences = vec![format!("api://{id}"), id];
    }
    e.version = Some(version);
    e.enabled = versions.contains(&version);
    e.max_lifetime = p
        .max_token_lifetime
        .unwrap_or(Duration::from_secs(30 * 3600));
    if !e.is_template() {
        e.required.push("tid");
    }
    e
}

/// The v1 issuer base: configured, or known for the public and China clouds.
pub(super) fn v1_base(p: &ProviderConfig, instance: &str) -> Option<String> {
    p.v1_issuer_base.clone().or_else(|| match instance {
        ENTRA_PUBLIC_INSTANCE => Some("https://sts.windows.net/".to_owned()),
        "https://login.chinacloudapi.cn/" | "https://login.partner.microsoftonline.cn/" => {
            Some("https://sts.chinacloudapi.cn/".to_owned())
        }
        _ => None,
    })
}

/// `{issuer}/.well-known/openid-configuration`.
fn oidc_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}
