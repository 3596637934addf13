//! The issuer step: which provider the unverified `iss` routes to, or why none does, with
//! near misses (trailing slash, http/https, Entra v1/v2, another tenant) pointed out.

use super::expect::{Expect, TEMPLATE};
use super::human::similarity;
use super::report::Check;
use authgate_core::is_guid;
use serde_json::{Map, Value};

/// Where the unverified `iss` leads.
pub(super) enum Routing {
    /// Indexes (into the expectations) of the trusted issuers that may accept it, in order.
    To(Vec<usize>),
    /// Nowhere: the failed issuer step says why.
    Refused(Check),
}

/// Routes the token by its unverified `iss` among the providers `only` trusts (all if `None`).
pub(super) fn route(
    expects: &[Expect<'_>],
    claims: &Map<String, Value>,
    only: Option<&[String]>,
) -> Routing {
    let Some(iss) = claims.get("iss").and_then(Value::as_str) else {
        let check = Check::fail("issuer", "the token has no iss claim (or it is not a string)")
            .note("every token authgate accepts names its issuer; this is not a token from an OpenID provider");
        return Routing::Refused(check);
    };
    let routed: Vec<usize> = (0..expects.len())
        .filter(|&i| expects.get(i).is_some_and(|e| e.enabled && matches(e, iss)))
        .collect();
    let trusted: Vec<usize> = routed
        .iter()
        .copied()
        .filter(|&i| expects.get(i).is_some_and(|e| trusted_by(e, only)))
        .collect();
    match (trusted.is_empty(), routed.first()) {
        (false, _) => Routing::To(trusted),
        (true, Some(&i)) => Routing::Refused(excluded_by_route(expects, i, only)),
        (true, None) => Routing::Refused(unknown(expects, iss, claims)),
    }
}

fn trusted_by(e: &Expect<'_>, only: Option<&[String]>) -> bool {
    only.is_none_or(|ids| ids.is_empty() || ids.contains(&e.provider.id))
}

/// Whether `iss` is `e`'s issuer, or fits its `{tenantid}` template with a GUID.
fn matches(e: &Expect<'_>, iss: &str) -> bool {
    if e.is_template() {
        template_tenant(&e.issuer, iss).is_some()
    } else {
        e.issuer == iss
    }
}

/// The tenant segment of `iss` when it fits `template` with a GUID in place of `{tenantid}`.
fn template_tenant<'i>(template: &str, iss: &'i str) -> Option<&'i str> {
    let (prefix, suffix) = template.split_once(TEMPLATE)?;
    let middle = iss.strip_prefix(prefix)?.strip_suffix(suffix)?;
    is_guid(middle).then_some(middle)
}

/// The issuer step for a token routed to `e`; for an Entra template the tenant rules apply.
pub(super) fn matched(e: &Expect<'_>, claims: &Map<String, Value>) -> Check {
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let summary = format!("iss {iss} → {}", e.name());
    if !e.is_template() {
        return Check::pass("issuer", summary);
    }
    let segment = template_tenant(&e.issuer, iss).unwrap_or_default();
    let tid = claims.get("tid").and_then(Value::as_str);
    let allowed = &e.provider.allowed_tenants;
    match tid {
        None => Check::fail("issuer", format!("{summary}, but the token has no tid claim"))
            .note("a multi-tenant Entra provider needs tid to know which tenant issued the token"),
        Some(tid) if !tid.eq_ignore_ascii_case(segment) => Check::fail(
            "issuer",
            format!("{summary}, but tid {tid} is not the tenant in iss ({segment})"),
        )
        .note("tid must equal the tenant segment of iss: a token whose tid and iss disagree is forged or mangled"),
        Some(tid) if !allowed.iter().any(|t| t == "*" || t.eq_ignore_ascii_case(tid)) => {
            Check::fail("issuer", format!("{summary}, but tenant {tid} is not in allowed_tenants"))
                .note(format!("allowed_tenants = {allowed:?}"))
                .note(format!("if tenant {tid} should be able to call your API, add it: allowed_tenants = [..., \"{tid}\"]"))
        }
        Some(tid) => Check::pass("issuer", format!("{summary}, tenant {tid} is allowed")),
    }
}

