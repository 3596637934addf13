//! OpenID Connect ID tokens of Entra, Okta, Auth0 and the generic provider (Google's tokens
//! are always ID tokens; see `google.rs`). `aud` is the client id; `nonce` when given.

use super::{Claims, Ctx, Shaped, typ};
use crate::demo;
use crate::flavor::Flavor;
use crate::ids::random_b64url;
use serde_json::Map;

/// The ID token of `ctx.req.flavor` (providers.md §1.4.5, §3.3, §4).
pub(super) fn shape(ctx: &Ctx<'_>, nonce: Option<&str>) -> Shaped {
    let mut c = Claims::default();
    c.set("iss", issuer(ctx))
        .set("aud", ctx.audience())
        .set("iat", ctx.iat)
        .set("exp", ctx.exp)
        .set("name", demo::USER_NAME)
        .set_opt("nonce", nonce.map(Into::into));
    let header = match ctx.req.flavor {
        Flavor::EntraV1 | Flavor::EntraV2 => {
            entra(&mut c, ctx);
            typ("JWT")
        }
        Flavor::Okta => {
            okta(&mut c, ctx);
            Map::new()
        }
        Flavor::Google | Flavor::Auth0 | Flavor::Oidc => {
            generic(&mut c, ctx);
            typ("JWT")
        }
    };
    Shaped {
        header,
        claims: c.take(),
    }
}

fn issuer(ctx: &Ctx<'_>) -> String {
    ctx.urls.issuer(ctx.req.flavor, ctx.tenant())
}

fn entra(c: &mut Claims, ctx: &Ctx<'_>) {
    let v1 = ctx.req.flavor == Flavor::EntraV1;
    c.set("nbf", ctx.iat)
        .set("aio", random_b64url(60))
        .set("oid", demo::ENTRA_USER_OID)
        .set("rh", format!("0.A{}.", random_b64url(40)))
        .set("sid", uuid::Uuid::new_v4().to_string())
        .set(
            "sub",
            ctx.req.subject.as_deref().unwrap_or(demo::ENTRA_USER_SUB),
        )
        .set("tid", ctx.tenant())
        .set("uti", random_b64url(16))
        .set("ver", if v1 { "1.0" } else { "2.0" });
    if v1 {
        c.set("amr", vec!["pwd"])
            .set("given_name", "Dev")
            .set("family_name", "User")
            .set("unique_name", demo::ENTRA_USER_UPN)
            .set("upn", demo::ENTRA_USER_UPN);
    } else {
        c.set("preferred_username", demo::ENTRA_USER_UPN);
    }
}

/// Okta ID tokens carry the user id in `sub` (unlike its access tokens).
fn okta(c: &mut Claims, ctx: &Ctx<'_>) {
    c.set("ver", 1)
        .set(
            "sub",
            ctx.req.subject.as_deref().unwrap_or(demo::OKTA_USER_ID),
        )
        .set("jti", format!("ID.{}", random_b64url(15)))
        .set("amr", vec!["pwd"])
        .set("idp", "00o1b2c3d4e5f6g7h8i9")
        .set("auth_time", ctx.iat)
        .set("preferred_username", demo::USER_EMAIL)
        .set("email", demo::USER_EMAIL)
        .set("email_verified", true);
}

fn generic(c: &mut Claims, ctx: &Ctx<'_>) {
    c.set("sub", subject(ctx))
        .set("auth_time", ctx.iat)
        .set("email", demo::USER_EMAIL)
        .set("email_verified", true)
        .set("sid", random_b64url(16));
}

/// The requested subject, or the demo user's ID-token subject at this provider.
pub(super) fn subject(ctx: &Ctx<'_>) -> String {
    ctx.req
        .subject
        .clone()
        .unwrap_or_else(|| default_subject(ctx.req.flavor).to_owned())
}

/// The demo user's ID-token subject at `flavor`.
pub(crate) fn default_subject(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::EntraV1 | Flavor::EntraV2 => demo::ENTRA_USER_SUB,
        Flavor::Okta => demo::OKTA_USER_ID,
        Flavor::Auth0 => demo::AUTH0_USER_SUB,
        Flavor::Google => demo::GOOGLE_USER_SUB,
        Flavor::Oidc => demo::OIDC_USER_SUB,
    }
}
