//! Generic RFC 9068 JWT access tokens (providers.md §5.2).

use super::{Claims, Ctx, Shaped, typ};
use crate::demo;
use crate::flavor::Flavor;

/// Header `typ: at+jwt`; `client_id`, `jti`, `scope` string, optional `roles`; for
/// client credentials `sub` is the client id.
pub(super) fn shape(ctx: &Ctx<'_>) -> Shaped {
    let req = ctx.req;
    let default_sub = if req.app_only {
        demo::OIDC_CLIENT_ID
    } else {
        demo::OIDC_USER_SUB
    };
    let mut c = Claims::default();
    c.set("iss", ctx.urls.issuer(Flavor::Oidc, ""))
        .set("sub", req.subject.as_deref().unwrap_or(default_sub))
        .set("aud", ctx.audience())
        .set("client_id", demo::OIDC_CLIENT_ID)
        .set("iat", ctx.iat)
        .set("exp", ctx.exp)
        .set("jti", uuid::Uuid::new_v4().simple().to_string())
        .set_opt("scope", ctx.scope_string())
        .set_opt("roles", ctx.roles());
    Shaped {
        header: typ("at+jwt"),
        claims: c.take(),
    }
}
