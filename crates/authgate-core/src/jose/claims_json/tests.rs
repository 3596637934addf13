//! The index parser against the map-building parser ([`parse_object`], the oracle): the same
//! inputs accepted, the same reason for each refusal, and the same values read back.

use super::*;
use crate::claims::{ClaimValue, StrOrArray};
use crate::jose::flat::tests::{CLAIM_NAMES, edge_cases, subset_object};
use proptest::prelude::*;
use serde_json::{Map, json};

/// Names the generator draws from: well-known claims, others, escaped spellings of both
/// (`\u0073ub` is `sub`), and a lone surrogate.
const NAMES: [&str; 22] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "scp",
    "roles",
    "cnf",
    "preferred_username",
    "ver",
    "x",
    "Exp",
    "é",
    "ключ",
    "",
    "\\u0073ub",
    "s\\u0075b",
    "\\u0078",
    "\\u00e9",
    "a\\\"b",
    "\\ud83d\\ude00",
    "\\ud800",
    "sub\\u0000",
];

/// Number spellings, valid and not (serde_json decides; both parsers must agree).
const NUMBERS: [&str; 24] = [
    "0",
    "-0",
    "-0.0",
    "1.0",
    "1e400",
    "-1e400",
    "1e308",
    "-1e-400",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "9007199254740993",
    "1E2",
    "0.5",
    "1700000000",
    "1700000000.5",
    "01",
    "1.",
    "-",
    "+1",
    ".5",
    "NaN",
    "Infinity",
];

/// Pieces of string contents: plain, escaped, non-ASCII, a surrogate pair, a lone surrogate.
const PIECES: [&str; 14] = [
    "abc",
    "a b",
    "\\n",
    "\\u0000",
    "\\\"",
    "\\/",
    "\\\\",
    "é",
    "ключ",
    "\\u00e9",
    "\\ud83d\\ude00",
    "\\ud800",
    "@",
    "",
];

/// Bytes that make up JSON (and one that is never UTF-8), for short random inputs.
const JSON_BYTES: &[u8] = b"{}[]\":,\\ 0-1e.aenrstu\xff";

fn string() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&PIECES[..]), 0..3)
        .prop_map(|pieces| format!("\"{}\"", pieces.concat()))
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(&NAMES[..]).prop_map(|n| format!("\"{n}\""))
}

fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(&NUMBERS[..]).prop_map(str::to_owned),
        string(),
        string(),
        prop::sample::select(&["true", "false", "null"][..]).prop_map(str::to_owned),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(string(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((name(), inner), 0..4).prop_map(|members| object(&members)),
        ]
    })
}

fn object(members: &[(String, String)]) -> String {
    let members: Vec<String> = members.iter().map(|(n, v)| format!("{n}:{v}")).collect();
    format!("{{{}}}", members.join(","))
}

/// A claims object, then maybe one mutation: a byte inserted, a byte removed, data around it.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    let members = prop::collection::vec((name(), value()), 0..8);
    let mutation = (0..8u8, any::<prop::sample::Index>(), 0..12usize);
    (members, mutation).prop_map(|(members, (kind, at, byte))| {
        let mut bytes = object(&members).into_bytes();
        let at = at.index(bytes.len() + 1);
        let inserted = b",}]\":\\ 1e\xff{["[byte];
        match kind {
            0 => bytes.insert(at, inserted),
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            2 => bytes.extend_from_slice(b" x"),
            3 => bytes.splice(0..0, *b"\xef\xbb\xbf").for_each(drop),
            _ => {}
        }
        bytes
    })
}

/// What the old accessors read from a map value.
fn old_string(value: &Value) -> ClaimValue<&str> {
    value
        .as_str()
        .map_or(ClaimValue::Invalid, ClaimValue::Present)
}

fn old_numeric_date(value: &Value) -> ClaimValue<f64> {
    match value.as_f64() {
        Some(t) if value.is_number() && t.is_finite() => ClaimValue::Present(t),
        _ => ClaimValue::Invalid,
    }
}

fn old_str_or_array(value: &Value) -> ClaimValue<Vec<&str>> {
    match value {
        Value::String(s) => ClaimValue::Present(vec![s.as_str()]),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            ClaimValue::Present(items.iter().filter_map(Value::as_str).collect())
        }
        _ => ClaimValue::Invalid,
    }
}

fn new_str_or_array(value: ClaimValue<StrOrArray<'_>>) -> ClaimValue<Vec<&str>> {
    match value {
        ClaimValue::Present(values) => ClaimValue::Present(values.iter().collect()),
        ClaimValue::Absent => ClaimValue::Absent,
        ClaimValue::Invalid => ClaimValue::Invalid,
    }
}

