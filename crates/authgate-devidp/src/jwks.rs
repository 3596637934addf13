//! JWKS documents, shaped per provider: Entra keys have no `alg`, carry `x5t == kid` and (v2)
//! an `issuer` member; Google, Okta, Auth0 and generic keys carry `alg` (providers.md §1.1.4,
//! §2.1, §3.1, §4.1).

use crate::flavor::Flavor;
use authgate_core::SigningKey;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The JWKS of `flavor` publishing `keys`. `key_issuer` is the Entra v2 per-key `issuer`
/// (concrete for a tenant, the `{tenantid}` template for `common`).
pub(crate) fn document(
    keys: &[Arc<SigningKey>],
    flavor: Flavor,
    key_issuer: Option<&str>,
) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .filter_map(|k| k.public_jwk())
        .filter_map(|jwk| match jwk {
            Value::Object(members) => Some(Value::Object(shape(members, flavor, key_issuer))),
            _ => None,
        })
        .collect();
    json!({ "keys": keys })
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
}
