//! Sending logout tokens: one `POST {backchannel_logout_uri}` per notified client, form body
//! `logout_token=<JWT>` (Back-Channel Logout 1.0 §2.5).

use super::{BackchannelDelivery, LogoutTarget, LogoutTokenSpec, Notice};
use crate::idp::DevIdp;
use std::time::Duration;

/// How long one delivery may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Ends the targeted sessions and delivers a logout token to each client to notify, one after
/// the other; returns (and records) the deliveries.
pub(crate) async fn logout(idp: &DevIdp, target: &LogoutTarget) -> Vec<BackchannelDelivery> {
    let notices = idp.inner().backchannel.end(target);
    let mut deliveries = Vec::with_capacity(notices.len());
    for notice in notices {
        let logout_token = idp.mint_logout_token(notice.flavor, &spec(&notice));
        let status = post(&notice.uri, &logout_token).await;
        let delivery = BackchannelDelivery {
            client_id: notice.client_id,
            uri: notice.uri,
            logout_token,
            status,
        };
        idp.inner().backchannel.record(delivery.clone());
        deliveries.push(delivery);
    }
    deliveries
}

fn spec(notice: &Notice) -> LogoutTokenSpec {
    let mut spec = LogoutTokenSpec::new().audience(notice.client_id.as_str());
    spec.sid.clone_from(&notice.sid);
    spec.tenant.clone_from(&notice.tenant);
    match &notice.subject {
        Some(sub) => spec.subject(sub.as_str()),
        None => spec.without("sub"),
    }
}

/// POSTs the token; the answer's status, `None` if the client could not be reached.
async fn post(uri: &str, logout_token: &str) -> Option<u16> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .ok()?;
    let response = client
        .post(uri)
        .form(&[("logout_token", logout_token)])
        .send()
        .await;
    match response {
        Ok(response) => Some(response.status().as_u16()),
        Err(e) => {
            tracing::debug!(%uri, error = %e, "back-channel logout delivery failed");
            None
        }
    }
}
