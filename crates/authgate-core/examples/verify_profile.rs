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
    Algorithm, ClaimMapping, Clock, Jws, KeySet, Principal, SystemClock, Validation, verify_jws,
};
use std::hint::black_box;

#[path = "common/entra_token.rs"]
mod entra_token;

use entra_token::{EntraToken, entra_token};

fn main() {
    let mut args = std::env::args().skip(1);
    let stage = args.next().unwrap_or_else(|| "fresh".into());
    let iterations: u64 = args.next().map_or(1000, |s| s.parse().unwrap());
    let EntraToken {
        token,
        keys,
        validation,
        mapping,
    } = entra_token();
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
                    jws.into_claims(),
                    self.mapping,
                ));
            }
        }
    }
}
