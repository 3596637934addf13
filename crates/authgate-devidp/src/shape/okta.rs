//! Okta custom authorization server access tokens (providers.md §3.2).

use super::{Claims, Ctx, Shaped};
use crate::demo;
use crate::flavor::Flavor;
use crate::ids::random_b64url;
use serde_json::{Map, Value};

/// No `typ` header. `ver: 1` (integer), `scp` array, `cid`; user tokens carry the login in
/// `sub` and the user id in `uid`; client-credentials tokens have `sub == cid` and no `uid`.
pub(super) fn shape(ctx: &Ctx<'_>) -> Shaped {
    let req = ctx.req;
    let default_sub = if req.app_only {
        demo::OKTA_CLIENT_ID
    } else {
        demo::USER_EMAIL
    };
    let mut c = Claims::default();
    c.set("ver", 1)
        .set("jti", format!("AT.{}", random_b64url(32)))
        .set("iss", ctx.urls.issuer(Flavor::Okta, ""))
        .set("aud", ctx.audience())
        .set("iat", ctx.iat)
        .set("exp", ctx.exp)
        .set("cid", demo::OKTA_CLIENT_ID)
        .set("sub", req.subject.as_deref().unwrap_or(default_sub))
        .set_opt(
            "scp",
            (!req.scopes.is_empty()).then(|| Value::from(req.scopes.clone())),
        )
        .set_opt("groups", ctx.roles());
    if !req.app_only {
        c.set("uid", demo::OKTA_USER_ID).set("auth_time", ctx.iat);
    }
    Shaped {
        header: Map::new(),
        claims: c.take(),
    }
}
