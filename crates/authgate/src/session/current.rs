//! Finding the request's session: cookie → hash → store, then the idle touch and the token
//! refresh when due.

use super::{SessionError, Sessions};
use authgate_core::store::{Session, TokenHash};
use authgate_core::{SecretString, UnixTime};
use http::HeaderMap;

/// A session is touched (idle expiry moved) at most this often, to spare the store.
const TOUCH_EVERY_SECS: i64 = 60;

/// A live session and the cookie value that named it (for the CSRF token).
pub(crate) struct Live {
    /// The session.
    pub(crate) session: Session,
    /// The cookie value. Never logged.
    pub(crate) cookie: SecretString,
}

impl Sessions {
    /// The request's live session, touched and with fresh tokens; `None` for no session.
    pub(crate) async fn current(&self, headers: &HeaderMap) -> Result<Option<Live>, SessionError> {
        let now = self.inner.clock.now();
        let Some(Live { session, cookie }) = self.lookup(headers, now).await? else {
            return Ok(None);
        };
        let Some(session) = self.touch(session, now).await? else {
            return Ok(None);
        };
        let session = self.refresh_if_due(session, now).await?;
        Ok(session.map(|session| Live { session, cookie }))
    }

    /// The live session of the request's cookie, untouched. A cookie that is malformed,
    /// unknown, expired or of a disabled user is no session (BCP-55).
    pub(crate) async fn lookup(
        &self,
        headers: &HeaderMap,
        now: UnixTime,
    ) -> Result<Option<Live>, SessionError> {
        for value in self.inner.cookies.session_values(headers) {
            let key = TokenHash::of(value);
            if let Some(session) = self.inner.stores.sessions.session(&key, now).await? {
                let cookie = SecretString::new(value.to_owned());
                return Ok(Some(Live { session, cookie }));
            }
        }
        Ok(None)
    }

    /// Moves the idle expiry forward (capped at the absolute one), at most once a minute.
    async fn touch(
        &self,
        mut session: Session,
        now: UnixTime,
    ) -> Result<Option<Session>, SessionError> {
        if now.0.saturating_sub(session.last_seen_at.0) < TOUCH_EVERY_SECS {
            return Ok(Some(session));
        }
        let idle = now
            .plus(self.inner.config.idle_timeout)
            .min(session.absolute_expires_at);
        let store = &self.inner.stores.sessions;
        if !store.touch_session(&session.key, now, idle).await? {
            return Ok(None);
        }
        session.last_seen_at = now;
        session.idle_expires_at = idle;
        Ok(Some(session))
    }
}
