//! The header reader: known members after unescaping, the same refusals as the strict
//! parser, and the fast path held to serde_json (inside the subset and at its edges).

use super::*;
use crate::jose::flat::tests::{edge_cases, subset_object};
use proptest::prelude::*;

fn members(text: &str) -> Result<Members<'_>, &'static str> {
    read_members(text.as_bytes())
}

fn text<'a>(member: &'a Option<Member<'_>>) -> Option<&'a str> {
    match member {
        Some(Member::Text(s)) => Some(s),
        _ => None,
    }
}

#[test]
fn reads_known_members_after_unescaping() {
    let m =
        members(r#"{"\u0061lg":"RS256","kid":"k\"1","x":{"a":[1,{"b":2}]},"crit":[]}"#).unwrap();
    assert_eq!(text(&m.alg), Some("RS256"));
    assert_eq!(text(&m.kid), Some("k\"1"));
    assert!(m.crit && !m.b64 && !m.enc && !m.zip && m.typ.is_none());
    let m = members(r#"{"alg":1,"typ":null}"#).unwrap();
    assert!(matches!(m.alg, Some(Member::Other)) && matches!(m.typ, Some(Member::Other)));
}

#[test]
fn refuses_what_the_strict_parser_refuses() {
    for bad in [
        r#"{"alg":"RS256","alg":"HS256"}"#,
        r#"{"alg":"RS256","\u0061lg":"HS256"}"#,
        r#"{"crit":[],"crit":[]}"#,
        r#"{"x":1,"x":2}"#,
        r#"{"x":1,"\u0078":2}"#,
        r#"{"x":{"a":1,"a":2}}"#,
        r#"{"x":[{"a":1,"a":2}]}"#,
        r#"{"alg":"RS256",}"#,
        "\u{feff}{\"alg\":\"RS256\"}",
        r#"{"alg":"RS256"} x"#,
        r#"{"alg":"\ud800"}"#,
        r#"{"x":1e400}"#,
        r#"{"alg":"#,
    ] {
        assert_eq!(
            members(bad).map(|_| ()),
            parse_object(bad.as_bytes()).map(|_| ()),
            "{bad}"
        );
        assert!(members(bad).is_err(), "{bad}");
    }
    for other in ["[]", "\"s\"", "1", "null", "true", "1.5"] {
        assert_eq!(members(other).map(|_| ()), Err("not a JSON object"));
    }
    assert!(read_members(b"{\"alg\":\"\xff\"}").is_err());
    let many: Vec<String> = (0..2000).map(|i| format!("\"m{i}\":0")).collect();
    let many = format!("{{\"alg\":\"RS256\",{}}}", many.join(","));
    assert!(members(&many).is_ok());
    let repeated = format!("{},\"m1999\":1}}", many.trim_end_matches('}'));
    assert_eq!(members(&repeated).map(|_| ()), Err(DUPLICATE));
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(members(&deep).map(|_| ()), Err("nesting too deep"));
}

/// Header names inside the subset: every member the rules read or refuse, and others.
const HEADER_NAMES: [&str; 14] = [
    "alg", "kid", "x5t", "typ", "cty", "crit", "b64", "enc", "zip", "jku", "x5c", "Alg", "x", "",
];

/// The reader with and without its fast path agree on `bytes`, and accept what the strict
/// parser accepts; when the fast path reads `bytes` at all, it reads the same members.
/// Returns whether it did.
fn agree(bytes: &[u8]) -> Result<bool, TestCaseError> {
    let fast = std::str::from_utf8(bytes).ok().and_then(read_flat_members);
    let slow = read_members_slow(bytes);
    if let Some(fast) = &fast {
        prop_assert_eq!(Ok(fast), slow.as_ref());
    }
    prop_assert_eq!(read_members(bytes), slow);
    prop_assert_eq!(read_members(bytes).is_ok(), parse_object(bytes).is_ok());
    Ok(fast.is_some())
}

fn check(text: &str) -> bool {
    let result = agree(text.as_bytes());
    assert!(result.is_ok(), "{text}: {result:?}");
    result.unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Headers inside the subset read the same with and without the fast path, and the fast
    /// path reads every one whose names are distinct; pushed over one of the subset's edges,
    /// they still read the same or are refused for the same reason.
    #[test]
    fn the_fast_path_agrees_inside_and_at_the_edges_of_the_subset(
        (text, unedited_distinct) in subset_object(&HEADER_NAMES)
    ) {
        let fast = agree(text.as_bytes())?;
        if let Some(distinct) = unedited_distinct {
            prop_assert_eq!(fast, distinct, "{:?}", text);
        }
    }
}

#[test]
fn issuers_headers_take_the_fast_path() {
    for text in [
        r#"{"alg":"RS256","kid":"bench-key","typ":"JWT"}"#,
        r#"{"typ":"at+jwt","alg":"ES256","kid":"k1"}"#,
        r#"{"typ":"JWT","alg":"RS256","x5t":"nOo3ZDrODXEK1jKWhXslHR_KXEg","kid":"nOo3ZDrODXEK1jKWhXslHR_KXEg"}"#,
        r#"{"alg":"RS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"RS256","b64":false}"#,
    ] {
        assert!(check(text), "declined {text:?}");
    }
}

#[test]
fn the_edges_of_the_subset_are_decided_by_serde_json() {
    for name in ["alg", "kid", "crit", "x"] {
        for (text, inside) in edge_cases(name) {
            assert_eq!(check(&text), inside, "{text:?}");
        }
    }
    for repeated in [
        r#"{"alg":"RS256","alg":"HS256"}"#,
        r#"{"crit":[],"crit":[]}"#,
        r#"{"b64":true,"b64":false}"#,
        r#"{"x":1,"x":2}"#,
    ] {
        assert!(!check(repeated), "{repeated}");
        assert_eq!(read_members(repeated.as_bytes()), Err(DUPLICATE));
    }
}
