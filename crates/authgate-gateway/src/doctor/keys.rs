//! The key and signature steps: the issuer's discovery document and JWKS fetched now, the
//! token's `kid`/`x5t` looked up in it, and the signature checked with the key found.

use super::expect::{Expect, KeysFrom};
use super::report::Check;
use authgate_core::{Jws, KeySet, VerifyErrorKind};
use serde::Deserialize;
use std::time::Duration;

/// The issuer's key set as fetched just now.
pub(super) struct Fetched {
    /// Where the keys came from.
    pub(super) jwks_uri: String,
    /// The usable keys.
    pub(super) keys: KeySet,
}

/// The metadata members the doctor reads.
#[derive(Deserialize)]
struct Metadata {
    issuer: Option<String>,
    jwks_uri: String,
}

/// A client for the doctor's fetches: redirects off, short timeouts.
pub(super) fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(5))
        .user_agent(concat!("authgate-doctor/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// Fetches the discovery document (unless `jwks_uri` is configured) and the JWKS of `e`.
pub(super) async fn fetch(http: &reqwest::Client, e: &Expect<'_>) -> Result<Fetched, String> {
    let allow_http = e.provider.insecure_allow_http;
    let jwks_uri = match &e.keys {
        KeysFrom::Jwks(uri) => uri.clone(),
        KeysFrom::Discovery(urls) => discover(http, urls, &e.issuer, allow_http).await?,
    };
    let body = get(http, &jwks_uri, allow_http).await?;
    let keys = KeySet::from_jwks_json(&body)
        .map_err(|e| format!("the JWKS at {jwks_uri} is unusable: {e}"))?;
    Ok(Fetched { jwks_uri, keys })
}

/// The `jwks_uri` of the first metadata document found; its `issuer` must be the configured
/// one exactly (OIDC Discovery §4.3), as the library demands.
async fn discover(
    http: &reqwest::Client,
    urls: &[String],
    issuer: &str,
    allow_http: bool,
) -> Result<String, String> {
    let mut last = "no discovery URL".to_owned();
    for url in urls {
        match get(http, url, allow_http).await {
            Ok(body) => {
                let doc: Metadata = serde_json::from_slice(&body).map_err(|e| {
                    format!("the discovery document {url} has no usable jwks_uri ({e})")
                })?;
                if doc.issuer.as_deref() != Some(issuer) {
                    return Err(format!(
                        "the discovery document {url} names issuer {}, but the provider is configured for {issuer}: they must be equal character for character (OIDC Discovery §4.3); copy the document's issuer into the configuration",
                        doc.issuer.as_deref().unwrap_or("(none)")
                    ));
                }
                return Ok(doc.jwks_uri);
            }
            Err(why) => last = why,
        }
    }
    Err(last)
}

async fn get(http: &reqwest::Client, url: &str, allow_http: bool) -> Result<Vec<u8>, String> {
    check_url(url, allow_http)?;
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {}", e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("GET {url}: HTTP status {status}"));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("GET {url}: {}", e.without_url()))?;
    Ok(body.to_vec())
}

/// https, or http to a loopback host (or anywhere with `insecure_allow_http`).
fn check_url(raw: &str, allow_http: bool) -> Result<(), String> {
    let url = url::Url::parse(raw).map_err(|e| format!("{raw} is not an absolute URL ({e})"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http || loopback => Ok(()),
        _ => Err(format!(
            "{raw}: must be https (http only for loopback hosts or with insecure_allow_http)"
        )),
    }
}

/// Whether the token's `kid`/`x5t` names a key the issuer publishes now.
pub(super) fn key(e: &Expect<'_>, jws: &Jws<'_>, fetched: &Result<Fetched, String>) -> Check {
    let fetched = match fetched {
        Ok(f) => f,
        Err(why) => {
            return Check::fail("key", format!("could not fetch the signing keys of {}: {why}", e.name()))
                .note("the gateway would refuse every token of this issuer (401) and /readyz would report not ready; check the issuer, discovery or jwks_uri settings and the network");
        }
    };
    let header = jws.header();
    let named = match (&header.kid, &header.x5t) {
        (Some(kid), _) => format!("kid {kid}"),
        (None, Some(x5t)) => format!("x5t {x5t}"),
        (None, None) => "no kid (every key is tried)".to_owned(),
    };
    let published: Vec<&str> = fetched
        .keys
        .keys()
        .iter()
        .filter_map(|k| k.kid.as_deref())
        .collect();
    let count = fetched.keys.keys().len();
    let found_in = format!(
        "the JWKS fetched just now from {} ({count} key{})",
        fetched.jwks_uri,
        if count == 1 { "" } else { "s" }
    );
    match fetched.keys.candidates(header) {
        Ok(_) => Check::pass("key", format!("{named} found in {found_in}")),
        Err(err) if err.kind() == VerifyErrorKind::UnknownKey => Check::fail("key", format!("{named} is not in {found_in}"))
            .note(format!("published kids: {}", published.join(", ")))
            .note("signed by a key your provider does not publish: a token from another tenant/environment (dev vs prod), or minted by something else?")
            .note("if the IdP rotated its keys a moment ago, the gateway refetches the JWKS on an unknown kid (at most once per jwks.refresh_cooldown); a key still missing after that is not the IdP's"),
        Err(err) => Check::fail("key", format!("{named}: {}", err.detail()))
            .note("the key exists but cannot verify this algorithm (each key is bound to one algorithm family)"),
    }
}

/// Verifies the signature with the keys the header names.
pub(super) fn signature(jws: &Jws<'_>, fetched: &Result<Fetched, String>) -> Check {
    let Ok(fetched) = fetched else {
        return Check::skip("signature", "not checked: no keys");
    };
    let Ok(candidates) = fetched.keys.candidates(jws.header()) else {
        return Check::skip("signature", "not checked: no key fits the token");
    };
    let message = jws.signing_input().as_bytes();
    let verified = candidates.iter().any(|k| {
        k.key
            .verify(jws.header().alg, message, jws.signature())
            .is_ok()
    });
    if verified {
        Check::pass(
            "signature",
            format!(
                "{} signature verifies with the published key",
                jws.header().alg
            ),
        )
    } else {
        Check::fail("signature", "the signature does not verify with the key the token names")
            .note("the token was altered after signing (header or claims edited), or signed with a different private key that reuses the kid")
    }
}
