//! `authgate doctor`: one test per diagnosis, each with tokens minted by the dev IdP at test
//! time, asserting the phrase a user needs and the verdict.

use authgate_core::{Algorithm, FixedClock, SigningKey, UnixTime};
use authgate_devidp::{
    DEV_TENANT, DevIdp, ENTRA_API_CLIENT_ID, ENTRA_CLIENT_APP_ID, Fault, Flavor, MintRequest,
    RunningIdp, SECOND_TENANT,
};
use authgate_gateway::config::Config;
use authgate_gateway::doctor::{self, Mark, Options, Report};
use serde_json::json;
use std::sync::Arc;

/// A dev IdP and the clock the doctor judges time claims with.
struct Fixture {
    running: RunningIdp,
    clock: FixedClock,
}

impl Fixture {
    async fn start() -> Self {
        let running = DevIdp::start_loopback().await.unwrap();
        let clock = FixedClock::at_system_now();
        running.idp.set_clock(Arc::new(clock.clone()));
        Fixture { running, clock }
    }

    fn idp(&self) -> &DevIdp {
        &self.running.idp
    }

    fn base(&self) -> &str {
        self.idp().base_url()
    }

    /// An Entra provider for the dev tenant, with `extra` TOML lines.
    fn entra(&self, extra: &str) -> String {
        self.entra_for(DEV_TENANT, extra)
    }

    /// An Entra provider for `tenant` (GUID or alias), with `extra` TOML lines.
    fn entra_for(&self, tenant: &str, extra: &str) -> String {
        format!(
            "[[providers]]\nid = \"entra\"\nkind = \"entra\"\ntenant = \"{tenant}\"\n\
             client_id = \"{ENTRA_API_CLIENT_ID}\"\ninstance = \"{base}/entra/\"\n\
             v1_issuer_base = \"{base}/sts/\"\n{extra}\n",
            base = self.base()
        )
    }

    /// A validated configuration with `providers` and two routes: `GET /api/data/...` needs
    /// scope `access_as_user`, `/api/admin/...` role `Admin` or scope `admin`.
    fn config(&self, providers: &str) -> Config {
        let text = format!(
            "version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n\n{providers}\n\
             [policies.User]\nscopes = [\"access_as_user\"]\n\
             [policies.Admin]\nany = [{{ roles = [\"Admin\"] }}, {{ scopes = [\"admin\"] }}]\n\n\
             [[routes]]\nname = \"data\"\npath = \"/api/data/{{*rest}}\"\nmethods = [\"GET\"]\n\
             upstream = \"http://127.0.0.1:9\"\npolicy = \"User\"\n\n\
             [[routes]]\nname = \"admin\"\npath = \"/api/admin/{{*rest}}\"\n\
             upstream = \"http://127.0.0.1:9\"\npolicy = \"Admin\"\n"
        );
        Config::from_toml(&text, &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    async fn doctor(&self, config: &Config, token: &str, route: Option<&str>) -> Report {
        let route = route.map(|r| {
            let (method, path) = r.split_once(' ').unwrap();
            (method.parse().unwrap(), path.to_owned())
        });
        let options = Options {
            clock: Arc::new(self.clock.clone()),
            http: None,
        };
        let report = doctor::run_with(config, token, route, &options).await;
        println!("{report}");
        report
    }

    fn now(&self) -> i64 {
        authgate_core::Clock::now(&self.clock).0
    }
}

fn user_token(idp: &DevIdp) -> String {
    idp.mint(&MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]))
}

fn assert_says(report: &Report, phrase: &str) {
    let text = report.to_string();
    assert!(text.contains(phrase), "missing {phrase:?} in:\n{text}");
}

#[tokio::test]
async fn valid_token_passes_every_step_and_never_prints_the_token() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let token = user_token(f.idp());
    let report = f.doctor(&config, &token, Some("GET /api/data/items")).await;
    assert!(report.ok());
    for check in report.checks() {
        assert_eq!(check.mark, Mark::Pass, "{check:?}");
    }
    for step in [
        "format",
        "route",
        "issuer",
        "algorithm",
        "key",
        "signature",
        "token type",
        "audience",
        "expiry",
        "claims",
        "policy",
    ] {
        assert!(report.check(step).is_some(), "no {step} step");
    }
    let text = report.to_string();
    let signature = token.rsplit('.').next().unwrap();
    assert!(!text.contains(&token) && !text.contains(signature));
    assert_says(&report, "not printed");
    assert_says(&report, "ACCEPTED");

    let without_route = f.doctor(&config, &token, None).await;
    assert!(without_route.ok());
}

