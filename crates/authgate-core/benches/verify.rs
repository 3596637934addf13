//! Hot-path benchmarks: a fresh verify (parse + signature + claims + principal) per algorithm,
//! the bare RSA-2048 signature check as an in-process baseline, and policy evaluation.
//!
//! `bench/verify-vs-openssl.sh` runs this next to `openssl speed rsa2048` and prints the ratio.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use authgate_core::{
    Algorithm, ClaimMapping, Clock, IssuerRule, Jws, KeySet, Policy, PolicySpec, Principal,
    SigningKey, SystemClock, Validation, VerifyingKey, verify_jws,
};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use std::hint::black_box;

const ISSUER: &str = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
const AUDIENCE: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

/// An Entra v2 access token's claims (providers.md §1.4.2 shape), about 800 bytes signed.
fn entra_v2_claims(now: i64) -> Value {
    json!({
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": now - 10, "nbf": now - 10, "exp": now + 3600,
        "aio": "AXQAi/8TAAAAbMVrMW9T2uu1ZL7kqHAaVnIWlxJJ3xkNDnV8s6GrXm4cMoJm2pa3AC6PCjvqYU4RGaw7nL3EbrqI7tXS8yxV8Xy4oS0Udho3SsB5Ss2qsP9+Iy",
        "azp": "6e74172b-be56-4843-9ff4-e66a39bb12e3",
        "azpacr": "0",
        "name": "Abe Lincoln",
        "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
        "preferred_username": "abeli@microsoft.com",
        "rh": "I",
        "scp": "access_as_user read_data",
        "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
        "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "uti": "fqiBqXLPj0eQa82S-IYFAA",
        "ver": "2.0"
    })
}

struct Case {
    token: String,
    keys: KeySet,
    validation: Validation,
}

fn case(alg: Algorithm) -> Case {
    let signer = SigningKey::generate(alg, "bench-key");
    let mut header = Map::new();
    header.insert("typ".into(), json!("JWT"));
    let now = SystemClock.now().0;
    let token = signer.sign_token(&header, &entra_v2_claims(now));
    let keys = match signer.public_jwk() {
        Some(jwk) => {
            KeySet::from_jwks_json(json!({ "keys": [jwk] }).to_string().as_bytes()).unwrap()
        }
        None => KeySet::from_entries(vec![]),
    };
    let mut validation = Validation::access_token(
        IssuerRule::Exact(vec![ISSUER.into()]),
        vec![AUDIENCE.into()],
    );
    validation.algorithms = vec![alg];
    Case {
        token,
        keys,
        validation,
    }
}

fn verify_once(c: &Case, mapping: &ClaimMapping) -> Principal {
    let jws = Jws::parse(&c.token).unwrap();
    verify_jws(&jws, &c.keys, &c.validation, SystemClock.now()).unwrap();
    Principal::from_claims("entra", jws.claims().clone(), mapping)
}

fn fresh_verify(cr: &mut Criterion) {
    let mapping = ClaimMapping::default();
    let mut group = cr.benchmark_group("fresh_verify");
    for alg in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
    ] {
        let c = case(alg);
        verify_once(&c, &mapping);
        group.bench_function(alg.as_str(), |b| {
            b.iter(|| verify_once(black_box(&c), &mapping))
        });
    }
    group.finish();
}

/// The floor: only the RSA-2048 PKCS#1 SHA-256 check, with a pre-parsed key.
fn rsa_signature_only(cr: &mut Criterion) {
    let c = case(Algorithm::RS256);
    let jws = Jws::parse(&c.token).unwrap();
    let key: &VerifyingKey = &c.keys.keys()[0].key;
    let (msg, sig) = (jws.signing_input().as_bytes(), jws.signature().to_vec());
    cr.bench_function("rsa2048_signature_only", |b| {
        b.iter(|| {
            key.verify(Algorithm::RS256, black_box(msg), black_box(&sig))
                .unwrap()
        })
    });
}

fn policy_evaluation(cr: &mut Criterion) {
    let c = case(Algorithm::RS256);
    let principal = verify_once(&c, &ClaimMapping::default());
    let spec: PolicySpec = serde_json::from_value(json!({
        "any": [{ "roles": ["Admin"] }, { "scopes": ["read_data", "access_as_user"] }],
        "tenants": ["72f988bf-86f1-41af-91ab-2d7cd011db47"]
    }))
    .unwrap();
    let policy: Policy = spec.compile().unwrap();
    assert!(policy.evaluate(&principal).is_ok());
    cr.bench_function("policy_evaluate", |b| {
        b.iter(|| policy.evaluate(black_box(&principal)))
    });
}

criterion_group!(benches, fresh_verify, rsa_signature_only, policy_evaluation);
criterion_main!(benches);
