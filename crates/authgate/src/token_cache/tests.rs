use super::*;
use authgate_core::Claims;

const NOW: UnixTime = UnixTime(1_800_000_000);

fn principal(exp: i64, nbf: Option<i64>) -> Principal {
    let mut claims = serde_json::json!({ "exp": exp });
    if let Some(nbf) = nbf {
        claims["nbf"] = nbf.into();
    }
    Principal {
        provider: "p".into(),
        issuer: "https://idp.example.com".into(),
        subject: "alice".into(),
        tenant: None,
        object_id: None,
        client_id: None,
        scopes: Vec::new(),
        roles: Vec::new(),
        groups: Vec::new(),
        app_only: false,
        name: None,
        email: None,
        expires_at: Some(exp),
        claims: Claims::new(claims.as_object().unwrap().clone()),
    }
}

/// A leeway of 60 s and a maximum lifetime of a day, as by default.
const RULES: TimeRules = TimeRules {
    leeway: Duration::from_secs(60),
    max_lifetime: Duration::from_secs(24 * 3600),
};

fn origin(route: usize, generation: u64) -> Origin {
    Origin {
        route,
        generation,
        rivals: Box::new([]),
    }
}

fn entry(exp: i64, nbf: Option<i64>) -> Entry {
    issued_entry(exp, nbf, None)
}

fn issued_entry(exp: i64, nbf: Option<i64>, iat: Option<i64>) -> Entry {
    Entry {
        origin: origin(0, 0),
        not_before: nbf.map(|n| n as f64),
        issued_at: iat.map(|n| n as f64),
        principal: Arc::new(principal(exp, nbf)),
        leeway: RULES.leeway,
        max_lifetime: RULES.max_lifetime,
        lifetime: Duration::ZERO,
        until: UnixTime(i64::MAX),
        deadline: Instant::now() + Duration::from_secs(3600),
    }
}

#[test]
fn jwt_f11_keys_are_digests_of_the_whole_token() {
    assert_eq!(TokenCache::key("a.b.c"), TokenCache::key("a.b.c"));
    assert_ne!(TokenCache::key("a.b.c"), TokenCache::key("a.b.d"));
}

#[test]
fn entries_live_until_exp_plus_leeway_or_the_ttl() {
    let cache = TokenCache::new(10, Duration::from_secs(300));
    let leeway = Duration::from_secs(60);
    assert_eq!(
        cache.lifetime(Some(NOW.0 + 100), leeway, NOW),
        Duration::from_secs(160)
    );
    assert_eq!(
        cache.lifetime(Some(NOW.0 + 3600), leeway, NOW),
        Duration::from_secs(300)
    );
    assert_eq!(
        cache.lifetime(Some(NOW.0 - 120), leeway, NOW),
        Duration::ZERO
    );
    assert_eq!(cache.lifetime(None, leeway, NOW), Duration::ZERO);
}

#[test]
fn a_refusal_is_relied_on_only_while_lasting_and_under_the_same_key_set() {
    let keys = Arc::new(Loaded::for_tests());
    let other = Arc::new(Loaded::for_tests());
    let refused =
        |kind, before, after| Rival::refused(4, &VerifyError::new(kind, "test"), before, after);
    let holds =
        |rival: &Rival, keys| rival.refuses_given(keys, |_| unreachable!("not an unknown kid"));
    let audience = refused(VerifyErrorKind::WrongAudience, Some(&keys), Some(&keys));
    assert!(holds(&audience, Some(&keys)));
    assert!(!holds(&audience, Some(&other)), "another key set");
    let across = refused(VerifyErrorKind::BadSignature, Some(&keys), Some(&other));
    assert!(!holds(&across, Some(&other)), "keys changed during the try");
    for passing in [
        VerifyErrorKind::Expired,
        VerifyErrorKind::NotYetValid,
        VerifyErrorKind::InvalidTimes,
        VerifyErrorKind::KeysUnavailable,
    ] {
        let rival = refused(passing, Some(&keys), Some(&keys));
        assert!(!holds(&rival, Some(&keys)), "{passing:?}");
    }
    for rival in [&audience, &across, &Rival::untried(4)] {
        assert!(
            holds(rival, None),
            "no usable keys: a fresh try refuses at once"
        );
    }
    assert!(!holds(&Rival::untried(4), Some(&keys)));
}