#[tokio::test]
async fn graph_audience_is_named_as_a_graph_token() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    for aud in [
        "00000003-0000-0000-c000-000000000000",
        "https://graph.microsoft.com",
    ] {
        let token = f.idp().mint(
            &MintRequest::new(Flavor::EntraV2)
                .audience(aud)
                .scopes(["User.Read"]),
        );
        let report = f.doctor(&config, &token, None).await;
        assert!(!report.ok());
        assert_says(&report, "issued for Microsoft Graph, not for your API");
        assert_says(&report, &format!("api://{ENTRA_API_CLIENT_ID}/.default"));
        assert_eq!(report.check("audience").unwrap().mark, Mark::Fail);
    }
}

#[tokio::test]
async fn entra_v1_token_against_a_v2_only_provider_says_how_to_fix_it() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let token = f
        .idp()
        .mint(&MintRequest::new(Flavor::EntraV1).scopes(["access_as_user"]));
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(&report, "is a v1 issuer");
    assert_says(&report, "accepts only v2 tokens");
    assert_says(&report, "token_versions = [1, 2]");
    assert_says(&report, "accessTokenAcceptedVersion = 2");

    let accepting = f.config(&f.entra("token_versions = [1, 2]"));
    assert!(f.doctor(&accepting, &token, None).await.ok());
}

#[tokio::test]
async fn entra_v2_token_against_a_v1_only_provider_says_the_reverse() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra("token_versions = [1]"));
    let report = f.doctor(&config, &user_token(f.idp()), None).await;
    assert!(!report.ok());
    assert_says(&report, "is a v2 issuer");
    assert_says(&report, "accepts only v1 tokens");
}

#[tokio::test]
async fn api_uri_and_bare_client_id_audiences_are_told_apart() {
    let f = Fixture::start().await;
    let bare_only = f.config(&f.entra(&format!("audiences = [\"{ENTRA_API_CLIENT_ID}\"]")));
    let uri = format!("api://{ENTRA_API_CLIENT_ID}");
    let token = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .audience(&uri)
            .scopes(["access_as_user"]),
    );
    let report = f.doctor(&bare_only, &token, None).await;
    assert!(!report.ok());
    assert_says(&report, "accepts only the bare client id");
    assert_says(
        &report,
        &format!("audiences = [\"{uri}\", \"{ENTRA_API_CLIENT_ID}\"]"),
    );

    let uri_only = f.config(&f.entra(&format!("audiences = [\"{uri}\"]")));
    let report = f.doctor(&uri_only, &user_token(f.idp()), None).await;
    assert!(!report.ok());
    assert_says(&report, "accepts only the App ID URI form");
}

#[tokio::test]
async fn tenant_not_in_allowed_tenants_is_named() {
    let f = Fixture::start().await;
    let extra = format!("allowed_tenants = [\"{DEV_TENANT}\"]");
    let config = f.config(&f.entra_for("organizations", &extra));
    let token = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .tenant(SECOND_TENANT)
            .scopes(["access_as_user"]),
    );
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(
        &report,
        &format!("tenant {SECOND_TENANT} is not in allowed_tenants"),
    );

    let own = f.doctor(&config, &user_token(f.idp()), None).await;
    assert!(own.ok());
}

#[tokio::test]
async fn tid_that_differs_from_the_issuer_tenant_is_refused() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra_for("organizations", "allowed_tenants = [\"*\"]"));
    let token = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .scopes(["access_as_user"])
            .claim("tid", SECOND_TENANT),
    );
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(
        &report,
        &format!("tid {SECOND_TENANT} is not the tenant in iss"),
    );
}

#[tokio::test]
async fn single_tenant_provider_names_the_other_tenant() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let token = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .tenant(SECOND_TENANT)
            .scopes(["access_as_user"]),
    );
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(
        &report,
        &format!("the token is from tenant {SECOND_TENANT}"),
    );
}

#[tokio::test]
async fn id_token_sent_as_access_token_is_explained() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let token = f
        .idp()
        .mint(&MintRequest::new(Flavor::EntraV2).id_token(Some("n-0S6_WzA2Mj")));
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(&report, "this is an ID token (it has a nonce)");
    assert_says(&report, ENTRA_CLIENT_APP_ID);
    assert_says(&report, "send the access_token");
}

