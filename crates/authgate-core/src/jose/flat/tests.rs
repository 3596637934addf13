//! The fast path against serde_json (through `claims_json::tests::agree`): payloads inside
//! the subset, and the same payloads pushed just over its edges, must read the same, be
//! refused for the same reason, or be declined by the fast path.

use super::*;
use crate::jose::claims_json::tests::{agree, check};
use proptest::prelude::*;

#[test]
fn special_bytes_are_found_at_every_offset() {
    for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
        for len in 0..20 {
            for at in 0..len {
                let mut bytes = vec![b'a'; len];
                bytes[at] = special;
                // Later specials and bytes that only look close never move the first.
                for later in at + 1..len {
                    bytes[later] = [b'"', 0x00, 0x20, 0x7f, 0xff, b'!', b']'][later % 7];
                }
                assert_eq!(first_special(&bytes), Some(at), "{bytes:?}");
            }
        }
    }
    for clean in [
        &b""[..],
        b" !#[]^_\x7f\x80\xff\xe2\x82\xac",
        b"abcdefghijklmnopq",
    ] {
        assert_eq!(first_special(clean), None, "{clean:?}");
    }
}

#[test]
fn special_bytes_agree_with_the_byte_rule_on_every_byte_pair() {
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            let bytes = [b'x', a, b'x', b'x', b'x', b'x', b, b'x'];
            let expected = bytes
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            assert_eq!(first_special(&bytes), expected, "{a:#x} {b:#x}");
        }
    }
}

/// Member names inside the subset (no escapes), well-known claims among them.
const NAMES: [&str; 16] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "nbf",
    "scp",
    "roles",
    "preferred_username",
    "ver",
    "x",
    "Exp",
    "é",
    "ключ",
    "",
    "a b/c",
    "\u{7f}",
];

/// String contents inside the subset.
const TEXTS: [&str; 9] = ["abc", "a b", "é", "ключ", "€", "@", "/", "'", "\u{7f}"];

/// Integers inside the subset: at most 18 digits, no `-0`.
const INTEGERS: [&str; 9] = [
    "0",
    "7",
    "-1",
    "1700000000",
    "-1700000000",
    "999999999999999999",
    "-999999999999999999",
    "100000000000000000",
    "123456789012345678",
];

/// Whitespace between tokens: mostly none, as tokens are minted.
const SPACES: [&str; 8] = ["", "", "", " ", "\t", "\n", "\r\n", " \t"];

/// Values just outside the subset, valid JSON or not (serde_json decides).
const EDGE_VALUES: [&str; 40] = [
    "01",
    "00",
    "-0",
    "-00",
    "-01",
    "-",
    "--1",
    "+1",
    "1.",
    "1.0",
    "0.5",
    ".5",
    "1e5",
    "1E5",
    "1e+5",
    "-1e-5",
    "1e400",
    "0x1",
    "1000000000000000000",
    "-1000000000000000000",
    "9223372036854775807",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "\"a\\u0000b\"",
    "\"a\\\"b\"",
    "\"\\u0073ub\"",
    "\"a\u{0}b\"",
    "\"a\tb\"",
    "\"a\nb\"",
    "\"\u{1f}\"",
    "\"unterminated",
    "{}",
    "{\"a\":1}",
    "[\"a\",1]",
    "[[\"a\"]]",
    "[\"a\",]",
    "[,]",
    "tru",
];

/// Bytes inserted anywhere.
const EDGE_BYTES: [&str; 12] = [
    ",", "}", "]", "[", "\"", ":", "\\", "\u{0}", "\u{1f}", " ", "x", "\u{feff}",
];

/// What may follow the object.
const TRAILERS: [&str; 8] = [" x", "{}", ",", "\u{0}", " \t\r\n", "}", "]", "\u{a0}"];

/// What may precede it.
const LEADERS: [&str; 5] = ["\u{feff}", " \t\r\n", "\u{a0}", "x", "\u{b}"];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(items)
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(pick(&TEXTS), 0..3).prop_map(|t| format!("\"{}\"", t.concat()))
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        pick(&INTEGERS).prop_map(str::to_owned),
        pick(&["true", "false", "null"]).prop_map(str::to_owned),
        (
            prop::collection::vec((text(), pick(&SPACES)), 0..4),
            pick(&SPACES)
        )
            .prop_map(|(items, before)| {
                let items: Vec<String> = items.iter().map(|(t, s)| format!("{s}{t}{s}")).collect();
                format!("[{before}{}]", items.join(","))
            }),
    ]
}

