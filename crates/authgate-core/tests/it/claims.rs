//! Claim checks through the real pipeline: `iss` (security.md §1.E), `aud` (§1.F), time claims
//! (§1.G) and identity claims (§1.I). Every token is minted and verified at test time.

use crate::pipeline::{AUDIENCE, ISSUER, TestIssuer};
use authgate_core::{ClaimMapping, IssuerRule, TokenKind, Validation, VerifyErrorKind};
use serde_json::{Value, json};
use std::time::Duration;

use VerifyErrorKind::*;

const TID: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const OTHER_TID: &str = "11111111-2222-3333-4444-555555555555";

/// A claim set with `name` removed (the fixture removes `null` values).
fn without(name: &str) -> Value {
    json!({ name: null })
}

/// The rejection of the default claims with `name` set to exactly `value` (even `null`).
fn with_raw(issuer: &TestIssuer, name: &str, value: Value) -> Option<VerifyErrorKind> {
    let mut claims = issuer.claims(json!({}));
    claims[name] = value;
    issuer.verify(&issuer.mint(&claims)).err()
}

// §1.E `iss`

#[test]
fn jwt_i01_missing_iss_is_rejected() {
    assert_eq!(TestIssuer::new().outcome(without("iss")), Some(WrongIssuer));
}

#[test]
fn jwt_i02_other_issuer_is_rejected() {
    let issuer = TestIssuer::new();
    assert_eq!(
        issuer.outcome(json!({"iss": "https://other.example"})),
        Some(WrongIssuer)
    );
}

#[test]
fn jwt_i03_trailing_slash_variant_is_rejected() {
    let issuer = TestIssuer::new();
    assert_eq!(
        issuer.outcome(json!({"iss": format!("{ISSUER}/")})),
        Some(WrongIssuer)
    );
    let rule = IssuerRule::Exact(vec![format!("{ISSUER}/")]);
    let slashed =
        TestIssuer::with_validation(Validation::access_token(rule, vec![AUDIENCE.into()]));
    assert_eq!(slashed.outcome(json!({})), Some(WrongIssuer));
}

#[test]
fn jwt_i04_issuer_is_never_normalised() {
    let issuer = TestIssuer::new();
    for iss in [
        "https://ISSUER.example",
        "https://issuer.example:443",
        "http://issuer.example",
        "https://issuer.%65xample",
        " https://issuer.example",
    ] {
        assert_eq!(
            issuer.outcome(json!({ "iss": iss })),
            Some(WrongIssuer),
            "{iss}"
        );
    }
}

#[test]
fn jwt_i05_non_string_iss_is_rejected() {
    let issuer = TestIssuer::new();
    for iss in [
        json!([ISSUER]),
        json!(42),
        Value::Null,
        json!({"iss": ISSUER}),
    ] {
        assert_eq!(
            with_raw(&issuer, "iss", iss.clone()),
            Some(InvalidClaim),
            "{iss}"
        );
    }
}

fn entra(allowed_tenants: Option<Vec<String>>) -> TestIssuer {
    let templates = vec!["https://login.microsoftonline.com/{tenantid}/v2.0".to_owned()];
    let rule = IssuerRule::EntraTemplate {
        templates,
        allowed_tenants,
    };
    TestIssuer::with_validation(Validation::access_token(rule, vec![AUDIENCE.into()]))
}

fn entra_v2(iss_tid: &str, tid: &str) -> Value {
    json!({"iss": format!("https://login.microsoftonline.com/{iss_tid}/v2.0"), "tid": tid})
}

#[test]
fn entra_template_accepts_the_matching_tenant() {
    assert_eq!(entra(None).outcome(entra_v2(TID, TID)), None);
    assert_eq!(
        entra(Some(vec![TID.into()])).outcome(entra_v2(TID, TID)),
        None
    );
}