/// The token-type step follows the verifier's Entra rule: app roles without `scp` are an ID
/// token's, while an app-only token needs neither roles nor `idtyp` (`sub` equals `oid`).
#[tokio::test]
async fn entra_token_type_follows_the_verifier() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let id_like = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .roles(["Admin"])
            .claim("scp", serde_json::Value::Null),
    );
    let report = f.doctor(&config, &id_like, None).await;
    assert!(!report.ok());
    assert_eq!(report.check("token type").unwrap().mark, Mark::Fail);
    assert_says(&report, "is not an app-only token");
    let app_only = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .app_only()
            .claim("idtyp", serde_json::Value::Null)
            .claim("roles", serde_json::Value::Null),
    );
    let report = f.doctor(&config, &app_only, None).await;
    assert_eq!(
        report.check("token type").unwrap().mark,
        Mark::Pass,
        "{report}"
    );
}

#[tokio::test]
async fn google_opaque_access_token_is_recognised() {
    let f = Fixture::start().await;
    let google = format!(
        "[[providers]]\nid = \"google\"\nkind = \"google\"\nissuer = \"{}\"\nclient_id = \"{}\"\naccept_id_tokens = true\n",
        f.idp().issuer(Flavor::Google),
        authgate_devidp::GOOGLE_CLIENT_ID
    );
    let config = f.config(&google);
    let report = f
        .doctor(&config, "ya29.a0AfB_byDx3kQ-not-a-real-access-token", None)
        .await;
    assert!(!report.ok());
    assert_says(&report, "Google access tokens are opaque");
    assert_says(&report, "accept_id_tokens = true");

    let id_token = f.idp().mint(&MintRequest::new(Flavor::Google));
    assert!(f.doctor(&config, &id_token, None).await.ok());
}

#[tokio::test]
async fn expired_token_says_how_long_ago_and_the_leeway() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let issued = FixedClock::at(UnixTime(f.now() - 4 * 3600));
    f.idp().set_clock(Arc::new(issued));
    let token = user_token(f.idp());
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(&report, "expired 3 hours ago");
    assert_says(&report, "leeway 1 minute");
    assert_eq!(report.check("expiry").unwrap().mark, Mark::Fail);
}

#[tokio::test]
async fn token_not_yet_valid_gets_a_clock_skew_hint() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let nbf = f.now() + 10 * 60;
    let token = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .scopes(["access_as_user"])
            .claim("nbf", nbf),
    );
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(&report, "not valid yet: nbf is in 10 minutes");
    assert_says(&report, "NTP");
}

#[tokio::test]
async fn unknown_issuer_points_out_near_misses() {
    let f = Fixture::start().await;
    let oidc = f.idp().issuer(Flavor::Oidc);
    let provider = |issuer: &str| {
        format!(
            "[[providers]]\nid = \"corp\"\nkind = \"oidc\"\nissuer = \"{issuer}\"\naudiences = [\"orders-api\"]\n"
        )
    };
    let token = f.idp().mint(&MintRequest::new(Flavor::Oidc));
    let slash = f.config(&provider(&format!("{oidc}/")));
    let report = f.doctor(&slash, &token, None).await;
    assert!(!report.ok());
    assert_says(
        &report,
        &format!("no configured provider accepts iss {oidc}"),
    );
    assert_says(&report, "differs only in the trailing slash");
    assert_says(&report, "configured issuers:");

    let https = f.config(&provider(&oidc.replacen("http://", "https://", 1)));
    let report = f.doctor(&https, &token, None).await;
    assert!(!report.ok());
    assert_says(&report, "differs only in http vs https");
}

#[tokio::test]
async fn unknown_kid_is_a_key_the_provider_does_not_publish() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let rogue = SigningKey::generate_rsa(Algorithm::RS256, 2048, "rogue-key");
    let token = f.idp().mint_with_key(
        &MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]),
        &rogue,
    );
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(&report, "kid rogue-key is not in the JWKS fetched just now");
    assert_says(&report, "signed by a key your provider does not publish");
    assert_says(&report, &f.idp().active_kid());
}

#[tokio::test]
async fn hs256_against_an_asymmetric_issuer_is_called_key_confusion() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let now = f.now();
    let claims = json!({
        "iss": f.idp().issuer(Flavor::EntraV2), "aud": ENTRA_API_CLIENT_ID, "sub": "mallory",
        "tid": DEV_TENANT, "ver": "2.0", "scp": "access_as_user", "iat": now, "exp": now + 600,
    });
    let header = json!({ "alg": "HS256" }).as_object().unwrap().clone();
    let token = f.idp().sign_raw(&header, &claims);
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(&report, "key-confusion attack");
    assert_eq!(report.check("algorithm").unwrap().mark, Mark::Fail);
}

