//! The library's verification path: `Verifier::verify` on a fresh token (routing by `iss`,
//! digest, full verification, cache insert) and on a repeated token (a cache hit), for an
//! Entra v2 access token served by the dev IdP over loopback HTTP.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use authgate::{ProviderConfig, ProviderKind, Verifier};
use authgate_devidp::{DevIdp, Flavor, MintRequest, RunningIdp};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tokio::runtime::Runtime;

fn entra_provider(idp: &DevIdp) -> ProviderConfig {
    let mut p = ProviderConfig::new("entra", ProviderKind::Entra);
    p.tenant = Some(authgate_devidp::DEV_TENANT.into());
    p.client_id = Some(authgate_devidp::ENTRA_API_CLIENT_ID.into());
    p.instance = Some(idp.entra_instance());
    p
}

fn mint(idp: &DevIdp, i: usize) -> String {
    let mut req = MintRequest::new(Flavor::EntraV2);
    req.scopes = vec!["access_as_user".into(), "read_data".into()];
    req.subject = Some(format!("bench-user-{i}"));
    idp.mint(&req)
}

fn setup(rt: &Runtime) -> (RunningIdp, Verifier) {
    rt.block_on(async {
        let running = DevIdp::start_loopback().await.unwrap();
        let verifier = Verifier::builder()
            .provider(entra_provider(&running.idp))
            .token_cache(1_000_000, std::time::Duration::from_secs(300))
            .build()
            .await
            .unwrap();
        assert!(verifier.is_ready());
        (running, verifier)
    })
}

fn verifier_paths(cr: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let (running, verifier) = setup(&rt);
    let repeated = mint(&running.idp, 0);
    rt.block_on(verifier.verify(&repeated)).unwrap();
    cr.bench_function("verifier/cached", |b| {
        b.iter(|| rt.block_on(verifier.verify(black_box(&repeated))).unwrap())
    });

    // Distinct tokens, minted ahead so signing is not measured; each is verified once.
    let fresh: Vec<String> = (1..=20_000).map(|i| mint(&running.idp, i)).collect();
    let mut next = fresh.iter().cycle();
    let cold = Verifier::builder()
        .provider(entra_provider(&running.idp))
        .token_cache(1, std::time::Duration::from_secs(1));
    let cold = rt.block_on(cold.build()).unwrap();
    cr.bench_function("verifier/fresh_RS256", |b| {
        b.iter(|| {
            rt.block_on(cold.verify(black_box(next.next().unwrap())))
                .unwrap()
        })
    });
}

criterion_group!(benches, verifier_paths);
criterion_main!(benches);