#[test]
fn jwt_i07_entra_iss_tenant_differs_from_tid() {
    assert_eq!(
        entra(None).outcome(entra_v2(TID, OTHER_TID)),
        Some(WrongIssuer)
    );
    // The scrubbed official v1 sample: 11 hex digits in the last group of the iss GUID.
    let scrubbed = entra_v2(
        "fa15d692-e9c7-4460-a743-29f29522229",
        "fa15d692-e9c7-4460-a743-29f2956fd429",
    );
    assert_eq!(entra(None).outcome(scrubbed), Some(WrongIssuer));
    let not_a_guid = entra_v2("contoso.onmicrosoft.com", "contoso.onmicrosoft.com");
    assert_eq!(entra(None).outcome(not_a_guid), Some(InvalidClaim));
}

#[test]
fn jwt_i08_entra_tenant_outside_the_allow_list() {
    let issuer = entra(Some(vec![TID.into()]));
    assert_eq!(
        issuer.outcome(entra_v2(OTHER_TID, OTHER_TID)),
        Some(WrongIssuer)
    );
}

#[test]
fn jwt_i09_entra_v1_issuer_while_only_v2_is_configured() {
    let v1 = json!({"iss": format!("https://sts.windows.net/{TID}/"), "tid": TID});
    assert_eq!(entra(None).outcome(v1), Some(WrongIssuer));
}

// §1.F `aud`

#[test]
fn jwt_d01_missing_aud_is_rejected() {
    assert_eq!(
        TestIssuer::new().outcome(without("aud")),
        Some(WrongAudience)
    );
}

#[test]
fn jwt_d02_other_resource_is_rejected() {
    assert_eq!(
        TestIssuer::new().outcome(json!({"aud": "api://payments"})),
        Some(WrongAudience)
    );
}

#[test]
fn jwt_d03_one_element_array_is_accepted() {
    assert_eq!(TestIssuer::new().outcome(json!({"aud": [AUDIENCE]})), None);
}

#[test]
fn jwt_d04_extra_audience_access_token_vs_id_token() {
    let access = TestIssuer::new();
    assert_eq!(
        access.outcome(json!({"aud": [AUDIENCE, "untrusted"]})),
        None
    );
    let id = id_token_issuer();
    assert_eq!(
        id.outcome(json!({"aud": [AUDIENCE, "untrusted"], "azp": AUDIENCE})),
        Some(WrongAudience)
    );
}

#[test]
fn jwt_d05_empty_aud_array_is_rejected() {
    assert_eq!(
        TestIssuer::new().outcome(json!({"aud": []})),
        Some(WrongAudience)
    );
}

#[test]
fn jwt_d06_non_string_aud_values_are_rejected() {
    let issuer = TestIssuer::new();
    for aud in [
        json!([123, null, {"x": 1}]),
        json!(42),
        json!([AUDIENCE, 1]),
        Value::Null,
    ] {
        assert_eq!(
            with_raw(&issuer, "aud", aud.clone()),
            Some(InvalidClaim),
            "{aud}"
        );
    }
}

#[test]
fn jwt_d07_near_miss_audiences_are_rejected() {
    let issuer = TestIssuer::new();
    for aud in [
        "api://orders.evil",
        "api://orders ",
        "API://ORDERS",
        "api://order",
        "api://orders/",
    ] {
        assert_eq!(
            issuer.outcome(json!({ "aud": aud })),
            Some(WrongAudience),
            "{aud}"
        );
    }
}

#[test]
fn jwt_d08_only_configured_entra_audience_forms() {
    let guid = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
    let rule = IssuerRule::Exact(vec![ISSUER.into()]);
    let issuer = TestIssuer::with_validation(Validation::access_token(rule, vec![guid.into()]));
    assert_eq!(issuer.outcome(json!({ "aud": guid })), None);
    assert_eq!(
        issuer.outcome(json!({ "aud": format!("api://{guid}") })),
        Some(WrongAudience)
    );
}