#[tokio::test]
async fn algorithm_outside_the_allow_list_is_named() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let token = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .scopes(["access_as_user"])
            .alg(Algorithm::ES256),
    );
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(
        &report,
        "alg ES256 is not allowed for provider \"entra\" (Entra v2 tokens) (allowed: RS256)",
    );
}

#[tokio::test]
async fn missing_scope_or_role_for_the_route_is_listed() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let token = f
        .idp()
        .mint(&MintRequest::new(Flavor::EntraV2).scopes(["access_as_user", "read_data"]));
    let report = f
        .doctor(&config, &token, Some("POST /api/admin/users"))
        .await;
    assert!(!report.ok());
    assert_says(&report, "missing scopes admin; roles Admin");
    assert_says(
        &report,
        "the token has scopes [access_as_user, read_data] and roles []",
    );
    assert_says(&report, "403 insufficient_scope");
    assert_eq!(report.check("signature").unwrap().mark, Mark::Pass);

    let admin = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .scopes(["access_as_user"])
            .roles(["Admin"]),
    );
    assert!(
        f.doctor(&config, &admin, Some("POST /api/admin/users"))
            .await
            .ok()
    );
}

#[tokio::test]
async fn request_without_a_route_is_a_404() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let report = f
        .doctor(&config, &user_token(f.idp()), Some("DELETE /api/data/x"))
        .await;
    assert!(!report.ok());
    assert_says(&report, "no route matches DELETE /api/data/x");
}

#[tokio::test]
async fn malformed_tokens_are_explained_without_the_network() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let valid = user_token(f.idp());
    let cases = [
        ("a.b.c.d.e".to_owned(), "encrypted token (JWE"),
        ("opaque-token-value".to_owned(), "no '.' separators"),
        (format!("{valid}=="), "'=' padding"),
        (
            format!("Bearer {valid}"),
            "without \"Authorization:\" or \"Bearer \"",
        ),
    ];
    for (token, phrase) in cases {
        let report = f.doctor(&config, &token, None).await;
        assert!(!report.ok());
        assert_says(&report, phrase);
        assert_eq!(report.check("format").unwrap().mark, Mark::Fail);
    }
    let unsigned = f.idp().sign_raw(
        &json!({ "alg": "none", "kid": null })
            .as_object()
            .unwrap()
            .clone(),
        &json!({ "iss": "x" }),
    );
    let report = f.doctor(&config, &unsigned, None).await;
    assert!(!report.ok());
    assert_says(&report, "alg is \"none\"");
}

#[tokio::test]
async fn duplicate_claims_are_refused_but_still_shown() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let token = f
        .idp()
        .sign_segments(br#"{"alg":"RS256"}"#, br#"{"sub":"a","sub":"b"}"#);
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(&report, "duplicate");
}

#[tokio::test]
async fn route_that_does_not_trust_the_provider_says_so() {
    let f = Fixture::start().await;
    let google = format!(
        "[[providers]]\nid = \"google\"\nkind = \"google\"\nissuer = \"{}\"\nclient_id = \"{}\"\naccept_id_tokens = true\n",
        f.idp().issuer(Flavor::Google),
        authgate_devidp::GOOGLE_CLIENT_ID
    );
    let text = format!(
        "version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n\n{}\n{google}\n\
         [[routes]]\nname = \"google-only\"\npath = \"/g/{{*rest}}\"\nupstream = \"http://127.0.0.1:9\"\nproviders = [\"google\"]\n",
        f.entra("")
    );
    let config = Config::from_toml(&text, &|_| None).unwrap();
    let report = f
        .doctor(&config, &user_token(f.idp()), Some("GET /g/x"))
        .await;
    assert!(!report.ok());
    assert_says(&report, "which this route does not trust");
    assert_says(&report, "the route trusts only providers [\"google\"]");
}

#[tokio::test]
async fn jwks_outage_is_reported_as_unreachable_keys() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let token = user_token(f.idp());
    f.idp().set_fault(Fault::Status(503));
    let report = f.doctor(&config, &token, None).await;
    assert!(!report.ok());
    assert_says(
        &report,
        "could not fetch the signing keys of provider \"entra\"",
    );
    assert_says(&report, "HTTP status 503");
    assert_eq!(report.check("key").unwrap().mark, Mark::Fail);
    // The verdict names the gateway's real answer: 503, not 401 (the token may be good).
    assert_says(&report, "503 temporarily_unavailable");
    assert!(
        !report.to_string().contains("401 invalid_token"),
        "{report}"
    );
}

