//! The token forge: mints valid tokens with real keys (`SigningKey`) and raw-bytes tokens with
//! valid signatures over hostile headers or payloads, so a test proves that the format check,
//! not the signature, is what rejects them. `verify` runs the JOSE half of the pipeline (parse,
//! key resolution, signature) that the `jose` and `jwk` modules own.

use authgate_core::{Algorithm, Jws, KeySet, SigningKey, VerifyErrorKind};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

/// Unpadded base64url.
pub(crate) fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url (test input is trusted).
pub(crate) fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

/// A claims set that passes every claim check, with times from `now` (Unix seconds).
pub(crate) fn claims_at(now: i64) -> Value {
    json!({
        "iss": "https://issuer.example",
        "aud": "api://orders",
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    })
}

/// Claims stamped with the current system time (used where no time check runs).
pub(crate) fn claims() -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    claims_at(i64::try_from(now.as_secs()).unwrap())
}

/// A JSON object from `json!` (panics on anything else).
pub(crate) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// A valid token signed by `key` with extra header members.
pub(crate) fn token_with_header(key: &SigningKey, header: Value) -> String {
    key.sign_token(&object(header), &claims())
}

/// A valid token signed by `key`.
pub(crate) fn token(key: &SigningKey) -> String {
    token_with_header(key, json!({}))
}

/// The three segments of a compact token.
pub(crate) fn segments(token: &str) -> [String; 3] {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "not a compact JWS");
    [
        parts[0].to_owned(),
        parts[1].to_owned(),
        parts[2].to_owned(),
    ]
}

/// Reassembles segments.
pub(crate) fn join(parts: &[&str]) -> String {
    parts.join(".")
}

/// A token whose header and payload are the raw bytes given, signed by `key` (so only the
/// format checks can reject it).
pub(crate) fn raw_token(key: &SigningKey, header: &[u8], payload: &[u8]) -> String {
    key.sign_parts(header, payload)
}

/// A JWKS document holding the public JWKs of `keys`.
pub(crate) fn jwks(keys: &[&SigningKey]) -> Vec<u8> {
    let keys: Vec<Value> = keys.iter().map(|k| k.public_jwk().unwrap()).collect();
    json!({ "keys": keys }).to_string().into_bytes()
}

/// Parses and verifies `token` against `keys` at the JOSE level (format, key resolution,
/// signature): the part of the pipeline this crate's `jose` and `jwk` modules own.
pub(crate) fn verify(token: &str, keys: &KeySet) -> Result<(), VerifyErrorKind> {
    let jws = Jws::parse(token).map_err(|e| e.kind())?;
    let candidates = keys.candidates(jws.header()).map_err(|e| e.kind())?;
    let alg = jws.header().alg;
    let mut outcome = Err(VerifyErrorKind::BadSignature);
    for entry in candidates {
        outcome = entry
            .key
            .verify(alg, jws.signing_input().as_bytes(), jws.signature())
            .map_err(|e| e.kind());
        if outcome.is_ok() {
            break;
        }
    }
    outcome
}

/// The parse error kind of `token` (panics if it parses).
pub(crate) fn parse_error(token: &str) -> VerifyErrorKind {
    match Jws::parse(token) {
        Ok(jws) => panic!("parsed: {jws:?}"),
        Err(e) => {
            assert!(
                token.len() < 8 || !e.detail().contains(token),
                "detail echoes the token"
            );
            e.kind()
        }
    }
}

/// Every algorithm with a freshly generated key.
pub(crate) fn every_key() -> Vec<SigningKey> {
    Algorithm::ALL
        .iter()
        .map(|alg| SigningKey::generate(*alg, format!("kid-{alg}")))
        .collect()
}
