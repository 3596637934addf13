//! JWKS documents, shaped per provider: Entra keys have no `alg`, carry `x5t == kid` and (v2)
//! an `issuer` member; Google, Okta, Auth0 and generic keys carry `alg` (providers.md §1.1.4,
//! §2.1, §3.1, §4.1).

use crate::entra::Tenant;
use crate::flavor::Flavor;
use crate::keys::{KeyScope, PublishedKey};
use crate::urls::Urls;
use serde_json::{Map, Value, json};

/// The JWKS of `flavor` (for Entra, of `tenant`) listing the keys published there.
pub(crate) fn document(
    keys: &[PublishedKey],
    flavor: Flavor,
    tenant: Option<&Tenant>,
    urls: &Urls,
) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .filter_map(|p| {
            let issuer = listing(&p.scope, flavor, tenant, urls)?;
            match p.key.public_jwk()? {
                Value::Object(members) => {
                    Some(Value::Object(shape(members, flavor, issuer.as_deref())))
                }
                _ => None,
            }
        })
        .collect();
    json!({ "keys": keys })
}

/// Whether a key in `scope` is listed in this JWKS (`None`: not listed), and the Entra v2
/// `issuer` member it gets there: concrete for a tenant, the `{tenantid}` template for
/// `common`, the bound tenant's issuer for tenant-bound keys.
fn listing(
    scope: &KeyScope,
    flavor: Flavor,
    tenant: Option<&Tenant>,
    urls: &Urls,
) -> Option<Option<String>> {
    let v2_issuer = |slot: &str| (flavor == Flavor::EntraV2).then(|| urls.issuer(flavor, slot));
    let served_slot = tenant.map_or("", Tenant::issuer_slot);
    match scope {
        KeyScope::Shared => Some(v2_issuer(served_slot)),
        KeyScope::Flavor(f) if *f == flavor => Some(v2_issuer(served_slot)),
        KeyScope::Flavor(_) => None,
        KeyScope::EntraTenant(bound) => {
            let here = match tenant {
                Some(Tenant::Template(_)) => true,
                Some(Tenant::Guid(guid)) => guid.eq_ignore_ascii_case(bound),
                None => false,
            };
            (flavor == Flavor::EntraV2 && here).then(|| v2_issuer(bound))
        }
    }
}

fn shape(
    mut jwk: Map<String, Value>,
    flavor: Flavor,
    key_issuer: Option<&str>,
) -> Map<String, Value> {
    jwk.insert("use".into(), "sig".into());
    if !flavor.is_entra() {
        return jwk;
    }
    jwk.remove("alg");
    if let Some(kid) = jwk.get("kid").cloned() {
        jwk.insert("x5t".into(), kid);
    }
    if let Some(issuer) = key_issuer {
        jwk.insert("issuer".into(), issuer.into());
    }
    jwk
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rsa_jwk() -> Map<String, Value> {
        let v = json!({"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": "AQAB", "e": "AQAB"});
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn entra_keys_drop_alg_and_mirror_kid_in_x5t() {
        let jwk = shape(
            rsa_jwk(),
            Flavor::EntraV2,
            Some("http://h/entra/{tenantid}/v2.0"),
        );
        assert!(!jwk.contains_key("alg"));
        assert_eq!(jwk["x5t"], "k1");
        assert_eq!(jwk["issuer"], "http://h/entra/{tenantid}/v2.0");
        let v1 = shape(rsa_jwk(), Flavor::EntraV1, None);
        assert!(!v1.contains_key("issuer"));
    }

    #[test]
    fn other_keys_keep_alg() {
        let jwk = shape(rsa_jwk(), Flavor::Google, None);
        assert_eq!(jwk["alg"], "RS256");
        assert!(!jwk.contains_key("x5t"));
    }

    #[test]
    fn tenant_bound_keys_are_listed_for_common_and_their_tenant_only() {
        let urls = Urls::new("http://h");
        let scope = KeyScope::EntraTenant("t1".into());
        let common = Tenant::Template("common".into());
        let own = Tenant::Guid("t1".into());
        let other = Tenant::Guid("t2".into());
        let v2 = Flavor::EntraV2;
        assert_eq!(
            listing(&scope, v2, Some(&common), &urls),
            Some(Some("http://h/entra/t1/v2.0".into()))
        );
        assert_eq!(
            listing(&scope, v2, Some(&own), &urls),
            Some(Some("http://h/entra/t1/v2.0".into()))
        );
        assert_eq!(listing(&scope, v2, Some(&other), &urls), None);
        assert_eq!(listing(&scope, Flavor::EntraV1, Some(&common), &urls), None);
        assert_eq!(listing(&scope, Flavor::Oidc, None, &urls), None);
    }

    #[test]
    fn flavor_keys_are_listed_only_for_their_flavor() {
        let urls = Urls::new("http://h");
        let scope = KeyScope::Flavor(Flavor::Google);
        assert_eq!(listing(&scope, Flavor::Google, None, &urls), Some(None));
        assert_eq!(listing(&scope, Flavor::Okta, None, &urls), None);
    }
}
