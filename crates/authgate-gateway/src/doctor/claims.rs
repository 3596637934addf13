//! The claim steps, in the verifier's order: algorithm, token type, audience, times, required
//! claims. Each reads the unverified header and claims against one provider's expectations.

use super::expect::Expect;
use super::human::{date, duration, relative};
use super::report::Check;
use authgate::ProviderKind;
use authgate_core::{Algorithm, Claims};
use serde_json::{Map, Value};

/// Microsoft Graph's application id and resource URIs.
const GRAPH_AUDIENCES: [&str; 3] = [
    "00000003-0000-0000-c000-000000000000",
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
];

/// RFC 8725 §3.1: the algorithm must be on the issuer's allow-list; HMAC never with a JWKS.
pub(super) fn algorithm(e: &Expect<'_>, header: &Map<String, Value>) -> Check {
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("(missing)");
    let allowed: Vec<&str> = e.algorithms.iter().map(|a| a.as_str()).collect();
    let parsed: Option<Algorithm> = alg.parse().ok();
    match parsed {
        Some(a) if a.is_hmac() => Check::fail("algorithm", format!("alg {alg} is a shared-secret (HMAC) algorithm, but {} publishes public keys", e.name()))
            .note("HMAC is never accepted from an issuer with a JWKS: a token signed with HS256 using the issuer's PUBLIC key as the secret is a key-confusion attack (RFC 8725 §2.1)")
            .note("real identity providers sign with RS256/ES256; whoever made this token is not the identity provider"),
        Some(a) if e.algorithms.contains(&a) => Check::pass("algorithm", format!("alg {alg} is allowed for {} (allowed: {})", e.name(), allowed.join(", "))),
        _ => Check::fail("algorithm", format!("alg {alg} is not allowed for {} (allowed: {})", e.name(), allowed.join(", ")))
            .note(format!("if this provider really signs with {alg}, list it: algorithms = [{}]", quoted(&allowed, alg))),
    }
}

