//! Unit tests of the claim steps on claims built from JSON (no keys needed).

use super::*;
use crate::claims::Claims;
use crate::clock::UnixTime;
use crate::error::VerifyErrorKind::{self, *};
use crate::jose::Header;
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000;
const TID: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const ENTRA_V2: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

fn claims(v: Value) -> Claims {
    match v {
        Value::Object(map) => Claims::new(map),
        _ => panic!("claims must be an object"),
    }
}

fn header(typ: Option<&str>) -> Header {
    Header {
        alg: Algorithm::RS256,
        kid: None,
        x5t: None,
        typ: typ.map(Into::into),
        cty: None,
    }
}

fn access() -> Validation {
    Validation::access_token(
        IssuerRule::Exact(vec!["https://idp".into()]),
        vec!["api".into()],
    )
}

fn kind_of<T>(r: Result<T, VerifyError>) -> Option<VerifyErrorKind> {
    r.err().map(|e| e.kind())
}

fn times_at(c: Value, v: &Validation) -> Option<VerifyErrorKind> {
    kind_of(times(&claims(c), v, UnixTime(NOW)))
}

#[test]
fn typ_rules_per_kind() {
    let plain = TokenKind::AccessToken {
        require_at_jwt: false,
        require_entra_shape: false,
    };
    let rfc9068 = TokenKind::AccessToken {
        require_at_jwt: true,
        require_entra_shape: false,
    };
    let c = claims(json!({}));
    for typ in [
        None,
        Some("JWT"),
        Some("at+jwt"),
        Some("application/AT+JWT"),
    ] {
        assert_eq!(
            kind_of(token_kind(&header(typ), &c, &plain)),
            None,
            "{typ:?}"
        );
    }
    for typ in ["at+jwt", "AT+JWT", "at+JWT", "application/at+jwt"] {
        assert_eq!(
            kind_of(token_kind(&header(Some(typ)), &c, &rfc9068)),
            None,
            "{typ}"
        );
    }
    for typ in [None, Some("JWT")] {
        assert_eq!(
            kind_of(token_kind(&header(typ), &c, &rfc9068)),
            Some(WrongTokenType)
        );
    }
    for typ in [
        "logout+jwt",
        "secevent+jwt",
        "refresh+jwt",
        "text/jwt",
        "at+jwt; x=1",
        "",
    ] {
        for kind in [&plain, &rfc9068, &TokenKind::IdToken] {
            let r = token_kind(&header(Some(typ)), &c, kind);
            assert_eq!(kind_of(r), Some(WrongTokenType), "{typ} {kind:?}");
        }
    }
    assert_eq!(
        kind_of(token_kind(&header(Some("at+jwt")), &c, &TokenKind::IdToken)),
        Some(WrongTokenType)
    );
}

#[test]
fn nonce_events_and_missing_scp_mark_other_token_kinds() {
    let plain = TokenKind::AccessToken {
        require_at_jwt: false,
        require_entra_shape: false,
    };
    let entra = TokenKind::AccessToken {
        require_at_jwt: false,
        require_entra_shape: true,
    };
    let h = header(Some("JWT"));
    let id_token = claims(json!({"nonce": "n"}));
    assert_eq!(
        kind_of(token_kind(&h, &id_token, &plain)),
        Some(WrongTokenType)
    );
    assert_eq!(
        kind_of(token_kind(&h, &id_token, &TokenKind::IdToken)),
        None
    );
    let logout =
        claims(json!({"events": {"http://schemas.openid.net/event/backchannel-logout": {}}}));
    assert_eq!(
        kind_of(token_kind(&h, &logout, &TokenKind::IdToken)),
        Some(WrongTokenType)
    );
    assert_eq!(
        kind_of(token_kind(&h, &claims(json!({})), &entra)),
        Some(WrongTokenType)
    );
    assert_eq!(
        kind_of(token_kind(&h, &claims(json!({"scp": "a"})), &entra)),
        None
    );
    let entra_kind = |c: Value| kind_of(token_kind(&h, &claims(c), &entra));
    let (oid, pairwise) = ("99999999-8888-7777-6666-555555555555", "HKZpfaHyWade");
    // An ID token of a user with app roles: `roles`, no `nonce`, a pairwise `sub`.
    assert_eq!(
        entra_kind(json!({"roles": ["a"], "sub": pairwise, "oid": oid})),
        Some(WrongTokenType)
    );
    assert_eq!(entra_kind(json!({"roles": ["a"]})), Some(WrongTokenType));
    let user_typ = json!({"roles": ["a"], "sub": pairwise, "oid": oid, "idtyp": "user"});
    assert_eq!(entra_kind(user_typ), Some(WrongTokenType));
    // App-only: `idtyp: app` or `sub == oid`, with or without `roles`.
    assert_eq!(
        entra_kind(json!({"roles": ["a"], "sub": oid, "oid": oid})),
        None
    );
    assert_eq!(entra_kind(json!({"sub": oid, "oid": oid})), None);
    assert_eq!(
        entra_kind(json!({"idtyp": "app", "sub": pairwise, "oid": oid})),
        None
    );
    // Delegated: `scp`, with or without `roles`.
    assert_eq!(
        entra_kind(json!({"scp": "a", "roles": ["b"], "sub": pairwise, "oid": oid})),
        None
    );
}

