//! One issuer configured under two providers: a remembered verification (verified-token cache
//! or connection memo) answers exactly as a fresh verification would, whichever provider
//! verified the token first.

use crate::support::{Fixture, advance};
use authgate::{Clock, ConnectionMemo, Principal, ProviderConfig, Verifier};
use authgate_devidp::{Endpoint, Fault, Flavor, MintRequest, OIDC_AUDIENCE};
use std::sync::Arc;
use std::time::Duration;

/// The dev IdP's OIDC issuer twice: as `first` (audience `first_audience`) and as `second`.
async fn two_providers_one_issuer(fx: &Fixture, first_audience: &str) -> Verifier {
    let mut first = first(fx);
    first.audiences = vec![first_audience.into()];
    two_providers(fx, first).await
}

/// The dev IdP's OIDC issuer as provider `first`.
fn first(fx: &Fixture) -> ProviderConfig {
    let mut first = fx.oidc();
    first.id = "first".into();
    first
}

/// `first`, then the dev IdP's OIDC issuer as `second`.
async fn two_providers(fx: &Fixture, first: ProviderConfig) -> Verifier {
    let mut second: ProviderConfig = fx.oidc();
    second.id = "second".into();
    fx.verifier([first, second]).await
}

fn token(fx: &Fixture) -> String {
    fx.idp()
        .mint(&MintRequest::new(Flavor::Oidc).subject("alice"))
}

fn only(id: &str) -> Vec<String> {
    vec![id.to_owned()]
}

fn provider(result: Result<Arc<Principal>, authgate::VerifyError>) -> String {
    result.unwrap().provider.clone()
}

#[tokio::test]
async fn a_token_cached_for_the_second_provider_answers_unrestricted_as_the_first() {
    let fx = Fixture::start().await;
    let verifier = two_providers_one_issuer(&fx, OIDC_AUDIENCE).await;
    let token = token(&fx);
    let second = only("second");
    let first = only("first");
    assert_eq!(
        provider(verifier.verify_for_shared(&token, &second).await),
        "second"
    );
    // A fresh verification tries the providers in configuration order: `first` accepts.
    assert_eq!(provider(verifier.verify_shared(&token).await), "first");
    assert_eq!(
        provider(verifier.verify_for_shared(&token, &second).await),
        "second"
    );
    assert_eq!(
        provider(verifier.verify_for_shared(&token, &first).await),
        "first"
    );
    assert_eq!(provider(verifier.verify_shared(&token).await), "first");
}

#[tokio::test]
async fn a_token_remembered_for_the_second_provider_answers_unrestricted_as_the_first() {
    let fx = Fixture::start().await;
    let verifier = two_providers_one_issuer(&fx, OIDC_AUDIENCE).await;
    let token = token(&fx);
    let memo = ConnectionMemo::default();
    let second = only("second");
    let remembered = verifier
        .verify_on_connection(&token, Some(&second), &memo)
        .await;
    assert_eq!(provider(remembered), "second");
    let unrestricted = verifier.verify_on_connection(&token, None, &memo).await;
    assert_eq!(provider(unrestricted), "first");
}

#[tokio::test]
async fn a_token_the_first_provider_refuses_is_answered_from_the_cache_as_the_second() {
    let fx = Fixture::start().await;
    let verifier = two_providers_one_issuer(&fx, "api://someone-else").await;
    let token = token(&fx);
    let fresh = verifier.verify_shared(&token).await.unwrap();
    let again = verifier.verify_shared(&token).await.unwrap();
    assert_eq!(fresh.provider, "second", "`first` refuses the audience");
    assert!(
        Arc::ptr_eq(&fresh, &again),
        "the refusal by `first` is remembered: the repeat is a cache hit"
    );
    let first = only("first");
    assert!(verifier.verify_for_shared(&token, &first).await.is_err());
}

