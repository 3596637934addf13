//! The header and claims of each flavor's tokens (providers.md §1.3–1.4, §2.3, §3.2, §4.2,
//! §5.2). One file per provider.

mod auth0;
mod entra;
mod google;
mod id_token;
mod logout;
mod oidc;
mod okta;

use crate::demo;
use crate::flavor::Flavor;
use crate::mint::{MintRequest, TokenUse};
use crate::urls::Urls;
use serde_json::{Map, Value};

pub(crate) use id_token::default_subject;

/// Everything a shape needs: the request, the URL layout and the computed times.
pub(crate) struct Ctx<'a> {
    /// The request.
    pub(crate) req: &'a MintRequest,
    /// Where the IdP lives (issuers).
    pub(crate) urls: &'a Urls,
    /// `iat` (and Entra `nbf`), seconds since the epoch.
    pub(crate) iat: i64,
    /// `exp`.
    pub(crate) exp: i64,
}

impl Ctx<'_> {
    /// The requested audience, or the flavor's default (for ID tokens, the client id).
    fn audience(&self) -> String {
        let default = match self.req.token_use {
            TokenUse::Id { .. } | TokenUse::Logout { .. } => self.req.flavor.client_id(),
            TokenUse::Access => self.req.flavor.default_audience(),
        };
        self.req
            .audience
            .clone()
            .unwrap_or_else(|| default.to_owned())
    }

    /// The Entra tenant: the requested one or the dev tenant.
    fn tenant(&self) -> &str {
        self.req.tenant.as_deref().unwrap_or(demo::DEV_TENANT)
    }

    /// The space-separated scope string, when any scope was requested.
    fn scope_string(&self) -> Option<Value> {
        (!self.req.scopes.is_empty()).then(|| self.req.scopes.join(" ").into())
    }

    /// The roles as a JSON array, when any were requested.
    fn roles(&self) -> Option<Value> {
        (!self.req.roles.is_empty()).then(|| self.req.roles.clone().into())
    }
}

/// A token before signing: header members besides `alg`/`kid`, and claims.
pub(crate) struct Shaped {
    /// Header members (`typ`, `x5t`).
    pub(crate) header: Map<String, Value>,
    /// The claims.
    pub(crate) claims: Map<String, Value>,
}

/// The header and claims `ctx.req` asks for.
pub(crate) fn shape(ctx: &Ctx<'_>) -> Shaped {
    match &ctx.req.token_use {
        TokenUse::Logout { sid } => return logout::shape(ctx, sid.as_deref()),
        TokenUse::Id { nonce } if ctx.req.flavor != Flavor::Google => {
            return id_token::shape(ctx, nonce.as_deref());
        }
        TokenUse::Id { .. } | TokenUse::Access => {}
    }
    match ctx.req.flavor {
        Flavor::EntraV1 | Flavor::EntraV2 => entra::shape(ctx),
        Flavor::Google => google::shape(ctx),
        Flavor::Okta => okta::shape(ctx),
        Flavor::Auth0 => auth0::shape(ctx),
        Flavor::Oidc => oidc::shape(ctx),
    }
}

/// A claims (or header) map under construction.
#[derive(Default)]
struct Claims(Map<String, Value>);

impl Claims {
    fn set(&mut self, name: &str, value: impl Into<Value>) -> &mut Self {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    fn set_opt(&mut self, name: &str, value: Option<Value>) -> &mut Self {
        if let Some(value) = value {
            self.0.insert(name.to_owned(), value);
        }
        self
    }

    fn take(&mut self) -> Map<String, Value> {
        std::mem::take(&mut self.0)
    }
}

/// A header with just `typ`.
fn typ(value: &str) -> Map<String, Value> {
    let mut header = Map::new();
    header.insert("typ".to_owned(), value.into());
    header
}