#[test]
fn issuer_is_an_exact_string() {
    let rule = IssuerRule::Exact(vec!["https://idp.example.com".into()]);
    assert_eq!(
        kind_of(issuer(
            &claims(json!({"iss": "https://idp.example.com"})),
            &rule
        )),
        None
    );
    for iss in [
        "https://idp.example.com/",
        "https://IDP.example.com",
        "http://idp.example.com",
        "https://idp.example.com:443",
        "",
    ] {
        assert_eq!(
            kind_of(issuer(&claims(json!({"iss": iss})), &rule)),
            Some(WrongIssuer),
            "{iss}"
        );
    }
    assert_eq!(
        kind_of(issuer(&claims(json!({})), &rule)),
        Some(WrongIssuer)
    );
    for iss in [json!(["https://idp.example.com"]), json!(1), Value::Null] {
        assert_eq!(
            kind_of(issuer(&claims(json!({"iss": iss})), &rule)),
            Some(InvalidClaim)
        );
    }
}

fn entra(allowed: Option<Vec<String>>) -> IssuerRule {
    IssuerRule::EntraTemplate {
        templates: vec![ENTRA_V2.into()],
        allowed_tenants: allowed,
    }
}

fn entra_iss(tid: &str) -> String {
    format!("https://login.microsoftonline.com/{tid}/v2.0")
}

#[test]
fn entra_template_substitutes_a_guid_tid() {
    let ok = claims(json!({"iss": entra_iss(TID), "tid": TID}));
    assert_eq!(kind_of(issuer(&ok, &entra(None))), None);
    assert_eq!(kind_of(issuer(&ok, &entra(Some(vec![TID.into()])))), None);
    let other = "11111111-2222-3333-4444-555555555555";
    let mismatch = claims(json!({"iss": entra_iss(other), "tid": TID}));
    assert_eq!(kind_of(issuer(&mismatch, &entra(None))), Some(WrongIssuer));
    assert_eq!(
        kind_of(issuer(&ok, &entra(Some(vec![other.into()])))),
        Some(WrongIssuer)
    );
    let not_guid = claims(json!({"iss": entra_iss("contoso"), "tid": "contoso"}));
    assert_eq!(kind_of(issuer(&not_guid, &entra(None))), Some(InvalidClaim));
    let no_tid = claims(json!({"iss": entra_iss(TID)}));
    assert_eq!(kind_of(issuer(&no_tid, &entra(None))), Some(WrongIssuer));
    let v1 = claims(json!({"iss": format!("https://sts.windows.net/{TID}/"), "tid": TID}));
    assert_eq!(kind_of(issuer(&v1, &entra(None))), Some(WrongIssuer));
}

#[test]
fn template_matching_is_ordinal_and_allocation_free() {
    assert!(issuer::matches_template(ENTRA_V2, TID, &entra_iss(TID)));
    assert!(issuer::matches_template(
        "https://x/{TenantId}/",
        TID,
        &format!("https://x/{TID}/")
    ));
    assert!(!issuer::matches_template(
        ENTRA_V2,
        TID,
        &entra_iss(&TID.to_uppercase())
    ));
    assert!(!issuer::matches_template(
        ENTRA_V2,
        TID,
        "https://login.microsoftonline.com/v2.0"
    ));
    assert!(issuer::matches_template(
        "https://fixed",
        TID,
        "https://fixed"
    ));
    assert!(issuer::is_guid(TID) && issuer::is_guid(&TID.to_uppercase()));
    for bad in [
        "",
        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeee",
        "aaaaaaaa_bbbb-cccc-dddd-eeeeeeeeeeee",
        "gaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/",
    ] {
        assert!(!issuer::is_guid(bad), "{bad}");
    }
}

