//! `[store]`, `[secrets]` and the sign-in checks of `[server] public_url`: what sign-in and
//! sessions need, each problem with its path.

use super::problems::Problems;
use super::raw::{RawSecrets, RawStore};
use super::{StoreKind, StoreSettings};
use authgate_core::{MasterKeys, SealError, SecretString};
use std::sync::Arc;

/// `[store] url` default: a SQLite file next to the working directory.
pub const DEFAULT_STORE_URL: &str = "sqlite://authgate.db";
/// `[secrets] key_id` default.
pub const DEFAULT_KEY_ID: &str = "k1";

/// `[store]`: the URL's scheme names the backend. The URL itself never appears in a message
/// (a PostgreSQL URL may carry a password).
pub(crate) fn store(raw: Option<&RawStore>, problems: &mut Problems) -> StoreSettings {
    let url = raw
        .and_then(|r| r.url.clone())
        .unwrap_or_else(|| DEFAULT_STORE_URL.to_owned());
    let kind = store_kind(&url);
    if kind.is_none() {
        problems.push(
            "store.url",
            "must start with sqlite: (e.g. sqlite://authgate.db), postgres:// or postgresql://",
        );
    }
    StoreSettings {
        url: SecretString::new(url),
        kind: kind.unwrap_or(StoreKind::Sqlite),
    }
}

fn store_kind(url: &str) -> Option<StoreKind> {
    if url.starts_with("sqlite:") && url.len() > "sqlite:".len() {
        Some(StoreKind::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(StoreKind::Postgres)
    } else {
        None
    }
}

/// `[secrets]`: the master keys, required when sign-in is configured. A key given when it is
/// not needed is still checked. `raw` is `None` when the section did not decode (its problems
/// are already reported).
pub(crate) fn secrets(
    raw: Option<&RawSecrets>,
    needed: bool,
    problems: &mut Problems,
) -> Option<Arc<MasterKeys>> {
    let raw = raw?;
    let Some(key) = raw.key.as_deref() else {
        if needed {
            problems.push(
                "secrets.key",
                "required when a provider has login = true: 32 random bytes in base64 \
                 (e.g. key = \"env:AUTHGATE_SECRET_KEY\", made with `openssl rand -base64 32`)",
            );
        }
        if !raw.previous_keys.is_empty() {
            problems.push("secrets.previous_keys", "only applies with secrets.key");
        }
        return None;
    };
    let kid = raw.key_id.as_deref().unwrap_or(DEFAULT_KEY_ID);
    let mut keys = match MasterKeys::new(kid, key) {
        Ok(keys) => Some(keys),
        // An `env:`/`file:` reference left unresolved: its problem is already reported.
        Err(SealError::BadKey) if is_reference(key) => None,
        Err(e) => {
            problems.push(seal_path("secrets", "key_id", "key", &e), e.to_string());
            None
        }
    };
    for (i, previous) in raw.previous_keys.iter().enumerate() {
        let at = format!("secrets.previous_keys[{i}]");
        if previous.id == kid
            || raw
                .previous_keys
                .iter()
                .take(i)
                .any(|p| p.id == previous.id)
        {
            problems.push(format!("{at}.id"), "another key has this id");
            continue;
        }
        match MasterKeys::new(&previous.id, &previous.key) {
            Ok(_) => keys = keys.and_then(|k| k.with_previous(&previous.id, &previous.key).ok()),
            Err(SealError::BadKey) if is_reference(&previous.key) => {}
            Err(e) => problems.push(seal_path(&at, "id", "key", &e), e.to_string()),
        }
    }
    keys.map(Arc::new)
}

/// An `env:`/`file:` reference (never valid base64, so never a key itself).
fn is_reference(value: &str) -> bool {
    value.starts_with("env:") || value.starts_with("file:")
}

/// The field a [`SealError`] is about.
fn seal_path(at: &str, id_field: &str, key_field: &str, e: &SealError) -> String {
    match e {
        SealError::BadKeyId => format!("{at}.{id_field}"),
        _ => format!("{at}.{key_field}"),
    }
}

/// `[server] public_url` with sign-in: required (redirect URIs, cookies), served at the root,
/// and https unless the host is loopback or `[session] insecure_http_cookies = true`.
pub(crate) fn check_public_url(
    url: Option<&url::Url>,
    written: bool,
    insecure_http_cookies: bool,
    problems: &mut Problems,
) {
    let Some(url) = url else {
        if !written {
            problems.push(
                "server.public_url",
                "required when a provider has login = true (redirect URIs and cookies use it)",
            );
        }
        return;
    };
    if url.path() != "/" {
        problems.push(
            "server.public_url",
            "must not have a path when sign-in is configured (the gateway serves /auth/* at its root)",
        );
    }
    if url.scheme() == "http" && !is_loopback(url) && !insecure_http_cookies {
        problems.push(
            "server.public_url",
            "plain http on a non-loopback host cannot carry secure session cookies: use https \
             (or [session] insecure_http_cookies = true, never in production)",
        );
    }
}

/// `localhost`, `*.localhost`, 127.0.0.0/8 or `::1`.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls_name_their_backend() {
        assert_eq!(store_kind("sqlite://a.db"), Some(StoreKind::Sqlite));
        assert_eq!(store_kind("sqlite::memory:"), Some(StoreKind::Sqlite));
        assert_eq!(store_kind("postgres://u@h/db"), Some(StoreKind::Postgres));
        assert_eq!(store_kind("postgresql://u@h/db"), Some(StoreKind::Postgres));
        assert_eq!(store_kind("sqlite:"), None);
        assert_eq!(store_kind("mysql://h/db"), None);
        assert_eq!(store_kind("authgate.db"), None);
    }

    #[test]
    fn loopback_hosts() {
        for ok in [
            "http://localhost:8000",
            "http://127.0.0.1",
            "http://[::1]:9",
            "http://a.localhost",
        ] {
            assert!(is_loopback(&url::Url::parse(ok).unwrap()), "{ok}");
        }
        for no in [
            "http://example.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
        ] {
            assert!(!is_loopback(&url::Url::parse(no).unwrap()), "{no}");
        }
    }
}