#[test]
fn jwt_d09_graph_token_is_rejected() {
    let issuer = TestIssuer::new();
    for aud in [
        "00000003-0000-0000-c000-000000000000",
        "https://graph.microsoft.com",
    ] {
        assert_eq!(
            issuer.outcome(json!({ "aud": aud })),
            Some(WrongAudience),
            "{aud}"
        );
    }
}

fn id_token_issuer() -> TestIssuer {
    let rule = IssuerRule::Exact(vec![ISSUER.into()]);
    TestIssuer::with_validation(Validation::id_token(rule, vec![AUDIENCE.into()]))
}

#[test]
fn jwt_d10_id_token_azp_must_be_our_client() {
    let issuer = id_token_issuer();
    assert_eq!(issuer.outcome(json!({"azp": AUDIENCE})), None);
    assert_eq!(
        issuer.outcome(json!({"azp": "someone-else"})),
        Some(WrongAudience)
    );
}

#[test]
fn jwt_d11_cross_resource_replay_is_rejected() {
    let orders = TestIssuer::new();
    let token = orders.token(json!({}));
    let rule = IssuerRule::Exact(vec![ISSUER.into()]);
    let mut payments = TestIssuer::with_validation(Validation::access_token(
        rule,
        vec!["api://payments".into()],
    ));
    payments.clock = orders.clock.clone();
    assert_eq!(orders.verify(&token).err(), None);
    assert_eq!(payments.verify(&token).err(), Some(WrongAudience));
}

#[test]
fn jwt_j04_aud_with_too_many_values_is_rejected() {
    let many: Vec<String> = (0..100).map(|i| format!("api://a{i}")).collect();
    assert_eq!(
        TestIssuer::new().outcome(json!({ "aud": many })),
        Some(InvalidClaim)
    );
}

// §1.G time claims

#[test]
fn jwt_t01_expired_beyond_leeway_is_rejected() {
    let issuer = TestIssuer::new();
    let now = issuer.now();
    assert_eq!(
        issuer.outcome(json!({"exp": now - 61, "iat": now - 600, "nbf": now - 600})),
        Some(Expired)
    );
}

#[test]
fn jwt_t02_exp_boundary_with_leeway() {
    let issuer = TestIssuer::new();
    let now = issuer.now();
    let past = json!({"iat": now - 600, "nbf": now - 600});
    let at = |exp: i64| {
        let mut changes = past.clone();
        changes["exp"] = json!(exp);
        issuer.outcome(changes)
    };
    assert_eq!(at(now - 30), None);
    assert_eq!(at(now - 59), None);
    assert_eq!(
        at(now - 60),
        Some(Expired),
        "now == exp + leeway must be rejected"
    );
}

#[test]
fn jwt_t03_missing_exp_is_rejected() {
    assert_eq!(
        TestIssuer::new().outcome(without("exp")),
        Some(MissingClaim)
    );
}

#[test]
fn jwt_t04_string_exp_is_invalid_not_absent() {
    let issuer = TestIssuer::new();
    assert_eq!(
        issuer.outcome(json!({"exp": "9999999999"})),
        Some(InvalidClaim)
    );
    assert_eq!(
        issuer.outcome(json!({"exp": (issuer.now() + 600).to_string()})),
        Some(InvalidClaim)
    );
}

#[test]
fn jwt_t05_fractional_exp_is_accepted() {
    let issuer = TestIssuer::new();
    assert_eq!(
        issuer.outcome(json!({"exp": issuer.now() as f64 + 600.5})),
        None
    );
}

#[test]
fn jwt_t06_zero_or_negative_exp_is_rejected() {
    let issuer = TestIssuer::new();
    for exp in [json!(0), json!(-1), json!(-0.0), json!(i64::MIN)] {
        let changes = json!({"exp": exp, "iat": null, "nbf": null});
        assert_eq!(issuer.outcome(changes), Some(InvalidTimes), "{exp}");
    }
}