#[test]
fn key_issuer_binds_entra_keys_to_the_token_issuer() {
    let rule = entra(None);
    let c = claims(json!({"iss": entra_iss(TID), "tid": TID}));
    let check = |key: Option<&str>, c: &Claims| kind_of(key_issuer(key, c, &rule));
    assert_eq!(check(None, &c), None);
    assert_eq!(check(Some(ENTRA_V2), &c), None);
    assert_eq!(check(Some(&entra_iss(TID)), &c), None);
    let msa_tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    assert_eq!(check(Some(&entra_iss(msa_tid)), &c), Some(WrongIssuer));
    let lying_tid = claims(json!({"iss": entra_iss(TID), "tid": msa_tid}));
    assert_eq!(check(Some(ENTRA_V2), &lying_tid), Some(WrongIssuer));
    let no_tid = claims(json!({"iss": entra_iss(TID)}));
    assert_eq!(check(Some(ENTRA_V2), &no_tid), Some(WrongIssuer));
}

#[test]
fn v2_keys_verify_v1_tokens_of_the_same_tenant_when_v2_is_accepted() {
    let v1_template = "https://sts.windows.net/{tenantid}/";
    let both = IssuerRule::EntraTemplate {
        templates: vec![v1_template.into(), ENTRA_V2.into()],
        allowed_tenants: None,
    };
    let v1_only = IssuerRule::EntraTemplate {
        templates: vec![v1_template.into()],
        allowed_tenants: None,
    };
    let v1_token = claims(json!({"iss": format!("https://sts.windows.net/{TID}/"), "tid": TID}));
    assert_eq!(kind_of(key_issuer(Some(ENTRA_V2), &v1_token, &both)), None);
    assert_eq!(
        kind_of(key_issuer(Some(ENTRA_V2), &v1_token, &v1_only)),
        Some(WrongIssuer)
    );
    let msa = entra_iss("9188040d-6c67-4c5b-b112-36a304b66dad");
    assert_eq!(
        kind_of(key_issuer(Some(&msa), &v1_token, &both)),
        Some(WrongIssuer)
    );
    let exact = IssuerRule::Exact(vec![
        format!("https://sts.windows.net/{TID}/"),
        entra_iss(TID),
    ]);
    assert_eq!(
        kind_of(key_issuer(Some(&entra_iss(TID)), &v1_token, &exact)),
        None
    );
}

#[test]
fn audience_shapes() {
    let auds = vec!["api".to_owned(), "api://api".to_owned()];
    let at = TokenKind::AccessToken {
        require_at_jwt: false,
        require_entra_shape: false,
    };
    let check = |aud: Value| kind_of(audience(&claims(json!({"aud": aud})), &auds, &[], &at));
    assert_eq!(check(json!("api")), None);
    assert_eq!(check(json!(["api"])), None);
    assert_eq!(check(json!(["other", "api://api"])), None);
    for near_miss in ["api ", "API", "api://api.evil", "other"] {
        assert_eq!(check(json!(near_miss)), Some(WrongAudience), "{near_miss}");
    }
    assert_eq!(check(json!([])), Some(WrongAudience));
    for bad in [
        json!(42),
        json!([123, null, {"x": 1}]),
        json!(["api", 1]),
        Value::Null,
        json!({}),
    ] {
        assert_eq!(check(bad.clone()), Some(InvalidClaim), "{bad}");
    }
    let many: Vec<String> = (0..=audience::MAX_AUDIENCES)
        .map(|i| format!("a{i}"))
        .collect();
    assert_eq!(check(json!(many)), Some(InvalidClaim));
    assert_eq!(
        kind_of(audience(&claims(json!({})), &auds, &[], &at)),
        Some(WrongAudience)
    );
}

#[test]
fn id_token_audience_and_azp() {
    let auds = vec!["client".to_owned()];
    let id = TokenKind::IdToken;
    let check = |c: Value| kind_of(audience(&claims(c), &auds, &[], &id));
    assert_eq!(check(json!({"aud": "client"})), None);
    assert_eq!(check(json!({"aud": "client", "azp": "client"})), None);
    assert_eq!(
        check(json!({"aud": "client", "azp": "other"})),
        Some(WrongAudience)
    );
    assert_eq!(
        check(json!({"aud": ["client", "untrusted"], "azp": "client"})),
        Some(WrongAudience)
    );
    assert_eq!(
        check(json!({"aud": "client", "azp": 7})),
        Some(InvalidClaim)
    );
    let two = vec!["client".to_owned(), "client2".to_owned()];
    let two_auds = |c: Value| kind_of(audience(&claims(c), &two, &[], &id));
    assert_eq!(
        two_auds(json!({"aud": ["client", "client2"]})),
        Some(WrongAudience)
    );
    assert_eq!(
        two_auds(json!({"aud": ["client", "client2"], "azp": "client"})),
        None
    );
}

