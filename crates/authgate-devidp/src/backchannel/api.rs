//! The [`DevIdp`] methods of back-channel logout.

use super::{BackchannelDelivery, LogoutTarget, LogoutTokenSpec, logout};
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use url::Url;

impl DevIdp {
    /// Registers `uri` as `client_id`'s `backchannel_logout_uri`: when a login session in
    /// which this client got tokens ends, the IdP POSTs `logout_token=<JWT>` to it. The
    /// tokens are of the flavor whose demo client id `client_id` is (else `oidc`). Returns
    /// `false` (nothing registered) unless `uri` is an absolute http(s) URL.
    pub fn register_backchannel_logout(&self, client_id: &str, uri: &str) -> bool {
        self.register_backchannel_logout_for(client_id, uri, None)
            .is_ok()
    }

    /// [`DevIdp::register_backchannel_logout`] naming the flavor of the tokens.
    pub(crate) fn register_backchannel_logout_for(
        &self,
        client_id: &str,
        uri: &str,
        flavor: Option<Flavor>,
    ) -> Result<(), &'static str> {
        let valid = Url::parse(uri)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        if !valid || client_id.is_empty() {
            return Err("client_id and an absolute http(s) backchannel_logout_uri are required");
        }
        let flavor = flavor.unwrap_or_else(|| flavor_of_client(client_id));
        self.inner().backchannel.register(client_id, uri, flavor);
        Ok(())
    }

    /// Ends login session `sid` (the `sid` of its ID tokens) and delivers logout tokens to its
    /// clients' registered URIs (to every registered client, with only `sid`, when no such
    /// session is known). Waits for each delivery.
    pub async fn logout_session(&self, sid: &str) -> Vec<BackchannelDelivery> {
        logout(self, &LogoutTarget::Sid(sid.to_owned())).await
    }

    /// Ends every login session of subject `sub` and delivers logout tokens (to every
    /// registered client, with only `sub`, when the subject has no session).
    pub async fn logout_user(&self, sub: &str) -> Vec<BackchannelDelivery> {
        logout(self, &LogoutTarget::Subject(sub.to_owned())).await
    }

    /// Every back-channel delivery so far, oldest first.
    pub fn backchannel_deliveries(&self) -> Vec<BackchannelDelivery> {
        self.inner().backchannel.deliveries()
    }

    /// Mints a back-channel logout token of `flavor` as `spec` describes (negative tests drop
    /// or corrupt members through it).
    pub fn mint_logout_token(&self, flavor: Flavor, spec: &LogoutTokenSpec) -> String {
        self.mint(&spec.request(flavor))
    }
}

/// The flavor whose demo client id this is (Entra: v2), else the generic provider.
fn flavor_of_client(client_id: &str) -> Flavor {
    use Flavor::{Auth0, EntraV2, Google, Oidc, Okta};
    [EntraV2, Google, Okta, Auth0, Oidc]
        .into_iter()
        .find(|f| f.client_id() == client_id)
        .unwrap_or(Flavor::Oidc)
}
