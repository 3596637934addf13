//! Creating a session from a finished sign-in, and ending the one a browser presented.

use super::cookie::new_value;
use super::{SessionError, Sessions, tokens};
use crate::login::CompletedLogin;
use authgate_core::SecretString;
use authgate_core::store::{Session, TokenHash};
use http::HeaderMap;

impl Sessions {
    /// A new session for `done` (a new id every sign-in: BCP-58), after deleting the session
    /// of any cookie the browser presented. Returns the cookie value and the session.
    pub(crate) async fn start(
        &self,
        done: CompletedLogin,
        headers: &HeaderMap,
    ) -> Result<(SecretString, Session), SessionError> {
        self.end_presented(headers).await?;
        let config = &self.inner.config;
        let now = self.inner.clock.now();
        let cookie = new_value();
        let key = TokenHash::of(cookie.expose_secret());
        let absolute = now.plus(config.absolute_timeout);
        let sealed = tokens::seal(&self.inner.keys, &key, &done.tokens);
        let session = Session {
            key,
            user_id: done.user.id,
            provider: done.provider,
            issuer: done.issuer,
            subject: done.subject,
            sid: done.sid,
            claims: done.claims,
            created_at: now,
            last_seen_at: now,
            idle_expires_at: now.plus(config.idle_timeout).min(absolute),
            absolute_expires_at: absolute,
            tokens: Some(sealed),
            // Without a refresh token nothing can be refreshed: no refresh is ever due, and
            // the session lives on its own timeouts.
            tokens_expire_at: done
                .tokens
                .refresh_token
                .as_ref()
                .and(done.tokens.expires_at),
        };
        self.inner.stores.sessions.create_session(&session).await?;
        tracing::info!(session = ?session.key, user = %session.user_id, provider = %session.provider, "session started");
        Ok((cookie, session))
    }

    /// Deletes the session of every session cookie the request carries (BCP-58, BCP-59).
    /// Returns whether the request carried one.
    pub(crate) async fn end_presented(&self, headers: &HeaderMap) -> Result<bool, SessionError> {
        let values = self.inner.cookies.session_values(headers);
        for value in &values {
            let key = TokenHash::of(value);
            if self.inner.stores.sessions.delete_session(&key).await? {
                tracing::debug!(session = ?key, "ended the session presented at sign-in");
            }
        }
        Ok(!values.is_empty())
    }

    /// `Max-Age` of a new session cookie: the absolute timeout, in seconds.
    pub(crate) fn cookie_max_age(&self) -> u64 {
        self.inner.config.absolute_timeout.as_secs()
    }
}