/// The members of a subset object, and the whitespace around its tokens.
type Members = Vec<(String, String, [&'static str; 4])>;

fn members() -> impl Strategy<Value = Members> {
    let spaces = [pick(&SPACES), pick(&SPACES), pick(&SPACES), pick(&SPACES)];
    let name = pick(&NAMES).prop_map(str::to_owned);
    prop::collection::vec((name, value(), spaces), 0..10)
}

fn object(members: &Members, around: &str) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(name, value, [a, b, c, d])| format!("{a}\"{name}\"{b}:{c}{value}{d}"))
        .collect();
    format!("{around}{{{}}}{around}", members.join(","))
}

/// `name` with its first character escaped (`\u0073ub` for `sub`).
fn escaped(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("\\u{:04x}{}", u32::from(first), chars.as_str()),
        None => String::new(),
    }
}

/// One push over the subset's edge, chosen by `kind` (0–3: none).
fn edit(
    mut members: Members,
    around: &str,
    kind: u8,
    at: prop::sample::Index,
    pick: usize,
) -> String {
    let some_member = |members: &Members| at.index(members.len().max(1));
    match kind {
        4 if !members.is_empty() => {
            let i = some_member(&members);
            members[i].1 = EDGE_VALUES[pick % EDGE_VALUES.len()].to_owned();
        }
        5 if !members.is_empty() => {
            let name = &members[some_member(&members)].0;
            let again = if pick.is_multiple_of(2) {
                name.clone()
            } else {
                escaped(name)
            };
            members.push((again, "1".into(), ["", "", "", ""]));
        }
        _ => {}
    }
    let mut text = object(&members, around);
    let byte_at = |text: &String| {
        let mut i = at.index(text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    match kind {
        6 => text.insert_str(byte_at(&text), EDGE_BYTES[pick % EDGE_BYTES.len()]),
        7 => {
            let i = byte_at(&text);
            if let Some((start, _)) = text.char_indices().take_while(|(j, _)| *j <= i).last() {
                text.remove(start);
            }
        }
        8 => text.truncate(byte_at(&text)),
        9 => text.push_str(TRAILERS[pick % TRAILERS.len()]),
        10 => text.insert_str(0, LEADERS[pick % LEADERS.len()]),
        11 => text = text.replacen(':', " ", 1),
        12 => {
            if let Some(end) = text.rfind('}') {
                text.insert(end, ',');
            }
        }
        _ => {}
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Subset payloads read the same with and without the fast path, and the fast path reads
    /// every one of them whose names are distinct; each edit over an edge changes nothing in
    /// the agreement.
    #[test]
    fn the_fast_path_agrees_inside_and_at_the_edges_of_the_subset(
        members in members(),
        around in pick(&SPACES),
        (kind, at, pick) in (0..13u8, any::<prop::sample::Index>(), any::<usize>()),
    ) {
        let mut names: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
        names.sort_unstable();
        let distinct = names.windows(2).all(|w| w[0] != w[1]);
        let text = edit(members, around, kind, at, pick);
        let fast = agree(text.as_bytes())?;
        if kind < 4 {
            prop_assert_eq!(fast, distinct, "{:?}", text);
        }
    }
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
fn the_edges_of_the_subset_are_declined_and_decided_by_serde_json() {
    let is_space = |s: &str| s.bytes().all(|b| b" \t\r\n".contains(&b));
    for value in EDGE_VALUES {
        assert!(
            !check(&format!("{{\"sub\":\"x\",\"v\":{value}}}")),
            "{value}"
        );
        assert!(!check(&format!("{{\"v\":[\"a\",{value}]}}")), "{value}");
    }
    for around in TRAILERS.iter().chain(&LEADERS) {
        let before = check(&format!("{around}{{\"sub\":\"x\"}}"));
        let after = check(&format!("{{\"sub\":\"x\"}}{around}"));
        assert_eq!(
            (before, after),
            (is_space(around), is_space(around)),
            "{around:?}"
        );
    }
    for text in [
        r#"{"sub":"alice","sub":"admin"}"#,
        r#"{"sub":"alice","\u0073ub":"admin"}"#,
        r#"{"m0":1,"m1":1,"m2":1,"m3":1,"m4":1,"m5":1,"m6":1,"m7":1,"m8":1,"m9":1,"ma":1,"mb":1,"mc":1,"md":1,"me":1,"mf":1,"mg":1,"m0":2}"#,
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        r#"{"a":1 "b":2}"#,
        r#"{"a":"x}"#,
        r#"{"a":1"#,
        r#"{"a""#,
        r#"{"#,
        r#"{,}"#,
        r#"{"a":1}}"#,
        r#"{"a":[}"#,
        r#"{"a":["x"}"#,
        r#"{"a":truex}"#,
        r#"{"a":nul}"#,
        "",
        "   ",
        "[]",
        "\"s\"",
        "1",
    ] {
        assert!(!check(text), "read by hand: {text:?}");
    }
}
