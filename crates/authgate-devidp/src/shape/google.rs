//! Google ID tokens (providers.md §2.3). `hd` only via extra claims.

use super::{Claims, Ctx, Shaped, typ};
use crate::demo;
use crate::flavor::Flavor;
use crate::ids::random_b64url;
use crate::mint::TokenUse;
use serde_json::Value;

/// Header `typ: JWT`; `aud` and `azp` the client id, verified e-mail, `at_hash`.
pub(super) fn shape(ctx: &Ctx<'_>) -> Shaped {
    let sub = ctx.req.subject.as_deref().unwrap_or(demo::GOOGLE_USER_SUB);
    let mut c = Claims::default();
    c.set("iss", ctx.urls.issuer(Flavor::Google, ""))
        .set("azp", demo::GOOGLE_CLIENT_ID)
        .set("aud", ctx.audience())
        .set("sub", sub)
        .set("email", demo::USER_EMAIL)
        .set("email_verified", true)
        .set("at_hash", random_b64url(16))
        .set("name", demo::USER_NAME)
        .set("given_name", "Dev")
        .set("family_name", "User")
        .set("iat", ctx.iat)
        .set("exp", ctx.exp)
        .set_opt("nonce", nonce(ctx));
    Shaped {
        header: typ("JWT"),
        claims: c.take(),
    }
}

fn nonce(ctx: &Ctx<'_>) -> Option<Value> {
    match &ctx.req.token_use {
        TokenUse::Id { nonce } => nonce.as_deref().map(Value::from),
        TokenUse::Access | TokenUse::Logout { .. } => None,
    }
}
