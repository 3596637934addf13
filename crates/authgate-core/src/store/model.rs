//! The records the stores keep (DESIGN.md "Data model").

use crate::clock::UnixTime;
use crate::secret::SecretString;
use aws_lc_rs::digest;
use std::fmt;

/// The stable internal id of a user: a UUID in its hyphenated lower-case text form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub String);

impl UserId {
    /// A new random (version 4) UUID.
    pub fn random() -> Self {
        let mut b = [0u8; 16];
        // The system RNG does not fail on supported platforms; a zero id would still be unique
        // per the store's primary key, so a failure is not silently dangerous.
        let _ = aws_lc_rs::rand::fill(&mut b);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        let part = |r: std::ops::Range<usize>| hex.get(r).unwrap_or_default().to_owned();
        UserId(format!(
            "{}-{}-{}-{}-{}",
            part(0..8),
            part(8..12),
            part(12..16),
            part(16..20),
            part(20..32)
        ))
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// SHA-256 of a high-entropy secret (a session cookie value, a `state`): what a store keeps
/// and looks up instead of the secret itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// The hash of `secret`.
    pub fn of(secret: &str) -> Self {
        let d = digest::digest(&digest::SHA256, secret.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        TokenHash(out)
    }

    /// Lower-case hex, the form SQL backends store.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses [`TokenHash::to_hex`] output.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(hex.as_bytes().chunks(2)) {
            let text = std::str::from_utf8(pair).ok()?;
            *slot = u8::from_str_radix(text, 16).ok()?;
        }
        Some(TokenHash(out))
    }
}

impl fmt::Debug for TokenHash {
    /// Only a prefix: enough to correlate log lines, useless for lookups.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_hex();
        write!(f, "TokenHash({}…)", hex.get(..8).unwrap_or_default())
    }
}

/// A user as first created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Display name from the first identity.
    pub display_name: Option<String>,
    /// Email from the first identity.
    pub email: Option<String>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable internal id.
    pub id: UserId,
    /// Display name.
    pub display_name: Option<String>,
    /// Email (informational; identities are never keyed by it).
    pub email: Option<String>,
    /// A disabled user cannot sign in and its sessions stop working.
    pub disabled: bool,
    /// Creation time.
    pub created_at: UnixTime,
}

/// An external identity: who the provider says the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdentity {
    /// The configured provider id (`google`, `entra`, ...).
    pub provider: String,
    /// The issuer. For Entra the tenant-specific issuer, so (issuer, subject) is (tid, oid).
    pub issuer: String,
    /// The subject: `sub`, or Entra's `oid`, or GitHub's numeric user id.
    pub subject: String,
    /// Entra tenant id, Google `hd`, when known.
    pub tenant: Option<String>,
    /// Email as the provider reported it.
    pub email: Option<String>,
    /// Whether the provider says the email is verified.
    pub email_verified: bool,
}

/// A stored identity, linked to exactly one user. Unique on (issuer, subject).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The identity's facts.
    pub identity: NewIdentity,
    /// The user it belongs to.
    pub user_id: UserId,
    /// When it was linked.
    pub created_at: UnixTime,
    /// The last sign-in with it.
    pub last_login_at: UnixTime,
}

/// One sign-in transaction in flight: created by `/auth/{provider}/login`, consumed (once) by
/// the callback.
#[derive(Debug, Clone)]
pub struct LoginState {
    /// Hash of the `state` parameter.
    pub key: TokenHash,
    /// Hash of the browser-binding cookie value set when the transaction started.
    pub browser: TokenHash,
    /// The provider id the request went to (mix-up defence: its issuer and token endpoint).
    pub provider: String,
    /// The issuer the request went to.
    pub issuer: String,
    /// The OIDC nonce.
    pub nonce: SecretString,
    /// The PKCE verifier.
    pub pkce_verifier: SecretString,
    /// The validated local path to return to.
    pub return_to: String,
    /// For an explicit account-linking transaction: the signed-in user the new identity is
    /// to be linked to. `None` for a sign-in.
    pub link_user: Option<UserId>,
    /// Creation time.
    pub created_at: UnixTime,
    /// After this the state is refused.
    pub expires_at: UnixTime,
}

/// A server-side session.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Hash of the cookie value; the value itself is never stored.
    pub key: TokenHash,
    /// The signed-in user.
    pub user_id: UserId,
    /// The provider id used to sign in.
    pub provider: String,
    /// The identity's issuer.
    pub issuer: String,
    /// The identity's subject.
    pub subject: String,
    /// The provider's session id (`sid`), for back-channel logout.
    pub sid: Option<String>,
    /// The verified ID-token (and userinfo) claims the principal is rebuilt from, a JSON object.
    pub claims: serde_json::Value,
    /// Creation time.
    pub created_at: UnixTime,
    /// Last request seen.
    pub last_seen_at: UnixTime,
    /// Idle expiry (moves forward with use, never past the absolute expiry).
    pub idle_expires_at: UnixTime,
    /// Absolute expiry.
    pub absolute_expires_at: UnixTime,
    /// The provider's tokens, sealed with [`crate::MasterKeys`] (AAD: the session key).
    pub tokens: Option<Vec<u8>>,
    /// When the provider's access token expires (refresh is due before it).
    pub tokens_expire_at: Option<UnixTime>,
}

impl Session {
    /// Whether the session is usable at `now`.
    pub fn is_live(&self, now: UnixTime) -> bool {
        now < self.idle_expires_at && now < self.absolute_expires_at
    }
}

/// A page of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Rows skipped.
    pub offset: u32,
    /// At most this many rows.
    pub limit: u32,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            offset: 0,
            limit: 100,
        }
    }
}
