//! One issuer configured under two providers: a remembered verification (verified-token cache
//! or connection memo) answers exactly as a fresh verification would, whichever provider
//! verified the token first.

use crate::support::Fixture;
use authgate::{ConnectionMemo, Principal, ProviderConfig, Verifier};
use authgate_devidp::{Flavor, MintRequest};
use std::sync::Arc;

/// The dev IdP's OIDC issuer twice: as `first` (audience `first_audience`) and as `second`.
async fn two_providers_one_issuer(fx: &Fixture, first_audience: &str) -> Verifier {
    let mut first = fx.oidc();
    first.id = "first".into();
    first.audiences = vec![first_audience.into()];
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
    let verifier = two_providers_one_issuer(&fx, authgate_devidp::OIDC_AUDIENCE).await;
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
    let verifier = two_providers_one_issuer(&fx, authgate_devidp::OIDC_AUDIENCE).await;
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
