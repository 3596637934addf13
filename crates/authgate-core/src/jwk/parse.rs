//! One JWK (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2) to a [`KeyEntry`], or `None` when the key
//! cannot or must not be used for verifying signatures (security.md JWT-C10, C11, C16..C19).

use super::KeyEntry;
use crate::jose::{Algorithm, VerifyingKey, decode_b64url};
use serde_json::{Map, Value};

/// Private members (RFC 7518 §6.2.2, §6.3.2, §6.4.1): a published key carrying one of them is
/// leaked or mislabelled, never trusted (JWT-C16).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Whether one element of a JWKS `keys` array carries a private member.
pub(super) fn has_private_members(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|jwk| PRIVATE_MEMBERS.iter().any(|m| jwk.contains_key(*m)))
}

/// Parses one element of a JWKS `keys` array; `None` skips it.
pub(super) fn key_entry(value: &Value) -> Option<KeyEntry> {
    let jwk = value.as_object()?;
    if has_private_members(value) || !usable_for_signatures(jwk)? {
        return None;
    }
    let key = verifying_key(jwk)?;
    let alg = match optional_str(jwk, "alg")? {
        Some(name) => Some(
            name.parse::<Algorithm>()
                .ok()
                .filter(|alg| key.supports(*alg))?,
        ),
        None => None,
    };
    Some(KeyEntry {
        kid: optional_str(jwk, "kid")?.map(str::to_owned),
        x5t: optional_str(jwk, "x5t")?.map(str::to_owned),
        alg,
        issuer: optional_str(jwk, "issuer")?.map(str::to_owned),
        key,
    })
}

/// RFC 7517 §4.2, §4.3: `use`, when present, is `sig`; `key_ops`, when present, holds
/// `verify` (JWT-C17). `None` when either member has the wrong type.
fn usable_for_signatures(jwk: &Map<String, Value>) -> Option<bool> {
    let use_ok = optional_str(jwk, "use")?.is_none_or(|u| u == "sig");
    let ops_ok = match jwk.get("key_ops") {
        None => true,
        Some(Value::Array(ops)) => ops.iter().any(|op| op.as_str() == Some("verify")),
        Some(_) => return None,
    };
    Some(use_ok && ops_ok)
}

/// The key material by `kty`. `oct` keys never come from a JWKS; unknown types (`AKP`,
/// invented ones) are skipped (JWT-C18). `x5c` is ignored: the key is `n`/`e` (JWT-C19).
fn verifying_key(jwk: &Map<String, Value>) -> Option<VerifyingKey> {
    match optional_str(jwk, "kty")?? {
        "RSA" => VerifyingKey::rsa(&member_bytes(jwk, "n")?, &member_bytes(jwk, "e")?).ok(),
        "EC" => {
            let crv = optional_str(jwk, "crv")??;
            VerifyingKey::ec(crv, &member_bytes(jwk, "x")?, &member_bytes(jwk, "y")?).ok()
        }
        "OKP" if optional_str(jwk, "crv")?? == "Ed25519" => {
            VerifyingKey::ed25519(&member_bytes(jwk, "x")?).ok()
        }
        _ => None,
    }
}

/// A string member: `Some(None)` when absent, `None` when present but not a string.
fn optional_str<'a>(jwk: &'a Map<String, Value>, name: &str) -> Option<Option<&'a str>> {
    match jwk.get(name) {
        None => Some(None),
        Some(Value::String(text)) => Some(Some(text)),
        Some(_) => None,
    }
}

/// A required base64url member, strictly decoded.
fn member_bytes(jwk: &Map<String, Value>, name: &str) -> Option<Vec<u8>> {
    decode_b64url(optional_str(jwk, name)??.as_bytes())
}
