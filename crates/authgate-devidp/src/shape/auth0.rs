//! Auth0 access tokens in either token dialect (providers.md §4.2).

use super::{Claims, Ctx, Shaped, typ};
use crate::demo;
use crate::flavor::Flavor;
use crate::ids::random_b64url;
use crate::mint::Auth0Dialect;
use serde_json::Value;

/// Trailing-slash issuer; `aud` a string, or `[api, userinfo]` when `openid` was requested;
/// `scope` string and `permissions` array; `{client_id}@clients` subject for app-only.
pub(super) fn shape(ctx: &Ctx<'_>) -> Shaped {
    let req = ctx.req;
    let issuer = ctx.urls.issuer(Flavor::Auth0, "");
    let default_sub = if req.app_only {
        format!("{}@clients", demo::AUTH0_CLIENT_ID)
    } else {
        demo::AUTH0_USER_SUB.to_owned()
    };
    let mut c = Claims::default();
    c.set("iss", issuer.as_str())
        .set("sub", req.subject.clone().unwrap_or(default_sub))
        .set("aud", audience(ctx, &issuer))
        .set("iat", ctx.iat)
        .set("exp", ctx.exp)
        .set_opt("scope", ctx.scope_string())
        .set_opt("permissions", ctx.roles());
    let header = match req.auth0_dialect {
        Auth0Dialect::Rfc9068 => {
            c.set("client_id", demo::AUTH0_CLIENT_ID)
                .set("jti", random_b64url(16));
            typ("at+jwt")
        }
        Auth0Dialect::Auth0 => {
            c.set("azp", demo::AUTH0_CLIENT_ID);
            if req.app_only {
                c.set("gty", "client-credentials");
            }
            typ("JWT")
        }
    };
    Shaped {
        header,
        claims: c.take(),
    }
}

fn audience(ctx: &Ctx<'_>, issuer: &str) -> Value {
    let api = ctx.audience();
    if ctx.req.scopes.iter().any(|s| s == "openid") {
        Value::from(vec![api, format!("{issuer}userinfo")])
    } else {
        Value::from(api)
    }
}