fn quoted(allowed: &[&str], extra: &str) -> String {
    allowed
        .iter()
        .chain(std::iter::once(&extra))
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The token-kind rules: an access token (no `nonce`, a fitting `typ`; Entra: `scp` or
/// `roles`), or for Google an ID token.
pub(super) fn token_type(
    e: &Expect<'_>,
    header: &Map<String, Value>,
    claims: &Map<String, Value>,
) -> Check {
    let typ = header.get("typ").and_then(Value::as_str);
    if e.id_tokens {
        return Check::pass(
            "token type",
            "an ID token, accepted as a bearer because accept_id_tokens = true",
        );
    }
    if let Some(t) = typ.filter(|t| !typ_fits(t)) {
        return Check::fail("token type", format!("typ is {t:?}: this is not an access token"))
            .note("access tokens have typ JWT or at+jwt (or none); logout+jwt, secevent+jwt and others are different kinds of tokens");
    }
    if e.provider.require_at_jwt
        && !typ.is_some_and(|t| {
            t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
        })
    {
        return Check::fail("token type", "require_at_jwt = true, but typ is not at+jwt (RFC 9068)")
            .note("the provider issues tokens in another profile: set require_at_jwt = false, or configure the IdP to issue RFC 9068 tokens");
    }
    if claims.contains_key("nonce") {
        return id_token_as_access(e, claims);
    }
    let entra = e.kind() == ProviderKind::Entra;
    if entra && !authgate_core::is_entra_access_token(&Claims::new(claims.clone())) {
        return Check::fail("token type", "the token has no scp and is not an app-only token (no idtyp \"app\", sub differs from oid)")
            .note("an Entra access token for an API carries delegated scopes (scp), or is app-only (sub equals oid); an ID token may carry roles but never scp, and its sub is pairwise: this looks like an ID token")
            .note("request a token for your API (scope api://<client id>/access_as_user, or api://<client id>/.default for app-only) and send its access_token");
    }
    Check::pass(
        "token type",
        format!("an access token (typ {})", typ.unwrap_or("absent")),
    )
}

fn typ_fits(typ: &str) -> bool {
    let bare = typ.strip_prefix("application/").unwrap_or(typ);
    bare.eq_ignore_ascii_case("jwt") || bare.eq_ignore_ascii_case("at+jwt")
}

fn id_token_as_access(e: &Expect<'_>, claims: &Map<String, Value>) -> Check {
    let aud = audiences(claims).join(", ");
    let client = e
        .provider
        .client_id
        .clone()
        .unwrap_or_else(|| "<your API's client id>".to_owned());
    Check::fail("token type", "this is an ID token (it has a nonce), used as an access token")
        .note(format!("an ID token tells the client app (aud {aud}, e.g. your SPA) who signed in; it is not a credential for calling your API"))
        .note("send the access_token from the same token response instead of the id_token")
        .note(format!("request it with your API's scope, e.g. scope=api://{client}/access_as_user (Entra) or the API's audience (Auth0, Okta)"))
}

/// `aud` as a list (a string or an array of strings).
pub(super) fn audiences(claims: &Map<String, Value>) -> Vec<String> {
    match claims.get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// RFC 7519 §4.1.3: `aud` must name this API exactly as configured.
pub(super) fn audience(e: &Expect<'_>, claims: &Map<String, Value>) -> Check {
    let auds = audiences(claims);
    let accepted = &e.audiences;
    if auds.is_empty() {
        return Check::fail("audience", "the token has no aud claim")
            .note("authgate requires aud so a token issued for another API cannot be replayed against yours");
    }
    if let Some(a) = auds.iter().find(|a| accepted.contains(a)) {
        return Check::pass("audience", format!("aud {a} is accepted by {}", e.name()));
    }
    if let Some(graph) = auds.iter().find(|a| GRAPH_AUDIENCES.contains(&a.as_str())) {
        return graph_audience(e, graph);
    }
    let mut check = Check::fail(
        "audience",
        format!(
            "aud {} is not accepted by {} (accepted: {})",
            auds.join(", "),
            e.name(),
            accepted.join(", ")
        ),
    );
    check
        .notes
        .extend(auds.iter().filter_map(|a| form_mismatch(a, accepted)));
    check.notes.push(audience_advice(e));
    check
}

fn graph_audience(e: &Expect<'_>, graph: &str) -> Check {
    let client = e
        .provider
        .client_id
        .clone()
        .unwrap_or_else(|| "<your client id>".to_owned());
    Check::fail("audience", format!("aud is {graph} (Microsoft Graph): this token was issued for Microsoft Graph, not for your API"))
        .note(format!("request a token with scope api://{client}/.default or api://{client}/access_as_user (your API's scope), not User.Read or https://graph.microsoft.com/.default"))
        .note("a Graph token is only for calling Graph; never accept one in your API")
}

/// `api://X` in the token but only bare `X` configured, or the reverse.
fn form_mismatch(aud: &str, accepted: &[String]) -> Option<String> {
    if let Some(bare) = aud.strip_prefix("api://")
        && accepted.iter().any(|a| a == bare)
    {
        return Some(format!(
            "the token uses the App ID URI form {aud}; the provider accepts only the bare client id {bare}: add it, audiences = [\"{aud}\", \"{bare}\"]"
        ));
    }
    let uri = format!("api://{aud}");
    accepted.contains(&uri).then(|| format!("the token uses the bare client id {aud} (Entra v2 tokens do); the provider accepts only the App ID URI form {uri}: add it, audiences = [\"{uri}\", \"{aud}\"]"))
}

fn audience_advice(e: &Expect<'_>) -> String {
    match e.kind() {
        ProviderKind::Entra => {
            let client = e.provider.client_id.clone().unwrap_or_default();
            format!("request a token for your API: scope api://{client}/.default (app-only) or api://{client}/access_as_user (delegated); or, if the token is for this API, list its aud in audiences")
        }
        ProviderKind::Google => "a Google ID token's aud is the OAuth client id that requested it: set client_id (or audiences) to that client id".to_owned(),
        _ => "request the token for your API's audience (Auth0 and Okta: the audience parameter / authorization server audience), or list the token's aud in the provider's audiences".to_owned(),
    }
}

/// RFC 7519 §4.1.4/5/6 with the provider's leeway; the provider's maximum lifetime.
pub(super) fn times(e: &Expect<'_>, claims: &Map<String, Value>, now: i64) -> Check {
    let leeway = i64::try_from(e.leeway.as_secs()).unwrap_or(300);
    let leeway_words = format!("leeway {}", duration(e.leeway.as_secs()));
    let Some(exp) = number(claims, "exp") else {
        return Check::fail("expiry", "the token has no numeric exp claim")
            .note("authgate requires exp: a token without an end is never accepted");
    };
    if exp + leeway < now {
        return expired(exp, now, &leeway_words);
    }
    if let Some(nbf) = number(claims, "nbf").filter(|nbf| *nbf > now + leeway) {
        return Check::fail(
            "expiry",
            format!(
                "not valid yet: nbf is {} ({}), {leeway_words}",
                relative(nbf, now),
                date(nbf)
            ),
        )
        .note(skew_hint());
    }
    if let Some(iat) = number(claims, "iat").filter(|iat| *iat > now + leeway) {
        return Check::fail(
            "expiry",
            format!(
                "issued in the future: iat is {} ({}), {leeway_words}",
                relative(iat, now),
                date(iat)
            ),
        )
        .note(skew_hint());
    }
    let max = i64::try_from(e.max_lifetime.as_secs()).unwrap_or(i64::MAX);
    if exp - now > max {
        return Check::fail("expiry", format!("expires {}, beyond max_token_lifetime ({})", relative(exp, now), duration(e.max_lifetime.as_secs())))
            .note("a token living that long is suspicious; raise max_token_lifetime only if your IdP really issues such tokens");
    }
    let issued = number(claims, "iat")
        .map(|iat| format!(", issued {}", relative(iat, now)))
        .unwrap_or_default();
    Check::pass(
        "expiry",
        format!(
            "valid: expires {} ({}){issued}, {leeway_words}",
            relative(exp, now),
            date(exp)
        ),
    )
}

fn expired(exp: i64, now: i64, leeway: &str) -> Check {
    let check = Check::fail("expiry", format!("expired {} (exp {}), {leeway}", relative(exp, now), date(exp)))
        .note("get a new token: clients should refresh before exp (access tokens usually live about an hour)");
    if now - exp < 600 {
        return check.note(skew_hint());
    }
    check
}

fn skew_hint() -> String {
    "if the token was just issued, a clock is off: check that this machine (and the IdP) keep time with NTP; leeway (default 60s, at most 5m) absorbs small skew".to_owned()
}

fn number(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    #[allow(clippy::cast_possible_truncation)]
    // fractional seconds are truncated, as the verifier does
    value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
}

/// Required claims: `sub`, Entra `tid` and a `ver` matching the issuer, Google `iat`/`hd`.
pub(super) fn required(e: &Expect<'_>, claims: &Map<String, Value>) -> Check {
    let missing: Vec<&str> = e
        .required
        .iter()
        .copied()
        .filter(|c| !claims.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Check::fail(
            "claims",
            format!("required claims missing: {}", missing.join(", ")),
        )
        .note(format!("{} requires {}", e.name(), e.required.join(", ")));
    }
    if let Some(version) = e.version {
        let want = if version == 1 { "1.0" } else { "2.0" };
        let ver = claims.get("ver").and_then(Value::as_str);
        if ver != Some(want) {
            return Check::fail("claims", format!("ver is {ver:?}, but a v{version} issuer's tokens say {want:?}"))
                .note("the issuer and the token version disagree: the token was altered or is not from Entra");
        }
    }
    if let Some(hd) = &e.provider.hosted_domain
        && claims
            .get("hd")
            .and_then(Value::as_str)
            .is_none_or(|v| !v.eq_ignore_ascii_case(hd))
    {
        return Check::fail(
            "claims",
            format!(
                "hd is not {hd}: hosted_domain requires a Google Workspace account of that domain"
            ),
        );
    }
    Check::pass(
        "claims",
        format!("required claims present: {}", e.required.join(", ")),
    )
}