/// Google's hybrid apps: the Android client presents an ID token whose audience is the web
/// backend. A configured presenter is accepted as `azp`, never as the audience.
#[test]
fn authorized_parties_widen_azp_only() {
    let auds = vec!["web".to_owned()];
    let android = vec!["android".to_owned()];
    let id = TokenKind::IdToken;
    let check =
        |c: Value, presenters: &[String]| kind_of(audience(&claims(c), &auds, presenters, &id));
    let presented = json!({"aud": "web", "azp": "android"});
    assert_eq!(check(presented.clone(), &[]), Some(WrongAudience));
    assert_eq!(check(presented, &android), None);
    assert_eq!(
        check(json!({"aud": "android", "azp": "android"}), &android),
        Some(WrongAudience)
    );
    assert_eq!(
        check(
            json!({"aud": ["web", "android"], "azp": "android"}),
            &android
        ),
        Some(WrongAudience)
    );
}

#[test]
fn exp_boundaries() {
    let v = access();
    let now = NOW as f64;
    assert_eq!(times_at(json!({"exp": now - 30.0}), &v), None);
    assert_eq!(times_at(json!({"exp": now - 59.0}), &v), None);
    assert_eq!(times_at(json!({"exp": now - 60.0}), &v), Some(Expired));
    assert_eq!(times_at(json!({"exp": now - 61.0}), &v), Some(Expired));
    assert_eq!(times_at(json!({"exp": now - 59.5}), &v), None);
    assert_eq!(times_at(json!({}), &v), Some(MissingClaim));
}

#[test]
fn badly_typed_times_are_invalid_never_absent() {
    let v = access();
    let exp = json!(NOW + 600);
    for bad in [
        json!("9999999999"),
        json!(true),
        Value::Null,
        json!({}),
        json!([1]),
    ] {
        assert_eq!(
            times_at(json!({"exp": bad}), &v),
            Some(InvalidClaim),
            "exp {bad}"
        );
        assert_eq!(
            times_at(json!({"exp": exp, "nbf": bad}), &v),
            Some(InvalidClaim),
            "nbf {bad}"
        );
        assert_eq!(
            times_at(json!({"exp": exp, "iat": bad}), &v),
            Some(InvalidClaim),
            "iat {bad}"
        );
    }
}

#[test]
fn absurd_exp_values_fail_without_overflow() {
    let v = access();
    for exp in [json!(0), json!(-1), json!(-0.0), json!(i64::MIN)] {
        assert_eq!(
            times_at(json!({"exp": exp}), &v),
            Some(InvalidTimes),
            "{exp}"
        );
    }
    for exp in [
        json!(1e20),
        json!(u64::MAX),
        json!(1e308),
        json!(NOW + 24 * 3600 + 61),
    ] {
        assert_eq!(
            times_at(json!({"exp": exp}), &v),
            Some(InvalidTimes),
            "{exp}"
        );
    }
    assert_eq!(times_at(json!({"exp": NOW + 24 * 3600}), &v), None);
}

#[test]
fn nbf_iat_and_consistency() {
    let v = access();
    let exp = NOW + 600;
    assert_eq!(times_at(json!({"exp": exp, "nbf": NOW + 60}), &v), None);
    assert_eq!(
        times_at(json!({"exp": exp, "nbf": NOW + 61}), &v),
        Some(NotYetValid)
    );
    assert_eq!(
        times_at(json!({"exp": exp, "nbf": NOW + 120}), &v),
        Some(NotYetValid)
    );
    assert_eq!(times_at(json!({"exp": exp, "iat": NOW + 60}), &v), None);
    assert_eq!(
        times_at(json!({"exp": exp, "iat": NOW + 120}), &v),
        Some(InvalidTimes)
    );
    assert_eq!(
        times_at(json!({"exp": exp, "nbf": exp + 1}), &v),
        Some(InvalidTimes)
    );
    assert_eq!(
        times_at(json!({"exp": exp, "iat": exp + 1}), &v),
        Some(InvalidTimes)
    );
    let week_old = NOW - 7 * 24 * 3600;
    assert_eq!(
        times_at(json!({"exp": exp, "iat": week_old}), &v),
        Some(InvalidTimes)
    );
}

#[test]
fn id_tokens_require_iat() {
    let v = Validation {
        kind: TokenKind::IdToken,
        ..access()
    };
    assert_eq!(times_at(json!({"exp": NOW + 600}), &v), Some(MissingClaim));
    assert_eq!(times_at(json!({"exp": NOW + 600, "iat": NOW}), &v), None);
}

