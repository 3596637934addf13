//! `authgate doctor`: explains, step by step and in plain words, why a token would be accepted
//! or refused, on a route or by any provider.
//!
//! The token is decoded **without trusting it** (the strict parser first, then a forgiving
//! decode that explains what the strict one refused); the issuer's discovery document and JWKS
//! are fetched now; every verification step gets a ✔ or ✘ with what to change. The verdict
//! is never the doctor's own: it comes from `authgate::Verifier` (and the route's compiled
//! policy), exactly as the gateway would decide.
//!
//! ```no_run
//! # async fn show(config: &authgate_gateway::config::Config, token: &str) {
//! let report = authgate_gateway::doctor::run(config, token, Some((http::Method::GET, "/api/data".into()))).await;
//! println!("{report}");
//! std::process::exit(if report.ok() { 0 } else { 1 });
//! # }
//! ```
//!
//! # Security
//!
//! The report shows the decoded header and claims (they are what needs explaining) but never
//! the token or its signature, so a pasted report cannot be replayed.

mod claims;
mod decode;
mod expect;
mod human;
mod issuer;
mod keys;
mod policy;
mod report;

pub use report::{Check, Mark, Report};

use crate::config::{AuthMode, Config, RouteSpec};
use authgate::{HttpClient, ProviderKind, Verifier};
use authgate_core::{
    ClaimMapping, Claims, Clock, Jws, Principal, SystemClock, VerifyError, VerifyErrorKind,
};
use decode::Decoded;
use expect::Expect;
use serde_json::{Map, Value};
use std::sync::Arc;

/// What the doctor runs with: the clock for time claims and the HTTP client for the verdict.
#[derive(Clone)]
pub struct Options {
    /// The clock `exp`/`nbf`/`iat` are judged against (tests pass a `FixedClock`).
    pub clock: Arc<dyn Clock>,
    /// The client the verifier fetches keys with (default: `HttpClient::new()`).
    pub http: Option<HttpClient>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Arc::new(SystemClock),
            http: None,
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options").finish_non_exhaustive()
    }
}

/// Explains whether `token` would be accepted on `route` (`GET /path`), or by some provider
/// when no route is given, with the system clock.
pub async fn run(config: &Config, token: &str, route: Option<(http::Method, String)>) -> Report {
    run_with(config, token, route, &Options::default()).await
}

/// [`run`] with explicit [`Options`].
pub async fn run_with(
    config: &Config,
    token: &str,
    route: Option<(http::Method, String)>,
    options: &Options,
) -> Report {
    let mut doctor = Doctor::new(token);
    let route = match &route {
        Some((method, path)) => match policy::locate(config, method, path) {
            Ok(spec) => {
                doctor.route = Some(policy::found(method, path, &spec));
                Some(spec)
            }
            Err(check) => return doctor.no_route(check),
        },
        None => None,
    };
    doctor.explain(config, route.as_deref(), options).await
}

/// The report under construction.
struct Doctor<'t> {
    token: &'t str,
    decoded: Option<Decoded>,
    checks: Vec<Check>,
    route: Option<Check>,
    refusal: Option<VerifyError>,
}

/// The verifier's answer.
type Verdict = Option<Result<Principal, VerifyError>>;

impl<'t> Doctor<'t> {
    fn new(token: &'t str) -> Self {
        let (format, decoded) = decode::inspect(token);
        Doctor {
            token,
            decoded,
            checks: vec![format],
            route: None,
            refusal: None,
        }
    }

    fn no_route(mut self, check: Check) -> Report {
        self.checks.push(check);
        self.finish(
            false,
            "REJECTED: no route takes this request (the gateway answers 404 or 400)".to_owned(),
        )
    }

    async fn explain(
        mut self,
        config: &Config,
        route: Option<&RouteSpec>,
        options: &Options,
    ) -> Report {
        self.checks.extend(self.route.take());
        if let Some(refused) = route.and_then(|r| policy::bearer_allowed(r).err()) {
            self.checks.push(refused);
            return self.finish(
                false,
                "REJECTED: this route does not take bearer tokens".to_owned(),
            );
        }
        let only = route.map(|r| r.providers.as_slice());
        let expects = expect::expectations(&config.auth.providers);
        let Some(decoded) = self.decoded.clone() else {
            return self.conclude(route, None, None, None);
        };
        let candidates = match issuer::route(&expects, &decoded.claims, only) {
            issuer::Routing::To(candidates) => candidates,
            issuer::Routing::Refused(check) => {
                self.checks.push(check);
                return self.conclude(route, None, None, Some(&decoded));
            }
        };
        let candidates: Vec<&Expect<'_>> =
            candidates.iter().filter_map(|&i| expects.get(i)).collect();
        let verdict = self.verify(&candidates, &decoded, options).await;
        let Some(e) = explained(&candidates, verdict.as_ref()) else {
            return self.conclude(route, None, verdict, Some(&decoded));
        };
        self.checks
            .push(issuer::matched(e, &decoded.claims).notes(others(&candidates, e)));
        self.claim_steps(e, &decoded, options).await;
        self.conclude(route, Some(e), verdict, Some(&decoded))
    }

