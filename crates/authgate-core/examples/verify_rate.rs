//! Fresh RS256 verifications per second of CPU time, the unit `openssl speed` reports in by
//! default. Wall-clock rates (criterion) are distorted on a shared machine when other processes
//! take the cores; CPU time of this thread is not. Used by `bench/verify-vs-openssl.sh`.
//!
//! Prints `signature_only <ops per CPU second>` and `fresh_verify <ops per CPU second>`, measured
//! in alternating batches of 64 over twice the given seconds, so that their ratio holds under
//! changing load; with `STAGES` set also the parse, verify_jws, principal and
//! SHA-256-of-the-signing-input rates (each measured on its own, one after the other).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use authgate_core::{Algorithm, Clock, Jws, Principal, SystemClock, verify_jws};
use std::hint::black_box;

#[path = "common/entra_token.rs"]
mod entra_token;

use entra_token::{EntraToken, entra_token};

/// CPU time of the calling thread in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`). Exact to the
/// call, unlike `/proc/thread-self/schedstat`, which only moves at scheduler ticks: summed
/// over thousands of short batches ([`rate_pair`]), tick-sized steps made the ratio swing by
/// several percent between runs.
fn thread_cpu_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    u64::try_from(t.tv_sec).unwrap() * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap()
}

/// Runs `f` for about `cpu_secs` seconds of CPU time; returns operations per CPU second.
fn rate(cpu_secs: f64, mut f: impl FnMut()) -> f64 {
    let (start, mut ops) = (thread_cpu_ns(), 0u64);
    loop {
        for _ in 0..256 {
            f();
        }
        ops += 256;
        let spent = (thread_cpu_ns() - start) as f64 / 1e9;
        if spent >= cpu_secs {
            return ops as f64 / spent;
        }
    }
}

/// Runs `f` and `g` in alternating batches for about `cpu_secs` seconds of CPU time in all;
/// returns the operations per CPU second of each. Interleaving makes their ratio immune to
/// load that comes and goes on a shared machine (measured one after the other, a burst of
/// someone else's build lands on one side only).
fn rate_pair(cpu_secs: f64, mut f: impl FnMut(), mut g: impl FnMut()) -> (f64, f64) {
    let (mut f_ns, mut g_ns, mut ops) = (0u64, 0u64, 0u64);
    while (f_ns + g_ns) as f64 / 1e9 < cpu_secs {
        let start = thread_cpu_ns();
        for _ in 0..64 {
            f();
        }
        let middle = thread_cpu_ns();
        for _ in 0..64 {
            g();
        }
        g_ns += thread_cpu_ns() - middle;
        f_ns += middle - start;
        ops += 64;
    }
    let per_second = |ns: u64| ops as f64 / (ns as f64 / 1e9);
    (per_second(f_ns), per_second(g_ns))
}

fn main() {
    let secs: f64 = std::env::args().nth(1).map_or(5.0, |s| s.parse().unwrap());
    let EntraToken {
        token,
        keys,
        validation,
        mapping,
    } = entra_token();

    let jws = Jws::parse(&token).unwrap();
    let key = &keys.keys()[0].key;
    let (msg, sig) = (jws.signing_input().as_bytes(), jws.signature().to_vec());
    let signature_only = || {
        key.verify(Algorithm::RS256, black_box(msg), black_box(&sig))
            .unwrap();
    };
    let fresh = || {
        let jws = Jws::parse(black_box(&token)).unwrap();
        verify_jws(&jws, &keys, &validation, SystemClock.now()).unwrap();
        black_box(Principal::from_claims("entra", jws.into_claims(), &mapping));
    };
    let (signature_only, fresh) = rate_pair(2.0 * secs, signature_only, fresh);
    if std::env::var_os("STAGES").is_some() {
        let parse = rate(secs, || {
            black_box(Jws::parse(black_box(&token)).unwrap());
        });
        let validate = rate(secs, || {
            verify_jws(black_box(&jws), &keys, &validation, SystemClock.now()).unwrap();
        });
        let principal = rate(secs, || {
            black_box(Principal::from_claims(
                "entra",
                jws.claims().clone(),
                &mapping,
            ));
        });
        // Inherent to JWS and absent from `openssl speed`, which verifies a 36-byte digest:
        // SHA-256 over the signing input (the signature check above includes it).
        let hash = rate(secs, || {
            black_box(aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA256,
                black_box(msg),
            ));
        });
        println!("parse_only {parse:.0}");
        println!("sha256_signing_input {hash:.0}");
        println!("verify_jws_only {validate:.0}");
        println!("principal_only {principal:.0}");
    }
    println!("token_bytes {}", token.len());
    println!("signing_input_bytes {}", msg.len());
    println!("signature_only {signature_only:.0}");
    println!("fresh_verify {fresh:.0}");
}
