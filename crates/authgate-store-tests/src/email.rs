//! `UserStore`: lookups by email and sign-in records.

use crate::fixtures::{T0, at, identity, ids, user_with, with_email};
use authgate_core::store::{NewUser, StoreError, Stores};

const ISS: &str = "https://idp.example/";
const OTHER_ISS: &str = "https://other.example/";

/// Verified-email lookup: case-insensitive, only identities whose email is verified, each
/// user once even with two matching identities.
pub async fn verified_email_lookup_ignores_unverified_and_case(stores: &Stores) {
    let new = NewUser {
        display_name: None,
        email: Some("Shared@Example.com".into()),
    };
    let verified = with_email(identity(ISS, "v"), "Shared@Example.COM", true);
    let v = stores
        .users
        .create_user(&new, &verified, T0)
        .await
        .expect("v");
    let twice = with_email(identity(OTHER_ISS, "v2"), "shared@example.com", true);
    stores
        .users
        .link_identity(&v.id, &twice, T0)
        .await
        .expect("link");
    let unverified = with_email(identity(ISS, "u"), "shared@example.com", false);
    stores
        .users
        .create_user(&new, &unverified, T0)
        .await
        .expect("u");
    let found = stores
        .users
        .users_by_verified_email("SHARED@example.com")
        .await
        .expect("q");
    assert_eq!(ids(found), vec![v.id]);
    let none = stores
        .users
        .users_by_verified_email("other@example.com")
        .await
        .expect("q");
    assert!(none.is_empty());
}

/// `users_by_email` matches the user's email case-insensitively.
pub async fn email_lookup_is_case_insensitive(stores: &Stores) {
    let mk = |email: &str| NewUser {
        display_name: None,
        email: Some(email.into()),
    };
    let a = stores
        .users
        .create_user(&mk("Bob@Example.com"), &identity(ISS, "a"), T0)
        .await;
    let b = stores
        .users
        .create_user(&mk("bob@example.COM"), &identity(ISS, "b"), T0)
        .await;
    let c = stores
        .users
        .create_user(&mk("bobby@example.com"), &identity(ISS, "c"), T0)
        .await;
    let (a, b) = (a.expect("a"), b.expect("b"));
    c.expect("c");
    let mut want = vec![a.id, b.id];
    want.sort();
    let found = stores
        .users
        .users_by_email("BOB@EXAMPLE.COM")
        .await
        .expect("q");
    assert_eq!(ids(found), want);
}

/// `record_login` stamps `last_login_at` and refreshes the email facts and tenant.
pub async fn record_login_stamps_and_refreshes_email(stores: &Stores) {
    let user = user_with(stores, ISS, "r").await;
    let mut fresh = with_email(identity(ISS, "r"), "new@example.com", true);
    fresh.tenant = Some("t2".into());
    stores
        .users
        .record_login(&fresh, at(900))
        .await
        .expect("record");
    let (_, linked) = stores
        .users
        .user_by_identity(ISS, "r")
        .await
        .expect("g")
        .expect("s");
    assert_eq!(linked.last_login_at, at(900));
    assert_eq!(linked.created_at, T0);
    assert_eq!(linked.identity.email.as_deref(), Some("new@example.com"));
    assert!(linked.identity.email_verified);
    assert_eq!(linked.identity.tenant.as_deref(), Some("t2"));
    assert_eq!(linked.user_id, user.id);
    let found = stores
        .users
        .users_by_verified_email("NEW@example.com")
        .await
        .expect("q");
    assert_eq!(ids(found), vec![user.id]);
}

/// `record_login` of an identity that is not linked is `NotFound`.
pub async fn record_login_unknown_identity_is_not_found(stores: &Stores) {
    let recorded = stores
        .users
        .record_login(&identity(ISS, "ghost"), at(1))
        .await;
    assert!(
        matches!(recorded, Err(StoreError::NotFound(_))),
        "got {recorded:?}"
    );
}

/// `record_login` with no email clears it: the identity no longer matches by verified email.
pub async fn record_login_can_clear_email(stores: &Stores) {
    let verified = with_email(identity(ISS, "c"), "clear@example.com", true);
    let new = NewUser {
        display_name: None,
        email: None,
    };
    stores
        .users
        .create_user(&new, &verified, T0)
        .await
        .expect("create");
    stores
        .users
        .record_login(&identity(ISS, "c"), at(5))
        .await
        .expect("record");
    let (_, linked) = stores
        .users
        .user_by_identity(ISS, "c")
        .await
        .expect("g")
        .expect("s");
    assert_eq!(
        (linked.identity.email, linked.identity.email_verified),
        (None, false)
    );
    let found = stores
        .users
        .users_by_verified_email("clear@example.com")
        .await;
    assert!(found.expect("query").is_empty());
}
