//! `Verifier::verify_on_connection`: a connection's remembered token is recognised by its exact
//! bytes and re-checked like a verified-token cache hit.

use crate::support::{Fixture, kind};
use authgate::VerifyErrorKind::{BadSignature, Expired, InvalidTimes, UnknownIssuer, UnknownKey};
use authgate::{ConnectionMemo, Verifier};
use authgate_devidp::{Flavor, MintRequest};
use std::sync::Arc;
use std::time::Duration;

fn user_token(fx: &Fixture, subject: &str, lifetime: Duration) -> String {
    fx.idp().mint(
        &MintRequest::new(Flavor::Oidc)
            .subject(subject)
            .lifetime(lifetime),
    )
}

const HOUR: Duration = Duration::from_secs(3600);

/// A verifier trusting the OIDC provider, and a connection memo that remembers alice's token
/// (living `lifetime`) after one verification on it.
async fn remembering(fx: &Fixture, lifetime: Duration) -> (Verifier, ConnectionMemo, String) {
    let verifier = fx.verifier([fx.oidc()]).await;
    let memo = ConnectionMemo::default();
    let token = user_token(fx, "alice", lifetime);
    let first = verifier.verify_on_connection(&token, None, &memo).await;
    assert_eq!(first.unwrap().subject, "alice");
    (verifier, memo, token)
}

#[tokio::test]
async fn a_repeated_token_gets_the_remembered_principal() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let memo = ConnectionMemo::default();
    let token = user_token(&fx, "alice", HOUR);
    let first = verifier.verify_on_connection(&token, None, &memo).await;
    let again = verifier.verify_on_connection(&token, None, &memo).await;
    let (first, again) = (first.unwrap(), again.unwrap());
    assert_eq!(first.subject, "alice");
    assert!(Arc::ptr_eq(&first, &again), "one verification, shared");
}

#[tokio::test]
async fn a_token_differing_in_one_byte_is_verified_in_full() {
    let fx = Fixture::start().await;
    let (verifier, memo, token) = remembering(&fx, HOUR).await;
    // Same length, one signature character changed (not the last: its low bits may be unused).
    let mut forged = token.clone().into_bytes();
    let i = forged.len() - 10;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert_eq!(
        kind(verifier.verify_on_connection(&forged, None, &memo).await),
        BadSignature
    );
}

#[tokio::test]
async fn remembered_tokens_still_obey_provider_restrictions() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc(), fx.okta()]).await;
    let memo = ConnectionMemo::default();
    let token = user_token(&fx, "alice", HOUR);
    assert!(
        verifier
            .verify_on_connection(&token, None, &memo)
            .await
            .is_ok()
    );
    let okta_only = ["okta".to_owned()];
    assert_eq!(
        kind(
            verifier
                .verify_on_connection(&token, Some(&okta_only), &memo)
                .await
        ),
        UnknownIssuer
    );
    let oidc_only = ["oidc".to_owned()];
    assert!(
        verifier
            .verify_on_connection(&token, Some(&oidc_only), &memo)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn remembered_tokens_still_expire_by_the_clock() {
    let fx = Fixture::start().await;
    let (verifier, memo, token) = remembering(&fx, Duration::from_secs(600)).await;
    fx.clock.advance(Duration::from_secs(600 + 61));
    assert_eq!(
        kind(verifier.verify_on_connection(&token, None, &memo).await),
        Expired
    );
}

/// JWT-T12 after the clock steps back: a token issued "in the future" by the new clock is
/// refused from the memo and from the cache, as a fresh verification refuses it.
#[tokio::test]
async fn remembered_and_cached_tokens_are_refused_when_the_clock_steps_back_before_iat() {
    let fx = Fixture::start().await;
    let (verifier, memo, token) = remembering(&fx, HOUR).await;
    fx.clock.rewind(Duration::from_secs(60 + 61));
    assert_eq!(
        kind(verifier.verify_on_connection(&token, None, &memo).await),
        InvalidTimes
    );
    assert_eq!(kind(verifier.verify(&token).await), InvalidTimes);
}

#[tokio::test]
async fn a_remembered_verification_is_not_used_past_the_cache_lifetime() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let memo = ConnectionMemo::default();
    let token = user_token(&fx, "alice", HOUR);
    let first = verifier.verify_on_connection(&token, None, &memo).await;
    // The default cache lifetime is five minutes; the token lives an hour.
    fx.clock.advance(Duration::from_secs(5 * 60));
    let later = verifier.verify_on_connection(&token, None, &memo).await;
    assert!(
        !Arc::ptr_eq(&first.unwrap(), &later.unwrap()),
        "verified again in full"
    );
}

#[tokio::test]
async fn a_remembered_token_stops_working_when_its_key_is_removed() {
    let fx = Fixture::start().await;
    let (verifier, memo, compromised) = remembering(&fx, HOUR).await;
    assert!(fx.idp().remove_key(&fx.idp().active_kid()));
    // Another connection's token under the replacement key makes the verifier fetch.
    let other = user_token(&fx, "bob", HOUR);
    assert!(verifier.verify(&other).await.is_ok());
    assert_eq!(
        kind(
            verifier
                .verify_on_connection(&compromised, None, &memo)
                .await
        ),
        UnknownKey
    );
}

#[tokio::test]
async fn a_connection_switching_tokens_gets_each_ones_principal() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let memo = ConnectionMemo::default();
    let (alice, bob) = (user_token(&fx, "alice", HOUR), user_token(&fx, "bob", HOUR));
    for (token, subject) in [(&alice, "alice"), (&bob, "bob"), (&alice, "alice")] {
        let principal = verifier.verify_on_connection(token, None, &memo).await;
        assert_eq!(principal.unwrap().subject, subject);
    }
}

#[tokio::test]
async fn nothing_is_remembered_when_the_cache_is_disabled() {
    let fx = Fixture::start().await;
    let verifier = authgate::Verifier::builder()
        .clock(Arc::new(fx.clock.clone()))
        .http_client(crate::support::fast_http())
        .provider(fx.oidc())
        .token_cache(10, Duration::ZERO)
        .build()
        .await
        .unwrap();
    let memo = ConnectionMemo::default();
    let token = user_token(&fx, "alice", HOUR);
    let first = verifier.verify_on_connection(&token, None, &memo).await;
    let again = verifier.verify_on_connection(&token, None, &memo).await;
    assert!(!Arc::ptr_eq(&first.unwrap(), &again.unwrap()));
}

#[tokio::test]
async fn a_memo_never_answers_for_another_verifier() {
    // A reload builds a new verifier while connections (and their memos) stay open: what the
    // old configuration accepted must be verified again under the new one.
    let fx = Fixture::start().await;
    let old = fx.verifier([fx.oidc()]).await;
    let new = fx.verifier([fx.okta()]).await;
    let memo = ConnectionMemo::default();
    let token = user_token(&fx, "alice", HOUR);
    assert!(old.verify_on_connection(&token, None, &memo).await.is_ok());
    assert_eq!(
        kind(new.verify_on_connection(&token, None, &memo).await),
        UnknownIssuer
    );
}
