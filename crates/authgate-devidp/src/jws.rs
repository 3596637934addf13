//! Compact JWS encoding with full control over the header (for hostile tests).

use crate::ids::b64url;
use authgate_core::SigningKey;
use serde_json::{Map, Value};

/// Signs `claims` with `key`. The header starts as `{"alg", "kid"}` from the key; each of
/// `headers` is then merged over it in order, a JSON `null` removing a member.
pub(crate) fn encode(
    key: &SigningKey,
    headers: &[&Map<String, Value>],
    claims: &Map<String, Value>,
) -> String {
    let mut full = Map::new();
    full.insert("alg".into(), key.algorithm().as_str().into());
    if let Some(kid) = key.kid() {
        full.insert("kid".into(), kid.into());
    }
    for header in headers {
        merge(&mut full, header);
    }
    let header_json = Value::Object(full).to_string();
    let claims_json = Value::Object(claims.clone()).to_string();
    encode_segments(key, header_json.as_bytes(), claims_json.as_bytes())
}

/// Signs raw header and payload bytes (which need not be JSON at all).
pub(crate) fn encode_segments(key: &SigningKey, header: &[u8], payload: &[u8]) -> String {
    let signing_input = format!("{}.{}", b64url(header), b64url(payload));
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64url(&signature))
}

/// Merges `extra` into `target`; a `null` value removes the member.
pub(crate) fn merge(target: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (name, value) in extra {
        if value.is_null() {
            target.remove(name);
        } else {
            target.insert(name.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_removes_and_values_override() {
        let mut target = json!({"a": 1, "b": 2}).as_object().cloned().unwrap();
        let extra = json!({"a": null, "b": 3, "c": 4})
            .as_object()
            .cloned()
            .unwrap();
        merge(&mut target, &extra);
        assert_eq!(Value::Object(target), json!({"b": 3, "c": 4}));
    }
}