#[tokio::test]
async fn unknown_issuer_without_providers_asks_for_one() {
    let f = Fixture::start().await;
    let text = "version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n";
    let config = Config::from_toml(text, &|_| None).unwrap();
    let report = f.doctor(&config, &user_token(f.idp()), None).await;
    assert!(!report.ok());
    assert_says(&report, "no providers are configured");
}

/// Runs `authgate doctor --config FILE ARGS...`: (exit status 0, stdout).
async fn doctor_binary(file: std::path::PathBuf, args: Vec<String>) -> (bool, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_authgate"))
            .args(["doctor", "--config"])
            .arg(&file)
            .args(&args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_binary_exits_zero_only_for_an_accepted_token_and_never_echoes_it() {
    let f = Fixture::start().await;
    let dir = std::env::temp_dir().join(format!("authgate-doctor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("authgate.toml");
    let text = format!(
        "version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n\n{}\n\
         [[routes]]\npath = \"/api/{{*rest}}\"\nupstream = \"http://127.0.0.1:9\"\nrequire = {{ scopes = [\"access_as_user\"] }}\n",
        f.entra("")
    );
    std::fs::write(&file, text).unwrap();
    let token = user_token(f.idp());
    let args = vec![
        "--token".into(),
        token,
        "--route".into(),
        "GET /api/items".into(),
    ];
    let (accepted, stdout) = doctor_binary(file.clone(), args).await;
    assert!(accepted, "{stdout}");
    assert!(stdout.contains("✔ policy"), "{stdout}");

    let graph = f.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .audience("https://graph.microsoft.com")
            .scopes(["User.Read"]),
    );
    let signature = graph.rsplit('.').next().unwrap().to_owned();
    let (accepted, stdout) = doctor_binary(file, vec!["--token".into(), graph]).await;
    assert!(!accepted);
    assert!(stdout.contains("issued for Microsoft Graph"), "{stdout}");
    assert!(!stdout.contains(&signature));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn discovery_document_naming_another_issuer_is_pointed_out() {
    let f = Fixture::start().await;
    let provider = format!(
        "[[providers]]\nid = \"corp\"\nkind = \"oidc\"\nissuer = \"{}\"\naudiences = [\"orders-api\"]\ndiscovery = \"{}\"\n",
        f.idp().issuer(Flavor::Oidc),
        f.idp().discovery_url(Flavor::Okta)
    );
    let config = f.config(&provider);
    let report = f
        .doctor(
            &config,
            &f.idp().mint(&MintRequest::new(Flavor::Oidc)),
            None,
        )
        .await;
    assert!(!report.ok());
    assert_says(
        &report,
        &format!("names issuer {}", f.idp().issuer(Flavor::Okta)),
    );
    assert_says(&report, "OIDC Discovery §4.3");
}

#[tokio::test]
async fn pasted_line_breaks_are_explained() {
    let f = Fixture::start().await;
    let config = f.config(&f.entra(""));
    let token = user_token(f.idp());
    let (head, tail) = token.split_at(40);
    let report = f.doctor(&config, &format!("{head}\n{tail}"), None).await;
    assert!(!report.ok());
    assert_says(&report, "spaces, line breaks or quotes");
}

#[tokio::test]
async fn the_provider_that_accepts_is_the_one_explained_when_two_share_an_issuer() {
    let f = Fixture::start().await;
    let issuer = f.idp().issuer(Flavor::Oidc);
    let providers = format!(
        "[[providers]]\nid = \"orders\"\nkind = \"oidc\"\nissuer = \"{issuer}\"\naudiences = [\"orders-api\"]\n\n\
         [[providers]]\nid = \"billing\"\nkind = \"oidc\"\nissuer = \"{issuer}\"\naudiences = [\"billing-api\"]\n"
    );
    let config = f.config(&providers);
    let token = f
        .idp()
        .mint(&MintRequest::new(Flavor::Oidc).audience("billing-api"));
    let report = f.doctor(&config, &token, None).await;
    assert!(report.ok());
    assert_says(
        &report,
        "aud billing-api is accepted by provider \"billing\"",
    );
    assert!(report.checks().iter().all(|c| c.mark == Mark::Pass));

    let neither = f
        .idp()
        .mint(&MintRequest::new(Flavor::Oidc).audience("reports-api"));
    let report = f.doctor(&config, &neither, None).await;
    assert!(!report.ok());
    assert_says(
        &report,
        "aud reports-api is not accepted by provider \"orders\"",
    );
}
