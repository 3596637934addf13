//! The authentication and authorization decision shared by the proxy and forward-auth:
//! credential → verify (route's providers) → route policy → allow or an RFC 6750 rejection.

use crate::app::Gateway;
use crate::config::RouteSpec;
use authgate::{Principal, Rejection};
use http::{HeaderMap, Uri};

/// The outcome for one request on one route.
#[derive(Debug)]
pub enum Decision {
    /// Proceed; the principal is `None` only on `auth = "none"` routes.
    Allow(Option<Principal>),
    /// Answer with this rejection (401/403/400/503).
    Deny(Rejection),
}

/// Decides whether the request may reach the route's upstream.
pub async fn decide(gw: &Gateway, route: &RouteSpec, headers: &HeaderMap, uri: &Uri) -> Decision {
    todo!("{} {:?} {} {uri}", gw.config.routes.len(), route.name, headers.len())
}