/// Every typed read of `claims` agrees with the map; run before anything builds the map.
fn typed_reads_agree(claims: &Claims, map: &Map<String, Value>) -> Result<(), TestCaseError> {
    for (name, value) in map {
        let name = name.as_str();
        prop_assert!(claims.contains(name), "{name}");
        prop_assert_eq!(claims.string(name), old_string(value), "{}", name);
        prop_assert_eq!(claims.get_str(name), value.as_str(), "{}", name);
        prop_assert_eq!(claims.numeric_date(name), old_numeric_date(value));
        let array = new_str_or_array(claims.str_or_array(name));
        prop_assert_eq!(array, old_str_or_array(value), "{}", name);
        let object = if value.is_object() {
            ClaimValue::Present(())
        } else {
            ClaimValue::Invalid
        };
        prop_assert_eq!(claims.object(name), object, "{}", name);
    }
    for name in ["sub", "iss", "exp", "nonce", "ver", "x", "zz", "é"] {
        if !map.contains_key(name) {
            prop_assert!(!claims.contains(name) && claims.get(name).is_none());
            prop_assert_eq!(claims.string(name), ClaimValue::Absent);
            prop_assert_eq!(claims.numeric_date(name), ClaimValue::Absent);
        }
    }
    Ok(())
}

/// The parsers agree on `bytes`: the index parser with and without its fast path, each held
/// to the map parser, and the two held to each other (same reason for a refusal). Returns
/// whether the fast path read `bytes`.
fn agree(bytes: &[u8]) -> Result<bool, TestCaseError> {
    let fast = fast_path_agrees(bytes)?;
    agrees_with_the_map_parser(bytes, parse_claims)?;
    agrees_with_the_map_parser(bytes, parse_claims_slow)?;
    match (
        parse_claims(bytes.to_vec()),
        parse_claims_slow(bytes.to_vec()),
    ) {
        (Err(with_fast), Err(without)) => prop_assert_eq!(with_fast, without),
        (Ok(with_fast), Ok(without)) => prop_assert_eq!(with_fast, without),
        (with_fast, without) => prop_assert!(
            false,
            "with the fast path {:?}, without {:?}",
            with_fast.map(|_| ()),
            without.map(|_| ())
        ),
    }
    Ok(fast)
}

/// When the fast path reads `bytes` at all, serde_json accepts them and builds exactly the
/// same index: the same members, spans, typed numbers and known-claim table.
fn fast_path_agrees(bytes: &[u8]) -> Result<bool, TestCaseError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(false);
    };
    let Some(fast) = read_flat_index(text) else {
        return Ok(false);
    };
    prop_assert_eq!(Ok(fast), read_index(text), "{:?}", text);
    Ok(true)
}