fn excluded_by_route(expects: &[Expect<'_>], i: usize, only: Option<&[String]>) -> Check {
    let name = expects.get(i).map(Expect::name).unwrap_or_default();
    Check::fail("issuer", format!("the issuer belongs to {name}, which this route does not trust"))
        .note(format!("the route trusts only providers {:?}; add the provider to the route's providers list, or call a route that trusts it", only.unwrap_or_default()))
}

/// No provider accepts `iss`: known mistakes first, then near misses, then the list.
fn unknown(expects: &[Expect<'_>], iss: &str, claims: &Map<String, Value>) -> Check {
    let mut check = Check::fail(
        "issuer",
        format!("no configured provider accepts iss {iss}"),
    );
    if let Some(e) = expects.iter().find(|e| !e.enabled && matches(e, iss)) {
        check.notes.extend(version_advice(e, iss));
    }
    check.notes.extend(other_tenant(expects, iss));
    let concrete: Vec<(String, &Expect<'_>)> = expects
        .iter()
        .filter(|e| e.enabled)
        .map(|e| (concrete_issuer(e, iss, claims), e))
        .collect();
    for (issuer, e) in &concrete {
        if let Some(why) = near_miss(issuer, iss) {
            check.notes.push(format!(
                "close to the issuer of {}: {issuer} ({why})",
                e.name()
            ));
        }
    }
    let listed: Vec<String> = expects
        .iter()
        .filter(|e| e.enabled)
        .map(|e| format!("{} ({})", e.issuer, e.provider.id))
        .collect();
    if listed.is_empty() {
        check.notes.push(
            "no providers are configured: add a [[providers]] entry for this issuer".to_owned(),
        );
    } else {
        check
            .notes
            .push(format!("configured issuers: {}", listed.join(", ")));
    }
    check.notes.push("issuers are compared exactly, character for character: configure the provider's issuer exactly as the token's iss".to_owned());
    check
}

/// Advice when `iss` is an Entra issuer of a version the provider does not accept.
fn version_advice(e: &Expect<'_>, iss: &str) -> Vec<String> {
    let id = &e.provider.id;
    match e.version {
        Some(1) => vec![
            format!("issuer is a v1 issuer {iss} but provider \"{id}\" accepts only v2 tokens"),
            "set token_versions = [1, 2] on the provider, or set accessTokenAcceptedVersion = 2 in the API's app manifest (Entra portal → App registrations → your API → Manifest) so Entra issues v2 tokens".to_owned(),
        ],
        Some(2) => vec![
            format!("issuer is a v2 issuer {iss} but provider \"{id}\" accepts only v1 tokens"),
            "set token_versions = [1, 2] (or [2]) on the provider, or set accessTokenAcceptedVersion = 1 (null) in the app manifest if you really want v1 tokens".to_owned(),
        ],
        _ => Vec::new(),
    }
}

/// An Entra issuer of the right shape naming another tenant than a single-tenant provider's.
fn other_tenant(expects: &[Expect<'_>], iss: &str) -> Vec<String> {
    for e in expects
        .iter()
        .filter(|e| e.version.is_some() && !e.is_template())
    {
        let tenant = e
            .provider
            .tenant
            .clone()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !is_guid(&tenant) && tenant != "consumers" {
            continue;
        }
        let Some(template) = guid_template(&e.issuer) else {
            continue;
        };
        if let Some(other) =
            template_tenant(&template, iss).filter(|t| !t.eq_ignore_ascii_case(&tenant))
        {
            return vec![
                format!("the token is from tenant {other}, but {} accepts only tenant {tenant}", e.name()),
                "a token from another tenant (or another environment): sign in to the right tenant, or, for a multi-tenant API, set tenant = \"organizations\" and list the tenants in allowed_tenants".to_owned(),
            ];
        }
    }
    Vec::new()
}

/// `e.issuer` with its tenant GUID replaced by `{tenantid}`.
fn guid_template(issuer: &str) -> Option<String> {
    let guid = issuer.split('/').find(|s| is_guid(s))?;
    Some(issuer.replacen(guid, TEMPLATE, 1))
}

/// The issuer `e` would accept for this token (templates filled with its tenant).
fn concrete_issuer(e: &Expect<'_>, iss: &str, claims: &Map<String, Value>) -> String {
    if !e.is_template() {
        return e.issuer.clone();
    }
    let tid = claims
        .get("tid")
        .and_then(Value::as_str)
        .or_else(|| iss.split('/').find(|s| is_guid(s)))
        .unwrap_or(TEMPLATE);
    e.issuer.replace(TEMPLATE, tid)
}

/// Why `configured` and `iss` look like the same issuer written differently.
fn near_miss(configured: &str, iss: &str) -> Option<String> {
    let trim = |s: &str| s.trim_end_matches('/').to_owned();
    let scheme = |s: &str| s.replacen("https://", "http://", 1);
    if trim(configured) == trim(iss) {
        return Some(
            "differs only in the trailing slash: Auth0 issuers end with '/', most others do not"
                .to_owned(),
        );
    }
    if scheme(configured) == scheme(iss) {
        return Some("differs only in http vs https".to_owned());
    }
    if configured.eq_ignore_ascii_case(iss) {
        return Some("differs only in letter case".to_owned());
    }
    if configured.contains("/v2.0") != iss.contains("/v2.0")
        && (iss.contains("sts.") || iss.contains("/v2.0"))
    {
        return Some("one is an Entra v1 issuer, the other v2: see token_versions".to_owned());
    }
    let score = similarity(configured, iss);
    (score >= 0.75).then(|| format!("{:.0}% similar", score * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_name_the_difference() {
        let slash = near_miss("https://t.auth0.com/", "https://t.auth0.com").unwrap();
        assert!(slash.contains("trailing slash"));
        let scheme = near_miss("https://idp.example.com", "http://idp.example.com").unwrap();
        assert!(scheme.contains("http vs https"));
        let case = near_miss("https://IdP.example.com", "https://idp.example.com").unwrap();
        assert!(case.contains("letter case"));
        assert!(near_miss("https://a.example.com", "https://zzz.other.org/x").is_none());
    }

    #[test]
    fn templates_match_only_a_guid_tenant() {
        let t = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let guid = "8c2d1a4e-5b6f-4c7d-9e8f-0a1b2c3d4e5f";
        let iss = format!("https://login.microsoftonline.com/{guid}/v2.0");
        assert_eq!(template_tenant(t, &iss), Some(guid));
        assert_eq!(
            template_tenant(t, "https://login.microsoftonline.com/evil/v2.0"),
            None
        );
        assert_eq!(
            guid_template(&iss).as_deref(),
            Some("https://login.microsoftonline.com/{tenantid}/v2.0")
        );
    }
}