#[test]
fn leeway_is_capped_at_five_minutes() {
    let mut v = access();
    v.leeway = std::time::Duration::from_secs(3600);
    assert_eq!(times_at(json!({"exp": NOW - 299}), &v), None);
    assert_eq!(times_at(json!({"exp": NOW - 300}), &v), Some(Expired));
    v.leeway = std::time::Duration::ZERO;
    assert_eq!(times_at(json!({"exp": NOW}), &v), Some(Expired));
    assert_eq!(times_at(json!({"exp": NOW as f64 + 0.5}), &v), None);
}

#[test]
fn subject_and_identifiers() {
    let required = vec!["sub".to_owned()];
    assert_eq!(
        kind_of(required_claims(&claims(json!({})), &required)),
        Some(MissingClaim)
    );
    assert_eq!(
        kind_of(required_claims(&claims(json!({"sub": "a"})), &required)),
        None
    );
    assert_eq!(
        kind_of(identifiers(&claims(json!({"sub": "alice", "oid": TID})))),
        None
    );
    for bad in [
        json!(""),
        json!(1),
        json!(["a"]),
        json!("alice\u{0}admin"),
        json!("a\r\nb"),
        json!("a\u{85}b"),
        Value::Null,
    ] {
        assert_eq!(
            kind_of(identifiers(&claims(json!({"sub": bad})))),
            Some(InvalidClaim),
            "{bad}"
        );
        assert_eq!(
            kind_of(identifiers(&claims(json!({"azp": bad})))),
            Some(InvalidClaim),
            "{bad}"
        );
    }
}

#[test]
fn authorization_claims_are_bounded_and_well_typed() {
    let ok = claims(json!({"scp": "a b", "roles": ["r"], "groups": [], "scope": "x"}));
    assert_eq!(kind_of(authorization_claims(&ok)), None);
    let big: Vec<String> = (0..=profile::MAX_CLAIM_VALUES)
        .map(|i| i.to_string())
        .collect();
    for name in ["roles", "groups", "scp", "permissions"] {
        assert_eq!(
            kind_of(authorization_claims(&claims(json!({name: big})))),
            Some(InvalidClaim)
        );
        assert_eq!(
            kind_of(authorization_claims(&claims(json!({name: [1]})))),
            Some(InvalidClaim)
        );
    }
}

#[test]
fn confirmation_claims_are_refused() {
    assert_eq!(kind_of(no_confirmation(&claims(json!({})))), None);
    let dpop = claims(json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}));
    assert_eq!(kind_of(no_confirmation(&dpop)), Some(WrongTokenType));
    let mtls = claims(json!({"cnf": {"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}));
    assert_eq!(kind_of(no_confirmation(&mtls)), Some(WrongTokenType));
    assert_eq!(
        kind_of(no_confirmation(&claims(json!({"cnf": "x"})))),
        Some(InvalidClaim)
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn template_match_equals_substitution(
            prefix in "[a-z:/.]{0,12}",
            suffix in "[a-z/.0-9]{0,8}",
            tid in "[0-9a-f-]{0,12}",
            other in "[0-9a-f-]{0,12}",
            use_tid in any::<bool>(),
        ) {
            let template = format!("{prefix}{{tenantid}}{suffix}");
            let iss = format!("{prefix}{}{suffix}", if use_tid { &tid } else { &other });
            let expected = template.replace("{tenantid}", &tid) == iss;
            prop_assert_eq!(issuer::matches_template(&template, &tid, &iss), expected);
        }

        #[test]
        fn accepted_times_are_within_bounds(
            exp in prop_oneof![any::<f64>(), (NOW - 1000..NOW + 100_000).prop_map(|t| t as f64)],
            nbf in proptest::option::of(any::<i64>()),
            iat in proptest::option::of(NOW - 100_000..NOW + 1000),
        ) {
            prop_assume!(exp.is_finite());
            let mut c = json!({ "exp": exp });
            if let Some(nbf) = nbf { c["nbf"] = json!(nbf); }
            if let Some(iat) = iat { c["iat"] = json!(iat); }
            let v = access();
            if times(&claims(c), &v, UnixTime(NOW)).is_ok() {
                let now = NOW as f64;
                prop_assert!(now < exp + 60.0 && exp - now <= 24.0 * 3600.0 + 60.0);
                prop_assert!(nbf.is_none_or(|nbf| nbf as f64 <= now + 60.0));
                prop_assert!(iat.is_none_or(|iat| iat as f64 <= now + 60.0));
            }
        }
    }
}
