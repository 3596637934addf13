//! Entra ID v1.0 and v2.0 access tokens, delegated and app-only (providers.md §1.3, §1.4).

use super::{Claims, Ctx, Shaped, typ};
use crate::demo;
use crate::flavor::Flavor;
use crate::ids::random_b64url;

/// Header `typ: JWT` (v1 also gets `x5t` at signing time); claims per version and kind.
pub(super) fn shape(ctx: &Ctx<'_>) -> Shaped {
    let req = ctx.req;
    let v1 = req.flavor == Flavor::EntraV1;
    let tid = req.tenant.as_deref().unwrap_or(demo::DEV_TENANT);
    let issuer = ctx.urls.issuer(req.flavor, tid);
    let mut c = Claims::default();
    c.set("aud", ctx.audience())
        .set("iss", issuer.as_str())
        .set("iat", ctx.iat)
        .set("nbf", ctx.iat)
        .set("exp", ctx.exp)
        .set("aio", random_b64url(60))
        .set("rh", format!("0.A{}.", random_b64url(40)))
        .set("tid", tid)
        .set("uti", random_b64url(16))
        .set("ver", if v1 { "1.0" } else { "2.0" });
    client(&mut c, v1, req.app_only);
    if req.app_only {
        app_only(&mut c, ctx, v1, &issuer);
    } else {
        user(&mut c, ctx, v1);
    }
    c.set_opt("roles", ctx.roles());
    Shaped {
        header: typ("JWT"),
        claims: c.take(),
    }
}

/// `appid`/`appidacr` (v1) or `azp`/`azpacr` (v2): "0" public client, "1" client secret.
fn client(c: &mut Claims, v1: bool, app_only: bool) {
    let acr = if app_only { "1" } else { "0" };
    let (id, id_acr) = if v1 {
        ("appid", "appidacr")
    } else {
        ("azp", "azpacr")
    };
    c.set(id, demo::ENTRA_CLIENT_APP_ID).set(id_acr, acr);
}

/// App-only: no `scp`; `idtyp: app`; `sub == oid` (the client's service principal).
fn app_only(c: &mut Claims, ctx: &Ctx<'_>, v1: bool, issuer: &str) {
    let oid = ctx
        .req
        .subject
        .as_deref()
        .unwrap_or(demo::ENTRA_CLIENT_SP_OID);
    c.set("idtyp", "app").set("oid", oid).set("sub", oid);
    if v1 {
        c.set("idp", issuer);
    }
}

/// Delegated: `scp` string and the user's identity claims of each version.
fn user(c: &mut Claims, ctx: &Ctx<'_>, v1: bool) {
    let sub = ctx.req.subject.as_deref().unwrap_or(demo::ENTRA_USER_SUB);
    c.set("oid", demo::ENTRA_USER_OID)
        .set("sub", sub)
        .set("name", demo::USER_NAME)
        .set_opt("scp", ctx.scope_string());
    if v1 {
        c.set("acr", "1")
            .set("amr", vec!["pwd"])
            .set("given_name", "Dev")
            .set("family_name", "User")
            .set("ipaddr", "127.0.0.1")
            .set("unique_name", demo::ENTRA_USER_UPN)
            .set("upn", demo::ENTRA_USER_UPN);
    } else {
        c.set("preferred_username", demo::ENTRA_USER_UPN);
    }
}