    /// Algorithm, key, signature, token type, audience, times, required claims.
    async fn claim_steps(&mut self, e: &Expect<'_>, d: &Decoded, options: &Options) {
        self.checks.push(claims::algorithm(e, &d.header));
        match Jws::parse(self.token).ok().filter(|_| d.strict) {
            Some(jws) => {
                let fetched = match keys::client() {
                    Ok(http) => keys::fetch(&http, e).await,
                    Err(why) => Err(why),
                };
                self.checks.push(keys::key(e, &jws, &fetched));
                self.checks.push(keys::signature(&jws, &fetched));
            }
            None => {
                self.checks
                    .push(Check::skip("key", "not checked: the token is malformed"));
                self.checks.push(Check::skip(
                    "signature",
                    "not checked: the token is malformed",
                ));
            }
        }
        let now = options.clock.now().0;
        self.checks
            .push(claims::token_type(e, &d.header, &d.claims));
        self.checks.push(claims::audience(e, &d.claims));
        self.checks.push(claims::times(e, &d.claims, now));
        self.checks.push(claims::required(e, &d.claims));
    }

    /// The real verifier's answer, with the providers the issuer routes to.
    async fn verify(
        &mut self,
        candidates: &[&Expect<'_>],
        d: &Decoded,
        options: &Options,
    ) -> Verdict {
        if !d.strict {
            return None;
        }
        let mut builder = Verifier::builder()
            .clock(Arc::clone(&options.clock))
            .token_cache(0, std::time::Duration::ZERO);
        let mut added: Vec<&str> = Vec::new();
        for e in candidates {
            if !added.contains(&e.provider.id.as_str()) {
                added.push(&e.provider.id);
                builder = builder.provider(e.provider.clone());
            }
        }
        if let Some(http) = &options.http {
            builder = builder.http_client(http.clone());
        }
        match builder.build().await {
            Ok(verifier) => Some(verifier.verify(self.token).await),
            Err(e) => {
                self.checks.push(Check::fail(
                    "verifier",
                    format!("the provider's configuration is refused: {e}"),
                ));
                None
            }
        }
    }

    /// Reconciles the checklist with the verifier, judges the policy, writes the verdict.
    fn conclude(
        mut self,
        route: Option<&RouteSpec>,
        e: Option<&Expect<'_>>,
        verdict: Verdict,
        d: Option<&Decoded>,
    ) -> Report {
        let verified = self.reconcile(verdict);
        let Some(route) = route else {
            let accepted = verified.is_some();
            let text = self.verdict_text(accepted, verified.as_ref(), None);
            return self.finish(accepted, text);
        };
        let principal = verified.clone().or_else(|| unverified_principal(e, d));
        if let Some(p) = &principal {
            self.checks
                .push(policy::evaluate(route, p, verified.is_some()));
        }
        let policy_ok = self.check_passed("policy");
        let accepted = route.auth == AuthMode::None || (verified.is_some() && policy_ok);
        let text = self.verdict_text(accepted, verified.as_ref(), Some(route));
        self.finish(accepted, text)
    }

    /// Keeps the checklist honest about the verifier's answer: a refusal no step explains
    /// gets its own failed step, an acceptance despite a failed step gets a warning.
    fn reconcile(&mut self, verdict: Verdict) -> Option<Principal> {
        let any_failed = self.checks.iter().any(|c| c.mark == Mark::Fail);
        match verdict? {
            Ok(principal) => {
                if any_failed {
                    self.checks.push(Check::new(
                        Mark::Warn,
                        "verifier",
                        "authgate's verifier ACCEPTED the token although a step above failed; the verdict is the verifier's",
                    ));
                }
                Some(principal)
            }
            Err(err) => {
                if !any_failed {
                    self.checks.push(Check::fail(
                        "verifier",
                        format!("authgate's verifier refused the token: {err}"),
                    ));
                }
                self.refusal = Some(err);
                None
            }
        }
    }

    fn verdict_text(
        &self,
        accepted: bool,
        principal: Option<&Principal>,
        route: Option<&RouteSpec>,
    ) -> String {
        let keys_unavailable = self
            .refusal
            .as_ref()
            .is_some_and(|e| e.kind() == VerifyErrorKind::KeysUnavailable);
        let text = if keys_unavailable && !accepted {
            KEYS_UNAVAILABLE_VERDICT.to_owned()
        } else {
            verdict_text(accepted, &self.checks, principal, route)
        };
        match (&self.refusal, accepted) {
            (Some(err), false) => format!("{text}\n         authgate's verifier says: {err}"),
            _ => text,
        }
    }

    fn check_passed(&self, step: &str) -> bool {
        self.checks
            .iter()
            .any(|c| c.step == step && c.mark == Mark::Pass)
    }

    fn finish(self, accepted: bool, verdict: String) -> Report {
        let pretty = |m: &Map<String, Value>| serde_json::to_string_pretty(m).unwrap_or_default();
        Report {
            token_bytes: self.token.len(),
            header: self.decoded.as_ref().map(|d| pretty(&d.header)),
            claims: self.decoded.as_ref().map(|d| pretty(&d.claims)),
            checks: self.checks,
            accepted,
            verdict,
        }
    }
}

/// The issuer to explain: the one whose provider accepted the token, else the first.
fn explained<'a, 'p>(
    candidates: &[&'a Expect<'p>],
    verdict: Option<&Result<Principal, VerifyError>>,
) -> Option<&'a Expect<'p>> {
    let accepted_by = verdict
        .and_then(|v| v.as_ref().ok())
        .map(|p| p.provider.as_str());
    candidates
        .iter()
        .find(|e| Some(e.provider.id.as_str()) == accepted_by)
        .or_else(|| candidates.first())
        .copied()
}

/// A note per other provider sharing the issuer (the verifier tries each in order).
fn others(candidates: &[&Expect<'_>], shown: &Expect<'_>) -> Vec<String> {
    candidates
        .iter()
        .filter(|c| c.provider.id != shown.provider.id)
        .map(|c| {
            format!(
                "{} has the same issuer and was tried too; the steps below explain {}",
                c.name(),
                shown.name()
            )
        })
        .collect()
}

/// A principal read from unverified claims, so the policy can still be explained.
fn unverified_principal(e: Option<&Expect<'_>>, d: Option<&Decoded>) -> Option<Principal> {
    let (e, d) = (e?, d?);
    let mapping = if e.kind() == ProviderKind::Auth0 {
        ClaimMapping {
            roles: vec!["roles".into(), "permissions".into()],
            groups: vec!["groups".into()],
        }
    } else {
        ClaimMapping::default()
    };
    Some(Principal::from_claims(
        &e.provider.id,
        Claims::new(d.claims.clone()),
        &mapping,
    ))
}

/// The verdict when the provider's keys cannot be loaded: the gateway answers 503, not 401
/// (the token may well be good).
const KEYS_UNAVAILABLE_VERDICT: &str = "REJECTED for now: the provider's keys could not be loaded, so the gateway would answer 503 temporarily_unavailable (with Retry-After) whatever the token; see the keys step above";

fn verdict_text(
    accepted: bool,
    checks: &[Check],
    principal: Option<&Principal>,
    route: Option<&RouteSpec>,
) -> String {
    let first_failed = checks.iter().find(|c| c.mark == Mark::Fail).map(|c| c.step);
    match (accepted, route) {
        (true, Some(r)) if r.auth == AuthMode::None => format!("ACCEPTED: route \"{}\" needs no authentication (auth = none)", r.name),
        (true, Some(r)) => format!("ACCEPTED: {} may call route \"{}\"", who(principal), r.name),
        (true, None) => format!("ACCEPTED: a valid token of provider \"{}\" for {}", principal.map(|p| p.provider.as_str()).unwrap_or("?"), who(principal)),
        (false, _) if first_failed == Some("policy") => "REJECTED: the token is valid, but the route's policy refuses it (403 insufficient_scope)".to_owned(),
        (false, _) => format!("REJECTED: the gateway would answer 401 invalid_token (first failed step: {})", first_failed.unwrap_or("verifier")),
    }
}

fn who(principal: Option<&Principal>) -> String {
    principal.map_or_else(
        || "the caller".to_owned(),
        |p| format!("subject {}", p.subject),
    )
}