#[test]
fn jwt_t07_absurd_exp_hits_the_max_lifetime() {
    let issuer = TestIssuer::new();
    for exp in [
        json!(1e20),
        json!(9_223_372_036_854_775_808_u64),
        json!(1e308),
        json!(u64::MAX),
    ] {
        assert_eq!(
            issuer.outcome(json!({ "exp": exp })),
            Some(InvalidTimes),
            "{exp}"
        );
    }
    let day = 24 * 3600;
    assert_eq!(
        issuer.outcome(json!({"exp": issuer.now() + day + 61})),
        Some(InvalidTimes)
    );
    assert_eq!(issuer.outcome(json!({"exp": issuer.now() + day})), None);
}

#[test]
fn jwt_t08_exp_of_other_json_types_is_rejected() {
    let issuer = TestIssuer::new();
    for exp in [json!(true), Value::Null, json!({}), json!([1])] {
        assert_eq!(
            with_raw(&issuer, "exp", exp.clone()),
            Some(InvalidClaim),
            "{exp}"
        );
    }
}

#[test]
fn jwt_t09_nbf_beyond_leeway_is_rejected() {
    let issuer = TestIssuer::new();
    let nbf = issuer.now() + 60 + 60;
    assert_eq!(
        issuer.outcome(json!({"nbf": nbf, "iat": null})),
        Some(NotYetValid)
    );
    assert_eq!(
        issuer.outcome(json!({"nbf": issuer.now() + 60, "iat": null})),
        None
    );
}

#[test]
fn jwt_t10_string_nbf_is_invalid_not_absent() {
    let issuer = TestIssuer::new();
    assert_eq!(
        issuer.outcome(json!({"nbf": "99999999999"})),
        Some(InvalidClaim)
    );
}

#[test]
fn jwt_t11_id_token_without_iat_is_rejected() {
    let issuer = id_token_issuer();
    assert_eq!(issuer.outcome(without("iat")), Some(MissingClaim));
    assert_eq!(issuer.outcome(json!({})), None);
}

#[test]
fn jwt_t12_iat_in_the_future_is_rejected() {
    let issuer = TestIssuer::new();
    let changes = json!({"iat": issuer.now() + 120, "nbf": null});
    assert_eq!(issuer.outcome(changes), Some(InvalidTimes));
    assert_eq!(
        id_token_issuer().outcome(json!({"iat": issuer.now() + 120, "nbf": null})),
        Some(InvalidTimes)
    );
}

#[test]
fn jwt_t13_week_old_id_token_is_rejected() {
    let issuer = id_token_issuer();
    let week_ago = issuer.now() - 7 * 24 * 3600;
    assert_eq!(
        issuer.outcome(json!({"iat": week_ago, "nbf": week_ago})),
        Some(InvalidTimes)
    );
}

#[test]
fn jwt_t14_leeway_is_capped_at_five_minutes() {
    let mut issuer = TestIssuer::new();
    issuer.validation.leeway = Duration::from_secs(3600);
    let now = issuer.now();
    let at = |exp: i64| issuer.outcome(json!({"exp": exp, "iat": now - 3600, "nbf": now - 3600}));
    assert_eq!(at(now - 299), None);
    assert_eq!(at(now - 300), Some(Expired));
    assert_eq!(at(now - 1800), Some(Expired));
}

#[test]
fn jwt_t16_inconsistent_times_are_rejected() {
    let issuer = TestIssuer::new();
    let now = issuer.now();
    assert_eq!(
        issuer.outcome(json!({"exp": now + 60, "nbf": now + 61})),
        Some(InvalidTimes)
    );
    assert_eq!(
        issuer.outcome(json!({"exp": now + 10, "iat": now + 20, "nbf": null})),
        Some(InvalidTimes)
    );
}

// §1.I subject and identity claims

