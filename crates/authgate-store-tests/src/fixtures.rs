//! Records and times the invariants share.

use authgate_core::store::{LoginState, NewIdentity, NewUser, Session, Stores, TokenHash, User};
use authgate_core::{SecretString, UnixTime, store::UserId};
use std::io::Write;

/// The fixed instant every test time is measured from.
pub const T0: UnixTime = UnixTime(1_800_000_000);

/// `T0` plus `secs` seconds.
pub fn at(secs: i64) -> UnixTime {
    UnixTime(T0.0 + secs)
}

/// An identity at `issuer` with `subject`, no email.
pub fn identity(issuer: &str, subject: &str) -> NewIdentity {
    NewIdentity {
        provider: "oidc".into(),
        issuer: issuer.into(),
        subject: subject.into(),
        tenant: None,
        email: None,
        email_verified: false,
    }
}

/// `id` with this email and verification flag.
pub(crate) fn with_email(mut id: NewIdentity, email: &str, verified: bool) -> NewIdentity {
    id.email = Some(email.into());
    id.email_verified = verified;
    id
}

/// The users' ids, sorted.
pub(crate) fn ids(mut users: Vec<User>) -> Vec<UserId> {
    users.sort_by(|a, b| a.id.cmp(&b.id));
    users.into_iter().map(|u| u.id).collect()
}

/// Creates a user whose first identity is (`issuer`, `subject`), at `T0`.
pub async fn user_with(stores: &Stores, issuer: &str, subject: &str) -> User {
    let new = NewUser {
        display_name: Some(format!("user {subject}")),
        email: None,
    };
    let created = stores
        .users
        .create_user(&new, &identity(issuer, subject), T0)
        .await;
    match created {
        Ok(user) => user,
        Err(e) => panic!("create_user({issuer}, {subject}): {e}"),
    }
}

/// A session of `user` keyed by the hash of `secret`, created `created` seconds after `T0`:
/// idle expiry 600 s later, absolute expiry 3600 s later, issuer `https://idp.example/`.
pub fn session(user: &UserId, secret: &str, created: i64) -> Session {
    Session {
        key: TokenHash::of(secret),
        user_id: user.clone(),
        provider: "oidc".into(),
        issuer: "https://idp.example/".into(),
        subject: "subject-1".into(),
        sid: Some("sid-1".into()),
        claims: serde_json::json!({
            "sub": "subject-1",
            "name": "Ada Lovelace",
            "groups": ["a", "b"],
            "nested": {"n": 1, "ok": true}
        }),
        created_at: at(created),
        last_seen_at: at(created),
        idle_expires_at: at(created + 600),
        absolute_expires_at: at(created + 3600),
        tokens: Some(vec![0, 1, 2, 255, 254]),
        tokens_expire_at: Some(at(created + 300)),
    }
}

/// Creates [`session`]`(user, secret, created)` and returns it.
pub(crate) async fn stored(stores: &Stores, user: &UserId, secret: &str, created: i64) -> Session {
    let s = session(user, secret, created);
    let made = stores.sessions.create_session(&s).await;
    made.expect("create_session");
    s
}

/// A login transaction keyed by the hash of `secret`, created at `T0`, expiring `expires`
/// seconds after `T0`.
pub fn login_state(secret: &str, expires: i64) -> LoginState {
    LoginState {
        key: TokenHash::of(secret),
        browser: TokenHash::of(&format!("browser-{secret}")),
        provider: "google".into(),
        issuer: "https://accounts.google.com".into(),
        nonce: SecretString::new(format!("nonce-{secret}")),
        pkce_verifier: SecretString::new(format!("verifier-{secret}-0123456789abcdef")),
        return_to: "/app/page?x=1".into(),
        link_user: None,
        created_at: T0,
        expires_at: at(expires),
    }
}

/// A fresh name usable as a schema or file name: `authgate_t_` and 32 hex digits.
pub fn scratch_name() -> String {
    let id = UserId::random().0.replace('-', "");
    format!("authgate_t_{id}")
}

/// Writes one line to the process's stderr directly, so it shows even when the test harness
/// captures output (used to say why a backend's tests pass vacuously).
pub fn skip_notice(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