/// `first` missed the signing key (rotated while its JWKS was failing); once it may fetch it,
/// a fresh verification would pick `first` again, so the remembered answer of `second` must
/// not stand in for it.
#[tokio::test]
async fn a_provider_that_missed_the_key_is_tried_again_once_it_may_fetch_it() {
    let fx = Fixture::start().await;
    let verifier = two_providers_one_issuer(&fx, OIDC_AUDIENCE).await;
    fx.idp().rotate_keys();
    let token = token(&fx);
    let second = only("second");
    assert_eq!(
        provider(verifier.verify_for_shared(&token, &second).await),
        "second"
    );
    fx.idp()
        .set_endpoint_fault(None, Endpoint::Jwks, Fault::Status(503));
    assert_eq!(
        provider(verifier.verify_shared(&token).await),
        "second",
        "`first` cannot fetch the new key"
    );
    fx.idp().clear_faults();
    advance(Duration::from_secs(31)).await; // past the forced-refresh cooldown
    assert_eq!(provider(verifier.verify_shared(&token).await), "first");
}

/// A refusal for the time being (`first`, with the shorter leeway, finds the token not yet
/// valid) is not remembered: once the clock makes `first` accept, the answer is `first`'s.
#[tokio::test]
async fn a_provider_that_refused_for_the_time_being_is_tried_again() {
    let fx = Fixture::start().await;
    let mut first = first(&fx);
    first.leeway = Some(Duration::from_secs(30));
    let verifier = two_providers(&fx, first).await; // `second`: the default 60 s
    let not_before = fx.clock.now().0 + 50;
    let token = fx.idp().mint(
        &MintRequest::new(Flavor::Oidc)
            .subject("alice")
            .claim("nbf", not_before),
    );
    assert_eq!(provider(verifier.verify_shared(&token).await), "second");
    fx.clock.advance(Duration::from_secs(30));
    assert_eq!(provider(verifier.verify_shared(&token).await), "first");
}

/// A provider tried first whose keys are unavailable refuses at once in a fresh verification,
/// so it does not keep the cache from answering for the second one.
#[tokio::test]
async fn a_provider_without_keys_does_not_keep_the_cache_from_answering() {
    let fx = Fixture::start().await;
    let mut first = first(&fx);
    first.jwks_uri = Some(format!("{}/no-such-jwks", fx.idp().base_url()));
    let verifier = two_providers(&fx, first).await;
    let token = token(&fx);
    let fresh = verifier.verify_shared(&token).await.unwrap();
    let again = verifier.verify_shared(&token).await.unwrap();
    assert_eq!(fresh.provider, "second");
    assert!(Arc::ptr_eq(&fresh, &again), "the repeat is a cache hit");
}

/// A provider tried first whose key set never has the token's `kid` (here: its JWKS is
/// another document) refuses it again without fetching while the forced-refresh cooldown
/// lasts, so the cache answers for the second provider meanwhile: per cooldown, one fetch and
/// at most two full verifications instead of one per request.
#[tokio::test]
async fn a_provider_that_never_has_the_key_costs_one_fetch_per_cooldown() {
    let fx = Fixture::start().await;
    let other = authgate_core::SigningKey::generate(authgate_core::Algorithm::ES256, "other");
    let jwks = serde_json::json!({ "keys": [other.public_jwk().unwrap()] });
    fx.idp().set_endpoint_fault(
        Some(Flavor::Okta),
        Endpoint::Jwks,
        Fault::Body(jwks.to_string()),
    );
    let mut first = first(&fx);
    first.jwks_uri = Some(fx.idp().jwks_url(Flavor::Okta));
    let verifier = two_providers(&fx, first).await;
    let forced = || {
        let status = verifier.key_status();
        status
            .iter()
            .find(|s| s.provider == "first")
            .unwrap()
            .forced_refreshes
    };
    let token = token(&fx);
    // The first verification lets `first` refetch for the unknown kid (its key set changes,
    // so nothing is recorded); the second finds the refetch cooling down and records a
    // refusal that holds while it does.
    assert_eq!(provider(verifier.verify_shared(&token).await), "second");
    assert_eq!(forced(), 1);
    let recorded = verifier.verify_shared(&token).await.unwrap();
    let hit = verifier.verify_shared(&token).await.unwrap();
    assert_eq!(recorded.provider, "second");
    assert!(
        Arc::ptr_eq(&recorded, &hit),
        "a hit while `first` cannot refetch"
    );
    assert_eq!(forced(), 1);
    advance(Duration::from_secs(31)).await; // past the forced-refresh cooldown
    let after = verifier.verify_shared(&token).await.unwrap();
    assert_eq!(after.provider, "second");
    assert_eq!(
        forced(),
        2,
        "`first` refetched: a fresh try, not the remembered refusal"
    );
}