#[test]
fn an_unknown_kid_holds_only_while_a_fresh_try_would_not_fetch() {
    let keys = Arc::new(Loaded::for_tests());
    let other = Arc::new(Loaded::for_tests());
    let error = VerifyError::new(VerifyErrorKind::UnknownKey, "test");
    let unknown = Rival::refused(4, &error, Some(&keys), Some(&keys));
    assert!(
        unknown.refuses_given(Some(&keys), |_| true),
        "cooldown: no fetch"
    );
    assert!(
        !unknown.refuses_given(Some(&keys), |_| false),
        "a fetch may bring the key"
    );
    assert!(unknown.refuses_given(None, |_| false), "no usable keys");
    let across = Rival::refused(4, &error, Some(&keys), Some(&other));
    assert!(
        !across.refuses_given(Some(&other), |_| true),
        "keys changed during the try"
    );
}

#[test]
fn insert_and_get_round_trip_and_zero_ttl_disables() {
    let cache = TokenCache::new(10, Duration::from_secs(300));
    let key = TokenCache::key("t");
    cache.insert(
        key,
        origin(3, 7),
        Arc::new(principal(NOW.0 + 600, None)),
        &RULES,
        NOW,
    );
    let hit = cache.get(&key).unwrap();
    assert_eq!((hit.origin.route, hit.origin.generation), (3, 7));
    cache.remove(&key);
    assert!(cache.get(&key).is_none());
    let off = TokenCache::new(10, Duration::ZERO);
    off.insert(
        key,
        origin(0, 0),
        Arc::new(principal(NOW.0 + 600, None)),
        &RULES,
        NOW,
    );
    assert!(off.get(&key).is_none());
}

#[test]
fn hits_recheck_exp_and_nbf_with_leeway() {
    assert!(check_times(&entry(NOW.0 + 10, None), NOW).is_ok());
    assert!(
        check_times(&entry(NOW.0 - 59, None), NOW).is_ok(),
        "within the leeway"
    );
    let expired = check_times(&entry(NOW.0 - 60, None), NOW).unwrap_err();
    assert_eq!(expired.kind(), VerifyErrorKind::Expired);
    let early = check_times(&entry(NOW.0 + 600, Some(NOW.0 + 61)), NOW).unwrap_err();
    assert_eq!(early.kind(), VerifyErrorKind::NotYetValid);
}

/// A clock stepped back after verification (JWT-T12, JWT-T07): the checks that depend on
/// `now` are made again on a hit, as a fresh verification would make them.
#[test]
fn hits_recheck_iat_and_the_remaining_lifetime_when_the_clock_steps_back() {
    let issued_now = issued_entry(NOW.0 + 600, None, Some(NOW.0));
    assert!(check_times(&issued_now, NOW).is_ok());
    assert!(
        check_times(&issued_now, UnixTime(NOW.0 - 60)).is_ok(),
        "leeway"
    );
    let future = check_times(&issued_now, UnixTime(NOW.0 - 61)).unwrap_err();
    assert_eq!(future.kind(), VerifyErrorKind::InvalidTimes);
    // Without `iat`, the remaining lifetime: a day plus the leeway at most.
    let day = 24 * 3600;
    let no_iat = entry(NOW.0 + 600, None);
    let earliest = NOW.0 + 600 - day - 60;
    assert!(check_times(&no_iat, UnixTime(earliest)).is_ok());
    let long = check_times(&no_iat, UnixTime(earliest - 1)).unwrap_err();
    assert_eq!(long.kind(), VerifyErrorKind::InvalidTimes);
}
