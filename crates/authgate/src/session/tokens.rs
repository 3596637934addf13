//! The provider's tokens at rest: JSON sealed with the master keys, bound to the session key
//! (a blob copied to another session row does not open).

use crate::login::ProviderTokens;
use authgate_core::store::TokenHash;
use authgate_core::{MasterKeys, SecretString, UnixTime};
use serde::{Deserialize, Serialize};

/// The JSON form. No `Debug`: it holds the tokens in the clear.
#[derive(Serialize, Deserialize)]
struct Stored {
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

/// Seals `tokens` for the session `key`.
pub(crate) fn seal(keys: &MasterKeys, key: &TokenHash, tokens: &ProviderTokens) -> Vec<u8> {
    let expose = |s: &Option<SecretString>| s.as_ref().map(|s| s.expose_secret().to_owned());
    let stored = Stored {
        access_token: tokens.access_token.expose_secret().to_owned(),
        refresh_token: expose(&tokens.refresh_token),
        id_token: expose(&tokens.id_token),
        expires_at: tokens.expires_at.map(|t| t.0),
    };
    // Serializing strings and integers cannot fail; an empty blob would simply not open.
    let json = SecretString::new(serde_json::to_string(&stored).unwrap_or_default());
    keys.seal(json.expose_secret().as_bytes(), &key.0)
}

/// Opens the tokens sealed for session `key`; `None` when the blob does not open or parse
/// (logged by the caller, never the contents).
pub(crate) fn open(keys: &MasterKeys, key: &TokenHash, blob: &[u8]) -> Option<ProviderTokens> {
    let plain = keys.open(blob, &key.0).ok()?;
    let stored: Stored = serde_json::from_slice(plain.expose_secret()).ok()?;
    Some(ProviderTokens {
        access_token: SecretString::new(stored.access_token),
        refresh_token: stored.refresh_token.map(SecretString::new),
        id_token: stored.id_token.map(SecretString::new),
        expires_at: stored.expires_at.map(UnixTime),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> MasterKeys {
        MasterKeys::new("k1", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap()
    }

    fn tokens() -> ProviderTokens {
        ProviderTokens {
            access_token: SecretString::new("at".into()),
            refresh_token: Some(SecretString::new("rt".into())),
            id_token: None,
            expires_at: Some(UnixTime(1_800_000_000)),
        }
    }

    #[test]
    fn tokens_round_trip_and_bind_to_their_session() {
        let keys = keys();
        let a = TokenHash::of("a");
        let blob = seal(&keys, &a, &tokens());
        assert!(!blob.windows(2).any(|w| w == b"rt"), "sealed, not plain");
        let back = open(&keys, &a, &blob).unwrap();
        assert_eq!(back.access_token.expose_secret(), "at");
        assert_eq!(back.refresh_token.unwrap().expose_secret(), "rt");
        assert!(back.id_token.is_none());
        assert_eq!(back.expires_at, Some(UnixTime(1_800_000_000)));
        assert!(open(&keys, &TokenHash::of("b"), &blob).is_none());
    }
}
