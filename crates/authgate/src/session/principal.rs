//! The principal of a session: its stored claims, normalised like a bearer token's, plus the
//! user's local roles.

use super::{SessionError, Sessions};
use authgate_core::store::Session;
use authgate_core::{Claims, Principal};

impl Sessions {
    /// The principal of `session`: `Principal::from_claims` over the stored (verified) claims,
    /// the user's local roles merged into `roles`, and `expires_at` set to when the session
    /// ends if unused.
    pub(crate) async fn principal(&self, session: &Session) -> Result<Principal, SessionError> {
        let claims = match &session.claims {
            serde_json::Value::Object(map) => map.clone(),
            _ => serde_json::Map::new(),
        };
        let mapping = self.inner.login.claim_mapping(&session.provider);
        let mut principal =
            Principal::from_claims(&session.provider, Claims::new(claims), &mapping);
        principal.issuer.clone_from(&session.issuer);
        let ends = session.idle_expires_at.min(session.absolute_expires_at);
        principal.expires_at = Some(ends.0);
        let local = self.inner.stores.users.roles(&session.user_id).await?;
        for role in local {
            if !principal.roles.contains(&role) {
                principal.roles.push(role);
            }
        }
        Ok(principal)
    }
}
