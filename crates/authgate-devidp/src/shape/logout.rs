//! OpenID Connect back-channel logout tokens (Back-Channel Logout 1.0 §2.4, providers.md
//! §5.9): header `typ: logout+jwt`, an `events` object, never a `nonce`.

use super::{Claims, Ctx, Shaped, id_token, typ};
use crate::ids::random_b64url;
use serde_json::json;

/// The event member that makes a JWT a logout token.
const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// A logout token for the request's user (`sub`) and, when given, session (`sid`).
pub(super) fn shape(ctx: &Ctx<'_>, sid: Option<&str>) -> Shaped {
    let mut c = Claims::default();
    c.set("iss", ctx.urls.issuer(ctx.req.flavor, ctx.tenant()))
        .set("sub", id_token::subject(ctx))
        .set("aud", ctx.audience())
        .set("iat", ctx.iat)
        .set("exp", ctx.exp)
        .set("jti", random_b64url(16))
        .set("events", json!({ BACKCHANNEL_LOGOUT_EVENT: {} }))
        .set_opt("sid", sid.map(Into::into));
    Shaped {
        header: typ("logout+jwt"),
        claims: c.take(),
    }
}