#[test]
fn jwt_s01_missing_sub_is_rejected() {
    assert_eq!(
        TestIssuer::new().outcome(without("sub")),
        Some(MissingClaim)
    );
}

#[test]
fn jwt_s02_empty_numeric_or_array_sub_is_rejected() {
    let issuer = TestIssuer::new();
    for sub in [json!(""), json!(42), json!(["alice"]), Value::Null] {
        assert_eq!(
            with_raw(&issuer, "sub", sub.clone()),
            Some(InvalidClaim),
            "{sub}"
        );
    }
}

#[test]
fn jwt_s03_same_email_different_oid_are_two_principals() {
    let issuer = entra(None);
    let user = |tid: &str, oid: &str| {
        let mut changes = entra_v2(tid, tid);
        merge_into(
            &mut changes,
            json!({"oid": oid, "sub": format!("pairwise-{oid}"),
            "preferred_username": "alice@contoso.com", "scp": "read"}),
        );
        issuer.principal(changes)
    };
    let a = user(TID, "33333333-4444-5555-6666-777777777777");
    let b = user(OTHER_TID, "88888888-4444-5555-6666-777777777777");
    assert_eq!(a.email, b.email);
    assert_ne!((&a.issuer, &a.subject), (&b.issuer, &b.subject));
    assert_ne!((&a.tenant, &a.object_id), (&b.tenant, &b.object_id));
    assert_ne!(a, b);
}

fn merge_into(into: &mut Value, changes: Value) {
    crate::pipeline::merge(into, changes);
}

#[test]
fn jwt_j08_control_characters_in_identifiers_are_rejected() {
    let issuer = TestIssuer::new();
    for sub in [
        "alice\u{0}admin",
        "alice\r\nadmin",
        "alice\u{7f}",
        "alice\u{85}",
    ] {
        assert_eq!(
            issuer.outcome(json!({ "sub": sub })),
            Some(InvalidClaim),
            "{sub:?}"
        );
        assert_eq!(
            issuer.outcome(json!({ "azp": sub })),
            Some(InvalidClaim),
            "{sub:?}"
        );
    }
    assert_eq!(issuer.outcome(json!({"oid": ""})), Some(InvalidClaim));
}

#[test]
fn jwt_j09_case_variants_are_not_registered_claims() {
    let issuer = TestIssuer::new();
    let later = issuer.now() + 600;
    assert_eq!(
        issuer.outcome(json!({"exp": null, "Exp": later})),
        Some(MissingClaim)
    );
    assert_eq!(
        issuer.outcome(json!({"iss": null, "ISS": ISSUER})),
        Some(WrongIssuer)
    );
}

#[test]
fn jwt_j04_oversized_role_arrays_are_rejected() {
    let issuer = TestIssuer::new();
    let roles: Vec<String> = (0..1025).map(|i| format!("r{i}")).collect();
    assert_eq!(
        issuer.outcome(json!({ "roles": roles })),
        Some(InvalidClaim)
    );
    assert_eq!(
        issuer.outcome(json!({"roles": ["a", 1]})),
        Some(InvalidClaim)
    );
    assert_eq!(issuer.outcome(json!({"scp": 7})), Some(InvalidClaim));
}

// Principal::from_claims over verified tokens

#[test]
fn okta_scp_array_and_cid() {
    let issuer = TestIssuer::new();
    let p =
        issuer.principal(json!({"scp": ["openid", "orders.read"], "cid": "0oa1", "uid": "00u1"}));
    assert_eq!(p.scopes, ["openid", "orders.read"]);
    assert_eq!(p.client_id.as_deref(), Some("0oa1"));
    assert!(!p.app_only);
}

#[test]
fn okta_client_credentials_is_app_only() {
    let p =
        TestIssuer::new().principal(json!({"sub": "0oa1", "cid": "0oa1", "scp": ["orders.read"]}));
    assert!(p.app_only);
}

