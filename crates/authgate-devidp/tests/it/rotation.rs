//! Key rotation (security.md R-08) and emergency removal.

use crate::common::{key_set, start, verify};
use authgate_core::{Jws, VerifyErrorKind};
use authgate_devidp::{Flavor, MintRequest};

#[tokio::test]
async fn rotation_publishes_both_keys_and_signs_with_the_new_one() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let old_kid = idp.active_kid();
    let old_token = idp.mint(&MintRequest::new(Flavor::EntraV2));
    idp.rotate_keys();
    let new_kid = idp.active_kid();
    assert_ne!(old_kid, new_kid);
    assert_eq!(idp.published_kids(), vec![old_kid.clone(), new_kid.clone()]);
    let new_token = idp.mint(&MintRequest::new(Flavor::EntraV2));
    assert_eq!(
        Jws::parse(&new_token).unwrap().header().kid.as_deref(),
        Some(new_kid.as_str())
    );
    for flavor in Flavor::ALL {
        let keys = key_set(&http, idp, flavor).await;
        assert_eq!(keys.keys().len(), 2, "{flavor}");
    }
    let keys = key_set(&http, idp, Flavor::EntraV2).await;
    verify(&old_token, &keys);
    verify(&new_token, &keys);
}

#[tokio::test]
async fn a_removed_key_is_no_longer_published() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let old_kid = idp.active_kid();
    let old_token = idp.mint(&MintRequest::new(Flavor::Okta));
    idp.rotate_keys();
    assert!(idp.remove_key(&old_kid));
    assert!(!idp.remove_key(&old_kid));
    let keys = key_set(&http, idp, Flavor::Okta).await;
    let jws = Jws::parse(&old_token).unwrap();
    assert_eq!(
        keys.candidates(jws.header()).unwrap_err().kind(),
        VerifyErrorKind::UnknownKey
    );
    verify(&idp.mint(&MintRequest::new(Flavor::Okta)), &keys);
}

#[tokio::test]
async fn removing_the_only_key_switches_to_a_fresh_one() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let old_kid = idp.active_kid();
    assert!(idp.remove_key(&old_kid));
    let new_kid = idp.active_kid();
    assert_ne!(old_kid, new_kid);
    assert_eq!(idp.published_kids(), vec![new_kid]);
    let keys = key_set(&http, idp, Flavor::Google).await;
    verify(&idp.mint(&MintRequest::new(Flavor::Google)), &keys);
}
