//! `UserStore`: listing, disabling, local roles, deletion.

use crate::fixtures::{T0, at, identity, session, user_with};
use authgate_core::store::{NewUser, Page, StoreError, Stores, UserId};

const ISS: &str = "https://idp.example/";
const OTHER_ISS: &str = "https://other.example/";

/// `list_users` orders by creation time then id, and pages with offset and limit.
pub async fn list_users_pages_in_creation_order(stores: &Stores) {
    let new = NewUser {
        display_name: None,
        email: None,
    };
    let mut want = Vec::new();
    for (n, created) in [30, 10, 20, 10, 10].into_iter().enumerate() {
        let first = identity(ISS, &format!("p{n}"));
        let made = stores.users.create_user(&new, &first, at(created)).await;
        let user = made.expect("create");
        want.push((user.created_at, user.id));
    }
    want.sort();
    let want: Vec<UserId> = want.into_iter().map(|(_, id)| id).collect();
    let page = |offset, limit| Page { offset, limit };
    let got = |p| async move {
        let users = stores.users.list_users(p).await.expect("list");
        users.into_iter().map(|u| u.id).collect::<Vec<_>>()
    };
    assert_eq!(got(Page::default()).await, want);
    assert_eq!(got(page(0, 2)).await, want[..2].to_vec());
    assert_eq!(got(page(2, 2)).await, want[2..4].to_vec());
    assert_eq!(got(page(4, 2)).await, want[4..].to_vec());
    assert!(got(page(5, 2)).await.is_empty());
    assert!(got(page(0, 0)).await.is_empty());
}

/// Disabling a user hides its sessions; re-enabling shows them again; unknown user is `false`.
pub async fn disabled_user_sessions_are_not_returned(stores: &Stores) {
    let user = user_with(stores, ISS, "d").await;
    let s = session(&user.id, "disabled-session", 0);
    stores.sessions.create_session(&s).await.expect("create");
    assert!(
        stores
            .users
            .set_disabled(&user.id, true)
            .await
            .expect("disable")
    );
    assert!(
        stores
            .users
            .user(&user.id)
            .await
            .expect("u")
            .expect("u")
            .disabled
    );
    assert_eq!(
        stores.sessions.session(&s.key, at(1)).await.expect("get"),
        None
    );
    assert!(
        stores
            .users
            .set_disabled(&user.id, false)
            .await
            .expect("enable")
    );
    assert_eq!(
        stores.sessions.session(&s.key, at(1)).await.expect("get"),
        Some(s)
    );
    assert!(
        !stores
            .users
            .set_disabled(&UserId::random(), true)
            .await
            .expect("nobody")
    );
}

/// Grants and revocations are idempotent (`true` only on change); roles are sorted bytewise.
pub async fn roles_grant_revoke_idempotent_and_sorted(stores: &Stores) {
    let user = user_with(stores, ISS, "roles").await;
    for role in ["beta_2", "alpha", "Zeta", "beta-1"] {
        assert!(
            stores
                .users
                .grant_role(&user.id, role, T0)
                .await
                .expect("grant")
        );
    }
    assert!(
        !stores
            .users
            .grant_role(&user.id, "alpha", at(1))
            .await
            .expect("again")
    );
    let roles = stores.users.roles(&user.id).await.expect("roles");
    assert_eq!(roles, vec!["Zeta", "alpha", "beta-1", "beta_2"]);
    assert!(
        stores
            .users
            .revoke_role(&user.id, "alpha")
            .await
            .expect("revoke")
    );
    assert!(
        !stores
            .users
            .revoke_role(&user.id, "alpha")
            .await
            .expect("revoke again")
    );
    assert!(
        !stores
            .users
            .revoke_role(&user.id, "never")
            .await
            .expect("never")
    );
    let roles = stores.users.roles(&user.id).await.expect("roles");
    assert_eq!(roles, vec!["Zeta", "beta-1", "beta_2"]);
}

/// Granting to an unknown user is `NotFound`; revoking or listing is `false` / empty.
pub async fn roles_of_unknown_user(stores: &Stores) {
    let nobody = UserId::random();
    let granted = stores.users.grant_role(&nobody, "admin", T0).await;
    assert!(
        matches!(granted, Err(StoreError::NotFound(_))),
        "got {granted:?}"
    );
    assert!(
        !stores
            .users
            .revoke_role(&nobody, "admin")
            .await
            .expect("revoke")
    );
    assert!(stores.users.roles(&nobody).await.expect("roles").is_empty());
}

/// `delete_user` removes identities, role grants and sessions, spares other users, and frees
/// the identity for a new user.
pub async fn delete_user_cascades_and_spares_others(stores: &Stores) {
    let gone = user_with(stores, ISS, "gone").await;
    let kept = user_with(stores, ISS, "kept").await;
    for user in [&gone, &kept] {
        stores
            .users
            .grant_role(&user.id, "admin", T0)
            .await
            .expect("grant");
        let secret = format!("s-{}", user.id);
        stores
            .sessions
            .create_session(&session(&user.id, &secret, 0))
            .await
            .expect("s");
    }
    stores
        .users
        .link_identity(&gone.id, &identity(OTHER_ISS, "gone"), T0)
        .await
        .expect("l");
    assert!(stores.users.delete_user(&gone.id).await.expect("delete"));
    assert!(
        !stores
            .users
            .delete_user(&gone.id)
            .await
            .expect("delete again")
    );
    assert_eq!(stores.users.user(&gone.id).await.expect("user"), None);
    assert!(
        stores
            .users
            .identities(&gone.id)
            .await
            .expect("ids")
            .is_empty()
    );
    assert!(
        stores
            .users
            .user_by_identity(ISS, "gone")
            .await
            .expect("g")
            .is_none()
    );
    assert!(
        stores
            .users
            .user_by_identity(OTHER_ISS, "gone")
            .await
            .expect("g")
            .is_none()
    );
    assert!(
        stores
            .users
            .roles(&gone.id)
            .await
            .expect("roles")
            .is_empty()
    );
    assert!(
        stores
            .sessions
            .user_sessions(&gone.id, at(1))
            .await
            .expect("s")
            .is_empty()
    );
    let gone_key = session(&gone.id, &format!("s-{}", gone.id), 0).key;
    assert_eq!(
        stores.sessions.session(&gone_key, at(1)).await.expect("s"),
        None
    );
    assert!(
        !stores
            .sessions
            .delete_session(&gone_key)
            .await
            .expect("row gone")
    );
    assert_eq!(
        stores.users.roles(&kept.id).await.expect("roles"),
        vec!["admin"]
    );
    assert_eq!(
        stores.users.identities(&kept.id).await.expect("ids").len(),
        1
    );
    assert_eq!(
        stores
            .sessions
            .user_sessions(&kept.id, at(1))
            .await
            .expect("s")
            .len(),
        1
    );
    let again = user_with(stores, ISS, "gone").await;
    assert_ne!(again.id, gone.id);
}
