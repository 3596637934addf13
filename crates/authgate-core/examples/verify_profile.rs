//! A fixed number of iterations of one stage of the fresh RS256 pipeline, for instruction
//! profiling (`valgrind --tool=callgrind`), where CPU-time rates are meaningless.
//!
//! Usage: `verify_profile <stage> <iterations>`, stage one of `signature`, `parse`,
//! `verify_jws`, `principal`, `fresh`.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use authgate_core::{
    Algorithm, ClaimMapping, Clock, IssuerRule, Jws, KeySet, Principal, SigningKey, SystemClock,
    Validation, verify_jws,
};
use serde_json::{Map, json};
use std::hint::black_box;

const ISSUER: &str = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
const AUDIENCE: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

fn main() {
    let mut args = std::env::args().skip(1);
    let stage = args.next().unwrap_or_else(|| "fresh".into());
    let iterations: u64 = args.next().map_or(1000, |s| s.parse().unwrap());
    let signer = SigningKey::generate(Algorithm::RS256, "bench-key");
    let now = SystemClock.now().0;
    let claims = json!({
        "aud": AUDIENCE, "iss": ISSUER, "iat": now - 10, "nbf": now - 10, "exp": now + 3600,
        "aio": "AXQAi/8TAAAAbMVrMW9T2uu1ZL7kqHAaVnIWlxJJ3xkNDnV8s6GrXm4cMoJm2pa3AC6PCjvqYU4RGaw7nL3EbrqI7tXS8yxV8Xy4oS0Udho3SsB5Ss2qsP9+Iy",
        "azp": AUDIENCE, "azpacr": "0", "name": "Abe Lincoln",
        "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474", "preferred_username": "abeli@microsoft.com",
        "rh": "I", "scp": "access_as_user read_data",
        "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
        "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0"
    });
    let mut header = Map::new();
    header.insert("typ".into(), json!("JWT"));
    let token = signer.sign_token(&header, &claims);
    let jwks = json!({ "keys": [signer.public_jwk().unwrap()] }).to_string();
    let keys = KeySet::from_jwks_json(jwks.as_bytes()).unwrap();
    let mut validation = Validation::access_token(
        IssuerRule::Exact(vec![ISSUER.into()]),
        vec![AUDIENCE.into()],
    );
    validation.algorithms = vec![Algorithm::RS256];
    let mapping = ClaimMapping::default();
    let jws = Jws::parse(&token).unwrap();
    let (msg, sig) = (jws.signing_input().as_bytes(), jws.signature().to_vec());
    let run = Run {
        token: &token,
        keys: &keys,
        validation: &validation,
        mapping: &mapping,
        jws: &jws,
        msg,
        sig: &sig,
    };
    for _ in 0..iterations {
        run.once(&stage);
    }
}

struct Run<'a> {
    token: &'a str,
    keys: &'a KeySet,
    validation: &'a Validation,
    mapping: &'a ClaimMapping,
    jws: &'a Jws<'a>,
    msg: &'a [u8],
    sig: &'a [u8],
}

impl Run<'_> {
    /// One iteration of `stage`; not inlined so a profiler can collect exactly this
    /// (`--toggle-collect='verify_profile::Run::once'`), drops included.
    #[inline(never)]
    fn once(&self, stage: &str) {
        let now = SystemClock.now();
        match stage {
            "signature" => self.keys.keys()[0]
                .key
                .verify(Algorithm::RS256, black_box(self.msg), black_box(self.sig))
                .unwrap(),
            "parse" => {
                black_box(Jws::parse(black_box(self.token)).unwrap());
            }
            "verify_jws" => {
                verify_jws(black_box(self.jws), self.keys, self.validation, now).unwrap()
            }
            "principal" => {
                black_box(Principal::from_claims(
                    "entra",
                    self.jws.claims().clone(),
                    self.mapping,
                ));
            }
            _ => {
                let jws = Jws::parse(black_box(self.token)).unwrap();
                verify_jws(&jws, self.keys, self.validation, now).unwrap();
                black_box(Principal::from_claims(
                    "entra",
                    jws.claims().clone(),
                    self.mapping,
                ));
            }
        }
    }
}
