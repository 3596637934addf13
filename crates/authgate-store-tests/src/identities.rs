//! `UserStore`: creating users with their first identity, linking, lookups by identity.

use crate::fixtures::{T0, at, identity, ids, user_with, with_email};
use authgate_core::store::{NewUser, Page, StoreError, Stores, UserId};

const ISS: &str = "https://idp.example/";
const OTHER_ISS: &str = "https://other.example/";

/// `create_user` returns the user and links its first identity, both readable back.
pub async fn create_user_links_first_identity(stores: &Stores) {
    let new = NewUser {
        display_name: Some("Ada".into()),
        email: Some("ada@example.com".into()),
    };
    let mut first = with_email(identity(ISS, "ada"), "ada@example.com", true);
    first.tenant = Some("tenant-1".into());
    let user = stores
        .users
        .create_user(&new, &first, at(5))
        .await
        .expect("create");
    assert_eq!(user.display_name.as_deref(), Some("Ada"));
    assert_eq!(user.email.as_deref(), Some("ada@example.com"));
    assert!(!user.disabled);
    assert_eq!(user.created_at, at(5));
    assert_eq!(
        stores.users.user(&user.id).await.expect("user"),
        Some(user.clone())
    );
    let (found, linked) = stores
        .users
        .user_by_identity(ISS, "ada")
        .await
        .expect("by id")
        .expect("linked");
    assert_eq!(found, user);
    assert_eq!(linked.identity, first);
    assert_eq!(linked.user_id, user.id);
    assert_eq!((linked.created_at, linked.last_login_at), (at(5), at(5)));
    assert_eq!(
        stores.users.identities(&user.id).await.expect("identities"),
        vec![linked]
    );
}

/// A second `create_user` with a linked (issuer, subject) is `Conflict` and leaves no user.
pub async fn create_user_conflict_leaves_no_orphan(stores: &Stores) {
    let first = user_with(stores, ISS, "dup").await;
    let new = NewUser {
        display_name: Some("Intruder".into()),
        email: Some("intruder@example.com".into()),
    };
    let again = stores
        .users
        .create_user(&new, &identity(ISS, "dup"), at(1))
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "got {again:?}"
    );
    let all = stores
        .users
        .list_users(Page::default())
        .await
        .expect("list");
    assert_eq!(ids(all), vec![first.id.clone()]);
    let orphans = stores
        .users
        .users_by_email("intruder@example.com")
        .await
        .expect("by email");
    assert!(orphans.is_empty());
    let (owner, _) = stores
        .users
        .user_by_identity(ISS, "dup")
        .await
        .expect("get")
        .expect("some");
    assert_eq!(owner.id, first.id);
}

/// The same subject under another issuer is another identity (and another user).
pub async fn same_subject_other_issuer_is_another_identity(stores: &Stores) {
    let a = user_with(stores, ISS, "same").await;
    let b = user_with(stores, OTHER_ISS, "same").await;
    assert_ne!(a.id, b.id);
    let (ua, _) = stores
        .users
        .user_by_identity(ISS, "same")
        .await
        .expect("a")
        .expect("a");
    let (ub, _) = stores
        .users
        .user_by_identity(OTHER_ISS, "same")
        .await
        .expect("b")
        .expect("b");
    assert_eq!((ua.id, ub.id), (a.id, b.id));
    assert!(
        stores
            .users
            .user_by_identity(ISS, "SAME")
            .await
            .expect("case")
            .is_none()
    );
}

/// Lookups of what does not exist are `None` (or empty), not errors.
pub async fn unknown_user_and_identity_are_none(stores: &Stores) {
    let nobody = UserId::random();
    assert_eq!(stores.users.user(&nobody).await.expect("user"), None);
    assert!(
        stores
            .users
            .user_by_identity(ISS, "nobody")
            .await
            .expect("ident")
            .is_none()
    );
    assert!(
        stores
            .users
            .identities(&nobody)
            .await
            .expect("identities")
            .is_empty()
    );
    assert!(
        stores
            .users
            .users_by_email("x@example.com")
            .await
            .expect("email")
            .is_empty()
    );
}

/// `link_identity` adds an identity; `identities` lists oldest first.
pub async fn link_identity_adds_identity_oldest_first(stores: &Stores) {
    let user = user_with(stores, ISS, "main").await;
    let second = with_email(identity(OTHER_ISS, "alt"), "alt@example.com", true);
    let linked = stores
        .users
        .link_identity(&user.id, &second, at(100))
        .await
        .expect("link");
    assert_eq!(linked.identity, second);
    assert_eq!(
        (linked.user_id.clone(), linked.created_at),
        (user.id.clone(), at(100))
    );
    let third = identity("https://third.example/", "t");
    stores
        .users
        .link_identity(&user.id, &third, at(50))
        .await
        .expect("link third");
    let all = stores.users.identities(&user.id).await.expect("identities");
    let subjects: Vec<&str> = all.iter().map(|i| i.identity.subject.as_str()).collect();
    assert_eq!(subjects, vec!["main", "t", "alt"]);
    let (found, _) = stores
        .users
        .user_by_identity(OTHER_ISS, "alt")
        .await
        .expect("g")
        .expect("s");
    assert_eq!(found.id, user.id);
}

/// Linking an (issuer, subject) that is already linked, to anyone, is `Conflict`.
pub async fn link_identity_conflicts_when_linked_anywhere(stores: &Stores) {
    let a = user_with(stores, ISS, "a").await;
    let b = user_with(stores, ISS, "b").await;
    let to_other = stores
        .users
        .link_identity(&b.id, &identity(ISS, "a"), at(1))
        .await;
    assert!(
        matches!(to_other, Err(StoreError::Conflict(_))),
        "got {to_other:?}"
    );
    let to_self = stores
        .users
        .link_identity(&a.id, &identity(ISS, "a"), at(1))
        .await;
    assert!(
        matches!(to_self, Err(StoreError::Conflict(_))),
        "got {to_self:?}"
    );
    assert_eq!(stores.users.identities(&b.id).await.expect("b").len(), 1);
    assert_eq!(stores.users.identities(&a.id).await.expect("a").len(), 1);
}

/// Linking to a user that does not exist is `NotFound` and links nothing.
pub async fn link_identity_unknown_user_is_not_found(stores: &Stores) {
    let nobody = UserId::random();
    let linked = stores
        .users
        .link_identity(&nobody, &identity(ISS, "x"), at(1))
        .await;
    assert!(
        matches!(linked, Err(StoreError::NotFound(_))),
        "got {linked:?}"
    );
    assert!(
        stores
            .users
            .user_by_identity(ISS, "x")
            .await
            .expect("get")
            .is_none()
    );
}

/// Of 8 concurrent `create_user` calls with one identity exactly one succeeds; the others are
/// `Conflict` and leave no user behind.
pub async fn create_user_concurrent_one_wins(stores: &Stores) {
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let users = stores.users.clone();
            let new = NewUser {
                display_name: Some(format!("racer {n}")),
                email: None,
            };
            tokio::spawn(async move { users.create_user(&new, &identity(ISS, "race"), T0).await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("join") {
            Ok(user) => winners.push(user.id),
            Err(StoreError::Conflict(_)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    let all = stores
        .users
        .list_users(Page::default())
        .await
        .expect("list");
    assert_eq!(ids(all), winners);
}
