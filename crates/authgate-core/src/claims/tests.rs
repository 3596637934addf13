//! Unit tests of the claims set and its accessors (claims built from maps; parsed claims are
//! checked against the map-building parser in `jose::claims_json`).

use super::*;
use serde_json::json;

fn claims(v: Value) -> Claims {
    match v {
        Value::Object(map) => Claims::new(map),
        _ => panic!("test claims must be an object"),
    }
}

#[test]
fn known_claims_are_found_by_name() {
    for (i, claim) in Claim::ALL.into_iter().enumerate() {
        assert_eq!(Claim::named(claim.name()), Some(claim), "{claim:?}");
        assert_eq!(claim.slot(), i);
    }
    for other in [
        "",
        "Iss",
        "iss ",
        "sub\u{0}",
        "x",
        "preferred_usernam",
        "ver",
        "ixs",
        "sxb",
        "preferred_usernaxe",
        "client_xd",
    ] {
        assert_eq!(Claim::named(other), None, "{other:?}");
    }
}

#[test]
fn lookups_agree_with_the_map() {
    let mut map = Map::new();
    for (i, claim) in Claim::ALL.iter().enumerate().filter(|(i, _)| i % 3 != 0) {
        map.insert(claim.name().to_owned(), json!(i));
    }
    map.insert("ver".into(), json!("2.0"));
    let c = Claims::new(map.clone());
    for name in Claim::ALL
        .map(Claim::name)
        .iter()
        .chain(&["ver", "other", ""])
    {
        assert_eq!(c.get(name), map.get(*name), "{name}");
        assert_eq!(c.contains(name), map.contains_key(*name), "{name}");
    }
    assert_eq!(c.as_map(), &map);
    assert_eq!(format!("{c:?}"), format!("Claims({map:?})"));
    assert_eq!(c, Claims::new(map));
}

#[test]
fn numeric_date_is_tri_state() {
    let c = claims(
        json!({"a": 1700000000, "b": 1700000000.5, "c": "1700000000",
        "d": null, "e": true, "f": {}, "g": -0.0}),
    );
    assert_eq!(c.numeric_date("a"), ClaimValue::Present(1_700_000_000.0));
    assert_eq!(c.numeric_date("b"), ClaimValue::Present(1_700_000_000.5));
    for name in ["c", "d", "e", "f"] {
        assert_eq!(c.numeric_date(name), ClaimValue::Invalid, "{name}");
    }
    assert_eq!(c.numeric_date("g"), ClaimValue::Present(0.0));
    assert_eq!(c.numeric_date("missing"), ClaimValue::Absent);
}

#[test]
fn huge_numbers_are_finite_floats() {
    let c = claims(json!({"a": u64::MAX, "b": 1e308}));
    assert!(matches!(c.numeric_date("a"), ClaimValue::Present(t) if t > 1.8e19));
    assert_eq!(c.numeric_date("b"), ClaimValue::Present(1e308));
}

#[test]
fn string_or_array_rejects_non_string_elements() {
    let c = claims(json!({"one": "x", "many": ["x", "y"], "mixed": ["x", 1],
        "empty": [], "num": 42, "obj": {"x": 1}}));
    let one = c.str_or_array("one").present().unwrap();
    assert_eq!(one.iter().collect::<Vec<_>>(), ["x"]);
    let many = c.str_or_array("many").present().unwrap();
    assert_eq!(
        (many.len(), many.iter().collect::<Vec<_>>()),
        (2, vec!["x", "y"])
    );
    assert_eq!(c.str_or_array("empty").present().map(|a| a.len()), Some(0));
    for name in ["mixed", "num", "obj"] {
        assert_eq!(c.str_or_array(name), ClaimValue::Invalid, "{name}");
    }
    assert_eq!(c.str_or_array("missing"), ClaimValue::Absent);
}

#[test]
fn string_is_tri_state() {
    let c = claims(json!({"s": "x", "n": 1, "z": null}));
    assert_eq!(c.string("s"), ClaimValue::Present("x"));
    assert_eq!(c.string("n"), ClaimValue::Invalid);
    assert_eq!(c.string("z"), ClaimValue::Invalid);
    assert_eq!(c.string("missing"), ClaimValue::Absent);
    assert!(c.contains("z") && !c.contains("missing"));
}

#[test]
fn object_is_tri_state() {
    let c = claims(json!({"cnf": {"jkt": "x"}, "list": [1], "s": "x", "z": null}));
    assert_eq!(c.object(Claim::Cnf), ClaimValue::Present(()));
    for name in ["list", "s", "z"] {
        assert_eq!(c.object(name), ClaimValue::Invalid, "{name}");
    }
    assert_eq!(c.object("missing"), ClaimValue::Absent);
}

#[test]
fn a_claim_and_its_name_find_the_same_member() {
    let c = claims(json!({"sub": "alice", "scp": ["a", "b"], "ver": "2.0"}));
    assert_eq!(c.str_of(Claim::Sub), c.get_str("sub"));
    assert_eq!(c.has(Claim::Scp), c.contains("scp"));
    assert!(!c.has(Claim::Nonce) && !c.contains("nonce"));
    assert_eq!(c.get_str("ver"), Some("2.0"));
}

#[test]
fn text_spans_only_what_lies_inside_the_payload() {
    let payload = "{\"sub\":\"alice\"}";
    let inside = payload.get(8..13).unwrap();
    assert_eq!(Text::of(payload, inside), Text::Span { start: 8, len: 5 });
    assert_eq!(Text::of(payload, inside).resolve(payload), "alice");
    let elsewhere = String::from("alice");
    assert_eq!(Text::of(payload, &elsewhere), Text::Owned("alice".into()));
    assert_eq!(
        Text::of(payload, payload.get(15..).unwrap()).resolve(payload),
        ""
    );
}

#[test]
fn the_map_is_built_once_and_only_on_demand() {
    let key = crate::SigningKey::generate(crate::Algorithm::HS256, "k");
    let token = key.sign_token(
        &Map::new(),
        &json!({"sub": "alice", "aud": ["a"], "exp": 1, "ver": "2.0", "cnf": {}}),
    );
    let jws = crate::Jws::parse(&token).unwrap();
    let c = jws.claims();
    assert_eq!(c.get_str("sub"), Some("alice"));
    assert_eq!(c.get_str("ver"), Some("2.0"));
    assert!(c.contains("aud") && !c.contains("nonce"));
    assert_eq!(c.numeric_date(Claim::Exp), ClaimValue::Present(1.0));
    assert_eq!(
        c.str_or_array(Claim::Aud).present().map(|a| a.len()),
        Some(1)
    );
    assert_eq!(c.object(Claim::Cnf), ClaimValue::Present(()));
    assert_eq!(c.get("nonce"), None);
    assert!(c.0.map.get().is_none(), "typed reads built the map");
    assert_eq!(c.get("sub"), Some(&json!("alice")));
    assert!(std::ptr::eq(c.as_map(), c.as_map()));
    assert_eq!(c, &Claims::new(c.as_map().clone()));
    assert_ne!(c, &claims(json!({"sub": "bob"})));
}
