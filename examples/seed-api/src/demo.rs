//! `seed-api demo`: the dev identity provider in-process, a configuration pointing at it,
//! freshly minted tokens and the curl commands that use them. Works offline.

use crate::config::{ConfigError, SeedConfig};
use authgate_devidp::{
    DEV_CLIENT_SECRET, DEV_TENANT, DevIdp, ENTRA_API_CLIENT_ID, Flavor, MintRequest, OIDC_AUDIENCE,
    OIDC_CLIENT_ID,
};
use base64::Engine as _;
use std::fmt::Write as _;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The dev IdP serving in the background of the demo.
#[derive(Debug, Clone)]
pub struct DemoIdp {
    /// The IdP (mints tokens).
    pub idp: DevIdp,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// Binds `addr` (port 0 picks one) and serves the dev IdP on it in the background.
pub async fn start_idp(addr: SocketAddr) -> std::io::Result<DemoIdp> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let idp = DevIdp::new(&format!("http://{addr}"));
    // Browser sign-ins get the dev IdP's page to pick a demo user (alice, bob, ...).
    idp.set_interactive(true);
    let app = idp.router();
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "dev IdP stopped");
        }
    });
    Ok(DemoIdp { idp, addr })
}

/// The configuration file the demo runs with: an `entra` provider on the dev tenant, a
/// generic OIDC provider that also offers browser sign-in, the `RequireReadAccess` policy,
/// and a fresh random master key for the sessions.
pub fn demo_config_toml(idp: &DevIdp, listen: SocketAddr) -> String {
    let master_key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>());
    format!(
        r#"# Written by `seed-api demo`: every provider points at the in-process dev IdP.
version = 1

[server]
listen = "{listen}"
public_url = "http://{listen}"

[[providers]]
id = "entra"
kind = "entra"
tenant = "{DEV_TENANT}"
instance = "{instance}"
client_id = "{ENTRA_API_CLIENT_ID}"

[[providers]]
id = "dev-oidc"
kind = "oidc"
issuer = "{oidc_issuer}"
audiences = ["{OIDC_AUDIENCE}"]
client_id = "{OIDC_CLIENT_ID}"
client_secret = "{DEV_CLIENT_SECRET}"
login = true
display_name = "the dev identity provider"

[policies.RequireReadAccess]
scopes = ["read_data"]

# Browser sign-in at /auth/login; /me shows the signed-in user.
[login]

[session]
idle_timeout = "8h"

[secrets]
master_key = "{master_key}"
"#,
        instance = idp.entra_instance(),
        oidc_issuer = idp.issuer(Flavor::Oidc),
    )
}

/// The demo configuration, parsed exactly like a `--config` file.
pub fn demo_config(idp: &DevIdp, listen: SocketAddr) -> Result<SeedConfig, ConfigError> {
    SeedConfig::from_toml(&demo_config_toml(idp, listen))
}

/// A freshly minted token and what it is for.
#[derive(Debug, Clone)]
pub struct DemoToken {
    /// The shell variable the instructions store it in (`ENTRA_TOKEN`).
    pub var: &'static str,
    /// What it is.
    pub description: &'static str,
    /// The routes to try it on, with the status each should answer.
    pub tries: &'static [(&'static str, u16)],
    /// The token.
    pub token: String,
}

/// Mints the demo tokens (valid for the IdP's default lifetime of one hour).
pub fn demo_tokens(idp: &DevIdp) -> Vec<DemoToken> {
    let mint = |req: MintRequest| idp.mint(&req);
    vec![
        DemoToken {
            var: "ENTRA_TOKEN",
            description: "Entra ID v2 user token, scopes access_as_user read_data",
            tries: &[("/data", 200), ("/azure-protected-data", 200)],
            token: mint(MintRequest::new(Flavor::EntraV2).scopes(["access_as_user", "read_data"])),
        },
        DemoToken {
            var: "ENTRA_NO_READ_TOKEN",
            description: "Entra ID v2 user token, scope access_as_user only",
            tries: &[("/data", 403), ("/azure-protected-data", 200)],
            token: mint(MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"])),
        },
        DemoToken {
            var: "OIDC_TOKEN",
            description: "generic OIDC token, scope read_data",
            tries: &[("/data", 200), ("/azure-protected-data", 401)],
            token: mint(MintRequest::new(Flavor::Oidc).scopes(["read_data"])),
        },
    ]
}

/// The instructions the demo prints: addresses, tokens and curl commands.
pub fn instructions(api: SocketAddr, idp: &DemoIdp, tokens: &[DemoToken]) -> String {
    let base = format!("http://{api}");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "seed-api demo (offline: every token comes from the in-process dev IdP)"
    );
    let _ = writeln!(out, "  dev IdP:  http://{}", idp.addr);
    let _ = writeln!(out, "  seed API: {base}\n");
    let _ = writeln!(out, "curl -i {base}/");
    let _ = writeln!(
        out,
        "curl -i {base}/data                      # 401, no token\n"
    );
    for t in tokens {
        let _ = writeln!(out, "# {}", t.description);
        let _ = writeln!(out, "export {}='{}'", t.var, t.token);
        for (path, status) in t.tries {
            let _ = writeln!(
                out,
                "curl -i {base}{path} -H \"Authorization: Bearer ${}\"   # {status}",
                t.var
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "# Browser sign-in (pick a demo user at the dev IdP), then see yourself at /me:"
    );
    let _ = writeln!(out, "#   open {base}/auth/login?return_to=%2Fme\n");
    let _ = writeln!(out, "# Mint more tokens:");
    let _ = writeln!(
        out,
        "curl -s -X POST http://{}/_dev/mint -H 'content-type: application/json' -d '{{\"flavor\":\"entra-v2\",\"scopes\":\"access_as_user read_data\"}}'",
        idp.addr
    );
    out
}
