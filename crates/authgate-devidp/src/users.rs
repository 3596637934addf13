//! The demo users the login page offers and `login_hint` names: the default dev user, alice
//! (admin) and bob (reader), plus carol at the GitHub flavor (unverified e-mail).

use serde_json::{Map, Value};

/// A demo user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DemoUser {
    /// The key the login page and `login_hint` use (also the subject, except for `dev`,
    /// who keeps each flavor's demo subject).
    pub(crate) key: &'static str,
    /// Display name.
    pub(crate) name: &'static str,
    /// E-mail address.
    pub(crate) email: &'static str,
    /// Whether the provider vouches for the e-mail.
    pub(crate) email_verified: bool,
    /// Roles (`roles`; Okta `groups`; Auth0 `permissions`).
    pub(crate) roles: &'static [&'static str],
    /// The Entra object id (`oid`).
    pub(crate) oid: &'static str,
    /// The GitHub numeric user id.
    pub(crate) github_id: u64,
}

/// The key of the default user (each flavor's demo subject, `Dev User`).
pub(crate) const DEFAULT_USER: &str = "dev";

/// Every demo user; the first is the default.
pub(crate) const USERS: [DemoUser; 4] = [
    DemoUser {
        key: DEFAULT_USER,
        name: crate::demo::USER_NAME,
        email: crate::demo::USER_EMAIL,
        email_verified: true,
        roles: &[],
        oid: crate::demo::ENTRA_USER_OID,
        github_id: 5_820_001,
    },
    DemoUser {
        key: "alice",
        name: "Alice Admin",
        email: "alice@example.com",
        email_verified: true,
        roles: &["admin", "orders.read", "orders.write"],
        oid: "a11ce000-0000-4000-8000-00000000a11c",
        github_id: 5_820_002,
    },
    DemoUser {
        key: "bob",
        name: "Bob Reader",
        email: "bob@example.com",
        email_verified: true,
        roles: &["reader", "orders.read"],
        oid: "b0b00000-0000-4000-8000-000000000b0b",
        github_id: 5_820_003,
    },
    DemoUser {
        key: "carol",
        name: "Carol Unverified",
        email: "carol@example.com",
        email_verified: false,
        roles: &[],
        oid: "ca201000-0000-4000-8000-0000000ca201",
        github_id: 5_820_004,
    },
];

/// The demo user with this key.
pub(crate) fn find(key: &str) -> Option<&'static DemoUser> {
    USERS.iter().find(|u| u.key == key)
}

impl DemoUser {
    /// The subject to put in tokens (`None`: the flavor's demo subject).
    pub(crate) fn subject(&self) -> Option<String> {
        (self.key != DEFAULT_USER).then(|| self.key.to_owned())
    }

    /// The profile claims of this user's tokens (empty for the default user, whose claims
    /// each flavor's shape already carries). Entra tokens also get the user's `oid`.
    pub(crate) fn claims(&self, entra: bool) -> Map<String, Value> {
        let mut claims = Map::new();
        if self.key == DEFAULT_USER {
            return claims;
        }
        claims.insert("name".into(), self.name.into());
        if entra {
            claims.insert("oid".into(), self.oid.into());
            claims.insert("preferred_username".into(), self.email.into());
        } else {
            claims.insert("email".into(), self.email.into());
            claims.insert("email_verified".into(), self.email_verified.into());
        }
        claims
    }

    /// The user's roles.
    pub(crate) fn roles(&self) -> Vec<String> {
        self.roles.iter().map(|r| (*r).to_owned()).collect()
    }
}