/// `parse` agrees with the map parser on `bytes`.
fn agrees_with_the_map_parser(
    bytes: &[u8],
    parse: fn(Vec<u8>) -> Result<Claims, &'static str>,
) -> Result<(), TestCaseError> {
    match (parse_object(bytes), parse(bytes.to_vec())) {
        (Err(old), Err(new)) => prop_assert_eq!(old, new),
        (Ok(map), Ok(claims)) => {
            typed_reads_agree(&claims, &map)?;
            typed_reads_agree(&Claims::new(map.clone()), &map)?;
            for (name, value) in &map {
                prop_assert_eq!(claims.get(name), Some(value));
            }
            prop_assert_eq!(claims.as_map(), &map);
            prop_assert_eq!(&claims, &Claims::new(map));
        }
        (old, new) => prop_assert!(false, "old {:?}, new {:?}", old, new.map(|_| ())),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn the_index_parser_agrees_with_the_map_parser(bytes in payload()) {
        agree(&bytes)?;
    }

    /// Payloads inside the subset read the same with and without the fast path, and the
    /// fast path reads every one whose names are distinct; pushed over one of the subset's
    /// edges, they still read the same or are refused for the same reason.
    #[test]
    fn the_fast_path_agrees_inside_and_at_the_edges_of_the_subset(
        (text, unedited_distinct) in subset_object(&CLAIM_NAMES)
    ) {
        let fast = agree(text.as_bytes())?;
        if let Some(distinct) = unedited_distinct {
            prop_assert_eq!(fast, distinct, "{:?}", text);
        }
    }

    #[test]
    fn the_index_parser_agrees_on_arbitrary_bytes(
        bytes in prop::collection::vec(prop::sample::select(JSON_BYTES), 0..24)
    ) {
        agree(&bytes)?;
    }
}

/// Asserts that the parsers agree on `text`; whether the fast path read it.
fn check(text: &str) -> bool {
    let result = agree(text.as_bytes());
    assert!(result.is_ok(), "{text}: {result:?}");
    result.unwrap_or_default()
}

#[test]
fn agrees_on_the_format_cases() {
    for text in [
        r#"{"sub":"alice","sub":"admin"}"#,
        r#"{"sub":"alice","\u0073ub":"admin"}"#,
        r#"{"\u0073\u0075\u0062":"admin","sub":"alice"}"#,
        r#"{"x":1,"y":2,"x":3}"#,
        r#"{"x":1,"\u0078":2}"#,
        r#"{"exp":"never","exp":1999999999}"#,
        r#"{"roles":{"a":1,"a":2}}"#,
        r#"{"list":[{"a":1},{"b":1,"b":1}]}"#,
        r#"{"aud":["a",1,{"b":2,"b":3}]}"#,
        r#"{"aud":["a","b"],"roles":[],"scp":"x y","m":["a",["b"],"c"]}"#,
        r#"{"exp":1e400}"#,
        r#"{"exp":-0,"nbf":1.0e1,"iat":18446744073709551616,"n":9007199254740993}"#,
        r#"{"sub":"\ud800"}"#,
        r#"{"\ud800":1}"#,
        r#"{"sub":"\ud83d\ude00","e":"\u00e9","q":"a\"b"}"#,
        r#"{"sub":"x"} trailing"#,
        r#"{"sub":"x"}{}"#,
        "\u{feff}{\"sub\":\"x\"}",
        " {\"sub\" : \"x\"}\n",
        r#"{"a":1,}"#,
        r#"{"a":NaN}"#,
        "[]",
        "[{\"a\":1,\"a\":2}]",
        "\"s\"",
        "1.5",
        "null",
        "",
        "{",
    ] {
        check(text);
    }
    for bytes in [
        &b"{\"a\":\"\xff\"}"[..],
        b"{\"\xc3\":1}",
        b"{\"a\":1}\xff",
        b"{\"a\":\"\xed\xa0\x80\"}",
    ] {
        assert!(agree(bytes).is_ok(), "{bytes:?}");
    }
}

#[test]
fn agrees_at_the_nesting_bound() {
    for depth in 120..136 {
        for (open, close) in [("[", "]"), ("{\"a\":", "}"), ("[\"s\",", "]")] {
            let deep = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            check(&format!("{{\"x\":{deep}}}"));
            check(&format!("{{\"x\":[\"s\",{deep}]}}"));
        }
    }
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        parse_claims(deep.into_bytes()).err(),
        Some("nesting too deep")
    );
}

#[test]
fn agrees_on_many_names() {
    let many: Vec<String> = (0..2000).map(|i| format!("\"m{i}\":{i}")).collect();
    let many = format!("{{\"sub\":\"a\",{}}}", many.join(","));
    check(&many);
    check(&format!("{},\"m1999\":1}}", many.trim_end_matches('}')));
    check(&format!("{},\"\\u006d7\":1}}", many.trim_end_matches('}')));
}

#[test]
fn plain_and_escaped_strings_read_back() {
    let claims =
        parse_claims(br#"{"sub":"alice","n\u0061me":"B\u00e9a","aud":["a","b"]}"#.to_vec())
            .unwrap();
    assert_eq!(claims.get_str("sub"), Some("alice"));
    assert_eq!(claims.get_str("name"), Some("Béa"));
    assert_eq!(claims.as_map()["aud"], json!(["a", "b"]));
}

#[test]
fn access_tokens_take_the_fast_path() {
    for text in [
        r#"{"aud":"6e74172b","iss":"https://login.microsoftonline.com/72f9/v2.0","iat":1700000000,"nbf":1700000000,"exp":1700003600,"aio":"AXQAi/8TAAAAbMVr+Iy","azp":"6e74172b","name":"Abe Lincoln","scp":"access_as_user read_data","roles":["a","b"],"groups":[],"sub":"HKZpfaHyWa","email_verified":true,"nonce":null}"#,
        "{}",
        " {\n\t\"sub\" : \"x\" ,\r\n\"aud\" : [ \"a\" , \"b\" ] } \n",
        "{\"a\":\"é€ключ😀\",\"\u{7f}\":-5,\"m\":999999999999999999,\"n\":-999999999999999999}",
        r#"{"empty":"","list":[""],"z":0}"#,
    ] {
        assert!(check(text), "declined {text:?}");
    }
}

#[test]
fn the_edges_of_the_subset_are_decided_by_serde_json() {
    for name in ["sub", "exp", "x"] {
        for (text, inside) in edge_cases(name) {
            assert_eq!(check(&text), inside, "{text:?}");
        }
    }
}