#[test]
fn auth0_scope_permissions_and_m2m() {
    let issuer = TestIssuer::new();
    let mapping = ClaimMapping {
        roles: vec!["permissions".into()],
        groups: vec![],
    };
    let claims = issuer
        .verify(&issuer.token(json!({"scope": "read:orders write:orders",
        "permissions": ["read:orders"], "azp": "abc", "sub": "abc@clients",
        "gty": "client-credentials"})))
        .unwrap();
    let p = authgate_core::Principal::from_claims("auth0", claims, &mapping);
    assert_eq!(p.scopes, ["read:orders", "write:orders"]);
    assert_eq!(p.roles, ["read:orders"]);
    assert!(p.app_only);
    let rfc9068 = issuer.principal(json!({"sub": "abc@clients", "client_id": "abc"}));
    assert!(rfc9068.app_only);
}

#[test]
fn entra_app_only_shapes() {
    // With the Entra token-kind rule, as the Entra provider configures it: every shape that
    // maps to a principal here must also pass as an access token.
    let mut issuer = entra(None);
    issuer.validation.kind = TokenKind::AccessToken {
        require_at_jwt: false,
        require_entra_shape: true,
    };
    let oid = "99999999-8888-7777-6666-555555555555";
    let app = |extra: Value| {
        let mut changes = entra_v2(TID, TID);
        merge_into(
            &mut changes,
            json!({"oid": oid, "sub": oid, "azp": "client"}),
        );
        merge_into(&mut changes, extra);
        issuer.principal(changes)
    };
    assert!(app(json!({"roles": ["Orders.Read.All"]})).app_only);
    assert!(app(json!({"idtyp": "app", "roles": ["Orders.Read.All"]})).app_only);
    assert!(
        app(json!({})).app_only,
        "2014 v1 shape: no roles, no scp, sub == oid"
    );
    let user = app(json!({"sub": "pairwise", "scp": "access_as_user", "roles": ["Admin"]}));
    assert!(!user.app_only);
    assert_eq!(
        (user.tenant.as_deref(), user.object_id.as_deref()),
        (Some(TID), Some(oid))
    );
    assert_eq!(user.roles, ["Admin"]);
}

#[test]
fn email_falls_back_only_to_single_at_usernames() {
    let issuer = TestIssuer::new();
    let p = issuer.principal(json!({"preferred_username": "bob@contoso.com", "name": "Bob"}));
    assert_eq!(
        (p.email.as_deref(), p.name.as_deref()),
        (Some("bob@contoso.com"), Some("Bob"))
    );
    let weird = issuer.principal(json!({"upn": "attacker@evil.com@company.com"}));
    assert_eq!(weird.email, None);
    let email = issuer.principal(json!({"email": "a@x.com", "preferred_username": "b@y.com"}));
    assert_eq!(email.email.as_deref(), Some("a@x.com"));
}

#[test]
fn jwt_j07_number_edge_cases_follow_the_time_rules() {
    let issuer = TestIssuer::new();
    let raw = |exp: &str| {
        let payload =
            format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","sub":"alice","exp":{exp}}}"#);
        let token = issuer
            .key
            .sign_parts(br#"{"alg":"ES256","kid":"k1"}"#, payload.as_bytes());
        issuer.verify(&token).err()
    };
    assert_eq!(raw(&format!("{}", issuer.now() + 600)), None);
    assert_eq!(raw(&format!("{}.0e0", issuer.now() + 600)), None);
    assert_eq!(raw("-0"), Some(InvalidTimes));
    assert_eq!(raw("1.0e1"), Some(Expired));
    assert_eq!(raw("18446744073709551616"), Some(InvalidTimes));
    assert_eq!(raw("9007199254740993"), Some(InvalidTimes));
    assert!(
        raw("1e400").is_some(),
        "an out-of-range number is never accepted"
    );
}
